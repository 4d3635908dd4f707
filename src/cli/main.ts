/**
 * opentrain-orchestrator: the terminal client of the backend API.
 *
 *   start [file] | --text "..."   start a lifecycle from a job description
 *   status <id>                   where it is and what it waits for
 *   answer <id>                   answer the missing fields (interactive, or --set key=value)
 *   claim <id> --email <e-mail>   start the claim; prints the code the owner types
 *   list [--stage <stage>]        lifecycles, through Temporal visibility
 *   confirm | approve-publish | cancel <id>
 *
 * API_URL (default http://127.0.0.1:3000) and API_KEY come from the environment, else from .data/local.env,
 * which `npm start` writes. Exit codes: 0 done, 1 the API refused or failed, 2 wrong usage.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { STAGES, type Stage, NO_CLAIM } from '../workflows/definitions';
import { ApiClient, ApiClientError, resolveSettings, type StartRequest } from './api-client';
import { formatAnswersResult, formatApiError, formatClaimStarted, formatList, formatStatus } from './format';
import { askForAnswers, createAsker } from './prompt';

interface GlobalOptions {
  apiUrl?: string;
  apiKey?: string;
}

/** `key=value`; the value is JSON when it parses (numbers, lists, true/false), a plain string otherwise. */
export function parseAssignment(text: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const at = text.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got "${text}"`);
  const key = text.slice(0, at).trim();
  const raw = text.slice(at + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // not JSON: keep the text
  }
  return { ...previous, [key]: value };
}

export function buildProgram(out: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Command {
  const program = new Command();
  program
    .name('opentrain-orchestrator')
    .description('Start and drive OpenTrain job lifecycles through the backend API')
    .option('--api-url <url>', 'backend API (env API_URL; default http://127.0.0.1:3000)')
    .option('--api-key <key>', 'bearer key (env API_KEY; default from .data/local.env)')
    .showHelpAfterError()
    .exitOverride();

  const client = () => new ApiClient(resolveSettings(program.opts<GlobalOptions>()));
  const print = (json: boolean, value: unknown, text: () => string) => out(json ? JSON.stringify(value, null, 2) : text());

  program
    .command('start')
    .description('Start a lifecycle from a job description (a text file, or --text)')
    .argument('[file]', 'text file with the job description ("-" reads stdin)')
    .option('--text <text>', 'the job description itself')
    .option('--email <email>', 'owner e-mail for the claim')
    .option('--skip-claim', 'never claim the account')
    .option('--workflow-id <id>', 'your id for the lifecycle; starting again with it returns the same one')
    .option('--external-id <id>', 'your reference for the job (search attribute OpenTrainExternalId)')
    .addOption(new Option('--review <policy>', 'low-confidence fields: confirm (wait for you) or accept').choices(['accept', 'confirm']))
    .addOption(new Option('--publish <policy>', 'publish when ready (auto) or after approve-publish (manual)').choices(['auto', 'manual']))
    .option('--json', 'print JSON')
    .action(async (file: string | undefined, options: { text?: string; email?: string; skipClaim?: boolean; workflowId?: string; externalId?: string; review?: 'accept' | 'confirm'; publish?: 'auto' | 'manual'; json?: boolean }) => {
      if (Boolean(file) === Boolean(options.text)) throw new InvalidArgumentError('give the job description as a file or with --text (one of them)');
      const text = options.text ?? readFileSync(file === '-' ? 0 : (file as string), 'utf8');
      const body: StartRequest = { draft: { rawJobDescription: text.trim(), ...(options.externalId ? { externalId: options.externalId } : {}) } };
      if (options.workflowId) body.workflowId = options.workflowId;
      if (options.review || options.publish) body.policy = { ...(options.review ? { review: options.review } : {}), ...(options.publish ? { publish: options.publish } : {}) };
      if (options.email) body.claim = { email: options.email };
      else if (options.skipClaim) body.claim = NO_CLAIM;
      const started = await client().start(body);
      print(Boolean(options.json), started, () =>
        [`${started.created ? 'Started' : 'Already running'}: ${started.workflowId}`, `  Follow it with: opentrain-orchestrator status ${started.workflowId}`].join('\n'),
      );
    });

  program
    .command('status')
    .description('Show where a lifecycle is and what it waits for')
    .argument('<id>', 'lifecycle (workflow) id')
    .option('--json', 'print the status query as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const status = await client().status(id);
      print(Boolean(options.json), status, () => formatStatus(id, status));
    });

  program
    .command('answer')
    .description('Answer the missing fields: asks each one (enum values as a numbered list), or takes --set key=value')
    .argument('<id>', 'lifecycle (workflow) id')
    .option('--set <key=value>', 'an answer; repeat for several (values are JSON when they parse)', (text, previous) => parseAssignment(text, previous), {} as Record<string, unknown>)
    .option('--async', 'send as a signal and return at once (the outcome shows in status)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { set: Record<string, unknown>; async?: boolean; json?: boolean }) => {
      const api = client();
      let values = options.set;
      if (Object.keys(values).length === 0) {
        const status = await api.status(id);
        if (status.missingFields.length === 0) {
          out(`Nothing to answer: ${id} has no missing fields (stage ${status.stage}).`);
          return;
        }
        out(`${id} needs ${status.missingFields.length} answer(s). Empty line skips a field.`);
        const asker = createAsker();
        try {
          values = await askForAnswers(status.missingFields, asker, out);
        } finally {
          asker.close();
        }
        if (Object.keys(values).length === 0) {
          out('No answers given; nothing sent.');
          return;
        }
      }
      if (options.async) {
        await api.answer(id, values, 'async');
        out(`Sent ${Object.keys(values).join(', ')}; see the outcome with: opentrain-orchestrator status ${id}`);
        return;
      }
      const result = await api.answer(id, values);
      print(Boolean(options.json), result, () => formatAnswersResult(result));
    });

  program
    .command('claim')
    .description('Start the claim of the account for an owner e-mail; prints the code to enter')
    .argument('<id>', 'lifecycle (workflow) id')
    .requiredOption('--email <email>', 'owner e-mail')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { email: string; json?: boolean }) => {
      const started = await client().claim(id, options.email);
      print(Boolean(options.json), started, () => formatClaimStarted(started));
    });

  program
    .command('list')
    .description('List lifecycles (Temporal visibility), newest first')
    .addOption(new Option('--stage <stage>', 'only this stage').choices([...STAGES]))
    .option('--page-size <n>', 'how many', (text) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100');
      return n;
    })
    .option('--json', 'print JSON')
    .action(async (options: { stage?: Stage; pageSize?: number; json?: boolean }) => {
      const page = await client().list({ stage: options.stage, pageSize: options.pageSize });
      print(Boolean(options.json), page, () => formatList(page.lifecycles) + (page.nextPageToken ? '\n(more: use --json for nextPageToken)' : ''));
    });

  program
    .command('confirm')
    .description('Accept the low-confidence fields (optionally with --set corrections)')
    .argument('<id>', 'lifecycle (workflow) id')
    .option('--set <key=value>', 'a correction; repeat for several', (text, previous) => parseAssignment(text, previous), {} as Record<string, unknown>)
    .action(async (id: string, options: { set: Record<string, unknown> }) => {
      await client().confirm(id, Object.keys(options.set).length > 0 ? options.set : undefined);
      out(`Confirmed the low-confidence fields of ${id}.`);
    });

  program
    .command('approve-publish')
    .description('Approve publishing (lifecycles started with --publish manual)')
    .argument('<id>', 'lifecycle (workflow) id')
    .action(async (id: string) => {
      await client().approvePublish(id);
      out(`Publishing approved for ${id}.`);
    });

  program
    .command('cancel')
    .description('Cancel a lifecycle')
    .argument('<id>', 'lifecycle (workflow) id')
    .action(async (id: string) => {
      await client().cancel(id);
      out(`Cancellation requested for ${id}.`);
    });

  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof ApiClientError) {
      process.stderr.write(`${formatApiError(error)}\n`);
      return 1;
    }
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`Error: ${error.message}\n`);
      return 2;
    }
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2; // commander already printed the message
    process.stderr.write(`Error: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
