/**
 * The parts of jobLifecycle that take hours: claim attempts that lapse, a claim window that closes,
 * a daily publish quota that resets. Run on the time-skipping test server, so hours pass in seconds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { statusQuery, NO_CLAIM } from '../../src/workflows/definitions';
import { CLEAR_JOB, createLifecycleStack, historyText, saveHistoryFixture, SECRET_PATTERN, waitForStage, type LifecycleStack } from '../helpers/lifecycle';
import { startTimeSkippingServer } from '../helpers/temporal';


describe('jobLifecycle over hours (time skipping)', () => {
  let env: TestWorkflowEnvironment;
  let stack: LifecycleStack;

  before(async () => {
    env = await startTimeSkippingServer();
    stack = await createLifecycleStack(env, { sandbox: { pollIntervalSec: 5 } });
  });
  after(async () => {
    await stack?.close();
    await env?.teardown();
  });

  test('lapsed claim attempts get new codes, then the closed window gives EXPIRED', async () => {
    await stack.run(async () => {
      const handle = await stack.start({
        draft: { rawJobDescription: CLEAR_JOB },
        claim: { email: 'late-owner@example.com' },
        policy: { review: 'accept', claimAttempts: 2 },
      });
      const result = await handle.result(); // time skips through both 30-minute attempts and the 24 h window
      assert.equal(result.claimState, 'EXPIRED', JSON.stringify((await handle.query(statusQuery)).lastError));
      assert.equal(result.jobStatus, 'OPEN');

      const status = await handle.query(statusQuery);
      assert.equal(status.claim.attempt, 2, 'two attempts were started automatically');
      const { emails } = await stack.sandbox<{ emails: Array<{ email: string; user_code: string }> }>('GET', '/__sandbox/outbox');
      const codes = emails.filter((e) => e.email === 'late-owner@example.com').map((e) => e.user_code);
      assert.equal(codes.length, 2);
      assert.notEqual(codes[0], codes[1], 'each attempt has its own code');

      // History grows per attempt, not per poll or per hour waited.
      const events = (await handle.fetchHistory()).events ?? [];
      const polls = (await stack.sandbox<{ calls: Array<{ path: string }> }>('GET', '/__sandbox/calls')).calls.filter((c) => c.path === '/api/agent/oauth/token').length;
      console.log(`24 h claim wait: ${events.length} history events for ${polls} token polls over 2 attempts`);
      assert.ok(polls > events.length / 2, 'polls do not add events');
      assert.ok(events.length < 150, `history stays small (${events.length} events)`);
      assert.doesNotMatch(await historyText(handle), SECRET_PATTERN);
      await saveHistoryFixture('claim-expired', handle);
    });
  });

  test('a spent daily publish quota waits on a durable timer until it resets', async () => {
    await stack.run(async () => {
      await stack.sandbox('POST', '/__sandbox/config', { publishQuota: { unclaimed: 0, claimed: 0 } });
      const handle = await stack.start({ draft: { rawJobDescription: CLEAR_JOB }, claim: NO_CLAIM, policy: { review: 'accept' } });
      const waiting = await waitForStage(handle, ['WAITING_PUBLISH_QUOTA']);
      assert.equal(waiting.lastError?.code, 'DAILY_PUBLISH_LIMIT');
      await stack.sandbox('POST', '/__sandbox/config', { publishQuota: { unclaimed: 3, claimed: 20 } });
      const result = await handle.result(); // skips to the reset
      assert.equal(result.jobStatus, 'OPEN');
      await saveHistoryFixture('publish-quota', handle);
    });
  });
});
