/**
 * The production worker as the image runs it: scripts/build-workflow-bundle.ts run for real, then
 * `src/worker.ts` started as a child process from the produced (encrypted) bundle against an ephemeral dev
 * server and the sandbox. Checks the lifecycle runs, logs are JSON without secrets, the Prometheus
 * endpoint serves Temporal metrics, and SIGTERM lets a running activity finish before the process exits.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDataConverter } from '../../src/codec';
import { startSandbox, type RunningSandbox } from '../../src/sandbox';
import { jobLifecycle } from '../../src/workflows';
import { statusQuery, NO_CLAIM } from '../../src/workflows/definitions';
import { SECRET_PATTERN } from '../helpers/lifecycle';
import { startDevServer, uniqueTaskQueue } from '../helpers/temporal';
import { freePort } from '../../scripts/free-port';
import { ROOT, startTsProcess, type LoggedProcess } from './helpers';

const run = promisify(execFile);
const JOB = 'We need 5 annotators to label 10,000 street images. Pay is $0.05 per label. Intermediate experience. English speakers.';

describe('production worker from the prebuilt bundle', () => {
  const payloadEnv = { PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  let env: TestWorkflowEnvironment;
  let sandbox: RunningSandbox;
  let outDir: string;
  let storeDir: string;
  let worker: LoggedProcess;
  let metricsPort: number;
  const taskQueue = uniqueTaskQueue('prod-worker');

  const workerEnv = () => ({
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    OPENTRAIN_API_BASE_URL: sandbox.url,
    ...payloadEnv,
    CREDENTIAL_STORE_KEY: randomBytes(32).toString('base64'),
    CREDENTIAL_STORE_DIR: storeDir,
    WORKFLOW_BUNDLE_PATH: join(outDir, 'workflow-bundle.encrypted.js'),
    METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`,
    WORKER_SHUTDOWN_GRACE_SECONDS: '20',
    LOG_LEVEL: 'info',
  });

  before(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'opentrain-bundle-'));
    storeDir = mkdtempSync(join(tmpdir(), 'opentrain-store-'));
    const [built, devServer, sb, port] = await Promise.all([
      run(process.execPath, ['--import', 'tsx', 'scripts/build-workflow-bundle.ts', '--out', outDir], { cwd: ROOT, timeout: 120_000 }),
      startDevServer({ client: { dataConverter: createDataConverter(payloadEnv) } }),
      startSandbox({ port: 0, pollIntervalSec: 1 }),
      freePort(),
    ]);
    env = devServer;
    sandbox = sb;
    metricsPort = port;
    assert.match(built.stdout, /Workflow bundles written/);
  }, { timeout: 180_000 });

  after(async () => {
    await worker?.stop('SIGKILL');
    await sandbox?.close();
    await env?.teardown();
    rmSync(outDir, { recursive: true, force: true });
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('the build script writes a plain and an encrypted bundle', () => {
    const plain = readFileSync(join(outDir, 'workflow-bundle.js'), 'utf8');
    const encrypted = readFileSync(join(outDir, 'workflow-bundle.encrypted.js'), 'utf8');
    assert.ok(plain.length > 100_000 && encrypted.length > 100_000);
    assert.ok(encrypted.includes('failure-converter'), 'the encrypted bundle carries the codec failure converter');
    assert.ok(!plain.includes('codec/failure-converter'), 'the plain bundle does not');
    assert.ok(!existsSync(join(outDir, 'workflow-bundle.js.partial')));
  });

  it('starts quickly from the bundle, logs JSON, and runs a lifecycle', { timeout: 90_000 }, async () => {
    const started = Date.now();
    worker = startTsProcess('src/worker.ts', workerEnv());
    const ready = await worker.waitForLog((l) => l.msg === 'Worker ready');
    const startMs = Date.now() - started;
    console.log(`worker ready ${startMs} ms after spawn (prebuilt bundle, tsx)`);
    assert.equal(ready.workflowCode, join(outDir, 'workflow-bundle.encrypted.js'));
    assert.equal(ready.payloadEncryption, true);
    assert.equal(ready.credentialStore, 'file');
    assert.equal(ready.shutdownGraceTime, 20_000);
    assert.equal(ready.maxTaskQueueActivitiesPerSecond, undefined, 'no limit unless configured');
    assert.equal(ready.level, 'info');
    assert.ok(typeof ready.time === 'string' && !Number.isNaN(Date.parse(ready.time)));

    const handle = await env.client.workflow.start(jobLifecycle, {
      taskQueue,
      workflowId: `prod-worker-${Date.now()}`,
      args: [{ draft: { rawJobDescription: JOB }, claim: NO_CLAIM }],
    });
    const deadline = Date.now() + 30_000;
    let stage = '';
    while (Date.now() < deadline) {
      stage = (await handle.query(statusQuery)).stage;
      if (['AWAITING_ANSWERS', 'AWAITING_REVIEW', 'AWAITING_PUBLISH_APPROVAL', 'LIVE', 'COMPLETED'].includes(stage)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(['AWAITING_ANSWERS', 'AWAITING_REVIEW', 'AWAITING_PUBLISH_APPROVAL', 'LIVE', 'COMPLETED'].includes(stage), `stage ${stage}`);
    await handle.terminate('test done');
  });

  it('serves Prometheus metrics on METRICS_BIND_ADDRESS', async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    for (const metric of ['temporal_worker_task_slots_available', 'temporal_workflow_task_execution_latency', 'temporal_activity_execution_latency']) {
      assert.match(text, new RegExp(`^${metric}`, 'm'), metric);
    }
    assert.match(text, new RegExp(`task_queue="${taskQueue}"`));
  });

  it('SIGTERM lets the running activity finish, then exits 0', { timeout: 90_000 }, async () => {
    // The draft call takes 4 s; the worker is told to stop while it is in flight.
    await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'POST', path: '/api/public/v1/job-drafts', delayMs: 4_000 }),
    });
    const handle = await env.client.workflow.start(jobLifecycle, {
      taskQueue,
      workflowId: `prod-worker-shutdown-${Date.now()}`,
      args: [{ draft: { rawJobDescription: JOB }, claim: NO_CLAIM }],
    });
    const startedDraft = async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      return events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createDraft');
    };
    const deadline = Date.now() + 20_000;
    while (!(await startedDraft()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 700)); // the worker has picked it up and is waiting on the sandbox

    const { code, ms } = await worker.stop('SIGTERM');
    console.log(`worker exited ${ms} ms after SIGTERM with code ${code}`);
    assert.equal(code, 0, worker.stderr());
    assert.ok(ms >= 2_000, `waited for the in-flight activity (${ms} ms)`);

    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createDraft');
    const completed = events.find((e) => e.activityTaskCompletedEventAttributes && String(e.activityTaskCompletedEventAttributes.scheduledEventId) === String(scheduled?.eventId));
    assert.ok(completed, 'createDraft completed before the worker exited');
    assert.ok(worker.logs.some((l) => l.msg === 'Worker stopped'));
    await handle.terminate('test done');
  });

  it('wrote only JSON lines and no secret to stdout or stderr', () => {
    const unparsed = worker.logs.filter((l) => 'unparsed' in l);
    assert.deepEqual(unparsed, []);
    assert.ok(worker.logs.length >= 3);
    assert.ok(worker.logs.every((l) => typeof l.level === 'string' && typeof l.msg === 'string'));
    assert.doesNotMatch(worker.stdout(), SECRET_PATTERN);
    assert.doesNotMatch(worker.stderr(), SECRET_PATTERN);
  });
});
