/**
 * `npm run bench` (`-- --short` for CI): how fast and how costly the orchestrator is on this machine.
 *
 *   1. throughput: full lifecycles/s at concurrency 1, 10, 100 with instant humans (sandbox poll interval
 *      1 s), on four dev-server storage variants, each with the ceiling of the same server (a trivial
 *      one-activity workflow driven as hard as it goes) and the lifecycle's share of it;
 *   2. submitAnswers latency from the HTTP request to the backend API to the returned validation;
 *   3. history events and Cloud actions per lifecycle, also for a claim that waits 1 h and 24 h
 *      (time-skipping server);
 *   4. worker RSS with N lifecycles waiting for answers and after they finish;
 *   5. OpenTrain HTTP calls per lifecycle against the fewest the API allows, and a plain script without
 *      Temporal as the baseline.
 * Prints markdown tables (docs/benchmarks.md holds those of the last full run) and writes
 * bench/results/bench-<timestamp>.json (or --out=<file>). Targets are reported, never enforced.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';
import { quietRuntime } from '../test/helpers/temporal';
import { startSandbox } from '../src/sandbox';
import { baselineLifecycle, type BaselineRun } from './bench/baseline';
import { CallCollector, type CallCounts } from './bench/calls';
import { measureClaimWaits, type ClaimWaitRun } from './bench/claim-wait';
import { runLifecycle, startBenchApi, type DriverContext } from './bench/lifecycles';
import { loadAverage, round } from './bench/proc';
import { rssRun, type RssRun } from './bench/rss';
import { startBenchServer, VARIANTS, type VariantName } from './bench/server';
import { nowMs, percentiles, runPool, type Percentiles } from './bench/stats';
import { ceilingRun, lifecycleBatch, type CeilingRun, type LifecycleBatch } from './bench/throughput';
import { startWorkerProcess, type ProcessSettings } from './bench/worker-process';

const args = process.argv.slice(2);
const SHORT = args.includes('--short');
const only = (args.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? null) as string[] | null;
const variantArg = args.find((a) => a.startsWith('--variants='))?.slice(11).split(',') as VariantName[] | undefined;
const outArg = args.find((a) => a.startsWith('--out='))?.slice(6);
const phase = (name: string) => !only || only.includes(name);

const LEVELS = [1, 10, 100] as const;
const PLAN = SHORT
  ? { counts: { 1: 1, 10: 5, 100: 10 } as Record<number, number>, warmup: 0, historySample: 5, ceilingSec: 3, ceilingConcurrency: [100], rssCount: 30, claimWaitIntervalSec: 60 }
  : { counts: { 1: 5, 10: 40, 100: 200 } as Record<number, number>, warmup: 10, historySample: 30, ceilingSec: 10, ceilingConcurrency: [20, 100], rssCount: 1000, claimWaitIntervalSec: 10 };
const VARIANT_NAMES: VariantName[] = variantArg ?? (Object.keys(VARIANTS) as VariantName[]);
/**
 * Profiling batches in memory beside the main ones: the human approving the claim only after the last
 * answer (no token swap while answers are in flight), and worker option sets at concurrency 100.
 */
const PROFILES: Array<{ name: string; options: Partial<WorkerOptions>; approveAfterAnswers?: boolean; levels: number[] }> = SHORT
  ? []
  : [
      { name: 'claim approved after the last answer', options: {}, approveAfterAnswers: true, levels: [1, 10, 100] },
      { name: 'SDK default slots (100 activities, 40 workflow tasks)', options: { maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 40 }, levels: [100] },
    ];
const TARGETS = { submitAnswersP99Ms: 100, fractionOfCeiling: 0.8, rssMb: 300 };

const log = (line: string) => console.log(line);

interface VariantResult {
  label: string;
  levels: Record<string, LifecycleBatch>;
  ceiling: CeilingRun[];
  ceilingBest: CeilingRun;
  /** Lifecycle events/s at concurrency 100 over the ceiling's events/s (and the same with state transitions). */
  fractionOfCeiling: { events: number; stateTransitions: number };
  workerOptions: Record<string, unknown>;
}

