/**
 * /v1/lifecycles: start, read, list and drive jobLifecycle workflows (product contract §6).
 *
 * Every route validates its input before it touches Temporal; signals and updates first check that the
 * lifecycle exists (404) and is still running (409), so a caller learns why nothing happened.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { validateAnswers, type AnswerContext } from '../workflows/answers';
import {
  WORKFLOW_TYPE,
  answerSignal,
  approvePublishSignal,
  claimSignal,
  confirmSignal,
  startClaimUpdate,
  statusQuery,
  submitAnswersUpdate,
} from '../workflows/definitions';
import type { jobLifecycle } from '../workflows/job-lifecycle';
import { describeIssues, lifecycleInputSchema, type ParsedLifecycleInput } from '../workflows/input';
import { OpenTrainClaimState, OpenTrainExternalId, OpenTrainJobId, OpenTrainStage } from '../workflows/search-attributes';
import { ApiError, closed, fromTemporalError, notFound } from './errors';
import {
  acceptedSchema,
  answersBodySchema,
  answersResultSchema,
  claimBodySchema,
  claimStartedSchema,
  confirmBodySchema,
  emptyBodySchema,
  errorResponseSchema,
  idParamsSchema,
  idempotencyHeadersSchema,
  lifecycleStatusSchema,
  listQuerySchema,
  listResponseSchema,
  modeQuerySchema,
  startBodySchema,
  startResponseSchema,
} from './schemas';

export interface LifecycleRoutesOptions {
  client: Client;
  taskQueue: string;
  /** Secret that signs list page tokens (derived from the API key, so tokens survive a restart). */
  pageTokenSecret: string;
}

/** The answers' shape as far as the API can check it without the lifecycle's own context (the update validator has that). */
const SHAPE_ONLY: AnswerContext = { updateKeys: null, enums: {}, missingFields: [] };

/** Error answers a route can give, documented so clients (and schemathesis) know their shape. */
function errors(...statuses: number[]) {
  return Object.fromEntries([400, 401, 404, 409, 413, 415, 429, 500, 503, ...statuses].map((status) => [status, errorResponseSchema]));
}
const tags = ['lifecycles'];

