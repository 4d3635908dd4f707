/**
 * With PAYLOAD_ENCRYPTION_KEY set, what Temporal stores is ciphertext: the owner's e-mail, the job
 * description and failure messages never appear in clear in the history, and no token ever does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createCodecFromEnv, createDataConverter, generateKey } from '../../src/codec';
import { SECRET_PATTERN, answerAllPrompts, asText, createLifecycleStack, waitForStatus, type LifecycleStack } from '../helpers/lifecycle';
import { startDevServer } from '../helpers/temporal';

const MARKER = 'zebra-crossing-marker-7741';
const EMAIL = 'private-owner-7741@example.com';

describe('jobLifecycle with payload encryption', () => {
  const settings = { PAYLOAD_ENCRYPTION_KEY: generateKey() };
  const dataConverter = createDataConverter(settings);
  let env: TestWorkflowEnvironment;
  let stack: LifecycleStack;

  before(async () => {
    env = await startDevServer({ client: { dataConverter } });
    stack = await createLifecycleStack(env, { dataConverter });
  });
  after(async () => {
    await stack?.close();
    await env?.teardown();
  });

  test('the stored history holds no e-mail, description or token in clear', async () => {
    await stack.run(async () => {
      const description = `We need people to draw bounding boxes around cars (${MARKER}) in street photos.`;
      const handle = await stack.start({ draft: { rawJobDescription: description }, claim: { email: EMAIL }, policy: { review: 'accept' } });
      await answerAllPrompts(handle);
      const live = await waitForStatus(handle, (s) => s.stage === 'LIVE' && s.claim.state === 'PENDING_HUMAN');
      assert.equal(live.claim.email, EMAIL, 'the codec client reads the state in clear');
      await stack.sandbox('POST', `/__sandbox/claims/${live.claim.userCode}/approve`);
      await handle.result();

      const raw = new Client({ connection: env.connection, namespace: env.namespace }); // no codec
      const stored = asText(await raw.workflow.getHandle(handle.workflowId).fetchHistory());
      for (const secret of [EMAIL, MARKER, 'bounding boxes']) assert.ok(!stored.includes(secret), `"${secret}" is not stored in clear`);
      assert.doesNotMatch(stored, SECRET_PATTERN);
      assert.match(stored, /binary\/encrypted/, 'payloads carry the encrypted encoding');

      // And the key decodes it: the first event's input holds the description.
      const history = await raw.workflow.getHandle(handle.workflowId).fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
      const decoded = await createCodecFromEnv(settings)!.decode(input);
      assert.ok(Buffer.from(decoded[0]!.data!).toString().includes(MARKER));
    });
  });
});
