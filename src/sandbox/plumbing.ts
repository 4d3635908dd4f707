/**
 * Request plumbing shared by every route: request ids, body parsers, content-type expectations,
 * injected faults, the call log, per-minute rate counters and state persistence. Hooks are
 * registered here once so route modules only contain endpoint logic.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BODY_LIMIT_BYTES, TOKEN_PATTERN } from './contract-choices';
import { iso, type Fault, type SandboxContext } from './context';
import { ApiError, OAuthError, routeFamily } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Body encoding the route accepts; a body in another encoding gets the family's 400. */
    body?: 'json' | 'form';
  }
  interface FastifyRequest {
    sandboxMeta: RequestMeta;
  }
}

export interface RequestMeta {
  startedAt: number;
  claimAttemptId?: string;
  faultId?: string;
  malformed?: boolean;
  logged?: boolean;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The path as logged: no query string (it can carry ot_cat_), any token-shaped text masked. */
export function loggablePath(url: string): string {
  return (url.split('?')[0] ?? '').replace(TOKEN_PATTERN, '[redacted]');
}

/** Counts one request against `key` for the current minute; returns Retry-After seconds when over. */
export function consumeRate(ctx: SandboxContext, key: string, limit: number): number | null {
  const now = ctx.now();
  const minute = Math.floor(now / 60_000);
  const slot = `${key}@${minute}`;
  const used = (ctx.rateCounters.get(slot) ?? 0) + 1;
  if (ctx.rateCounters.size > 10_000) ctx.rateCounters.clear();
  ctx.rateCounters.set(slot, used);
  if (used <= limit) return null;
  return Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
}

function errorForFault(url: string, fault: Fault, status: number): Error {
  const headers: Record<string, string> = {};
  const retryAfter = fault.retryAfterSec ?? (status === 429 ? 1 : undefined);
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  const message = status === 429 ? 'Too many requests.' : status >= 500 ? 'Service temporarily unavailable.' : 'Request refused.';
  if (routeFamily(url) === 'agent') {
    const error = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request';
    return new OAuthError(status, error, message, headers);
  }
  return new ApiError(status, message, { reason: 'injected_fault', faultId: fault.id }, headers);
}

function matchFault(ctx: SandboxContext, request: FastifyRequest): Fault | undefined {
  const path = request.url.split('?')[0] ?? '';
  for (const fault of ctx.faults) {
    if (fault.method && fault.method !== request.method) continue;
    const hit = fault.path.endsWith('*') ? path.startsWith(fault.path.slice(0, -1)) : path === fault.path;
    if (!hit) continue;
    if (fault.probability < 1 && Math.random() >= fault.probability) continue;
    fault.remaining -= 1;
    if (fault.remaining <= 0) ctx.faults.splice(ctx.faults.indexOf(fault), 1);
    return fault;
  }
  return undefined;
}

function recordCall(ctx: SandboxContext, request: FastifyRequest, status: number | null, extra: { dropped?: boolean; abandoned?: boolean } = {}): void {
  if (routeFamily(request.url) === 'control' || request.sandboxMeta.logged) return;
  request.sandboxMeta.logged = true;
  ctx.calls.push({
    time: iso(ctx.now()),
    method: request.method,
    path: loggablePath(request.url),
    status,
    requestId: request.id,
    durationMs: Date.now() - request.sandboxMeta.startedAt,
    ...(request.sandboxMeta.claimAttemptId ? { claimAttemptId: request.sandboxMeta.claimAttemptId } : {}),
    ...(request.sandboxMeta.faultId ? { fault: request.sandboxMeta.faultId } : {}),
    ...extra,
  });
  if (ctx.calls.length > 2000) ctx.calls.splice(0, ctx.calls.length - 2000);
}

export function installPlumbing(app: FastifyInstance, ctx: SandboxContext): void {
  app.decorateRequest('sandboxMeta', null as unknown as RequestMeta);

  // Bodies: JSON (an empty body reads as "no body", so `POST /identity` with no payload is `{}`)
  // and form-encoded (OAuth endpoints, the claim page). Nothing else is accepted.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('invalid JSON'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.addHook('onRequest', async (request, reply) => {
    request.sandboxMeta = { startedAt: Date.now() };
    reply.header('x-request-id', request.id);
    if (routeFamily(request.url) === 'control') return;
    // A caller that goes away before its answer (a killed worker mid-call) still made the call, and may have
    // met a fault: log it, or the call log under-reports what was injected.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) recordCall(ctx, request, null, { abandoned: true });
    });

    const fault = matchFault(ctx, request);
    if (fault) {
      request.sandboxMeta.faultId = fault.id;
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.drop) {
        recordCall(ctx, request, null, { dropped: true });
        reply.hijack();
        request.raw.socket.destroy();
        return;
      }
      if (fault.status) throw errorForFault(request.url, fault, fault.status);
      if (fault.malformed) request.sandboxMeta.malformed = true;
    }

    // G24: agent-auth endpoints are tokenless, so their limit is per client address.
    if (ctx.config.rateLimitPerMinute !== null && routeFamily(request.url) === 'agent') {
      const retryAfter = consumeRate(ctx, `agent:${request.ip}`, ctx.config.rateLimitPerMinute);
      if (retryAfter !== null) {
        throw new OAuthError(429, 'rate_limit_exceeded', `More than ${ctx.config.rateLimitPerMinute} requests per minute.`, { 'retry-after': String(retryAfter) });
      }
    }
  });

  // A body in the wrong encoding is the caller's mistake, answered in the route family's shape.
  app.addHook('preValidation', async (request) => {
    const expected = request.routeOptions.config?.body ?? 'json';
    if (request.body === undefined || request.body === null) return;
    const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const actual = type === 'application/x-www-form-urlencoded' ? 'form' : 'json';
    if (actual === expected) return;
    const message = expected === 'form'
      ? 'Content-Type must be application/x-www-form-urlencoded.'
      : 'Content-Type must be application/json.';
    if (routeFamily(request.url) === 'agent') throw new OAuthError(400, 'invalid_request', message);
    throw new ApiError(400, message, { reason: 'unsupported_media_type', expected: expected === 'form' ? 'application/x-www-form-urlencoded' : 'application/json' });
  });

  // Fault "malformed": the request was handled for real; its answer arrives cut in half.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.sandboxMeta?.malformed) return payload;
    reply.code(200).type('application/json; charset=utf-8');
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '{"ok":true}';
    return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  });

  app.addHook('onResponse', async (request, reply) => {
    recordCall(ctx, request, reply.statusCode);
    if (MUTATING.has(request.method)) ctx.store.save();
  });
}
