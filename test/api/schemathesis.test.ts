/**
 * Property-based testing of the backend API from its own OpenAPI document, with schemathesis: generated
 * valid and invalid requests for every operation, against the real API in front of a real Temporal dev
 * server, worker and sandbox. Any 5xx or any response that does not match the documented schema fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureSchemathesis } from '../../scripts/ensure-schemathesis';
import { API_KEY, startApiStack, type ApiStack } from './helpers';

/** Examples per operation: enough to reach every documented answer, small enough to finish in about a minute. */
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 30);

function runSchemathesis(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Its caches (.hypothesis, .schemathesis) go to a temporary folder, not the work tree.
    const child = spawn(command, args, { cwd: mkdtempSync(join(tmpdir(), 'schemathesis-')), env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('schemathesis against the OpenAPI document', () => {
  let api: ApiStack;
  let command: string;

  before(async () => {
    command = ensureSchemathesis((line) => console.log(line));
    api = await startApiStack();
  });
  after(async () => {
    await api?.close();
  });

  test('no server error and every response matches the documented schema', { timeout: 240_000 }, async () => {
    const { code, output } = await runSchemathesis(command, [
      'run',
      `${api.url}/openapi.json`,
      '--header',
      `Authorization: Bearer ${API_KEY}`,
      '--checks',
      'not_a_server_error,response_schema_conformance',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      '20261125',
      // One worker: with several threads, hypothesis' lambda descriptions can hit CPython's
      // "AST constructor recursion depth mismatch" (ast.parse is not thread-safe on 3.11), a crash in the tool.
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--phases',
      'examples,coverage,fuzzing',
    ]);
    const summary = output.split('\n').slice(-40).join('\n');
    console.log(summary);
    assert.equal(code, 0, `schemathesis found problems:\n${output.slice(-12_000)}`);
    assert.match(output, /passed/i, summary);
    assert.doesNotMatch(output, /\b[1-9]\d* (failed|errored)\b/i, summary);
  });
});
