/**
 * Worker memory: a fresh worker process, N lifecycles started and left waiting for answers (claim
 * skipped, so nothing polls while they wait), VmRSS read from /proc while they wait, then every one
 * answered through the API until it completes, and VmRSS read again (before and after a full GC).
 * "Idle" is read after five warm-up lifecycles, so it includes the loaded workflow code and threads.
 */
import type { jobLifecycle } from '../../src/workflows';
import { statusQuery } from '../../src/workflows/definitions';
import { plausibleAnswer } from '../lib/people';
import { answerThroughApi, lifecycleInput, type DriverContext } from './lifecycles';
import { memoryOf, round } from './proc';
import { nowMs, percentiles, runPool, sleep, type Percentiles } from './stats';

export interface RssRun {
  lifecycles: number;
  workerOptions: Record<string, unknown>;
  /** Node flags and environment of the worker process beyond the defaults ("defaults" when none). */
  processSettings?: string;
  idleRssMb: number;
  waitingRssMb: number;
  /** The same after a full GC in the worker (live memory of the waiting lifecycles). */
  waitingAfterGcRssMb: number;
  /** Highest RSS seen while they started and waited (VmHWM). */
  peakWhileStartingMb: number;
  secondsToAllWaiting: number;
  finishedRssMb: number;
  finishedAfterGcRssMb: number;
  peakMb: number;
  /** Per waiting lifecycle: (waiting after GC − idle) / N, in kB. */
  kbPerWaitingLifecycle: number;
  /** submitAnswers latency while finishing them (some are no longer in the worker's cache and replay first). */
  finishAnswersMs: Percentiles;
  secondsToFinish: number;
}

/** Answers a waiting lifecycle (optionally starting it first) until it completes; returns the answer latencies. */
async function finish(ctx: DriverContext, workflowId: string, start: boolean): Promise<number[]> {
  const handle = start
    ? await ctx.client.workflow.start<typeof jobLifecycle>('jobLifecycle', { taskQueue: ctx.taskQueue, workflowId, args: [lifecycleInput(null)] })
    : ctx.client.workflow.getHandle<typeof jobLifecycle>(workflowId);
  let status = await handle.query(statusQuery).catch(() => null);
  while (!status || status.stage !== 'AWAITING_ANSWERS') {
    await sleep(100);
    status = await handle.query(statusQuery).catch(() => null);
  }
  const latencies: number[] = [];
  let field = status.missingFields[0];
  while (field) {
    const { result, timing } = await answerThroughApi(ctx, workflowId, plausibleAnswer(field));
    latencies.push(timing.totalMs);
    field = result.publishReady ? undefined : result.missingFields[0];
  }
  const result = await handle.result();
  if (result.stage !== 'COMPLETED') throw new Error(`${workflowId} ended ${result.stage}`);
  return latencies;
}

export async function rssRun(input: {
  ctx: DriverContext;
  workerPid: number;
  workerOptions: Record<string, unknown>;
  count: number;
  gc: () => Promise<void>;
  log: (line: string) => void;
}): Promise<RssRun> {
  const { ctx, workerPid, count } = input;
  // Warm-up: a few lifecycles from start to end, so the workflow threads and code are loaded before "idle".
  await runPool(5, 5, async (i) => finish(ctx, `${ctx.prefix}-warm-${i}`, true));
  await sleep(2_000);
  const idle = memoryOf(workerPid);
  const t0 = nowMs();
  await runPool(count, 50, (i) =>
    ctx.client.workflow.start<typeof jobLifecycle>('jobLifecycle', { taskQueue: ctx.taskQueue, workflowId: `${ctx.prefix}-${i}`, args: [lifecycleInput(null)] }),
  );
  const query = `TaskQueue = '${ctx.taskQueue}' AND OpenTrainStage = 'AWAITING_ANSWERS'`;
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const { count: waiting } = await ctx.client.workflow.count(query);
    if (waiting >= count) break;
    if (Date.now() > deadline) throw new Error(`only ${waiting} of ${count} lifecycles reached AWAITING_ANSWERS`);
    await sleep(1_000);
  }
  const secondsToAllWaiting = (nowMs() - t0) / 1000;
  await sleep(3_000);
  const waiting = memoryOf(workerPid);
  // What the waiting lifecycles really hold: RSS after a full GC (V8 grows its heap lazily; much of RSS is garbage).
  await input.gc();
  await sleep(2_000);
  const waitingAfterGc = memoryOf(workerPid);
  input.log(`  ${count} waiting: RSS ${waiting.rssMb} MB, after GC ${waitingAfterGc.rssMb} MB (idle ${idle.rssMb} MB, peak ${waiting.hwmMb} MB), all waiting after ${round(secondsToAllWaiting, 1)} s`);

  const t1 = nowMs();
  const latencies: number[] = [];
  await runPool(count, 50, async (i) => latencies.push(...(await finish(ctx, `${ctx.prefix}-${i}`, false))));
  const secondsToFinish = (nowMs() - t1) / 1000;
  await sleep(5_000);
  const finished = memoryOf(workerPid);
  await input.gc();
  await sleep(2_000);
  const afterGc = memoryOf(workerPid);
  input.log(`  finished: RSS ${finished.rssMb} MB, after GC ${afterGc.rssMb} MB, peak ${afterGc.hwmMb} MB`);
  return {
    lifecycles: count,
    workerOptions: input.workerOptions,
    idleRssMb: idle.rssMb,
    waitingRssMb: waiting.rssMb,
    waitingAfterGcRssMb: waitingAfterGc.rssMb,
    peakWhileStartingMb: waiting.hwmMb,
    secondsToAllWaiting: round(secondsToAllWaiting, 1),
    finishedRssMb: finished.rssMb,
    finishedAfterGcRssMb: afterGc.rssMb,
    peakMb: afterGc.hwmMb,
    kbPerWaitingLifecycle: round(((waitingAfterGc.rssMb - idle.rssMb) * 1024) / count, 1),
    finishAnswersMs: percentiles(latencies),
    secondsToFinish: round(secondsToFinish, 1),
  };
}
