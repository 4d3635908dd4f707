/**
 * The claim ceremony's polling rules in real time, checked from the sandbox's own call log:
 * RFC 8628 slow_down handling, and the token swap while the job branch is still using the old token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { submitAnswersUpdate } from '../../src/workflows/definitions';
import { CLEAR_JOB, VAGUE_JOB, createLifecycleStack, saveHistoryFixture, waitForStatus, type LifecycleStack } from '../helpers/lifecycle';
import { startDevServer } from '../helpers/temporal';

const TOKEN_PATH = '/api/agent/oauth/token';

interface Call {
  time: string;
  method: string;
  path: string;
  status: number;
}

describe('claim polling', () => {
  let env: TestWorkflowEnvironment;
  let stack: LifecycleStack;

  before(async () => {
    env = await startDevServer();
    stack = await createLifecycleStack(env, { sandbox: { pollIntervalSec: 1 } });
  });
  after(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const calls = async () => (await stack.sandbox<{ calls: Call[] }>('GET', '/__sandbox/calls')).calls;
  const tokenPolls = async () => (await calls()).filter((c) => c.path === TOKEN_PATH).map((c) => Date.parse(c.time));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  test('after a slow_down every later poll waits interval + 5 s, and no second slow_down comes', async () => {
    await stack.run(async () => {
      await stack.sandbox('DELETE', '/__sandbox/calls');
      const handle = await stack.start({ draft: { rawJobDescription: CLEAR_JOB }, claim: { email: 'slow@example.com' }, policy: { review: 'accept' } });
      const pending = await waitForStatus(handle, (s) => s.claim.state === 'PENDING_HUMAN' && s.claim.userCode !== null);
      while ((await tokenPolls()).length < 1) await sleep(100);

      // The server now wants polls at least 4 s apart; the client polls every 1 s until told to slow down.
      const askedAt = Date.now();
      await stack.sandbox('POST', `/__sandbox/claims/${pending.claim.userCode}/min-gap`, { minGapSec: 4 });
      let polls: number[] = [];
      while ((polls = (await tokenPolls()).filter((t) => t >= askedAt)).length < 4) await sleep(250);

      await stack.sandbox('POST', `/__sandbox/claims/${pending.claim.userCode}/approve`);
      const result = await handle.result();
      assert.equal(result.claimState, 'CLAIMED');

      const state = await stack.sandbox<{ accounts: Array<{ claim?: { current?: { intervalSec: number } } }> }>('GET', '/__sandbox/state');
      const intervals = JSON.stringify(state);
      assert.match(intervals, /"intervalSec":6\b/, 'exactly one slow_down: the attempt interval went 1 -> 6');

      const gaps = polls.slice(1).map((t, i) => t - (polls[i] as number));
      console.log(`token poll gaps after the server asked for 4 s: ${gaps.map((g) => `${g} ms`).join(', ')}`);
      assert.ok((gaps[0] ?? 0) >= 5_900, `the poll after slow_down waited 1 + 5 s (gap ${gaps[0]} ms)`);
      for (const gap of gaps) assert.ok(gap >= 5_900, `no poll sooner than interval + 5 s (gap ${gap} ms)`);
      await saveHistoryFixture('claim-slow-down', handle);
    });
  });

  test('a 401 with the revoked pre-claim token recovers once the post-claim token is stored', async () => {
    await stack.run(async () => {
      await stack.sandbox('DELETE', '/__sandbox/calls');
      const handle = await stack.start({ draft: { rawJobDescription: VAGUE_JOB }, claim: { email: 'swap@example.com' }, policy: { review: 'accept' } });
      const waiting = await waitForStatus(handle, (s) => s.stage === 'AWAITING_ANSWERS' && s.claim.state === 'PENDING_HUMAN');
      // Hold the claim branch's next polls back, so the job branch meets the revoked token first.
      await stack.sandbox('POST', '/__sandbox/faults', { method: 'POST', path: TOKEN_PATH, status: 503, times: 3 });
      await stack.sandbox('POST', `/__sandbox/claims/${waiting.claim.userCode}/approve`);

      const field = waiting.missingFields[0]!;
      const answered = await handle.executeUpdate(submitAnswersUpdate, { args: [{ values: { [field.updateKeys[0]!]: field.enumValues?.[0] ?? 3 } }] });
      assert.ok(!answered.missingFields.some((f) => f.field === field.field));

      const patches = (await calls()).filter((c) => c.method === 'PATCH');
      assert.deepEqual(patches.map((c) => c.status).slice(0, 2), [401, 200], 'first PATCH refused with the old token, then done with the new one');
      const status = await waitForStatus(handle, (s) => s.claim.state === 'CLAIMED');
      const credential = await stack.store.get(status.credentialId as string);
      assert.equal(credential?.claimed, true);
      await handle.cancel();
      await handle.result().catch(() => undefined);
      await saveHistoryFixture('token-swap-401', handle);
    });
  });
});
