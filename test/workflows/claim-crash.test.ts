/**
 * The one-time post-claim token survives a worker killed (SIGKILL, a real process) between storing the
 * token and completing the activity: a second worker finishes the lifecycle as CLAIMED.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { FileCredentialStore } from '../../src/credentials';
import { startSandbox, type RunningSandbox } from '../../src/sandbox';
import { jobLifecycle } from '../../src/workflows';
import { statusQuery } from '../../src/workflows/definitions';
import { CLEAR_JOB, SECRET_PATTERN, historyText, saveHistoryFixture, waitForStatus } from '../helpers/lifecycle';
import { startDevServer, uniqueTaskQueue } from '../helpers/temporal';

const KEY = Buffer.alloc(32, 9).toString('base64');

describe('crash after the one-time token is stored', () => {
  let env: TestWorkflowEnvironment;
  let sandbox: RunningSandbox;
  let storeDir: string;
  const workers: ChildProcess[] = [];

  before(async () => {
    env = await startDevServer();
    sandbox = await startSandbox({ port: 0, pollIntervalSec: 1 });
    storeDir = mkdtempSync(join(tmpdir(), 'opentrain-crash-'));
  });
  after(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await sandbox?.close();
    await env?.teardown();
    rmSync(storeDir, { recursive: true, force: true });
  });

  async function startWorker(taskQueue: string, crash: boolean): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', require.resolve('../fixtures/workers/lifecycle-worker.ts')], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        CREDENTIAL_STORE_DIR: storeDir,
        CREDENTIAL_STORE_KEY: KEY,
        OPENTRAIN_API_BASE_URL: sandbox.url,
        CRASH_AFTER_TOKEN_STORED: crash ? '1' : '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    workers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    return child;
  }

  test('a second worker completes the claim from the stored token', async () => {
    const taskQueue = uniqueTaskQueue('crash');
    const first = await startWorker(taskQueue, true);
    const handle = await env.client.workflow.start(jobLifecycle, {
      taskQueue,
      workflowId: `crash-${Date.now()}`,
      args: [{ draft: { rawJobDescription: CLEAR_JOB }, claim: { email: 'crash@example.com' }, policy: { review: 'accept' } }],
    });
    const pending = await waitForStatus(handle, (s) => s.claim.state === 'PENDING_HUMAN' && s.stage === 'LIVE');
    const exited = once(first, 'exit');
    await fetch(`${sandbox.url}/__sandbox/claims/${pending.claim.userCode}/approve`, { method: 'POST' });

    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL', `the first worker was killed right after storing the token (code ${code})`);
    const store = new FileCredentialStore({ dir: storeDir, key: Buffer.from(KEY, 'base64') });
    const stored = await store.get(pending.credentialId as string);
    assert.equal(stored?.claimed, true, 'the token was in the store before the crash');

    await startWorker(taskQueue, false);
    const result = await handle.result();
    assert.equal(result.claimState, 'CLAIMED');
    assert.equal((await handle.query(statusQuery)).claim.state, 'CLAIMED');
    const afterCrash = await store.get(pending.credentialId as string);
    assert.equal(afterCrash?.accessToken, stored?.accessToken, 'the same post-claim token, not lost or replaced');
    assert.doesNotMatch(await historyText(handle), SECRET_PATTERN);
    await saveHistoryFixture('claim-crash-recovered', handle);
  });
});
