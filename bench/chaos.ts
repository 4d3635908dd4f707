/**
 * `npm run chaos`: proof under faults.
 *
 * Runs N jobLifecycle workflows at once (default 50; `--short`: 6, for CI) against the OpenTrain sandbox with
 * faults injected through its control routes on every route a lifecycle uses (5xx, 429 + Retry-After, latency,
 * dropped connections, malformed bodies), while it SIGKILLs the worker process at seeded random moments and
 * starts it again, and once kills and restarts the Temporal dev server itself (a real `temporal server
 * start-dev` on a SQLite file with the WAL pragmas). People answer, confirm, approve and enter claim codes,
 * several of them while things are down. Then it checks, from the sandbox's state and call log, the credential
 * store and every history, that each lifecycle ended as designed, with one draft, at most one publish, the
 * post-claim token stored, no second slow_down and no token in any history or log line. Finally it sends bad
 * and hostile input to the backend API and to the `submitAnswers` update and checks each is refused and
 * changes nothing.
 *
 * Prints what it injected and what survived, writes bench/results/chaos-<timestamp>.json, and exits non-zero
 * on any failed check.
 *
 *   npm run chaos -- [--lifecycles N] [--short] [--seed S] [--worker-kills K] [--out file.json]
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { buildApi } from '../src/api';
import { FileCredentialStore } from '../src/credentials';
import { startSandbox } from '../src/sandbox';
import { statusQuery, NO_CLAIM } from '../src/workflows/definitions';
import type { jobLifecycle } from '../src/workflows/job-lifecycle';
import {
  check,
  coverageCheck,
  draftCheck,
  formatTable,
  historySecretCheck,
  injectionTable,
  outcomeCheck,
  publishCheck,
  slowDownCheck,
  tokenCheck,
  type Check,
} from './chaos/checks';
import { LifecycleDriver, inputFor, makeDesign, VAGUE_JOB, type ChaosEnv } from './chaos/driver';
import { FAULT_KINDS, FaultPlan, LIFECYCLE_ROUTES } from './chaos/faults';
import { runHostile, type HostileResult } from './chaos/hostile';
import { LogSink, WorkerProcess } from './chaos/processes';
import { Rng } from './chaos/rng';
import { CallCollector, SandboxControl } from './chaos/sandbox';
import { DevServer } from './lib/dev-server';

export interface ChaosOptions {
  lifecycles: number;
  short: boolean;
  seed: number;
  workerKills: number;
  out?: string;
}

export interface KillRecord {
  kind: 'worker' | 'server';
  plannedAtSec: number;
  atSec: number;
  /** Waited for claimed tokens on their way to be stored before killing. */
  gateWaitMs: number;
  downMs: number;
  restartMs: number;
  /** Lifecycle stages (last seen) at the moment of the kill. */
  stages: Record<string, number>;
}

