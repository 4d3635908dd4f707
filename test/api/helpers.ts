/**
 * A running backend API for tests: the real Fastify app listening on a free port, in front of a real
 * Temporal dev server and a worker with the real activities against the sandbox.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiOptions } from '../../src/api';
import { createLifecycleStack, type LifecycleStack } from '../helpers/lifecycle';
import { startDevServer } from '../helpers/temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

export const API_KEY = 'test-api-key-0123456789abcdef';

export interface ApiStack {
  env: TestWorkflowEnvironment;
  stack: LifecycleStack;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Starts a dev server, the sandbox, a worker that runs until close(), and the API on 127.0.0.1:<free port>. */
export async function startApiStack(options: Partial<ApiOptions> = {}): Promise<ApiStack> {
  const env = await startDevServer();
  const stack = await createLifecycleStack(env);
  // The stack's worker may already run (newer helper) or wait for us to run it.
  const running = stack.worker.getState() === 'INITIALIZED' ? stack.worker.run() : null;
  const app = buildApi({ client: env.client, taskQueue: stack.taskQueue, apiKey: API_KEY, ...options });
  const url = await listen(app);
  return {
    env,
    stack,
    app,
    url,
    async close() {
      await app.close();
      if (running) {
        stack.worker.shutdown();
        await running;
      }
      await stack.close();
      await env.teardown();
    },
  };
}

export async function listen(app: FastifyInstance, host = '127.0.0.1'): Promise<string> {
  await app.listen({ host, port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export interface HttpAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, checked field by field in the tests
  body: any;
  text: string;
  headers: Headers;
}

/** One HTTP request; `body` is sent as JSON unless `raw` is given. Authenticated unless `auth: false`. */
export async function http(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; auth?: boolean | string } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== false) headers.authorization ??= `Bearer ${typeof options.auth === 'string' ? options.auth : API_KEY}`;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text, headers: response.headers };
}

/** Polls `probe` until it returns something other than undefined. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
