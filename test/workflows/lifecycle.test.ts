/**
 * jobLifecycle end to end on a real Temporal dev server, a real worker and the sandbox over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  answerSignal,
  approvePublishSignal,
  confirmSignal,
  statusQuery,
  submitAnswersUpdate,
  NO_CLAIM,
} from '../../src/workflows/definitions';
import {
  CLEAR_JOB,
  VAGUE_JOB,
  SECRET_PATTERN,
  answerAllPrompts,
  createLifecycleStack,
  historyText,
  saveHistoryFixture,
  waitForStage,
  waitForStatus,
  type LifecycleStack,
} from '../helpers/lifecycle';
import { startDevServer } from '../helpers/temporal';


describe('jobLifecycle on a dev server', () => {
  let env: TestWorkflowEnvironment;
  let stack: LifecycleStack;
  const histories: string[] = [];

  before(async () => {
    env = await startDevServer();
    stack = await createLifecycleStack(env);
  });
  after(async () => {
    await stack?.close();
    await env?.teardown();
  });

  test('plain English to a live job and a claimed account, with three answer rounds', async () => {
    await stack.run(async () => {
      const handle = await stack.start({ draft: { rawJobDescription: VAGUE_JOB, externalId: 'ext-happy' }, claim: { email: 'owner@example.com' }, policy: { review: 'accept' } });
      const rounds = await answerAllPrompts(handle);
      assert.ok(rounds >= 3, `expected at least three answer rounds, got ${rounds}`);

      const live = await waitForStatus(handle, (s) => s.stage === 'LIVE' && s.claim.state === 'PENDING_HUMAN');
      assert.equal(live.jobStatus, 'OPEN');
      assert.match(live.claim.userCode ?? '', /^\d{6}$/);
      assert.ok(live.claim.verificationUri && !SECRET_PATTERN.test(live.claim.verificationUri));
      assert.equal(live.claim.attempt, 1);

      // The human enters the code on the verification page.
      await stack.sandbox('POST', `/__sandbox/claims/${live.claim.userCode}/approve`);
      const result = await handle.result();
      assert.equal(result.stage, 'COMPLETED');
      assert.equal(result.claimState, 'CLAIMED');
      assert.equal(result.jobStatus, 'OPEN');
      assert.ok(result.scopes.includes('proposals:write'), 'post-claim scopes');

      const credential = await stack.store.get(result.credentialId as string);
      assert.equal(credential?.claimed, true);
      assert.equal(credential?.supersededTokens.length, 1, 'the pre-claim token was swapped out');

      const found = await env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}' AND OpenTrainStage = 'COMPLETED' AND OpenTrainClaimState = 'CLAIMED'` });
      let count = 0;
      for await (const _ of found) count += 1;
      assert.equal(count, 1, 'found by search attributes');
      histories.push(await historyText(handle));
      await saveHistoryFixture('happy-path-claimed', handle);
    });
  });

  test('the update validator refuses unknown keys, wrong types and values outside the enum, before history', async () => {
    await stack.run(async () => {
      const handle = await stack.start({ draft: { rawJobDescription: VAGUE_JOB }, claim: NO_CLAIM, policy: { review: 'accept' } });
      await waitForStage(handle, ['AWAITING_ANSWERS']);
      const refusals = [
        [{ notAField: 1 }, 'notAField'],
        [{ headcount: 'five' }, 'headcount'],
        [{ experienceLevel: 'GURU' }, 'experienceLevel'],
        [{ jobDescription: 'y'.repeat(70_000) }, 'jobDescription'],
      ] as const;
      for (const [values, field] of refusals) {
        await assert.rejects(handle.executeUpdate(submitAnswersUpdate, { args: [{ values }] }), (error: unknown) => {
          assert.ok(error instanceof WorkflowUpdateFailedError);
          assert.match(String((error.cause as Error).message), new RegExp(field));
          return true;
        });
      }
      const history = await handle.fetchHistory();
      const updateEvents = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      assert.equal(updateEvents.length, 0, 'rejected updates leave no trace in history');
      await handle.cancel();
      await handle.result().catch(() => undefined);
      histories.push(await historyText(handle));
      await saveHistoryFixture('validator-refusals', handle);
    });
  });

  test('a PATCH that OpenTrain refuses shows in lastError and the loop goes on', async () => {
    await stack.run(async () => {
      const handle = await stack.start({ draft: { rawJobDescription: VAGUE_JOB }, claim: NO_CLAIM, policy: { review: 'accept' } });
      const waiting = await waitForStage(handle, ['AWAITING_ANSWERS']);
      await stack.sandbox('POST', '/__sandbox/faults', { method: 'PATCH', path: '/api/public/v1/job-drafts/*', status: 400, times: 1 });
      const field = waiting.missingFields[0]!;
      const answer = { [field.updateKeys[0]!]: field.enumValues?.[0] ?? 3 };
      await assert.rejects(handle.executeUpdate(submitAnswersUpdate, { args: [{ values: answer }] }), WorkflowUpdateFailedError);
      const refused = await handle.query(statusQuery);
      assert.equal(refused.stage, 'AWAITING_ANSWERS');
      assert.equal(refused.lastError?.code, 'PATCH_REJECTED');

      const accepted = await handle.executeUpdate(submitAnswersUpdate, { args: [{ values: answer }] });
      assert.ok(!accepted.missingFields.some((f) => f.field === field.field), 'the second PATCH went through');
      assert.equal((await handle.query(statusQuery)).lastError, null);
      await handle.cancel();
      await handle.result().catch(() => undefined);
      histories.push(await historyText(handle));
      await saveHistoryFixture('patch-rejected-recovered', handle);
    });
  });

  test('review and manual publish wait for confirm and approvePublish; signals answer too', async () => {
    await stack.run(async () => {
      const handle = await stack.start({ draft: { rawJobDescription: CLEAR_JOB }, claim: NO_CLAIM, policy: { review: 'confirm', publish: 'manual' } });
      let status = await waitForStage(handle, ['AWAITING_ANSWERS', 'AWAITING_REVIEW', 'AWAITING_PUBLISH_APPROVAL']);
      while (status.stage === 'AWAITING_ANSWERS') {
        const field = status.missingFields[0]!;
        await handle.signal(answerSignal, { values: { [field.updateKeys[0]!]: field.enumValues?.[0] ?? 2 } });
        status = await waitForStatus(handle, (s) => s.stage !== 'AWAITING_ANSWERS' || s.missingFields.length < status.missingFields.length);
      }
      if (status.stage === 'AWAITING_REVIEW') {
        assert.ok(status.lowConfidenceFields.length > 0);
        await handle.signal(confirmSignal, {});
      }
      await waitForStage(handle, ['AWAITING_PUBLISH_APPROVAL']);
      await handle.signal(approvePublishSignal);
      const live = await waitForStage(handle, ['COMPLETED', 'LIVE']);
      assert.equal(live.jobStatus, 'OPEN');
      histories.push(await historyText(handle));
      await saveHistoryFixture('review-manual-publish', handle);
      await handle.result();
    });
  });

  test('a moderation block shows the reasons and publishes after an edit', async () => {
    await stack.run(async () => {
      const text = `${CLEAR_JOB} Label counterfeit handbags in product photos.`;
      const handle = await stack.start({ draft: { rawJobDescription: text }, claim: NO_CLAIM, policy: { review: 'accept' } });
      await answerAllPrompts(handle);
      const blocked = await waitForStage(handle, ['MODERATION_BLOCKED']);
      assert.equal(blocked.lastError?.code, 'MODERATION_BLOCKED');
      assert.ok((blocked.lastError?.reasons ?? []).length > 0, 'reasons shown');

      await handle.executeUpdate(submitAnswersUpdate, { args: [{ values: { jobDescription: 'Label genuine handbags in product photos.' } }] });
      const result = await handle.result();
      assert.equal(result.jobStatus, 'OPEN');
      histories.push(await historyText(handle));
      await saveHistoryFixture('moderation-blocked', handle);
    });
  });

  test('cancellation stops both branches and shows CANCELLED', async () => {
    await stack.run(async () => {
      const handle = await stack.start({ draft: { rawJobDescription: VAGUE_JOB }, policy: { review: 'accept' } });
      await waitForStatus(handle, (s) => s.stage === 'AWAITING_ANSWERS' && s.claim.state === 'AWAITING_EMAIL');
      await handle.cancel();
      await assert.rejects(handle.result(), WorkflowFailedError);
      const status = await handle.query(statusQuery);
      assert.equal(status.stage, 'CANCELLED');
      histories.push(await historyText(handle));
      await saveHistoryFixture('cancelled', handle);
    });
  });

  test('no history of these runs holds an OpenTrain token', () => {
    assert.ok(histories.length >= 5);
    for (const text of histories) assert.doesNotMatch(text, SECRET_PATTERN);
  });
});