const POLL_INTERVAL_SEC = 2;
const API_KEY = randomBytes(18).toString('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function parseArgs(argv: string[]): ChaosOptions {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const short = argv.includes('--short');
  const number = (name: string, fallback: number, min: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min} (got ${raw})`);
    return n;
  };
  return {
    short,
    lifecycles: number('--lifecycles', short ? 6 : 50, 1),
    seed: number('--seed', Date.now() % 1_000_000, 0),
    workerKills: number('--worker-kills', short ? 3 : 6, 0),
    out: value('--out'),
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export async function runChaos(options: ChaosOptions): Promise<{ ok: boolean; path: string; report: Record<string, unknown> }> {
  const t0 = Date.now();
  const since = () => ((Date.now() - t0) / 1000).toFixed(1);
  const log = (line: string) => console.log(`[chaos +${since()}s] ${line}`);
  const rng = new Rng(options.seed);
  const tmp = mkdtempSync(join(tmpdir(), 'opentrain-chaos-'));
  const storeDir = join(tmp, 'credentials');
  const storeKey = randomBytes(32);
  const store = new FileCredentialStore({ dir: storeDir, key: storeKey });
  const sink = new LogSink();
  const cleanups: Array<() => Promise<unknown>> = [];
  log(`seed ${options.seed}, ${options.lifecycles} lifecycles, ${options.workerKills} worker kills + 1 server kill${options.short ? ' (short)' : ''}; temp dir ${tmp}`);

  try {
    // ---------------------------------------------------------------- the stack
    const sandbox = await startSandbox({ port: 0, pollIntervalSec: POLL_INTERVAL_SEC, claimAttemptTtlSec: 3600 });
    cleanups.push(() => sandbox.close());
    const control = new SandboxControl(sandbox.url);
    const server = await DevServer.start({ dbFilename: join(tmp, 'temporal.db'), onLine: (line, stream) => sink.line(`temporal ${stream}`, line) });
    cleanups.push(() => server.stop());
    log(`Temporal dev server on ${server.address} (pid ${server.pid}), sandbox on ${sandbox.url}`);

    const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: new DefaultLogger('WARN') });
    const bundlePath = join(tmp, 'workflows.js');
    writeFileSync(bundlePath, bundle.code);

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const taskQueue = `chaos-${options.seed}-${process.pid}`;
    const worker = new WorkerProcess(
      join(__dirname, 'chaos', 'worker.ts'),
      {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OT_|OPENTRAIN_)/.test(k))),
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        WORKFLOW_BUNDLE: bundlePath,
        CREDENTIAL_STORE_DIR: storeDir,
        CREDENTIAL_STORE_KEY: storeKey.toString('base64'),
        OPENTRAIN_API_BASE_URL: sandbox.url,
        WORKER_LOG_LEVEL: 'INFO',
      },
      sink,
      log,
    );
    cleanups.push(() => worker.kill());
    await worker.start();
    log(`worker ready (pid ${worker.pid})`);

    const api = buildApi({ client, taskQueue, apiKey: API_KEY, logger: { level: 'info', stream: sink.stream('api') } });
    cleanups.push(() => api.close());
    await api.listen({ host: '127.0.0.1', port: 0 });
    const apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;

    // ---------------------------------------------------------------- faults
    const plan = new FaultPlan(control, rng, { probability: options.short ? 0.05 : 0.04, latencyMs: [300, 2_500] });
    await plan.install();
    const collector = new CallCollector(control);
    collector.start();

    // Malformed answers on the token endpoint are lifted while an approved claim's token is on its way.
    const claimedStored = new Set<string>();
    async function pendingDeliveries(): Promise<number> {
      const state = await control.state();
      let pending = 0;
      for (const account of state.accounts.filter((a) => a.claimed)) {
        if (claimedStored.has(account.registrationId)) continue;
        if (!account.postClaimTokenDelivered) {
          pending += 1;
          continue;
        }
        const stored = (await Promise.all((await store.list()).map((s) => store.get(s.id)))).find((c) => c?.registrationId === account.registrationId);
        if (stored?.claimed) claimedStored.add(account.registrationId);
        else pending += 1;
      }
      return pending;
    }
    let lock: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
      const run = lock.then(fn, fn);
      lock = run.catch(() => undefined);
      return run;
    };
    let approvalsInFlight = 0;
    let monitorOn = true;
    const monitor = (async () => {
      while (monitorOn) {
        await sleep(1_000);
        await exclusive(async () => {
          if (plan.tokenMalformedIsSuspended && approvalsInFlight === 0 && (await pendingDeliveries()) === 0) await plan.suspendTokenMalformed(false);
        }).catch(() => undefined);
      }
    })();

    // ---------------------------------------------------------------- people and down windows
    let window = deferred();
    let scheduleDone = false;
    let downNow: 'worker' | 'server' | null = null;
    const env: ChaosEnv = {
      client,
      nextDownWindow: () => (scheduleDone ? null : window.promise),
      down: () => downNow,
      log,
      now: () => Date.now(),
      async approve(userCode) {
        approvalsInFlight += 1;
        try {
          return await exclusive(async () => {
            await plan.suspendTokenMalformed(true);
            const answer = await control.approve(userCode);
            return answer.status === 200 ? ('approved' as const) : answer.status === 409 || answer.status === 404 ? ('not-pending' as const) : ('error' as const);
          });
        } catch {
          return 'error';
        } finally {
          approvalsInFlight -= 1;
        }
      },
    };

    const drivers: LifecycleDriver[] = [];
    for (let i = 0; i < options.lifecycles; i++) {
      const id = `chaos-${options.seed}-${i}`;
      const driver = new LifecycleDriver(id, `owner-${options.seed}-${i}@chaos.example.com`, makeDesign(rng), env, new Rng(options.seed * 1000 + i + 1));
      drivers.push(driver);
    }
    for (const driver of drivers) {
      for (let tries = 1; ; tries++) {
        try {
          await client.workflow.start<typeof jobLifecycle>('jobLifecycle', { taskQueue, workflowId: driver.id, args: [inputFor(driver.id, driver.email, driver.design)] });
          break;
        } catch (error) {
          if (tries >= 10) throw error;
          await sleep(1_000);
        }
      }
    }
    log(`started ${drivers.length} lifecycles: ${JSON.stringify(countBy(drivers.map((d) => `${d.design.kind}/${d.design.answerVia}/${d.design.claimVia}`)))}`);
    const runStart = Date.now();
    const deadline = runStart + (options.short ? 420_000 : 1_800_000);
    const driving = Promise.all(drivers.map((d) => d.run(deadline)));

    // ---------------------------------------------------------------- the kill schedule
    const kills: KillRecord[] = [];
    const events = options.workerKills + 1;
    const spacing = options.short ? 20_000 : 40_000;
    const serverIndex = events >= 3 ? rng.int(1, events - 2) : events - 1;
    const schedule = Array.from({ length: events }, (_, i) => ({
      kind: (i === serverIndex ? 'server' : 'worker') as 'worker' | 'server',
      at: (options.short ? 12_000 : 25_000) + i * spacing + rng.int(-0.3 * spacing, 0.3 * spacing),
      downMs: i === serverIndex ? rng.int(5_000, 10_000) : rng.int(3_000, 8_000),
    }));
    const stagesNow = () => countBy(drivers.map((d) => (d.closedAs ? `closed:${d.closedAs}` : `${d.status?.stage ?? '?'}/${d.status?.claim.state ?? '?'}`)));
    let progressOn = true;
    void (async () => {
      while (progressOn) {
        await sleep(20_000);
        if (progressOn) log(`lifecycles: ${countText(stagesNow())}`);
      }
    })();
    const chaos = (async () => {
      for (const event of schedule) {
        await sleep(Math.max(0, runStart + event.at - Date.now()));
        const gateStart = Date.now();
        while (Date.now() - gateStart < 60_000 && (await pendingDeliveries().catch(() => 1)) > 0) await sleep(500);
        const record: KillRecord = { kind: event.kind, plannedAtSec: event.at / 1000, atSec: (Date.now() - runStart) / 1000, gateWaitMs: Date.now() - gateStart, downMs: event.downMs, restartMs: 0, stages: stagesNow() };
        if (event.kind === 'worker') {
          log(`SIGKILL worker pid ${worker.pid}; down for ${event.downMs} ms`);
          await worker.kill();
        } else {
          log(`SIGKILL Temporal dev server pid ${server.pid}; down for ${event.downMs} ms`);
          await server.kill();
        }
        downNow = event.kind;
        const opened = window;
        window = deferred();
        opened.resolve(); // people waiting for a down window act now
        await sleep(event.downMs);
        const restartStart = Date.now();
        if (event.kind === 'worker') await worker.start();
        else await server.launch();
        record.restartMs = Date.now() - restartStart;
        downNow = null;
        log(`${event.kind} back after ${record.restartMs} ms (pid ${event.kind === 'worker' ? worker.pid : server.pid})`);
        kills.push(record);
      }
      scheduleDone = true;
      window.resolve();
      log('kill schedule done');
    })();
    await chaos;
    await driving;
    progressOn = false;
    const runSeconds = (Date.now() - runStart) / 1000;
    log(`lifecycles done in ${runSeconds.toFixed(1)} s: ${JSON.stringify(countBy(drivers.map((d) => d.closedAs ?? 'open')))}`);

    // ---------------------------------------------------------------- checks
    monitorOn = false;
    await monitor;
    await exclusive(() => plan.clear());
    await collector.stop();
    const calls = collector.all();
    const state = await control.state();
    const checks: Check[] = [];
    checks.push(outcomeCheck(drivers));
    checks.push(draftCheck(drivers, state));
    checks.push(publishCheck(drivers, state));
    checks.push(await tokenCheck(drivers, state, store));
    const slow = slowDownCheck(state, calls, POLL_INTERVAL_SEC);
    checks.push(slow.check);
    const histories = await historySecretCheck(client, drivers.map((d) => d.id));
    checks.push(histories.check);
    const table = injectionTable(calls, plan);
    checks.push(coverageCheck(table));
    const workerKills = kills.filter((k) => k.kind === 'worker').length;
    const serverKills = kills.filter((k) => k.kind === 'server').length;
    checks.push(check('the worker was SIGKILLed and restarted as planned, and the Temporal server once', [
      ...(workerKills !== options.workerKills ? [`${workerKills} worker kills of ${options.workerKills}`] : []),
      ...(serverKills !== 1 ? [`${serverKills} server kills`] : []),
    ], `${workerKills} worker kills, ${serverKills} server kill; ${worker.unexpectedExits} unplanned worker exits`));
    const actions = drivers.flatMap((d) => d.actions);
    const whileDown = actions.filter((a) => a.sentWhileDown);
    checks.push(check('answers and claim approvals arrived while things were down, and landed', [
      ...(whileDown.filter((a) => a.action.startsWith('approve')).length === 0 ? ['no claim approval while something was down'] : []),
      ...(whileDown.filter((a) => !a.action.startsWith('approve')).length === 0 ? ['no answer or signal while something was down'] : []),
      ...whileDown.filter((a) => !a.landed && !a.action.startsWith('approve')).map((a) => `${a.action} (${a.via}) never landed`),
    ], `${whileDown.length} of ${actions.length} actions sent while down (${countText(countBy(whileDown.map((a) => `${a.via}:${a.sentWhileDown}`)))})`));
    if (collector.possibleGaps > 0) checks.push(check('the call log was read completely', [`${collector.possibleGaps} polls may have missed calls`], ''));

    // ---------------------------------------------------------------- bad input
    log('bad input: hostile requests to the API and the submitAnswers update');
    const targetId = `chaos-${options.seed}-target`;
    const started = await fetch(`${apiUrl}/v1/lifecycles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workflowId: targetId, draft: { rawJobDescription: VAGUE_JOB }, claim: NO_CLAIM, policy: { review: 'accept' } }),
    });
    let hostile: { results: HostileResult[]; problems: string[] } = { results: [], problems: [`the target lifecycle could not be started through the API (${started.status})`] };
    if (started.status === 201) {
      const target = client.workflow.getHandle(targetId);
      const waitUntil = Date.now() + 120_000;
      let ready = false;
      while (Date.now() < waitUntil && !ready) {
        ready = await client.withAbortSignal(AbortSignal.timeout(5_000), () => target.query(statusQuery)).then((s) => s.stage === 'AWAITING_ANSWERS', () => false);
        if (!ready) await sleep(500);
      }
      hostile = ready ? await runHostile({ client, sandbox: control, apiUrl, apiKey: API_KEY, log }, targetId) : { results: [], problems: ['the target lifecycle never reached AWAITING_ANSWERS'] };
      await target.cancel().catch(() => undefined);
    }
    checks.push(check('bad and hostile input got a clear 4xx or an update rejection and changed nothing', hostile.problems, `${hostile.results.filter((r) => r.target === 'api').length} API requests, ${hostile.results.filter((r) => r.target === 'update').length} updates`));

    // Last: everything every process printed (the API's bad-input answers included).
    await sleep(1_000);
    checks.push(check('no OpenTrain token in any log line the worker, the Temporal server or the API printed', sink.hits.map((h) => `${h.source}: ${h.full ? 'FULL TOKEN' : 'redacted preview'}: ${h.masked}`), `${[...sink.lines.values()].reduce((a, b) => a + b, 0)} lines (${countText(Object.fromEntries(sink.lines))})`));

    // ---------------------------------------------------------------- report
    const ok = checks.every((c) => c.ok);
    const report = {
      kind: 'chaos',
      ok,
      startedAt: new Date(t0).toISOString(),
      seconds: (Date.now() - t0) / 1000,
      lifecycleSeconds: runSeconds,
      options,
      setup: {
        sandbox: { pollIntervalSec: POLL_INTERVAL_SEC, claimAttemptTtlSec: 3600 },
        temporal: { address: server.address, dbFile: 'temp dir/temporal.db', pragmas: ['journal_mode=wal', 'synchronous=normal'], starts: server.starts },
        worker: { starts: worker.events.filter((e) => e.event === 'started').length, unexpectedExits: worker.unexpectedExits, events: worker.events.map((e) => ({ ...e, at: (e.at - runStart) / 1000 })) },
      },
      faultPlan: plan.describe(),
      injected: table,
      calls: { total: calls.length, byStatus: countBy(calls.map((c) => (c.dropped ? 'dropped' : c.abandoned ? 'abandoned' : String(c.status)))) },
      kills,
      actions: { total: actions.length, whileDown: whileDown.length, byKind: countBy(actions.map((a) => `${a.action.split(' ')[0]}:${a.via}:${a.sentWhileDown ?? 'up'}`)) },
      lifecycles: drivers.map((d) => ({
        id: d.id,
        design: d.design,
        closedAs: d.closedAs,
        result: d.result,
        failure: d.failure,
        actions: d.actions.length,
        actionsWhileDown: d.actions.filter((a) => a.sentWhileDown).length,
      })),
      sandbox: { counts: state.counts, slowDowns: slow.slowDowns },
      histories: { count: drivers.length, events: histories.events },
      hostile: hostile.results,
      checks,
    };
    const path = options.out ? resolve(options.out) : join(__dirname, 'results', `chaos-${new Date(t0).toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
    printReport(report, table, kills, checks, hostile.results);
    console.log(`\n${ok ? 'PASS' : 'FAIL'}: ${checks.filter((c) => c.ok).length}/${checks.length} checks; report in ${path}`);
    return { ok, path, report };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

function countText(counts: Record<string, number>): string {
  return Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ');
}

function printReport(
  report: { lifecycles: Array<{ closedAs: string | null; result: { stage: string; jobStatus: string | null; claimState: string } | null }> },
  table: ReturnType<typeof injectionTable>,
  kills: KillRecord[],
  checks: Check[],
  hostile: HostileResult[],
): void {
  console.log('\nInjected faults per route (calls the sandbox logged; ok = answered 2xx intact)');
  const rows = LIFECYCLE_ROUTES.map((r) => {
    const row = table[r.name]!;
    return [r.name, row.calls, row.ok, ...FAULT_KINDS.map((k) => row[k]), FAULT_KINDS.reduce((n, k) => n + row[k], 0)];
  });
  const totals = ['total', ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => rows.reduce((n, r) => n + Number(r[i]), 0))];
  console.log(formatTable(['route', 'calls', 'ok', ...FAULT_KINDS, 'faults'], [...rows, totals]));

  console.log('\nKills');
  console.log(formatTable(['#', 'what', 'at s', 'gate ms', 'down ms', 'restart ms', 'lifecycles then'], kills.map((k, i) => [
    i + 1, k.kind, k.atSec.toFixed(1), k.gateWaitMs, k.downMs, k.restartMs, countText(k.stages).slice(0, 90),
  ])));

  console.log('\nWhat survived');
  const ends = countBy(report.lifecycles.map((l) => (l.result ? `${l.closedAs} ${l.result.stage}/${l.result.jobStatus}/${l.result.claimState}` : l.closedAs ?? 'still open')));
  console.log(formatTable(['lifecycle end', 'count'], Object.entries(ends)));
  console.log(`bad input: ${hostile.filter((h) => h.clear && h.changedNothing).length}/${hostile.length} refused clearly and changed nothing`);

  console.log('\nChecks');
  for (const c of checks) {
    console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name} — ${c.detail}`);
    for (const f of c.failures ?? []) console.log(`       ${f}`);
  }
}

if (require.main === module) {
  let options: ChaosOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  runChaos(options).then(
    ({ ok }) => process.exit(ok ? 0 : 1),
    (error: Error) => {
      console.error(`chaos run failed: ${error.stack ?? error.message}`);
      process.exit(1);
    },
  );
}
