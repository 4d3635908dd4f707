/**
 * The two documented error shapes (§4) and the one place that turns anything thrown into one of
 * them. Routes throw ApiError (public API envelope) or OAuthError (/api/agent/*); framework errors
 * (bad JSON, wrong content type, oversized body, unknown route) are mapped by URL family, so no
 * request ever sees a 500 page or a stack trace.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BODY_LIMIT_BYTES, CLIENT_BODY_ERROR_STATUS, codeForStatus, oauthErrorForStatus } from './contract-choices';

/** Public API error: `{error, code, requestId, details}` (§4.1). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
    readonly code: string = codeForStatus(status),
  ) {
    super(message);
  }
}

/** Agent-auth error: `{error, error_description}` (§4.2). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

/** Control-route error: envelope-like, for tests. */
export class ControlError extends ApiError {}

export type RouteFamily = 'agent' | 'public' | 'control' | 'page';

export function routeFamily(url: string): RouteFamily {
  if (url.startsWith('/api/agent/')) return 'agent';
  if (url.startsWith('/__sandbox/')) return 'control';
  if (url === '/claim' || url.startsWith('/claim?')) return 'page';
  return 'public';
}

export function sendPublicError(request: FastifyRequest, reply: FastifyReply, err: ApiError): FastifyReply {
  reply.headers(err.headers);
  const body: Record<string, unknown> = { error: err.message, code: err.code, requestId: request.id };
  if (err.details !== undefined) body.details = err.details;
  return reply.code(err.status).type('application/json; charset=utf-8').send(body);
}

export function sendOAuthError(reply: FastifyReply, err: OAuthError): FastifyReply {
  reply.headers(err.headers);
  // RFC 6749 §5.2: token-endpoint errors must not be cached.
  reply.header('cache-control', 'no-store');
  return reply.code(err.status).type('application/json; charset=utf-8').send({ error: err.error, error_description: err.description });
}

/** Fastify's own error codes for problems with the request body, mapped to a plain message. */
function describeFrameworkError(err: { code?: string; message: string }): { status: number; message: string; reason: string } | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: CLIENT_BODY_ERROR_STATUS, message: `Request body is larger than ${BODY_LIMIT_BYTES} bytes.`, reason: 'body_too_large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: CLIENT_BODY_ERROR_STATUS, message: 'Unsupported Content-Type for this endpoint.', reason: 'unsupported_media_type' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: CLIENT_BODY_ERROR_STATUS, message: 'Request body is not valid JSON.', reason: 'invalid_json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: CLIENT_BODY_ERROR_STATUS, message: 'Content-Length does not match the body.', reason: 'invalid_content_length' };
    default:
      return undefined;
  }
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const family = routeFamily(request.url);
    if (error instanceof OAuthError) return sendOAuthError(reply, error);
    if (error instanceof ApiError) {
      if (family === 'agent') return sendOAuthError(reply, new OAuthError(error.status, oauthErrorForStatus(error.status), error.message, error.headers));
      return sendPublicError(request, reply, error);
    }
    const e = error as { code?: string; message: string; statusCode?: number };
    const known = describeFrameworkError(e);
    let status = known?.status ?? (e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500);
    if (status === 413 || status === 415) status = CLIENT_BODY_ERROR_STATUS;
    const message = known?.message ?? (status >= 500 ? 'Internal error.' : 'Bad request.');
    if (status >= 500) request.log.error({ err: error }, 'sandbox internal error');
    if (family === 'agent') return sendOAuthError(reply, new OAuthError(status, oauthErrorForStatus(status), message));
    return sendPublicError(request, reply, new ApiError(status, message, known ? { reason: known.reason } : undefined));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    if (routeFamily(request.url) === 'agent') {
      return sendOAuthError(reply, new OAuthError(404, 'invalid_request', `No endpoint ${request.method} ${path}.`));
    }
    return sendPublicError(request, reply, new ApiError(404, `No endpoint ${request.method} ${path}.`, { method: request.method, path }));
  });
}

/** zod issues as sent in `details.issues`; an unknown-keys issue is split so each key is named. */
export function zodIssues(issues: readonly { code: string; path: PropertyKey[]; message: string; keys?: string[] }[]): Record<string, unknown>[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({ code: 'unrecognized_keys', keys: [key], path: [...path, key], message: `Unrecognized key: "${key}"` }));
    }
    return [{ ...issue, path }];
  });
}
