/**
 * The simulated people of the tests, the benchmark and the chaos run: how someone answers a prompt.
 */
import type { MissingFieldView } from '../../src/workflows/definitions';

/** What a person would answer: the first enum value, else the documented example, else a plausible value. */
export function plausibleAnswer(field: MissingFieldView): Record<string, unknown> {
  const key = field.updateKeys[0] as string;
  if (field.enumValues && field.enumValues.length > 0) return { [key]: field.enumValues[0] };
  const numeric = ['number', 'integer'].includes(field.type ?? '') || /price|rate|count|volume|headcount/i.test(key);
  if (numeric) return { [key]: key === 'headcount' ? 3 : Number(field.example ?? 1) || 1 };
  if (field.type === 'string[]') return { [key]: ['English'] };
  return { [key]: field.example ?? `Answer for ${field.label ?? key}` };
}
