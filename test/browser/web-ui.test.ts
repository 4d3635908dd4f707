/**
 * The Temporal Web UI shows a lifecycle's input decoded through the API's codec endpoint, while the
 * server stores it encrypted. Real parts: a Temporal dev server with its Web UI (on a free port, started
 * with --ui-codec-endpoint pointing at the API), a worker and the API with PAYLOAD_ENCRYPTION_KEY's codec,
 * the sandbox, and headless Chromium opening the UI as a person would.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { ensureTemporalCli } from '../../scripts/temporal-binaries';
import { buildApi } from '../../src/api';
import { createDataConverter, generateKey } from '../../src/codec';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { API_KEY, eventually, http } from '../api/helpers';
import { createLifecycleStack, type LifecycleStack } from '../helpers/lifecycle';
import { quietRuntime } from '../helpers/temporal';
import { freePort } from '../../scripts/free-port';
import { launchBrowser, newPage, screenshot, UI_TIMEOUT_MS } from './helpers';
import { NO_CLAIM } from '../../src/workflows/definitions';

const JOB_TEXT = 'We need people to draw bounding boxes around zebra crossings in street photos for a self-driving project.';
const MARKER = 'zebra crossings';

describe('Temporal Web UI with the codec endpoint, in Chromium', { timeout: 600_000 }, () => {
  const dataConverter = createDataConverter({ PAYLOAD_ENCRYPTION_KEY: generateKey() });
  let env: TestWorkflowEnvironment;
  let stack: LifecycleStack;
  let app: FastifyInstance;
  let browser: Browser;
  // Kept where `after` can reach them: a `before` that fails midway must not leave Chromium or a listening
  // socket behind to keep the test process alive.
  let browserStarting: Promise<Browser> | undefined;
  let apiPortHolder: Server | undefined;
  let apiUrl: string;
  let uiUrl: string;

  before(async () => {
    // The UI must know the codec endpoint when it starts, so the API's port is chosen first, and held
    // until the API listens: the dev server opens many ports of its own and must not take this one.
    const holder = (apiPortHolder = createServer());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const apiPort = (holder.address() as AddressInfo).port;
    const uiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    uiUrl = `http://127.0.0.1:${uiPort}`;
    quietRuntime();
    browserStarting = launchBrowser();
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: await ensureTemporalCli() },
        ip: '127.0.0.1',
        ui: true,
        uiPort,
        searchAttributes: [...SEARCH_ATTRIBUTES],
        extraArgs: ['--ui-codec-endpoint', `${apiUrl}/codec`, '--log-level', 'error'],
      },
      client: { dataConverter },
    });
    stack = await createLifecycleStack(env, { dataConverter });
    app = buildApi({
      client: env.client,
      taskQueue: stack.taskQueue,
      apiKey: API_KEY,
      codec: dataConverter.payloadCodecs?.[0],
      uiOrigin: [uiUrl, `http://localhost:${uiPort}`],
    });
    await new Promise((resolve) => holder.close(resolve));
    await app.listen({ host: '127.0.0.1', port: apiPort });
    browser = await browserStarting;
  });

  after(async () => {
    if (apiPortHolder?.listening) await new Promise((resolve) => apiPortHolder?.close(resolve));
    await (await browserStarting?.catch(() => undefined))?.close();
    await app?.close();
    await stack?.close();
    await env?.teardown();
  });

  it('finds the run by OpenTrainStage and shows its input decoded, while the stored history is encrypted', async () => {
    const started = await http(apiUrl, 'POST', '/v1/lifecycles', { body: { draft: { rawJobDescription: JOB_TEXT }, claim: NO_CLAIM } });
    assert.equal(started.status, 201, started.text);
    const { workflowId, runId } = started.body as { workflowId: string; runId: string };
    await eventually('the lifecycle to wait for answers', async () => {
      const status = await http(apiUrl, 'GET', `/v1/lifecycles/${workflowId}`);
      return status.body?.stage === 'AWAITING_ANSWERS' ? true : undefined;
    }, 60_000);

    // What the server stores: the input is encrypted, the job text is nowhere in clear.
    const raw = new Client({ connection: env.connection, namespace: env.namespace });
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.equal(bytes.indexOf(MARKER), -1, 'the job text is stored in clear');
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.equal(Buffer.from(input?.metadata?.encoding ?? []).toString(), 'binary/encrypted');

    const page = await newPage(browser, 1400, 1000);
    const codecCallsSeen: Promise<{ status: number; origin: string | undefined }>[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${apiUrl}/codec/decode`) && response.request().method() === 'POST') {
        codecCallsSeen.push(response.request().allHeaders().then((headers) => ({ status: response.status(), origin: headers.origin })));
      }
    });

    // The workflows list, filtered by the search attribute, as a person would type it in the UI.
    const query = encodeURIComponent('OpenTrainStage="AWAITING_ANSWERS"');
    await page.goto(`${uiUrl}/namespaces/${env.namespace ?? 'default'}/workflows?query=${query}`);
    const link = page.getByRole('link', { name: workflowId, exact: true }).first();
    await link.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await link.click();
    await page.waitForURL((url) => url.pathname.includes(`/workflows/${workflowId}/${runId}`), { timeout: UI_TIMEOUT_MS });

    // The input, decoded by the API's codec endpoint (called by the browser from the UI's origin, without a key).
    const decoded = page.getByText(MARKER).first();
    await decoded.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await decoded.scrollIntoViewIfNeeded();
    const codecCalls = await Promise.all(codecCallsSeen);
    assert.ok(codecCalls.some((call) => call.status === 200 && call.origin === uiUrl), JSON.stringify(codecCalls));
    assert.ok(!codecCalls.some((call) => call.status === 401), 'the UI was refused by the codec endpoint');
    await screenshot(page, 'web-ui-decoded.png');
    await page.context().close();
  });
});
