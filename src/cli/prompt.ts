/**
 * Asks a person for each missing field, one at a time, with node:readline. Works on a terminal and on piped
 * stdin alike: lines are read through the interface's async iterator, which keeps lines that arrive before
 * the question is asked (readline's question() would drop them).
 */
import { createInterface } from 'node:readline';
import type { MissingFieldView } from '../workflows/definitions';

export interface Asker {
  ask(question: string): Promise<string | null>;
  close(): void;
}

export function createAsker(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Asker {
  const rl = createInterface({ input, output, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question) {
      output.write(question);
      const next = await lines.next();
      if (next.done) return null;
      return next.value.trim();
    },
    close: () => rl.close(),
  };
}

/** What a typed answer becomes for a field, or an error message to show before asking again. */
export function parseAnswer(field: MissingFieldView, raw: string): { value: unknown } | { error: string } {
  const enumValues = field.enumValues ?? [];
  if (enumValues.length > 0) {
    const index = Number(raw);
    if (Number.isInteger(index) && index >= 1 && index <= enumValues.length) return { value: enumValues[index - 1] };
    const named = enumValues.find((v) => v.toLowerCase() === raw.toLowerCase());
    return named ? { value: named } : { error: `choose a number from 1 to ${enumValues.length}` };
  }
  switch (field.type) {
    case 'number':
    case 'integer': {
      const number = Number(raw.replace(/[,_$\s]/g, ''));
      if (!Number.isFinite(number)) return { error: 'type a number' };
      if (field.type === 'integer' && !Number.isInteger(number)) return { error: 'type a whole number' };
      return { value: number };
    }
    case 'string[]':
      return { value: raw.split(',').map((s) => s.trim()).filter(Boolean) };
    default:
      return { value: raw };
  }
}

/**
 * Asks every field in turn; an empty line skips a field. Returns the answers keyed by the field's update key
 * (the ones given so far, when the input ends early).
 */
export async function askForAnswers(fields: MissingFieldView[], asker: Asker, out: (line: string) => void): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const [n, field] of fields.entries()) {
    const key = field.updateKeys[0] ?? field.field;
    out('');
    out(`(${n + 1}/${fields.length}) ${field.label ?? field.field}${field.label && field.label !== key ? ` [${key}]` : ''}`);
    const question = field.prompt ?? field.message;
    if (question) out(`  ${question}`);
    if (field.hint) out(`  Hint: ${field.hint}`);
    if (field.example) out(`  Example: ${field.example}`);
    field.enumValues?.forEach((value, i) => out(`  ${i + 1}) ${value}`));
    for (;;) {
      const raw = await asker.ask(field.enumValues?.length ? `Choice (1-${field.enumValues.length}, empty to skip): ` : 'Answer (empty to skip): ');
      if (raw === null) return values; // input ended: send what we have
      if (raw === '') break;
      const parsed = parseAnswer(field, raw);
      if ('value' in parsed) {
        values[key] = parsed.value;
        break;
      }
      out(`  ${parsed.error}`);
    }
  }
  return values;
}
