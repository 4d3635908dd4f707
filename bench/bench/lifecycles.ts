/**
 * Full lifecycles driven the way people drive them, with the people simulated instantly: the bench
 * starts a jobLifecycle, reads the `status` query until it asks for something, answers each missing
 * field through the backend API (POST /v1/lifecycles/:id/answers = the submitAnswers update) as soon as
 * it is asked, approves the claim on the sandbox as soon as the code shows, then waits for the result.
 *
 * The API runs in this process, in front of a Temporal client whose interceptor times the two Temporal
 * calls the answers route makes (describe, then the update), so each answer's latency splits into
 * HTTP/API overhead, describe and update.
 */
import type { AddressInfo } from 'node:net';
import { Client, type Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api';
import { statusQuery, type AnswersResult, type LifecycleStatus, NO_CLAIM } from '../../src/workflows/definitions';
import type { LifecycleInput } from '../../src/workflows/input';
import type { jobLifecycle } from '../../src/workflows';
import { nowMs, sleep } from './stats';
import { plausibleAnswer } from '../lib/people';

export const BENCH_API_KEY = 'bench-api-key-0123456789abcdef';
/** The vague job of the lifecycle tests: the sandbox's parser asks three questions about it. */
export const BENCH_JOB = 'We need people to draw bounding boxes around cars in street photos for a self-driving project.';

export interface AnswerTiming {
  /** From the HTTP request leaving the bench to the response body read. */
  totalMs: number;
  /** Time Fastify spent on the request (reply.elapsedTime). */
  serverMs: number;
  /** The API's DescribeWorkflowExecution (404/409 check) before the update. */
  describeMs: number;
  /** The update RPC(s): from sending submitAnswers to its result. */
  updateMs: number;
}

export interface LifecycleRun {
  workflowId: string;
  durationMs: number;
  rounds: number;
  queries: number;
  answers: AnswerTiming[];
}

export interface BenchApi {
  url: string;
  client: Client;
  close(): Promise<void>;
}

/** The backend API on a free port, with timing on its Temporal calls. */
export async function startBenchApi(connection: Connection, taskQueue: string): Promise<BenchApi & { timings: Map<string, Partial<AnswerTiming>> }> {
  const timings = new Map<string, Partial<AnswerTiming>>();
  const interceptor: WorkflowClientInterceptor = {
    async describe(input, next) {
      const t0 = nowMs();
      try {
        return await next(input);
      } finally {
        const entry = timings.get(input.workflowExecution.workflowId);
        if (entry) entry.describeMs = nowMs() - t0;
      }
    },
    async startUpdate(input, next) {
      const t0 = nowMs();
      try {
        return await next(input);
      } finally {
        const entry = timings.get(input.workflowExecution.workflowId);
        if (entry) entry.updateMs = nowMs() - t0;
      }
    },
  };
  const client = new Client({ connection, namespace: 'default', interceptors: { workflow: [interceptor] } });
  const app: FastifyInstance = buildApi({ client, taskQueue, apiKey: BENCH_API_KEY });
  app.addHook('onResponse', async (request, reply) => {
    const id = (request.params as { id?: string } | undefined)?.id;
    const entry = id ? timings.get(id) : undefined;
    if (entry) entry.serverMs = reply.elapsedTime;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, client, timings, close: () => app.close() };
}

export interface DriverContext {
  client: Client;
  api: BenchApi & { timings: Map<string, Partial<AnswerTiming>> };
  sandboxUrl: string;
  taskQueue: string;
  /** Gap between status queries while the bench waits for the lifecycle to ask (ms). */
  queryGapMs: number;
  /** Prefix for workflow ids and e-mails of this batch. */
  prefix: string;
  /** Approve the claim only after the last answer (no token swap while answers are in flight); default: as soon as the code shows. */
  approveAfterAnswers?: boolean;
}

export function lifecycleInput(email: string | null): LifecycleInput {
  return {
    draft: { rawJobDescription: BENCH_JOB },
    claim: email ? { email } : NO_CLAIM,
    policy: { review: 'accept', publish: 'auto' },
  };
}

async function approveClaim(sandboxUrl: string, userCode: string): Promise<void> {
  const response = await fetch(`${sandboxUrl}/__sandbox/claims/${userCode}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (!response.ok) throw new Error(`approve ${userCode}: ${response.status} ${await response.text()}`);
}

/** One answer round through the backend API; returns the refreshed validation and the timing. */
export async function answerThroughApi(ctx: DriverContext, workflowId: string, values: Record<string, unknown>): Promise<{ result: AnswersResult; timing: AnswerTiming }> {
  const entry: Partial<AnswerTiming> = {};
  ctx.api.timings.set(workflowId, entry);
  const t0 = nowMs();
  const response = await fetch(`${ctx.api.url}/v1/lifecycles/${encodeURIComponent(workflowId)}/answers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ values }),
  });
  const text = await response.text();
  const totalMs = nowMs() - t0;
  ctx.api.timings.delete(workflowId);
  if (response.status !== 200) throw new Error(`answers for ${workflowId}: HTTP ${response.status} ${text}`);
  return {
    result: JSON.parse(text) as AnswersResult,
    timing: { totalMs, serverMs: entry.serverMs ?? NaN, describeMs: entry.describeMs ?? NaN, updateMs: entry.updateMs ?? NaN },
  };
}

