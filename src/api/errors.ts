/**
 * Every answer that is not a success has one shape:
 *
 *   { "error": { "code": "...", "message": "...", "fields": [{ "field": "...", "message": "..." }] } }
 *
 * `fields` names each bad field and the rule it broke (empty when no field is to blame). Nothing else
 * leaves the API on failure: no stack trace, no Temporal internals, no request echo.
 */
import {
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { FailureTypes, type FieldError } from '../workflows/definitions';

export type { FieldError };

/** An error the API answers as it is: status, code, message and the fields to blame. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (id: string) => new ApiError(404, 'NOT_FOUND', `No lifecycle with id ${JSON.stringify(id)}`, [{ field: 'id', message: 'no lifecycle has this id' }]);

export const closed = (id: string, state: string) =>
  new ApiError(409, 'LIFECYCLE_CLOSED', `Lifecycle ${JSON.stringify(id)} is closed (${state}); it takes no more signals or updates`);

/** The body of every error answer. */
export function errorBody(error: ApiError): { error: { code: string; message: string; fields: FieldError[] } } {
  return { error: { code: error.code, message: error.message, fields: error.fields } };
}

// ------------------------------------------------------------------ request validation (zod)

/** Where a value came from, as the field name shows it: body fields bare, the rest prefixed. */
export type RequestPart = 'body' | 'params' | 'querystring' | 'headers';
const PART_PREFIX: Record<RequestPart, string> = { body: '', params: 'params.', querystring: 'query.', headers: 'headers.' };

/** A request that failed its zod schema; thrown by the validator compiler, answered 400. */
export class RequestValidationError extends ApiError {
  constructor(part: RequestPart, error: z.ZodError) {
    const fields = fieldsOfZodError(error, PART_PREFIX[part]);
    super(400, 'INVALID_REQUEST', `Invalid request ${part === 'querystring' ? 'query' : part}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
  }
}

type Issue = z.core.$ZodIssue;

/** One entry per problem, named by its path; unknown keys each get their own entry. */
export function fieldsOfZodError(error: z.ZodError, prefix = ''): FieldError[] {
  const name = (path: PropertyKey[]) => (path.length > 0 ? prefix + path.map(String).join('.') : prefix.replace(/\.$/, '') || 'body');
  const describe = (issue: Issue, base: PropertyKey[]): FieldError[] => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: name([...path, key]), message: 'is not allowed here (unknown key)' }));
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Name the problems of the alternative the caller evidently meant (the one whose keys are present);
      // when none fits at all, list what each alternative needs.
      const branches = issue.errors.map((branch) => ({ branch, absent: branch.filter(isAbsent).length }));
      const best = branches.reduce((a, b) => (b.absent < a.absent || (b.absent === a.absent && b.branch.length < a.branch.length) ? b : a));
      if (best.absent === 0 || branches.length === 1) return best.branch.flatMap((inner) => describe(inner, path));
      const wanted = [...new Set(issue.errors.map((branch) => branch.filter(isAbsent).map((i) => i.path.map(String).join('.')).join(' + ')))];
      return [{ field: name(path), message: `must have one of: ${wanted.join(' | ')}` }];
    }
    return [{ field: name(path), message: issue.message }];
  };
  return error.issues.flatMap((issue) => describe(issue, []));
}

/** An issue that says "this key is not there", as opposed to "this value is wrong". */
function isAbsent(issue: Issue): boolean {
  if (issue.code === 'invalid_type') return issue.message.endsWith('received undefined');
  return issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator';
}

// ------------------------------------------------------------------ Temporal errors

/** gRPC status codes (the numbers are fixed by gRPC; @grpc/grpc-js is not a direct dependency). */
const grpcStatus = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

/** Lifecycle failures the workflow raises for bad or untimely requests, by ApplicationFailure type. */
const FAILURE_STATUS: Record<string, { status: number; code: string }> = {
  [FailureTypes.invalidAnswers]: { status: 422, code: 'INVALID_ANSWERS' },
  [FailureTypes.answersRejected]: { status: 422, code: 'ANSWERS_REJECTED' },
  [FailureTypes.notAcceptingAnswers]: { status: 409, code: 'NOT_ACCEPTING_ANSWERS' },
  [FailureTypes.invalidClaim]: { status: 422, code: 'CLAIM_REFUSED' },
  [FailureTypes.claimFailed]: { status: 422, code: 'CLAIM_FAILED' },
};
/** `details[0].code` values that mean the lifecycle ended while the request waited. */
const ENDED_CODES = new Set(['CANCELLED', 'FAILED']);

interface FailureDetails {
  code?: unknown;
  message?: unknown;
  fields?: unknown;
}

/** Maps an update that was rejected (validator) or failed (handler) to 409/422 with the workflow's per-field errors. */
function fromUpdateFailure(id: string, error: WorkflowUpdateFailedError): ApiError {
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure)) return new ApiError(422, 'UPDATE_FAILED', cause?.message ?? error.message);
  const details = (cause.details?.[0] ?? {}) as FailureDetails;
  const fields = Array.isArray(details.fields)
    ? details.fields.filter((f): f is FieldError => typeof f?.field === 'string' && typeof f?.message === 'string').map(({ field, message }) => ({ field, message }))
    : [];
  const innerCode = typeof details.code === 'string' ? details.code : undefined;
  if (innerCode && ENDED_CODES.has(innerCode)) return closed(id, innerCode);
  const mapped = FAILURE_STATUS[cause.type ?? ''] ?? (innerCode === FailureTypes.notAcceptingAnswers ? FAILURE_STATUS[FailureTypes.notAcceptingAnswers] : undefined);
  const code = innerCode && innerCode !== cause.type ? innerCode : (mapped?.code ?? 'UPDATE_REJECTED');
  return new ApiError(mapped?.status ?? 422, code, cause.message, fields);
}

/**
 * Turns whatever a Temporal client call threw into the API's answer. `id` is the lifecycle the call was
 * about, for messages. Unknown errors become a 500 without details (the log has them).
 */
export function fromTemporalError(error: unknown, id?: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof WorkflowNotFoundError) return notFound(id ?? error.workflowId);
  if (error instanceof WorkflowUpdateFailedError) return fromUpdateFailure(id ?? '', error);
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError(504, 'UPDATE_PENDING', 'The lifecycle did not answer in time; the request may still be applied. Repeat it with the same Idempotency-Key to get its result.');
  }
  if (error instanceof QueryNotRegisteredError || error instanceof QueryRejectedError) {
    return new ApiError(409, 'STATUS_UNAVAILABLE', 'This lifecycle does not answer the status query (it failed before it started)');
  }
  const grpc = isGrpcServiceError(error) ? error : error instanceof ServiceError && isGrpcServiceError(error.cause) ? error.cause : undefined;
  if (grpc) {
    switch (grpc.code) {
      case grpcStatus.NOT_FOUND:
        return id ? notFound(id) : new ApiError(404, 'NOT_FOUND', 'Not found');
      case grpcStatus.INVALID_ARGUMENT:
        // Inputs are validated before Temporal sees them, so this is the server's setup (e.g. search attributes not registered).
        return new ApiError(500, 'TEMPORAL_REFUSED', `Temporal refused the request: ${grpc.details || 'invalid argument'} (npm start registers the search attributes the lifecycles need)`);
      case grpcStatus.UNAVAILABLE:
      case grpcStatus.DEADLINE_EXCEEDED:
        return new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'Temporal is not reachable right now; try again shortly', [], { 'retry-after': '5' });
      case grpcStatus.RESOURCE_EXHAUSTED:
        return new ApiError(429, 'RATE_LIMITED', 'Temporal is busy; try again shortly', [], { 'retry-after': '5' });
    }
  }
  return new ApiError(500, 'INTERNAL', 'Internal error; see the API log');
}

// ------------------------------------------------------------------ Fastify's own errors

/** Fastify error codes that are the caller's fault, with what to tell them. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; field?: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON', field: 'body', message: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON', field: 'body', message: 'The body is empty; send a JSON object' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE', field: 'body', message: 'The body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type', message: 'Send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_REQUEST', field: 'content-length', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'INVALID_REQUEST', field: 'content-type', message: 'The content-type header is malformed' },
};

/** Installs the error and not-found handlers that give every failure the one JSON shape. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    let answer: ApiError;
    if (error instanceof ApiError) {
      answer = error;
    } else if ('code' in error && typeof error.code === 'string' && FASTIFY_ERRORS[error.code]) {
      const known = FASTIFY_ERRORS[error.code]!;
      const message = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `${known.message} (limit ${app.initialConfig.bodyLimit} bytes)` : known.message;
      answer = new ApiError(known.status, known.code, message, known.field ? [{ field: known.field, message }] : []);
    } else if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      // Other client errors Fastify detects (malformed URL, bad header): say what, not how.
      answer = new ApiError(error.statusCode, 'BAD_REQUEST', error.message.replace(/\s+at .*/s, ''));
    } else {
      answer = fromTemporalError(error);
    }
    if (answer.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(answer.statusCode).headers(answer.headers).send(errorBody(answer));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody(new ApiError(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)));
  });
}