export async function lifecycleRoutes(app: FastifyInstance, { client, taskQueue, pageTokenSecret }: LifecycleRoutesOptions): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const pageTokens = pageTokenCodec(pageTokenSecret);
  const handleOf = (id: string): WorkflowHandle<typeof jobLifecycle> => client.workflow.getHandle(id);

  /** The latest run of whatever workflow has this id, or null. */
  async function describeAny(id: string) {
    try {
      return await handleOf(id).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw fromTemporalError(error, id);
    }
  }

  /** The lifecycle's latest run, or null when no jobLifecycle has this id (another workflow type counts as none). */
  async function describe(id: string) {
    const description = await describeAny(id);
    return description?.type === WORKFLOW_TYPE ? description : null;
  }

  /** For signals and updates: 404 when unknown, 409 when it has ended. */
  async function openHandle(id: string): Promise<WorkflowHandle<typeof jobLifecycle>> {
    const description = await describe(id);
    if (!description) throw notFound(id);
    if (description.status.name !== 'RUNNING') throw closed(id, description.status.name);
    return handleOf(id);
  }

  /** Runs a signal, update or cancel; a lifecycle that closed meanwhile answers 409, not 404. */
  async function send<T>(id: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        const description = await describe(id);
        throw description ? closed(id, description.status.name) : notFound(id);
      }
      throw fromTemporalError(error, id);
    }
  }

  // ---------------------------------------------------------------- start

  api.post('/v1/lifecycles', {
    schema: {
      tags,
      operationId: 'startLifecycle',
      summary: 'Start a lifecycle (idempotent on workflowId)',
      description:
        'Starts a jobLifecycle workflow. With a workflowId that is already taken by a lifecycle (running or ended), ' +
        'returns that one (200, created=false) and starts nothing.',
      body: startBodySchema,
      response: { 200: startResponseSchema, 201: startResponseSchema, ...errors() },
    },
    handler: async (request, reply) => {
      const { workflowId = `lc-${randomUUID()}`, ...rest } = request.body;
      const input = checkedInput(rest);

      const existing = await describeAny(workflowId);
      if (existing && existing.type !== WORKFLOW_TYPE) {
        // Not ours to return, nor to start over.
        throw new ApiError(409, 'ID_IN_USE', `The id ${JSON.stringify(workflowId)} belongs to another kind of workflow`, [
          { field: 'workflowId', message: 'is used by a workflow that is not a lifecycle' },
        ]);
      }
      if (existing) return reply.code(200).send({ workflowId, runId: existing.runId, created: false });

      try {
        const handle = await client.workflow.start<typeof jobLifecycle>(WORKFLOW_TYPE, {
          taskQueue,
          workflowId,
          args: [input],
          // Never a second lifecycle for one id: a running one is returned, an ended one is not replaced.
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: summaryOf(input),
          staticDetails: detailsOf(input),
          typedSearchAttributes: [
            { key: OpenTrainStage, value: 'REGISTERING' },
            ...(externalIdOf(input) ? [{ key: OpenTrainExternalId, value: externalIdOf(input) as string }] : []),
          ],
        });
        return reply.code(201).send({ workflowId, runId: handle.firstExecutionRunId, created: true });
      } catch (error) {
        // Lost a race with a concurrent start of the same id: answer with the one that won.
        const winner = error instanceof WorkflowExecutionAlreadyStartedError ? await describe(workflowId) : null;
        if (winner) return reply.code(200).send({ workflowId, runId: winner.runId, created: false });
        throw fromTemporalError(error, workflowId);
      }
    },
  });

  // ---------------------------------------------------------------- read

  api.get('/v1/lifecycles/:id', {
    schema: {
      tags,
      operationId: 'getLifecycle',
      summary: 'The lifecycle status (the `status` query)',
      params: idParamsSchema,
      response: { 200: lifecycleStatusSchema, ...errors() },
    },
    handler: async (request) => {
      const { id } = request.params;
      if (!(await describe(id))) throw notFound(id);
      try {
        return await handleOf(id).query(statusQuery);
      } catch (error) {
        throw fromTemporalError(error, id);
      }
    },
  });

  api.get('/v1/lifecycles', {
    schema: {
      tags,
      operationId: 'listLifecycles',
      summary: 'List lifecycles through Temporal visibility, optionally by stage',
      querystring: listQuerySchema,
      response: { 200: listResponseSchema, ...errors() },
    },
    handler: async (request) => {
      const { stage, pageSize, nextPageToken } = request.query;
      // Both values are closed sets (a constant and the STAGES enum), so the query cannot be injected into.
      const query = [`WorkflowType = '${WORKFLOW_TYPE}'`, ...(stage ? [`OpenTrainStage = '${stage}'`] : [])].join(' AND ');
      const rawToken = nextPageToken ? pageTokens.open(nextPageToken, query) : undefined;
      try {
        const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize, nextPageToken: rawToken });
        const token = page.nextPageToken && page.nextPageToken.length > 0 ? pageTokens.seal(page.nextPageToken, query) : null;
        return { lifecycles: page.executions.map(listItem), nextPageToken: token };
      } catch (error) {
        throw fromTemporalError(error);
      }
    },
  });

  // ---------------------------------------------------------------- answers

  api.post('/v1/lifecycles/:id/answers', {
    schema: {
      tags,
      operationId: 'submitAnswers',
      summary: 'Answer missing fields (update `submitAnswers`; ?mode=async sends the `answer` signal)',
      description:
        'sync (default): waits until the draft was patched and returns its new validation; a refused answer gets 422 ' +
        'with one entry per bad field. async: checks the values\' shape, sends the signal and returns 202; the ' +
        'outcome shows in the status (lastError).',
      params: idParamsSchema,
      querystring: modeQuerySchema,
      headers: idempotencyHeadersSchema,
      body: answersBodySchema,
      response: { 200: answersResultSchema, 202: acceptedSchema, ...errors(422, 504) },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const { values } = request.body;
      const handle = await openHandle(id);
      if (request.query.mode === 'async') {
        rejectBadValues(values, 'values');
        await send(id, () => handle.signal(answerSignal, { values }));
        return reply.code(202).send({ workflowId: id, accepted: true, action: 'answer' });
      }
      return send(id, () => handle.executeUpdate(submitAnswersUpdate, { args: [{ values }], updateId: request.headers['idempotency-key'] }));
    },
  });

  // ---------------------------------------------------------------- review, publish, claim, cancel

  api.post('/v1/lifecycles/:id/confirm', {
    schema: {
      tags,
      operationId: 'confirmReview',
      summary: 'Accept the low-confidence fields, with optional corrections (signal `confirm`)',
      params: idParamsSchema,
      body: confirmBodySchema,
      response: { 202: acceptedSchema, ...errors(422) },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const { corrections } = request.body;
      const handle = await openHandle(id);
      if (corrections && Object.keys(corrections).length > 0) rejectBadValues(corrections, 'corrections');
      await send(id, () => handle.signal(confirmSignal, corrections ? { corrections } : {}));
      return reply.code(202).send({ workflowId: id, accepted: true, action: 'confirm' });
    },
  });

  api.post('/v1/lifecycles/:id/approve-publish', {
    schema: {
      tags,
      operationId: 'approvePublish',
      summary: 'Approve publishing, for lifecycles with the manual publish policy (signal `approvePublish`)',
      params: idParamsSchema,
      body: emptyBodySchema,
      response: { 202: acceptedSchema, ...errors() },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const handle = await openHandle(id);
      await send(id, () => handle.signal(approvePublishSignal));
      return reply.code(202).send({ workflowId: id, accepted: true, action: 'approvePublish' });
    },
  });

  api.post('/v1/lifecycles/:id/claim', {
    schema: {
      tags,
      operationId: 'startClaim',
      summary: 'Start the claim for an owner e-mail (update `startClaim`; ?mode=async sends the `claim` signal)',
      description: 'sync (default): returns the user code and where to enter it; 422 when no claim can be started. async: 202.',
      params: idParamsSchema,
      querystring: modeQuerySchema,
      headers: idempotencyHeadersSchema,
      body: claimBodySchema,
      response: { 200: claimStartedSchema, 202: acceptedSchema, ...errors(422, 504) },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const { email } = request.body;
      const handle = await openHandle(id);
      if (request.query.mode === 'async') {
        await send(id, () => handle.signal(claimSignal, { email }));
        return reply.code(202).send({ workflowId: id, accepted: true, action: 'claim' });
      }
      return send(id, () => handle.executeUpdate(startClaimUpdate, { args: [{ email }], updateId: request.headers['idempotency-key'] }));
    },
  });

  api.post('/v1/lifecycles/:id/cancel', {
    schema: {
      tags,
      operationId: 'cancelLifecycle',
      summary: 'Cancel the lifecycle (Temporal cancellation; it ends as CANCELLED)',
      params: idParamsSchema,
      body: emptyBodySchema,
      response: { 202: acceptedSchema, ...errors() },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const handle = await openHandle(id);
      await send(id, () => handle.cancel());
      return reply.code(202).send({ workflowId: id, accepted: true, action: 'cancel' });
    },
  });
}