/** Answers every missing field, one round per field, from the first prompt until the draft is publish-ready. */
async function answerAll(ctx: DriverContext, workflowId: string, first: LifecycleStatus, run: LifecycleRun): Promise<void> {
  let field = first.missingFields[0];
  while (field) {
    const { result, timing } = await answerThroughApi(ctx, workflowId, plausibleAnswer(field));
    run.answers.push(timing);
    run.rounds += 1;
    if (result.publishReady) return;
    field = result.missingFields[0];
    if (run.rounds > 20) throw new Error(`${workflowId}: more than 20 answer rounds`);
  }
}

/** One full lifecycle with instant humans; resolves when the workflow has completed. */
export async function runLifecycle(ctx: DriverContext, index: number): Promise<LifecycleRun> {
  const workflowId = `${ctx.prefix}-${index}`;
  const t0 = nowMs();
  const handle = await ctx.client.workflow.start<typeof jobLifecycle>('jobLifecycle', {
    taskQueue: ctx.taskQueue,
    workflowId,
    args: [lifecycleInput(`owner-${workflowId}@bench.example`)],
  });
  const run: LifecycleRun = { workflowId, durationMs: 0, rounds: 0, queries: 0, answers: [] };
  let answered = false;
  let approved = false;
  while (!answered || !approved) {
    run.queries += 1;
    const status = await handle.query(statusQuery).catch(() => null); // refused before the first workflow task ran
    if (!status) {
      await sleep(ctx.queryGapMs);
      continue;
    }
    if (status.stage === 'FAILED' || status.stage === 'CANCELLED') throw new Error(`${workflowId} ${status.stage}: ${JSON.stringify(status.lastError)}`);
    if (!approved && status.claim.state === 'PENDING_HUMAN' && status.claim.userCode && (answered || !ctx.approveAfterAnswers)) {
      await approveClaim(ctx.sandboxUrl, status.claim.userCode);
      approved = true;
    } else if (!approved && !['AWAITING_EMAIL', 'PENDING_HUMAN'].includes(status.claim.state)) {
      throw new Error(`${workflowId}: claim ${status.claim.state}: ${JSON.stringify(status.lastError)}`);
    }
    if (!answered && status.stage === 'AWAITING_ANSWERS') {
      await answerAll(ctx, workflowId, status, run);
      answered = true;
    } else if (!answered && ['AWAITING_REVIEW', 'AWAITING_PUBLISH_APPROVAL', 'MODERATION_BLOCKED'].includes(status.stage)) {
      throw new Error(`${workflowId}: unexpected stage ${status.stage}`);
    } else if (!answered && ['PUBLISHING', 'LIVE', 'COMPLETED'].includes(status.stage)) {
      answered = true;
    }
    if (!answered || !approved) await sleep(ctx.queryGapMs);
  }
  const result = await handle.result();
  if (result.stage !== 'COMPLETED' || result.claimState !== 'CLAIMED') throw new Error(`${workflowId}: ended ${result.stage}/${result.claimState}`);
  run.durationMs = nowMs() - t0;
  return run;
}
