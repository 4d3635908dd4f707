/**
 * A real lifecycle stack for tests: an ephemeral Temporal server, the OpenTrain sandbox over real HTTP,
 * an encrypted file credential store in a temporary folder, and a worker running the real activities.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../src/activities';
import { FileCredentialStore } from '../../src/credentials';
import { startSandbox, type SandboxOptions } from '../../src/sandbox';
import { jobLifecycle } from '../../src/workflows';
import { statusQuery, submitAnswersUpdate, type LifecycleStatus, type Stage } from '../../src/workflows/definitions';
import type { LifecycleInput } from '../../src/workflows/input';
import { uniqueTaskQueue, workflowBundle } from './temporal';
import { plausibleAnswer } from '../../bench/lib/people';

export const SECRET_PATTERN = /ot_(pat|clm|cat)_[A-Za-z0-9]/;

/** A job description the sandbox can read completely: publish-ready at once (its title is a guess). */
export const CLEAR_JOB =
  'Image categorisation: we need 5 annotators to label 10,000 images of street scenes. Pay is $0.05 per label. ' +
  'Intermediate experience. English speakers.';
/** A job description that leaves several fields to ask about. */
export const VAGUE_JOB = 'We need people to draw bounding boxes around cars in street photos for a self-driving project.';

export interface LifecycleStack {
  env: TestWorkflowEnvironment;
  sandboxUrl: string;
  store: FileCredentialStore;
  storeDir: string;
  taskQueue: string;
  worker: Worker;
  /** Runs `fn` while the worker runs; fails fast if the worker dies. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  start(input: LifecycleInput, workflowId?: string): Promise<WorkflowHandle<typeof jobLifecycle>>;
  sandbox<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function createLifecycleStack(
  env: TestWorkflowEnvironment,
  options: { sandbox?: SandboxOptions; activities?: Partial<ActivityDeps>; dataConverter?: DataConverter } = {},
): Promise<LifecycleStack> {
  const sandbox = await startSandbox({ port: 0, pollIntervalSec: 1, ...options.sandbox });
  const storeDir = mkdtempSync(join(tmpdir(), 'opentrain-store-'));
  const store = new FileCredentialStore({ dir: storeDir, key: Buffer.alloc(32, 7) });
  const taskQueue = uniqueTaskQueue('lifecycle');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle({ failureConverterPath: options.dataConverter?.failureConverterPath }),
    dataConverter: options.dataConverter,
    activities: createActivities({ store, baseUrl: sandbox.url, timeoutMs: 10_000, ...options.activities }),
  });
  const running = worker.run();
  const workerDied = running.then(() => {
    throw new Error('worker stopped');
  });
  workerDied.catch(() => undefined);
  let counter = 0;
  return {
    env,
    sandboxUrl: sandbox.url,
    store,
    storeDir,
    taskQueue,
    worker,
    run: (fn) => Promise.race([fn(), workerDied]),
    async start(input, workflowId = `lifecycle-${process.pid}-${Date.now().toString(36)}-${++counter}`) {
      return env.client.workflow.start(jobLifecycle, { taskQueue, workflowId, args: [input] });
    },
    async sandbox(method, path, body) {
      const response = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as never;
    },
    async close() {
      worker.shutdown();
      await running;
      await sandbox.close();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (status: LifecycleStatus) => boolean,
  timeoutMs = 30_000,
): Promise<LifecycleStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: LifecycleStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(statusQuery);
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for status; last seen: ${JSON.stringify(last)}`);
}

export const waitForStage = (handle: WorkflowHandle, stages: Stage[], timeoutMs?: number) =>
  waitForStatus(handle, (s) => stages.includes(s.stage), timeoutMs);

/** Stages the lifecycle passes through on its own, without waiting for anyone. */
const TRANSIENT_STAGES: Stage[] = ['REGISTERING', 'VERIFYING', 'DRAFTING', 'UPDATING_DRAFT', 'PUBLISHING'];

/** Answers every missing field, one `submitAnswers` round per field; returns the number of rounds. */
export async function answerAllPrompts(handle: WorkflowHandle): Promise<number> {
  let rounds = 0;
  for (;;) {
    const status = await waitForStatus(handle, (s) => !TRANSIENT_STAGES.includes(s.stage));
    if (status.stage !== 'AWAITING_ANSWERS') return rounds;
    const field = status.missingFields[0];
    if (!field) throw new Error('AWAITING_ANSWERS with no missing field');
    await handle.executeUpdate(submitAnswersUpdate, { args: [{ values: plausibleAnswer(field) }] });
    rounds += 1;
  }
}

export const HISTORY_FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, writes the run's history under test/fixtures/histories for the replay tests,
 * which then guard running workflows against non-deterministic changes to the workflow code.
 */
export async function saveHistoryFixture(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  writeFileSync(join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(await handle.fetchHistory()) + '\n');
}

/** The whole history as JSON text for secret scans, with payload bytes written out as text so they are scanned too. */
export async function historyText(handle: WorkflowHandle): Promise<string> {
  return asText(await handle.fetchHistory());
}

/** JSON of a proto message with every bytes field (payload data, metadata) decoded as UTF-8 text. */
export function asText(value: unknown): string {
  const plain = (item: unknown): unknown => {
    if (item instanceof Uint8Array) return Buffer.from(item).toString('utf8');
    if (Array.isArray(item)) return item.map(plain);
    if (item !== null && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)]));
    return item;
  };
  return JSON.stringify(plain(value));
}