async function main(): Promise<void> {
  quietRuntime(); // the test helpers' Runtime (the time-skipping phase uses them)
  const startedAt = new Date();
  const loadBefore = loadAverage();
  log(`# npm run bench${SHORT ? ' -- --short' : ''} — ${startedAt.toISOString()}`);
  log(`machine: ${cpus().length} cores, ${round(totalmem() / 2 ** 30, 1)} GB; load average before: ${loadBefore.join(' ')}`);

  const work = mkdtempSync(join(tmpdir(), 'bench-'));
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./bench/workflows'), logger: new DefaultLogger('WARN') });
  const bundlePath = join(work, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const sandbox = await startSandbox({ port: 0, pollIntervalSec: 1 });

  const results: Record<string, unknown> = {};
  const throughput: Partial<Record<VariantName, VariantResult>> = {};
  let profile: ProfileResult[] = [];
  let rss: RssRun[] = [];
  let claimWaits: ClaimWaitRun[] = [];
  let baseline: Record<string, BaselineBatch> = {};
  try {
    if (phase('throughput')) {
      for (const variant of VARIANT_NAMES) {
        log(`\n## ${variant}: ${VARIANTS[variant].label}`);
        throughput[variant] = await runVariant(variant, sandbox.url, bundlePath);
      }
    }
    if (phase('profile')) {
      log('\n## profiling batches, in memory');
      profile = await runProfile(sandbox.url, bundlePath);
    }
    if (phase('rss')) {
      log(`\n## worker RSS with ${PLAN.rssCount} lifecycles waiting`);
      // Production defaults, then a smaller workflow cache (cached workflows are what a waiting lifecycle costs in memory).
      rss = await runRss(sandbox.url, bundlePath, SHORT ? [{ options: {} }] : RSS_VARIANTS);
    }
    if (phase('claimwait')) {
      log(`\n## claim waits on the time-skipping server (poll interval ${PLAN.claimWaitIntervalSec} s)`);
      claimWaits = await measureClaimWaits({ waitsSec: [0, 3600, 86_400], pollIntervalSec: PLAN.claimWaitIntervalSec, log });
    }
    if (phase('baseline')) {
      log('\n## baseline: the same OpenTrain calls from a plain script');
      baseline = await runBaseline(sandbox.url);
    }
  } finally {
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }

  const loadAfter = loadAverage();
  Object.assign(results, {
    meta: {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      short: SHORT,
      cores: cpus().length,
      memoryGb: round(totalmem() / 2 ** 30, 1),
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAfter,
      node: process.version,
      temporalCli: '1.9.1 (server 1.32.0)',
      sandboxPollIntervalSec: 1,
      counts: PLAN.counts,
      // In --short the concurrency-100 batch has fewer lifecycles than lanes: its effective concurrency is the count.
      effectiveConcurrency: Object.fromEntries(LEVELS.map((l) => [l, Math.min(l, PLAN.counts[l] as number)])),
      targets: TARGETS,
    },
    throughput,
    profile,
    rss,
    claimWaits,
    baseline,
  });
  const derived = derive(throughput, baseline, claimWaits, rss);
  Object.assign(results, derived);

  const dir = resolve(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = outArg ? resolve(outArg) : join(dir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  const markdown = render(results as unknown as Results);
  log('\n' + markdown);
  log(`\nresults: ${file}`);
}

// ------------------------------------------------------------------ phases

async function runVariant(variant: VariantName, sandboxUrl: string, bundlePath: string): Promise<VariantResult> {
  const server = await startBenchServer(variant);
  const worker = await startWorkerProcess({ address: server.address, sandboxUrl, bundlePath });
  const api = await startBenchApi(server.connection, worker.taskQueue);
  try {
    const ctx = (prefix: string, level: number): DriverContext => ({
      client: server.client, api, sandboxUrl, taskQueue: worker.taskQueue, prefix, queryGapMs: level >= 100 ? 100 : 50,
    });
    if (PLAN.warmup > 0) await runPool(PLAN.warmup, PLAN.warmup, (i) => runLifecycle(ctx(`warm-${variant}`, 10), i));
    const levels: Record<string, LifecycleBatch> = {};
    for (const level of LEVELS) {
      const batch = await lifecycleBatch({ server, ctx: ctx(`lc-${variant}-c${level}`, level), workerPid: worker.pid, concurrency: level, count: PLAN.counts[level] as number, historySample: PLAN.historySample });
      levels[level] = batch;
      log(`  c=${level}: ${batch.lifecyclesPerSec} lifecycles/s (${batch.lifecycles} in ${batch.wallSec} s), submitAnswers p50/p95/p99 ${batch.submitAnswers.totalMs.p50}/${batch.submitAnswers.totalMs.p95}/${batch.submitAnswers.totalMs.p99} ms, ${batch.history.events} events, CPU ${JSON.stringify(batch.cpu.processes)} machine ${batch.cpu.machineBusyPct}%`);
    }
    const ceiling: CeilingRun[] = [];
    for (const concurrency of PLAN.ceilingConcurrency) {
      const run = await ceilingRun({ server, client: server.client, taskQueue: worker.taskQueue, workerPid: worker.pid, concurrency, seconds: PLAN.ceilingSec, prefix: `noop-${variant}-${concurrency}` });
      ceiling.push(run);
      log(`  ceiling c=${concurrency}: ${run.workflowsPerSec} trivial workflows/s = ${run.eventsPerSec} events/s, ${run.stateTransitionsPerSec} state transitions/s, CPU ${JSON.stringify(run.cpu.processes)} machine ${run.cpu.machineBusyPct}%`);
    }
    const ceilingBest = ceiling.reduce((best, run) => (run.stateTransitionsPerSec > best.stateTransitionsPerSec ? run : best));
    const top = levels[100] as LifecycleBatch;
    return {
      label: VARIANTS[variant].label,
      levels,
      ceiling,
      ceilingBest,
      fractionOfCeiling: {
        events: round(top.eventsPerSec / ceilingBest.eventsPerSec, 3),
        stateTransitions: round(top.server.stateTransitionsPerSec / Math.max(1, ceilingBest.stateTransitionsPerSec), 3),
      },
      workerOptions: worker.options,
    };
  } finally {
    await api.close();
    await worker.stop();
    await server.stop();
  }
}

interface ProfileResult {
  name: string;
  options: Record<string, unknown>;
  approveAfterAnswers: boolean;
  levels: Record<string, LifecycleBatch>;
}

async function runProfile(sandboxUrl: string, bundlePath: string): Promise<ProfileResult[]> {
  const out: ProfileResult[] = [];
  for (const profile of PROFILES) {
    const server = await startBenchServer('memory');
    const worker = await startWorkerProcess({ address: server.address, sandboxUrl, bundlePath, options: profile.options });
    const api = await startBenchApi(server.connection, worker.taskQueue);
    try {
      const ctx = (prefix: string, level: number): DriverContext => ({
        client: server.client, api, sandboxUrl, taskQueue: worker.taskQueue, prefix, queryGapMs: level >= 100 ? 100 : 50, approveAfterAnswers: profile.approveAfterAnswers,
      });
      if (PLAN.warmup > 0) await runPool(PLAN.warmup, PLAN.warmup, (i) => runLifecycle(ctx(`warm-profile-${out.length}`, 10), i));
      const levels: Record<string, LifecycleBatch> = {};
      for (const level of profile.levels) {
        const batch = await lifecycleBatch({ server, ctx: ctx(`profile-${out.length}-c${level}`, level), workerPid: worker.pid, concurrency: level, count: PLAN.counts[level] as number, historySample: 10 });
        levels[level] = batch;
        log(`  ${profile.name}, c=${level}: ${batch.lifecyclesPerSec} lifecycles/s, submitAnswers p50/p95/p99 ${batch.submitAnswers.totalMs.p50}/${batch.submitAnswers.totalMs.p95}/${batch.submitAnswers.totalMs.p99} ms, CPU ${JSON.stringify(batch.cpu.processes)} machine ${batch.cpu.machineBusyPct}%`);
      }
      out.push({ name: profile.name, options: worker.options, approveAfterAnswers: Boolean(profile.approveAfterAnswers), levels });
    } finally {
      await api.close();
      await worker.stop();
      await server.stop();
    }
  }
  return out;
}

/**
 * The worker as `npm run worker` runs it, then two ways to fit a memory budget: a smaller workflow cache
 * (evicted lifecycles replay their history when an answer comes), and the same plus process settings that
 * trim the fixed part: glibc's malloc arenas capped at 2 (the Temporal core's Rust threads otherwise each get
 * one) and a 1 MB V8 young generation per isolate (main thread and workflow thread; more frequent minor GCs).
 */
interface RssVariant {
  options: Partial<WorkerOptions>;
  process?: ProcessSettings;
}

const RSS_VARIANTS: RssVariant[] = [
  { options: {} },
  { options: { maxCachedWorkflows: 100 } },
  { options: { maxCachedWorkflows: 100 }, process: { env: { MALLOC_ARENA_MAX: '2' }, nodeFlags: ['--max-semi-space-size=1'] } },
];

function describeProcess(settings: ProcessSettings | undefined): string {
  const parts = [...Object.entries(settings?.env ?? {}).map(([k, v]) => `${k}=${v}`), ...(settings?.nodeFlags ?? [])];
  return parts.length ? parts.join(' ') : 'defaults';
}

/** The target is judged on the worker as shipped (the first variant); the smallest figure shows what settings reach. */
function rssTarget(rss: RssRun[]): { met: boolean } & Record<string, unknown> {
  const asShipped = rss[0];
  const smallest = [...rss].sort((a, b) => a.waitingRssMb - b.waitingRssMb)[0];
  return {
    target: TARGETS.rssMb,
    measured: asShipped?.waitingRssMb ?? 0,
    lifecycles: asShipped?.lifecycles ?? 0,
    ...(smallest && smallest !== asShipped
      ? { smallest: smallest.waitingRssMb, with: `maxCachedWorkflows ${String(smallest.workerOptions.maxCachedWorkflows)}, ${smallest.processSettings ?? 'defaults'}` }
      : {}),
    met: (asShipped?.waitingRssMb ?? Infinity) < TARGETS.rssMb,
  };
}

async function runRss(sandboxUrl: string, bundlePath: string, variants: RssVariant[]): Promise<RssRun[]> {
  const out: RssRun[] = [];
  for (const variant of variants) {
    const server = await startBenchServer('memory');
    const worker = await startWorkerProcess({ address: server.address, sandboxUrl, bundlePath, options: variant.options, process: variant.process });
    const api = await startBenchApi(server.connection, worker.taskQueue);
    try {
      const processSettings = describeProcess(variant.process);
      log(`  worker options: maxCachedWorkflows ${worker.options.maxCachedWorkflows}; process: ${processSettings}`);
      const ctx: DriverContext = { client: server.client, api, sandboxUrl, taskQueue: worker.taskQueue, prefix: `rss-${out.length}`, queryGapMs: 100 };
      const run = await rssRun({ ctx, workerPid: worker.pid, workerOptions: worker.options, count: PLAN.rssCount, gc: () => worker.gc(), log });
      out.push({ ...run, processSettings });
    } finally {
      await api.close();
      await worker.stop();
      await server.stop();
    }
  }
  return out;
}

interface BaselineBatch {
  concurrency: number;
  lifecycles: number;
  wallSec: number;
  lifecyclesPerSec: number;
  durationMs: Percentiles;
  answerRoundMs: Percentiles;
  answerRoundsPerLifecycle: number;
  pollsPerLifecycle: number;
  httpCalls: CallCounts;
  httpCallsPerLifecycle: number;
}

async function runBaseline(sandboxUrl: string): Promise<Record<string, BaselineBatch>> {
  const out: Record<string, BaselineBatch> = {};
  if (PLAN.warmup > 0) await runPool(PLAN.warmup, PLAN.warmup, (i) => baselineLifecycle(sandboxUrl, `warm-baseline-${Date.now()}-${i}`));
  for (const level of LEVELS) {
    const count = PLAN.counts[level] as number;
    const collector = new CallCollector(sandboxUrl);
    await collector.start();
    const t0 = nowMs();
    const runs: BaselineRun[] = await runPool(count, level, (i) => baselineLifecycle(sandboxUrl, `baseline-c${level}-${Date.now()}-${i}`));
    const wallSec = (nowMs() - t0) / 1000;
    const httpCalls = await collector.stop();
    out[level] = {
      concurrency: level,
      lifecycles: count,
      wallSec: round(wallSec, 2),
      lifecyclesPerSec: round(count / wallSec, 2),
      durationMs: percentiles(runs.map((r) => r.durationMs), 0),
      answerRoundMs: percentiles(runs.flatMap((r) => r.answerMs)),
      answerRoundsPerLifecycle: round(runs.reduce((s, r) => s + r.rounds, 0) / count, 2),
      pollsPerLifecycle: round(runs.reduce((s, r) => s + r.polls, 0) / count, 2),
      httpCalls,
      httpCallsPerLifecycle: round(httpCalls.total / count, 2),
    };
    log(`  c=${level}: ${out[level]?.lifecyclesPerSec} lifecycles/s, PATCH round p50/p99 ${out[level]?.answerRoundMs.p50}/${out[level]?.answerRoundMs.p99} ms, ${out[level]?.httpCallsPerLifecycle} calls/lifecycle`);
  }
  return out;
}

// ------------------------------------------------------------------ derived figures

/** The fewest OpenTrain calls for one lifecycle's work, route by route (see docs/benchmarks.md). */
function minimumCalls(rounds: number, polls: number): Record<string, number> {
  return {
    'POST /api/agent/identity': 1,
    'GET /api/public/v1/auth/me': 1,
    'GET /api/public/v1/job-drafts/capabilities': 1,
    'POST /api/public/v1/job-drafts': 1,
    'PATCH /api/public/v1/job-drafts/:id': rounds,
    'POST /api/public/v1/jobs/:id/publish': 1,
    'POST /api/agent/identity/claim': 1,
    'POST /api/agent/oauth/token': polls,
  };
}

function derive(throughput: Partial<Record<VariantName, VariantResult>>, baseline: Record<string, BaselineBatch>, claimWaits: ClaimWaitRun[], rss: RssRun[]) {
  const memory = throughput.memory ?? Object.values(throughput)[0];
  const reference = memory?.levels[1];
  const out: Record<string, unknown> = {};
  if (reference) {
    const count = reference.lifecycles;
    const rounds = reference.answerRoundsPerLifecycle;
    const observed = Object.fromEntries(Object.entries(reference.httpCalls.byRoute).map(([route, n]) => [route, round(n / count, 2)]));
    // The human approves as soon as the code shows, before the first poll is due: one poll is the minimum.
    const minimum = minimumCalls(rounds, 1);
    const minimumTotal = Object.values(minimum).reduce((s, v) => s + v, 0);
    out.httpCalls = {
      perLifecycle: observed,
      perLifecycleTotal: reference.httpCallsPerLifecycle,
      minimum,
      minimumTotal,
      overMinimum: round(reference.httpCallsPerLifecycle / minimumTotal, 3),
      byLevel: Object.fromEntries(Object.entries(memory?.levels ?? {}).map(([level, b]) => [level, b.httpCallsPerLifecycle])),
      baselinePerLifecycle: baseline[1]?.httpCallsPerLifecycle ?? 0,
    };
    const h = reference.history;
    const polls = h.attemptsByActivity.pollClaimToken ?? 0;
    const queries = reference.queriesPerLifecycle;
    out.actions = {
      fromHistory: h.actions,
      pollAttempts: polls,
      fixedFromHistory: round(h.actions.total - polls, 2),
      perPoll: 1,
      queriesSentByBench: queries,
      heartbeats: round(reference.server.actionsByType['grpc_RecordActivityTaskHeartbeat'] ?? 0, 2),
      rejectedUpdates: 0,
      totalWithBenchQueries: round(h.actions.total + queries, 2),
      serverActionMetricPerLifecycle: reference.server.actionsPerLifecycle,
      serverActionMetricByType: reference.server.actionsByType,
    };
  }
  if (baseline[1] && memory) {
    const ratios: Record<string, unknown> = {};
    for (const level of LEVELS) {
      const b = baseline[level];
      const o = memory.levels[level];
      if (!b || !o) continue;
      ratios[level] = {
        throughput: round(o.lifecyclesPerSec / b.lifecyclesPerSec, 3),
        lifecycleDurationP50: round(o.durationMs.p50 / b.durationMs.p50, 3),
        answerLatencyP50: round(o.submitAnswers.totalMs.p50 / b.answerRoundMs.p50, 2),
        answerLatencyP99: round(o.submitAnswers.totalMs.p99 / b.answerRoundMs.p99, 2),
        httpCalls: round(o.httpCallsPerLifecycle / b.httpCallsPerLifecycle, 3),
      };
    }
    out.ratiosToBaseline = { variant: 'memory', byLevel: ratios };
  }
  const p99s = Object.values(throughput).flatMap((v) => Object.values(v?.levels ?? {}).map((b) => b.submitAnswers.totalMs.p99));
  const byWait = claimWaits.map((c) => ({ waitSec: c.waitSec, events: c.events, actions: c.cost.actions.total, polls: c.cost.attemptsByActivity.pollClaimToken ?? 0, fixedActions: c.fixedActions }));
  out.targets = {
    submitAnswersP99Ms: { target: TARGETS.submitAnswersP99Ms, worst: p99s.length ? Math.max(...p99s) : 0, met: p99s.every((p) => p < TARGETS.submitAnswersP99Ms) },
    fractionOfCeilingAt100: {
      target: TARGETS.fractionOfCeiling,
      byVariant: Object.fromEntries(Object.entries(throughput).map(([v, r]) => [v, r?.fractionOfCeiling.events ?? 0])),
      met: Object.values(throughput).every((r) => (r?.fractionOfCeiling.events ?? 0) >= TARGETS.fractionOfCeiling),
    },
    claimWaitIndependence: {
      byWait,
      eventsSpread: byWait.length ? Math.max(...byWait.map((w) => w.events)) - Math.min(...byWait.map((w) => w.events)) : 0,
      fixedActionsSpread: byWait.length ? Math.max(...byWait.map((w) => w.fixedActions)) - Math.min(...byWait.map((w) => w.fixedActions)) : 0,
      met: byWait.length > 0 && Math.max(...byWait.map((w) => w.fixedActions)) - Math.min(...byWait.map((w) => w.fixedActions)) <= 2,
    },
    rssWaitingMb: rssTarget(rss),
  };
  return out;
}

// ------------------------------------------------------------------ tables

interface Results {
  meta: { loadAverageBefore: number[]; loadAverageAfter: number[]; short: boolean };
  throughput: Partial<Record<VariantName, VariantResult>>;
  profile: ProfileResult[];
  rss: RssRun[];
  claimWaits: ClaimWaitRun[];
  baseline: Record<string, BaselineBatch>;
  httpCalls?: { perLifecycle: Record<string, number>; perLifecycleTotal: number; minimum: Record<string, number>; minimumTotal: number; overMinimum: number; baselinePerLifecycle: number };
  actions?: { fromHistory: Record<string, number>; pollAttempts: number; fixedFromHistory: number; queriesSentByBench: number; heartbeats: number; totalWithBenchQueries: number; serverActionMetricPerLifecycle: number; serverActionMetricByType: Record<string, number> };
  ratiosToBaseline?: { byLevel: Record<string, Record<string, number>> };
  targets: Record<string, { met: boolean } & Record<string, unknown>>;
}

function table(headers: string[], rows: Array<Array<string | number>>): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const pct = (p: Percentiles) => `${p.p50} / ${p.p95} / ${p.p99}`;

export function render(r: Results): string {
  const parts: string[] = [];
  parts.push(`load average before ${r.meta.loadAverageBefore.join(' ')}, after ${r.meta.loadAverageAfter.join(' ')}${r.meta.short ? ' (--short: small counts)' : ''}`);
  const variants = Object.entries(r.throughput) as Array<[VariantName, VariantResult]>;
  if (variants.length) {
    parts.push('### Throughput: full lifecycles per second (instant humans, poll interval 1 s)');
    parts.push(table(['server', ...LEVELS.map((l) => `c=${l}`), 'baseline c=1 / 10 / 100'], variants.map(([v, res]) => [
      VARIANTS[v].label,
      ...LEVELS.map((l) => `${res.levels[l]?.lifecyclesPerSec} (${res.levels[l]?.lifecycles})`),
      LEVELS.map((l) => r.baseline[l]?.lifecyclesPerSec ?? '-').join(' / '),
    ])));
    parts.push('### Server ceiling (trivial workflow, one no-op activity) and the lifecycle\'s share at c=100');
    parts.push(table(['server', 'ceiling wf/s', 'ceiling events/s', 'ceiling transitions/s', 'lifecycle events/s', 'lifecycle transitions/s', 'share (events)', 'share (transitions)', 'server CPU ms/transition: ceiling, lifecycle', 'CPU at ceiling (server/worker/bench, machine)', 'CPU at c=100'], variants.map(([v, res]) => {
      const top = res.levels[100] as LifecycleBatch;
      const c = res.ceilingBest;
      const cpu = (w: { processes: Record<string, number>; machineBusyPct: number }) => `${w.processes.temporalServer}% / ${w.processes.worker}% / ${w.processes.benchProcess}%, ${w.machineBusyPct}%`;
      return [v, `${c.workflowsPerSec} (c=${c.concurrency})`, c.eventsPerSec, c.stateTransitionsPerSec, top.eventsPerSec, top.server.stateTransitionsPerSec, res.fractionOfCeiling.events, res.fractionOfCeiling.stateTransitions, `${c.serverCpuMsPerTransition}, ${top.server.cpuMsPerTransition}`, cpu(c.cpu), cpu(top.cpu)];
    })));
    parts.push('### submitAnswers latency, HTTP request to returned validation (ms, p50 / p95 / p99)');
    parts.push(table(['server', 'c', 'n', 'total', 'API server time', 'describe', 'update RPC', 'sandbox PATCH'], variants.flatMap(([v, res]) => LEVELS.map((l) => {
      const b = res.levels[l] as LifecycleBatch;
      const patch = b.httpCalls.durationByRoute['PATCH /api/public/v1/job-drafts/:id'];
      return [v, l, b.submitAnswers.totalMs.n, pct(b.submitAnswers.totalMs), pct(b.submitAnswers.serverMs), pct(b.submitAnswers.describeMs), pct(b.submitAnswers.updateMs), patch ? pct(patch) : '-'];
    }))));
    parts.push('### Per lifecycle (c=1, c=10, c=100)');
    parts.push(table(['server', 'c', 'duration p50 ms', 'answer rounds', 'history events', 'workflow tasks', 'actions (history)', 'server action metric', 'state transitions', 'OpenTrain calls', 'status queries'], variants.flatMap(([v, res]) => LEVELS.map((l) => {
      const b = res.levels[l] as LifecycleBatch;
      return [v, l, b.durationMs.p50, b.answerRoundsPerLifecycle, round(b.history.events, 1), round(b.history.workflowTasks, 1), round(b.history.actions.total, 1), b.server.actionsPerLifecycle, b.server.stateTransitionsPerLifecycle, b.httpCallsPerLifecycle, b.queriesPerLifecycle];
    }))));
  }
  if (r.profile.length) {
    parts.push('### Profiling batches (in memory): claim timing and worker options');
    const cpu = (b: LifecycleBatch) => `${b.cpu.processes.temporalServer}% / ${b.cpu.processes.worker}% / ${b.cpu.processes.benchProcess}%, ${b.cpu.machineBusyPct}%`;
    const base = r.throughput.memory;
    const rows: Array<Array<string | number>> = base
      ? LEVELS.map((l) => base.levels[l] as LifecycleBatch).map((b) => ['main run: production defaults (20 activities, 10 workflow tasks, cache 500), claim approved when the code shows', b.concurrency, b.lifecyclesPerSec, pct(b.submitAnswers.totalMs), pct(b.submitAnswers.updateMs), cpu(b)])
      : [];
    for (const p of r.profile) for (const b of Object.values(p.levels)) rows.push([p.name, b.concurrency, b.lifecyclesPerSec, pct(b.submitAnswers.totalMs), pct(b.submitAnswers.updateMs), cpu(b)]);
    parts.push(table(['batch', 'c', 'lifecycles/s', 'submitAnswers p50/p95/p99 ms', 'update RPC p50/p95/p99 ms', 'CPU server/worker/bench, machine'], rows));
  }
  if (r.claimWaits.length) {
    parts.push(`### Claim wait (time-skipping server, poll interval ${r.claimWaits[0]?.pollIntervalSec} s)`);
    parts.push(table(['claim wait', 'history events', 'actions (history)', 'token polls (attempts)', 'actions minus polls', 'OpenTrain calls'], r.claimWaits.map((c) => [
      `${c.waitSec / 3600} h`, c.events, c.cost.actions.total, c.cost.attemptsByActivity.pollClaimToken ?? 0, c.fixedActions, c.httpCalls.total,
    ])));
  }
  if (r.rss.length) {
    parts.push('### Worker RSS (VmRSS of the worker process)');
    parts.push(table(['lifecycles', 'maxCachedWorkflows', 'process', 'idle MB', 'waiting MB', 'waiting, after GC MB', 'kB per waiting lifecycle (after GC)', 'finished MB', 'finished, after GC MB', 'peak MB', 'answers while finishing p50/p95/p99 ms'], r.rss.map((x) => [
      x.lifecycles, String(x.workerOptions.maxCachedWorkflows), x.processSettings ?? 'defaults', x.idleRssMb, x.waitingRssMb, x.waitingAfterGcRssMb ?? '-', x.kbPerWaitingLifecycle, x.finishedRssMb, x.finishedAfterGcRssMb, x.peakMb, pct(x.finishAnswersMs),
    ])));
  }
  if (r.httpCalls) {
    parts.push('### OpenTrain HTTP calls per lifecycle (in memory, c=1)');
    const routes = [...new Set([...Object.keys(r.httpCalls.minimum), ...Object.keys(r.httpCalls.perLifecycle)])];
    const base = r.baseline[1]?.httpCalls.byRoute ?? {};
    const baseCount = r.baseline[1]?.lifecycles ?? 1;
    parts.push(table(['route', 'orchestrator', 'fewest the API allows', 'plain script'], [
      ...routes.map((route) => [route, r.httpCalls?.perLifecycle[route] ?? 0, r.httpCalls?.minimum[route] ?? 0, round((base[route] ?? 0) / baseCount, 2)]),
      ['**total**', r.httpCalls.perLifecycleTotal, r.httpCalls.minimumTotal, r.httpCalls.baselinePerLifecycle],
    ]));
  }
  if (r.actions) {
    parts.push('### Temporal Cloud actions per lifecycle (in memory, c=1)');
    const a = r.actions.fromHistory;
    parts.push(table(['workflow start', 'activity attempts', 'timers', 'signals', 'updates', 'search-attribute upserts', 'history total', 'of which token polls', 'fixed part', 'per poll', 'status queries (bench)', 'heartbeats', 'server `action` metric'], [[
      a.workflowStarted ?? 0, a.activityAttempts ?? 0, a.timers ?? 0, a.signals ?? 0, a.updates ?? 0, a.searchAttributeUpserts ?? 0, a.total ?? 0, r.actions.pollAttempts, r.actions.fixedFromHistory, 1, r.actions.queriesSentByBench, r.actions.heartbeats, r.actions.serverActionMetricPerLifecycle,
    ]]));
  }
  if (r.ratiosToBaseline) {
    parts.push('### Orchestrator (in memory) as a ratio to the plain script');
    parts.push(table(['c', 'throughput', 'lifecycle duration p50', 'answer latency p50', 'answer latency p99', 'OpenTrain calls'], Object.entries(r.ratiosToBaseline.byLevel).map(([l, x]) => [l, x.throughput ?? 0, x.lifecycleDurationP50 ?? 0, x.answerLatencyP50 ?? 0, x.answerLatencyP99 ?? 0, x.httpCalls ?? 0])));
  }
  parts.push('### Targets');
  parts.push(table(['target', 'measured', 'met'], Object.entries(r.targets).map(([name, t]) => [name, JSON.stringify(Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'met' && k !== 'byWait'))), t.met ? 'yes' : '**no**'])));
  return parts.join('\n\n');
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error.stack ?? error.message);
      process.exit(1);
    },
  );
}

