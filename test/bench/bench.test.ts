/**
 * `npm run bench -- --short`: the harness runs end to end on this machine and its JSON has every figure,
 * each a number (JSON has no NaN: a figure that could not be measured would show as null and fail here).
 * Targets are reported by the bench, not checked here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');

/** Every leaf that is null, or a string where a number is expected, with its path. */
function badLeaves(value: unknown, path = '$'): string[] {
  if (value === null || value === undefined) return [path];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => badLeaves(v, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => badLeaves(v, `${path}.${k}`));
  return [];
}

const num = (value: unknown, what: string) => {
  assert.equal(typeof value, 'number', `${what} is a number`);
  assert.ok(Number.isFinite(value as number), `${what} is finite`);
  return value as number;
};

test('npm run bench -- --short writes every figure as a number', { timeout: 8 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  const out = join(dir, 'bench-short.json');
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'bench.ts'), '--short', `--out=${out}`], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 7 * 60_000,
    });
    assert.equal(run.status, 0, `bench failed:\n${run.stdout?.slice(-3000)}\n${run.stderr?.slice(-3000)}`);
    assert.match(run.stdout, /### Throughput/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, checked field by field below
    const r: any = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(badLeaves(r), [], 'no null or non-finite figure anywhere');

    for (const variant of ['memory', 'wal-normal', 'wal-off', 'file-default']) {
      const v = r.throughput[variant];
      assert.ok(v, `throughput on ${variant}`);
      for (const level of ['1', '10', '100']) {
        const b = v.levels[level];
        assert.ok(num(b.lifecyclesPerSec, `${variant} c=${level} lifecycles/s`) > 0);
        for (const p of ['p50', 'p95', 'p99']) num(b.submitAnswers.totalMs[p], `${variant} c=${level} submitAnswers ${p}`);
        assert.ok(num(b.history.events, 'events per lifecycle') > 0);
        assert.ok(num(b.httpCallsPerLifecycle, 'OpenTrain calls per lifecycle') > 0);
        num(b.server.stateTransitionsPerSec, 'state transitions/s');
        num(b.cpu.machineBusyPct, 'machine CPU');
      }
      assert.ok(num(v.ceilingBest.stateTransitionsPerSec, `${variant} ceiling`) > 0);
      num(v.fractionOfCeiling.events, 'share of the ceiling (events)');
      num(v.fractionOfCeiling.stateTransitions, 'share of the ceiling (transitions)');
    }

    assert.deepEqual(r.claimWaits.map((c: { waitSec: number }) => c.waitSec), [0, 3600, 86_400]);
    for (const c of r.claimWaits) {
      assert.ok(num(c.events, 'claim-wait events') > 0);
      num(c.fixedActions, 'claim-wait fixed actions');
    }
    const [short, , day] = r.claimWaits;
    assert.ok(day.cost.attemptsByActivity.pollClaimToken > short.cost.attemptsByActivity.pollClaimToken, 'a 24 h wait polls more');

    assert.ok(r.rss.length >= 1);
    assert.ok(num(r.rss[0].waitingRssMb, 'RSS waiting') > 0);
    num(r.rss[0].finishedRssMb, 'RSS finished');

    for (const level of ['1', '10', '100']) {
      assert.ok(num(r.baseline[level].lifecyclesPerSec, `baseline c=${level}`) > 0);
      num(r.ratiosToBaseline.byLevel[level].throughput, `ratio to baseline c=${level}`);
    }
    assert.ok(num(r.httpCalls.minimumTotal, 'fewest calls') > 0);
    num(r.httpCalls.overMinimum, 'calls over the minimum');
    assert.ok(num(r.actions.fromHistory.total, 'actions per lifecycle') > 0);
    num(r.actions.fixedFromHistory, 'fixed actions');
    num(r.actions.perPoll, 'actions per poll');
    for (const key of ['submitAnswersP99Ms', 'fractionOfCeilingAt100', 'claimWaitIndependence', 'rssWaitingMb']) {
      assert.equal(typeof r.targets[key].met, 'boolean', `target ${key} reported`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
