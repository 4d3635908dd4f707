/**
 * `npm run chaos -- --short` as a real test: 6 lifecycles against the sandbox with faults on every route,
 * worker SIGKILLs, one Temporal server kill, hostile input; it must exit 0 and its JSON must show every check
 * passed. Runs the real script in its own process (it starts its own Temporal server, sandbox and workers).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');
const KINDS = ['5xx', '429', 'latency', 'drop', 'malformed'] as const;

interface Report {
  ok: boolean;
  options: { lifecycles: number; workerKills: number; seed: number };
  checks: Array<{ name: string; ok: boolean; detail: string; failures?: string[] }>;
  lifecycles: Array<{ id: string; closedAs: string | null; result: { stage: string; jobStatus: string | null; claimState: string } | null }>;
  kills: Array<{ kind: string }>;
  injected: Record<string, Record<(typeof KINDS)[number] | 'calls', number>>;
  hostile: Array<{ target: string; name: string; clear: boolean; changedNothing: boolean }>;
  actions: { whileDown: number };
}

describe('npm run chaos -- --short', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('survives faults, kills and hostile input with every check passed', { timeout: 15 * 60_000 }, async () => {
    const out = join(dir, 'chaos.json');
    const child = spawn('npm', ['run', 'chaos', '--', '--short', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolveExit) => {
      const timer = setTimeout(() => child.kill('SIGTERM'), 14 * 60_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolveExit(exitCode);
      });
    });
    assert.equal(code, 0, `npm run chaos -- --short exited ${code}:\n${output.slice(-6000)}`);

    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    const failed = report.checks.filter((c) => !c.ok);
    assert.deepEqual(failed, [], `seed ${report.options.seed}: failed checks`);
    assert.equal(report.ok, true);
    assert.ok(report.checks.length >= 10, 'all the checks ran');

    assert.equal(report.lifecycles.length, 6);
    for (const lifecycle of report.lifecycles) {
      assert.equal(lifecycle.closedAs, 'COMPLETED', lifecycle.id);
      assert.deepEqual(lifecycle.result && [lifecycle.result.stage, lifecycle.result.jobStatus, lifecycle.result.claimState], ['COMPLETED', 'OPEN', 'CLAIMED'], lifecycle.id);
    }
    assert.equal(report.kills.filter((k) => k.kind === 'worker').length, report.options.workerKills);
    assert.equal(report.kills.filter((k) => k.kind === 'server').length, 1);
    assert.ok(report.actions.whileDown > 0, 'people acted while things were down');
    for (const [route, row] of Object.entries(report.injected)) {
      for (const kind of KINDS) assert.ok(row[kind] > 0, `${kind} injected on ${route}`);
    }
    assert.ok(report.hostile.length >= 40, 'the hostile requests ran');
    for (const h of report.hostile) assert.ok(h.clear && h.changedNothing, `${h.target} ${h.name}`);
  });
});
