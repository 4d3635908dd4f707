/**
 * Scale-out, measured: two real worker processes (test/deploy/fixtures/rate-worker.ts, configured through
 * the same loadConfig -> productionWorkerOptions path as src/worker.ts) share one task queue on an
 * ephemeral dev server with OPENTRAIN_MAX_REQUESTS_PER_SECOND set. A burst of activities, each one HTTP
 * request to a local counting server, is scheduled at once; the counting server's clock measures the
 * aggregate start rate. Both workers must take work and, together, stay within the limit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer, uniqueTaskQueue } from '../helpers/temporal';
import { startTsProcess, type LoggedProcess } from './helpers';

const LIMIT = 10; // activities (= OpenTrain requests) per second, for the whole task queue
const WORKFLOWS = 4;
const PER_WORKFLOW = 30;
const TOTAL = WORKFLOWS * PER_WORKFLOW;

interface Hit {
  at: number;
  worker: string;
}

describe('two workers on one task queue with a queue-wide rate limit', () => {
  let env: TestWorkflowEnvironment;
  let counter: Server;
  let counterUrl: string;
  const hits: Hit[] = [];
  let dir: string;
  const workers: LoggedProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opentrain-scale-'));
    counter = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://counter');
      hits.push({ at: performance.timeOrigin + performance.now(), worker: url.searchParams.get('worker') ?? '?' });
      response.end('ok');
    });
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
    const address = counter.address();
    counterUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const [devServer, bundle] = await Promise.all([
      startDevServer(),
      bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/rate-workflows'), logger: new DefaultLogger('WARN') }),
    ]);
    env = devServer;
    writeFileSync(join(dir, 'bundle.js'), bundle.code);
  }, { timeout: 120_000 });

  after(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await env?.teardown();
    await new Promise((resolve) => counter?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`both workers take work and together start at most ${LIMIT} activities per second`, { timeout: 90_000 }, async () => {
    const taskQueue = uniqueTaskQueue('scale');
    for (const name of ['worker-a', 'worker-b']) {
      workers.push(
        startTsProcess('test/deploy/fixtures/rate-worker.ts', {
          ...process.env,
          TEMPORAL_ADDRESS: env.address,
          TEMPORAL_TASK_QUEUE: taskQueue,
          OPENTRAIN_MAX_REQUESTS_PER_SECOND: String(LIMIT),
          WORKER_MAX_CONCURRENT_ACTIVITIES: '20',
          WORKFLOW_BUNDLE_PATH: join(dir, 'bundle.js'),
          COUNTER_URL: counterUrl,
          WORKER_NAME: name,
          LOG_LEVEL: 'info',
        }),
      );
    }
    // Both are polling before any work exists, so neither gets a head start.
    await Promise.all(workers.map((w) => w.waitForLog((l) => l.msg === 'Worker ready', 60_000).catch(() => undefined)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { pollers } = await env.connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 2 });
      if (new Set(pollers?.map((p) => p.identity)).size >= 2) break;
      assert.ok(Date.now() < deadline, `both workers poll activities; stderr: ${workers.map((w) => w.stderr()).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const handles = await Promise.all(
      Array.from({ length: WORKFLOWS }, (_, i) => env.client.workflow.start('fanOut', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [i, PER_WORKFLOW] })),
    );
    await Promise.all(handles.map((h) => h.result()));

    // Demand was far above the limit: every activity was scheduled within the first moments.
    const scheduledAt = (await Promise.all(handles.map((h) => h.fetchHistory())))
      .flatMap((history) => history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => Number(e.eventTime?.seconds) * 1000 + Math.floor(Number(e.eventTime?.nanos ?? 0) / 1e6));
    const scheduleSpreadMs = Math.max(...scheduledAt) - Math.min(...scheduledAt);

    assert.equal(hits.length, TOTAL);
    const times = hits.map((h) => h.at).sort((a, b) => a - b);
    const first = times[0]!;
    const spanSec = (times[times.length - 1]! - first) / 1000;
    const overallRate = (TOTAL - 1) / spanSec;
    // The server's token bucket lets an initial burst through in the first second, then holds the rate.
    const firstSecond = times.filter((t) => t < first + 1000).length;
    const steady = times.filter((t) => t >= first + 1000);
    // Sliding one-second windows after the first second: the most starts seen in any second.
    let maxPerSecond = 0;
    for (let i = 0, j = 0; i < steady.length; i++) {
      while (steady[i]! - steady[j]! >= 1000) j++;
      maxPerSecond = Math.max(maxPerSecond, i - j + 1);
    }
    const steadyRate = (steady.length - 1) / ((steady[steady.length - 1]! - steady[0]!) / 1000);
    const perWorker = Object.fromEntries(['worker-a', 'worker-b'].map((w) => [w, hits.filter((h) => h.worker === w).length]));
    console.log(
      `scale-out: ${TOTAL} activities scheduled within ${scheduleSpreadMs} ms, started over ${spanSec.toFixed(2)} s: ` +
        `overall ${overallRate.toFixed(2)}/s, first second ${firstSecond}, then steady ${steadyRate.toFixed(2)}/s with at most ${maxPerSecond} in any 1 s window ` +
        `(limit ${LIMIT}/s); per worker ${JSON.stringify(perWorker)}`,
    );

    assert.ok(scheduleSpreadMs < 3_000, 'the demand came at once');
    for (const [name, count] of Object.entries(perWorker)) assert.ok(count >= TOTAL * 0.1, `${name} took ${count} activities`);
    assert.ok(overallRate <= LIMIT * 1.15, `aggregate rate ${overallRate.toFixed(2)}/s within ${LIMIT}/s (+15 %)`);
    assert.ok(steadyRate <= LIMIT * 1.1, `steady rate ${steadyRate.toFixed(2)}/s within ${LIMIT}/s (+10 %)`);
    assert.ok(maxPerSecond <= LIMIT * 1.5, `after the first second, at most ${maxPerSecond} starts in any second`);
    assert.ok(firstSecond <= LIMIT * 3, `initial burst ${firstSecond}`);
    assert.ok(overallRate >= LIMIT * 0.6, `the workers kept up with the limit (${overallRate.toFixed(2)}/s)`);
  });
});