// ------------------------------------------------------------------ helpers

/** The body minus workflowId, checked by the workflow's own input schema (which also refuses tokens) and the answers' shape. */
function checkedInput(rest: unknown): ParsedLifecycleInput {
  const parsed = lifecycleInputSchema.safeParse(rest);
  if (!parsed.success) {
    const fields = describeIssues(parsed.error).map((f) => (f.field === '(input)' ? { ...f, field: 'body' } : f));
    throw new ApiError(400, 'INVALID_REQUEST', `Invalid lifecycle input: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
  }
  const answers = parsed.data.answers;
  if (answers && Object.keys(answers).length > 0) {
    const fields = validateAnswers(answers, SHAPE_ONLY).map((f) => ({ field: `answers.${f.field === 'values' ? '' : f.field}`.replace(/\.$/, ''), message: f.message }));
    if (fields.length > 0) throw new ApiError(400, 'INVALID_ANSWERS', `Invalid answers: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
  }
  return parsed.data;
}

/** 422 with one entry per bad value, for the routes that send signals (which cannot answer back). */
function rejectBadValues(values: Record<string, unknown>, name: string): void {
  const fields = validateAnswers(values, SHAPE_ONLY).map((f) => ({ field: f.field === 'values' ? name : `${name}.${f.field}`, message: f.message }));
  if (fields.length > 0) throw new ApiError(422, 'INVALID_ANSWERS', fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
}

function externalIdOf(input: ParsedLifecycleInput): string | null {
  const draft = input.draft as { externalId?: string; source?: { externalId?: string } };
  return draft.externalId ?? draft.source?.externalId ?? null;
}

/** The job text of a plain-text draft, or null for structured sources. */
function jobTextOf(input: ParsedLifecycleInput): string | null {
  const draft = input.draft as { rawJobDescription?: string; source?: { type?: string; text?: string } };
  return draft.rawJobDescription ?? (draft.source?.type === 'text' ? (draft.source.text ?? null) : null);
}

function formatOf(input: ParsedLifecycleInput): string {
  const draft = input.draft as { format?: string; source?: { type?: string } };
  return draft.format ?? draft.source?.type ?? 'text';
}

/** One line for the Web UI's list (Temporal allows 200 bytes): the job text's start, or the source format. */
export function summaryOf(input: ParsedLifecycleInput): string {
  const text = jobTextOf(input)?.replace(/\s+/g, ' ').trim();
  if (!text) return `Job draft from ${formatOf(input)}`;
  let summary = text.length > 80 ? `${text.slice(0, 79)}…` : text;
  while (Buffer.byteLength(summary) > 200) summary = `${summary.slice(0, -2)}…`;
  return summary;
}

/** Markdown for the Web UI's details view: how the lifecycle was set up. No token and no e-mail address. */
export function detailsOf(input: ParsedLifecycleInput): string {
  const account = !input.account
    ? 'the worker\'s configured token, else a new registration'
    : 'credentialId' in input.account
      ? `stored credential ${input.account.credentialId}`
      : 'a new registration';
  const claim = !input.claim ? 'owner e-mail to come' : 'skip' in input.claim ? 'skipped' : 'owner e-mail given at start';
  const policy = input.policy ?? { review: 'confirm', publish: 'auto' };
  const answers = Object.keys(input.answers ?? {});
  return [
    `**Source:** ${formatOf(input)}`,
    ...(externalIdOf(input) ? [`**External id:** ${externalIdOf(input)}`] : []),
    `**Policy:** review ${policy.review}, publish ${policy.publish}`,
    `**Account:** ${account}`,
    `**Claim:** ${claim}`,
    ...(answers.length > 0 ? [`**Answers given at start:** ${answers.join(', ')}`] : []),
    'Started through the backend API.',
  ].join('\n\n');
}

/**
 * Page tokens go out sealed with an HMAC over the token and the query it belongs to. Temporal answers a
 * forged or foreign token with an internal error (which the client retries for seconds), so the API
 * refuses such tokens itself with a 400.
 */
function pageTokenCodec(secret: string) {
  const key = createHash('sha256').update(`opentrain-api page token\0${secret}`).digest();
  const mac = (token: Uint8Array, query: string) => createHmac('sha256', key).update(query).update('\0').update(token).digest().subarray(0, 16);
  return {
    seal: (token: Uint8Array, query: string) => Buffer.concat([mac(token, query), token]).toString('base64url'),
    open(sealed: string, query: string): Buffer {
      const bytes = Buffer.from(sealed, 'base64url');
      const token = bytes.subarray(16);
      if (bytes.length <= 16 || !timingSafeEqual(bytes.subarray(0, 16), mac(token, query))) {
        throw new ApiError(400, 'INVALID_REQUEST', 'nextPageToken is not one this API gave out for this query', [
          { field: 'query.nextPageToken', message: 'must be the nextPageToken of the previous page of the same query' },
        ]);
      }
      return token;
    },
  };
}

const STATUS_PREFIX = 'WORKFLOW_EXECUTION_STATUS_';

function listItem(raw: temporal.api.workflow.v1.IWorkflowExecutionInfo) {
  const attributes = decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields);
  const statusName = temporal.api.enums.v1.WorkflowExecutionStatus[raw.status ?? 0] ?? 'UNSPECIFIED';
  const iso = (ts: typeof raw.startTime) => optionalTsToDate(ts)?.toISOString() ?? null;
  return {
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    status: statusName.replace(STATUS_PREFIX, ''),
    stage: attributes.get(OpenTrainStage) ?? null,
    jobId: attributes.get(OpenTrainJobId) ?? null,
    claimState: attributes.get(OpenTrainClaimState) ?? null,
    externalId: attributes.get(OpenTrainExternalId) ?? null,
    startTime: iso(raw.startTime),
    closeTime: iso(raw.closeTime),
  };
}
