/**
 * End to end on a real Temporal dev server: with the codec on, the sensitive values of a workflow's
 * input, result and failure message never reach the server in clear, and a client with the codec
 * reads them back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { createDataConverter, EncryptionCodec, generateKey } from '../../src/codec';
import { startDevServer, uniqueTaskQueue } from '../helpers/temporal';
import { echoContact, failWithContact, type Contact } from './workflows';

const contact: Contact = { email: 'jane.doe@example.com', text: 'raise the budget to 9000' };

describe('payload encryption on a real Temporal server', () => {
  const dataConverter = createDataConverter({ PAYLOAD_ENCRYPTION_KEY: generateKey() });
  const codec = dataConverter.payloadCodecs![0] as EncryptionCodec;
  const taskQueue = uniqueTaskQueue('codec');
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let rawClient: Client; // no codec: sees what the server stores

  before(async () => {
    env = await startDevServer({ client: { dataConverter } });
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      // A prebuilt bundle ignores dataConverter.failureConverterPath: it must be bundled in.
      failureConverterPath: dataConverter.failureConverterPath,
      logger: new DefaultLogger('WARN'),
    });
    worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace, taskQueue, workflowBundle, dataConverter });
    running = worker.run();
    rawClient = new Client({ connection: env.connection, namespace: env.namespace });
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  /** The workflow's whole history as the server returns it, serialized to bytes. */
  async function rawHistory(workflowId: string) {
    const history = await rawClient.workflow.getHandle(workflowId).fetchHistory();
    return { history, bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()) };
  }

  it('input and result are encrypted in history; the codec client decodes them', async () => {
    const workflowId = `codec-echo-${Date.now()}`;
    const result = await env.client.workflow.execute(echoContact, { workflowId, taskQueue, args: [contact] });
    assert.deepEqual(result, { greeting: `Hello ${contact.email}`, contact });

    const { history, bytes } = await rawHistory(workflowId);
    for (const needle of [contact.email, contact.text, 'jane.doe', 'json/plain']) {
      assert.equal(bytes.indexOf(needle), -1, `'${needle}' appears in clear in the stored history`);
    }
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    assert.equal(input.length, 1);
    assert.equal(Buffer.from(input[0]!.metadata!.encoding!).toString(), 'binary/encrypted');
    assert.equal(Buffer.from(input[0]!.metadata!['encryption-key-id']!).toString(), codec.currentKeyId);
    const [decoded] = await codec.decode(input);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), contact);
    // Without the codec the result cannot be read.
    await assert.rejects(rawClient.workflow.getHandle(workflowId).result(), /Unknown encoding: binary\/encrypted/);
  });

  it('a failure message thrown by the workflow is encrypted too', async () => {
    const workflowId = `codec-fail-${Date.now()}`;
    const handle = await env.client.workflow.start(failWithContact, { workflowId, taskQueue, args: [contact] });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.equal(error.cause?.message, `Cannot reach ${contact.email}: ${contact.text}`);
      return true;
    });

    const { history, bytes } = await rawHistory(workflowId);
    for (const needle of [contact.email, contact.text, 'Cannot reach']) {
      assert.equal(bytes.indexOf(needle), -1, `'${needle}' appears in clear in the stored history`);
    }
    const failed = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes;
    assert.equal(failed?.failure?.message, 'Encoded failure');
    assert.equal(Buffer.from(failed?.failure?.encodedAttributes?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
  });
});
