/**
 * The real CLI (bin/opentrain-orchestrator.js) as a child process against the real backend API, in front
 * of a Temporal dev server, a worker and the sandbox.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LifecycleStatus, MissingFieldView } from '../../src/workflows/definitions';
import { API_KEY, eventually, startApiStack, type ApiStack } from '../api/helpers';

const BIN = resolve(__dirname, '..', '..', 'bin', 'opentrain-orchestrator.js');
const VAGUE_JOB = 'We need people to draw bounding boxes around cars in street photos for a self-driving project.';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('opentrain-orchestrator CLI', () => {
  let api: ApiStack;
  let counter = 0;
  const newId = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

  /** Runs the CLI; asynchronous so the API in this process keeps answering. */
  const cli = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> =>
    new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        // A working folder without .data/local.env: settings come from the environment only.
        cwd: mkdtempSync(join(tmpdir(), 'cli-')),
        env: { ...process.env, API_URL: api.url, API_KEY, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolveRun({ code, stdout, stderr }));
      child.stdin.end(options.stdin ?? '');
    });
  const ok = async (args: string[], options?: Parameters<typeof cli>[1]) => {
    const run = await cli(args, options);
    assert.equal(run.code, 0, `${args.join(' ')}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    return run.stdout;
  };
  const statusOf = async (id: string) => JSON.parse(await ok(['status', id, '--json'])) as LifecycleStatus;
  const waitFor = (id: string, predicate: (s: LifecycleStatus) => boolean) =>
    eventually(`${id} status`, async () => {
      const status = await statusOf(id);
      return predicate(status) ? status : undefined;
    });

  before(async () => {
    api = await startApiStack();
  });
  after(async () => {
    await api?.close();
  });

  test('start (from --text and from a file), repeated start, status in words and JSON', async () => {
    const id = newId('cli');
    const started = await ok(['start', '--text', VAGUE_JOB, '--workflow-id', id, '--review', 'accept', '--skip-claim']);
    assert.match(started, new RegExp(`Started: ${id}`));
    assert.match(await ok(['start', '--text', VAGUE_JOB, '--workflow-id', id]), new RegExp(`Already running: ${id}`));

    const file = join(mkdtempSync(join(tmpdir(), 'job-')), 'job.txt');
    writeFileSync(file, `${VAGUE_JOB}\n`);
    const fromFile = JSON.parse(await ok(['start', file, '--email', `owner-${newId('e')}@example.com`, '--json']));
    assert.equal(fromFile.created, true);
    assert.match(fromFile.workflowId, /^lc-/);

    const waiting = await waitFor(id, (s) => s.stage === 'AWAITING_ANSWERS');
    const text = await ok(['status', id]);
    assert.match(text, new RegExp(`Lifecycle ${id}`));
    assert.match(text, /Stage: +AWAITING_ANSWERS/);
    assert.match(text, new RegExp(`Missing fields \\(${waiting.missingFields.length}\\)`));
    assert.match(text, /Claim: +NOT_NEEDED/);
    await ok(['cancel', id]);
    await ok(['cancel', fromFile.workflowId]);
  });

  test('answer --set sends values and prints the new validation; a refused value names the field and the rule', async () => {
    const id = newId('cli-set');
    await ok(['start', '--text', VAGUE_JOB, '--workflow-id', id, '--skip-claim']);
    const waiting = await waitFor(id, (s) => s.stage === 'AWAITING_ANSWERS');
    const field = waiting.missingFields.find((f) => f.enumValues?.length) ?? waiting.missingFields[0]!;
    const key = field.updateKeys[0]!;
    const value = field.enumValues?.[0] ?? 'A clear answer';
    const applied = await ok(['answer', id, '--set', `${key}=${value}`]);
    assert.match(applied, /Answers applied\. Stage: /);
    assert.doesNotMatch(applied, new RegExp(`- ${key}[ :(]`), `${key} is no longer listed as missing`);

    const refused = await cli(['answer', id, '--set', 'headcount="five"', '--set', 'notAField=1']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /Error \(422 INVALID_ANSWERS\)/);
    assert.match(refused.stderr, /- headcount: .+/);
    assert.match(refused.stderr, /- notAField: is not a draft field/);

    const usage = await cli(['answer', id, '--set', 'novalue']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /expected key=value/);
    await ok(['cancel', id]);
  });

  test('interactive answer: numbered enum choices and typed values read from stdin', async () => {
    const id = newId('cli-ask');
    await ok(['start', '--text', VAGUE_JOB, '--workflow-id', id, '--skip-claim']);
    const waiting = await waitFor(id, (s) => s.stage === 'AWAITING_ANSWERS');
    const withEnum = waiting.missingFields.find((f) => f.enumValues?.length);
    assert.ok(withEnum, 'the vague job has an enum field to ask');

    // One line per question: an out-of-range choice first (asked again), then a valid one; text fields get text.
    const lines = waiting.missingFields.flatMap((f) => (f === withEnum ? ['99', '2'] : [typedAnswer(f)]));
    const run = await ok(['answer', id], { stdin: `${lines.join('\n')}\n` });
    assert.match(run, new RegExp(`needs ${waiting.missingFields.length} answer`));
    withEnum.enumValues!.forEach((value, i) => assert.match(run, new RegExp(`${i + 1}\\) ${value}`)));
    assert.match(run, new RegExp(`choose a number from 1 to ${withEnum.enumValues!.length}`));
    assert.match(run, /Answers applied\. Stage: /);

    const after = await statusOf(id);
    assert.ok(!after.missingFields.some((f) => f.field === withEnum.field), `${withEnum.field} was answered`);
    await ok(['cancel', id]);
  });

  test('claim --email prints the code; list --stage finds lifecycles; a wrong key is a clear error', async () => {
    const id = newId('cli-claim');
    await ok(['start', '--text', VAGUE_JOB, '--workflow-id', id]);
    await waitFor(id, (s) => s.stage === 'AWAITING_ANSWERS' && s.claim.state === 'AWAITING_EMAIL');
    const claim = await ok(['claim', id, '--email', `owner-${newId('e')}@example.com`]);
    assert.match(claim, /Claim started \(attempt 1\)/);
    assert.match(claim, /Enter code \d{6} at http/);

    const listed = await eventually('list shows it', async () => {
      const out = await ok(['list', '--stage', 'AWAITING_ANSWERS']);
      return out.includes(id) ? out : undefined;
    });
    assert.match(listed, /^WORKFLOW ID +STATUS +STAGE +CLAIM +JOB +STARTED/);
    assert.match(listed, new RegExp(`${id} +RUNNING +AWAITING_ANSWERS +PENDING_HUMAN`));
    const json = JSON.parse(await ok(['list', '--stage', 'AWAITING_ANSWERS', '--json']));
    assert.ok(json.lifecycles.some((l: { workflowId: string }) => l.workflowId === id));

    const wrongKey = await cli(['status', id], { env: { API_KEY: 'not-the-key-at-all' } });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /Error \(401 UNAUTHORIZED\): The API key is wrong/);
    const unknown = await cli(['status', 'no-such-lifecycle']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Error \(404 NOT_FOUND\)/);
    await ok(['cancel', id]);
  });
});

/** A line a person might type for a field that is not an enum. */
function typedAnswer(field: MissingFieldView): string {
  const key = field.updateKeys[0] ?? field.field;
  if (field.type === 'integer' || key === 'headcount') return '3';
  if (field.type === 'number' || /price|rate|volume/i.test(key)) return String(Number(field.example ?? 1) || 1);
  if (field.type === 'string[]') return 'English, French';
  return field.example ?? `Answer for ${field.label ?? key}`;
}
