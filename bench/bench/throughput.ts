/**
 * Throughput batches on one dev-server variant: full lifecycles at a concurrency level, and the server's
 * ceiling with a trivial workflow (one no-op activity) driven as hard as it goes.
 */
import type { Client } from '@temporalio/client';
import { CallCollector, type CallCounts } from './calls';
import { historyCost, meanCost, type HistoryCost } from './history';
import { runLifecycle, type DriverContext, type LifecycleRun } from './lifecycles';
import { cpuWindow, round, type CpuWindow } from './proc';
import { counterDelta, type BenchServer } from './server';
import { nowMs, percentiles, runPool, sleep, type Percentiles } from './stats';

export interface LifecycleBatch {
  concurrency: number;
  lifecycles: number;
  wallSec: number;
  lifecyclesPerSec: number;
  durationMs: Percentiles;
  answerRoundsPerLifecycle: number;
  submitAnswers: { totalMs: Percentiles; serverMs: Percentiles; describeMs: Percentiles; updateMs: Percentiles };
  queriesPerLifecycle: number;
  httpCalls: CallCounts;
  httpCallsPerLifecycle: number;
  /** Mean over the histories read after the batch (all of them up to `historySample`). */
  history: HistoryCost;
  historiesRead: number;
  eventsPerSec: number;
  /** Server metrics over the batch. */
  server: { actionsPerLifecycle: number; actionsByType: Record<string, number>; stateTransitionsPerLifecycle: number; stateTransitionsPerSec: number; cpuMsPerTransition: number };
  cpu: CpuWindow;
}

/** The server publishes its counters about once a second: wait for the last batch's to show. */
async function settledMetrics(server: BenchServer) {
  await sleep(process.argv.includes('--short') ? 0 : 1_100);
  return server.metrics();
}

/** Server CPU milliseconds per state transition over a window. */
function serverCpuMsPerTransition(cpu: CpuWindow, seconds: number, transitions: number): number {
  return round(((cpu.processes.temporalServer ?? 0) / 100) * seconds * 1000 / Math.max(1, transitions), 2);
}

export async function lifecycleBatch(input: {
  server: BenchServer;
  ctx: DriverContext;
  workerPid: number;
  concurrency: number;
  count: number;
  historySample: number;
}): Promise<LifecycleBatch> {
  const { server, ctx, concurrency, count } = input;
  const collector = new CallCollector(ctx.sandboxUrl);
  await collector.start();
  const before = await settledMetrics(server);
  const cpu = cpuWindow({ temporalServer: server.pid, worker: input.workerPid, benchProcess: process.pid });
  const t0 = nowMs();
  const runs: LifecycleRun[] = await runPool(count, concurrency, (i) => runLifecycle(ctx, i));
  const wallSec = (nowMs() - t0) / 1000;
  const cpuUsed = cpu.end();
  const after = await settledMetrics(server);
  const httpCalls = await collector.stop();
  const delta = counterDelta(before, after);

  const sample = runs.slice(0, input.historySample);
  const costs = await Promise.all(sample.map(async (run) => historyCost(await ctx.client.workflow.getHandle(run.workflowId).fetchHistory())));
  const history = meanCost(costs);
  const answers = runs.flatMap((run) => run.answers);
  const lifecyclesPerSec = count / wallSec;
  const actionsTotal = Object.values(delta.actions).reduce((sum, v) => sum + v, 0);
  return {
    concurrency,
    lifecycles: count,
    wallSec: round(wallSec, 2),
    lifecyclesPerSec: round(lifecyclesPerSec, 2),
    durationMs: percentiles(runs.map((r) => r.durationMs), 0),
    answerRoundsPerLifecycle: round(answers.length / count, 2),
    submitAnswers: {
      totalMs: percentiles(answers.map((a) => a.totalMs)),
      serverMs: percentiles(answers.map((a) => a.serverMs)),
      describeMs: percentiles(answers.map((a) => a.describeMs)),
      updateMs: percentiles(answers.map((a) => a.updateMs)),
    },
    queriesPerLifecycle: round(runs.reduce((sum, r) => sum + r.queries, 0) / count, 2),
    httpCalls,
    httpCallsPerLifecycle: round(httpCalls.total / count, 2),
    history,
    historiesRead: costs.length,
    eventsPerSec: round(lifecyclesPerSec * history.events, 1),
    server: {
      actionsPerLifecycle: round(actionsTotal / count, 2),
      actionsByType: Object.fromEntries(Object.entries(delta.actions).map(([type, v]) => [type, round(v / count, 2)])),
      stateTransitionsPerLifecycle: round(delta.stateTransitions / count, 2),
      stateTransitionsPerSec: round(delta.stateTransitions / wallSec, 1),
      cpuMsPerTransition: serverCpuMsPerTransition(cpuUsed, wallSec, delta.stateTransitions),
    },
    cpu: cpuUsed,
  };
}

export interface CeilingRun {
  concurrency: number;
  seconds: number;
  workflows: number;
  workflowsPerSec: number;
  eventsPerWorkflow: number;
  eventsPerSec: number;
  stateTransitionsPerSec: number;
  stateTransitionsPerWorkflow: number;
  /** Server CPU ms per state transition (the server's cost per unit of work, whatever the load mix). */
  serverCpuMsPerTransition: number;
  actionsPerWorkflow: number;
  cpu: CpuWindow;
}

/** The trivial workflow, started and awaited by `concurrency` loops for `seconds`. */
export async function ceilingRun(input: { server: BenchServer; client: Client; taskQueue: string; workerPid: number; concurrency: number; seconds: number; prefix: string }): Promise<CeilingRun> {
  const { server, client } = input;
  const before = await settledMetrics(server);
  const cpu = cpuWindow({ temporalServer: server.pid, worker: input.workerPid, benchProcess: process.pid });
  const t0 = nowMs();
  const deadline = t0 + input.seconds * 1000;
  let started = 0;
  let done = 0;
  let firstId = '';
  await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      while (nowMs() < deadline) {
        const workflowId = `${input.prefix}-${started++}`;
        firstId ||= workflowId;
        await client.workflow.execute('noopWorkflow', { taskQueue: input.taskQueue, workflowId });
        done += 1;
      }
    }),
  );
  const seconds = (nowMs() - t0) / 1000;
  const cpuUsed = cpu.end();
  const after = await settledMetrics(server);
  const delta = counterDelta(before, after);
  const events = (await client.workflow.getHandle(firstId).fetchHistory()).events?.length ?? 0;
  const actions = Object.values(delta.actions).reduce((sum, v) => sum + v, 0);
  return {
    concurrency: input.concurrency,
    seconds: round(seconds, 2),
    workflows: done,
    workflowsPerSec: round(done / seconds, 1),
    eventsPerWorkflow: events,
    eventsPerSec: round((done * events) / seconds, 0),
    stateTransitionsPerSec: round(delta.stateTransitions / seconds, 0),
    stateTransitionsPerWorkflow: round(delta.stateTransitions / Math.max(1, done), 2),
    serverCpuMsPerTransition: serverCpuMsPerTransition(cpuUsed, seconds, delta.stateTransitions),
    actionsPerWorkflow: round(actions / Math.max(1, done), 2),
    cpu: cpuUsed,
  };
}
