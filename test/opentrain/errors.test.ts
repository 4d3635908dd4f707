// Error classification over real HTTP: a local server answers with crafted statuses and bodies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APIError,
  AnonymousNotEnabledError,
  AuthenticationError,
  AuthorizationPendingError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  ExpiredTokenError,
  InternalServerError,
  InvalidGrantError,
  InvalidRequestError,
  MalformedResponseError,
  NotFoundError,
  OAuthError,
  OAuthRateLimitError,
  OAuthServerError,
  OpenTrainClient,
  PermissionDeniedError,
  RateLimitError,
  ResponseValidationError,
  SlowDownError,
  TimeoutError,
  UnexpectedStatusError,
  UnsupportedGrantTypeError,
  UnsupportedIdentityTypeError,
  isRetryableStatus,
  parseRetryAfter,
} from '../../src/opentrain';
import { json, raw, startCraftedServer, type CraftedServer } from './crafted-server';
import { expectError as failure } from './expect-error';

let server: CraftedServer;
let client: OpenTrainClient;

before(async () => {
  server = await startCraftedServer();
  client = new OpenTrainClient({ baseUrl: server.url, token: 'ot_pat_test_secret', timeoutMs: 300 });
});
after(() => server.close());

function envelope(code: string, details?: Record<string, unknown>) {
  return { error: `message for ${code}`, code, requestId: 'req-1', ...(details ? { details } : {}) };
}

describe('retry rules', () => {
  test('429 and 5xx are retryable, every other status is not', () => {
    for (const status of [429, 500, 502, 503, 504, 599]) assert.equal(isRetryableStatus(status), true, String(status));
    for (const status of [400, 401, 403, 404, 408, 409, 422]) assert.equal(isRetryableStatus(status), false, String(status));
  });

  test('Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('1.5', now), 1500);
    assert.equal(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
});

describe('/api/public/v1 envelope errors', () => {
  test('400 publish not ready: BadRequestError with details.validation', async () => {
    const validation = { publishReady: false, missingFieldCount: 1, missingFields: ['experienceLevel'] };
    server.respond(json(400, envelope('BAD_REQUEST', { validation })));
    const error = await failure(() => client.publishJob('job_1'), BadRequestError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'BAD_REQUEST');
    assert.equal(error.requestId, 'req-1');
    assert.equal(error.endpoint, 'POST /api/public/v1/jobs/{jobId}/publish');
    assert.equal(error.type, 'BadRequestError');
    assert.equal(error.retryable, false);
    assert.deepEqual(error.validation?.missingFields, ['experienceLevel']);
    assert.match(error.message, /400 BAD_REQUEST: message for BAD_REQUEST \[requestId req-1\]/);
  });

  test('401: AuthenticationError, not retryable', async () => {
    server.respond(json(401, envelope('UNAUTHORIZED')));
    const error = await failure(() => client.getMe(), AuthenticationError);
    assert.equal(error.retryable, false);
    assert.equal(error.endpoint, 'GET /api/public/v1/auth/me');
  });

  test('403 moderation block: reasons exposed', async () => {
    server.respond(json(403, envelope('FORBIDDEN', { reason: 'moderation_blocked', reasons: ['contact details in description'] })));
    const error = await failure(() => client.publishJob('job_1'), PermissionDeniedError);
    assert.equal(error.isModerationBlocked, true);
    assert.deepEqual(error.moderationReasons, ['contact details in description']);
    assert.equal(error.retryable, false);
  });

  test('403 feature off, missing scope, claim required are told apart by details', async () => {
    server.respond(json(403, envelope('FORBIDDEN', { reason: 'feature_disabled', featureKey: 'public_api_job_publishing', mode: 'ALLOWLIST' })));
    const feature = await failure(() => client.publishJob('job_1'), PermissionDeniedError);
    assert.equal(feature.featureKey, 'public_api_job_publishing');
    assert.equal(feature.requiredScopes, undefined);
    assert.equal(feature.moderationReasons, undefined);

    server.respond(json(403, envelope('FORBIDDEN', { reason: 'missing_scope', requiredScopes: ['jobs:write'] })));
    const scope = await failure(() => client.publishJob('job_1'), PermissionDeniedError);
    assert.deepEqual(scope.requiredScopes, ['jobs:write']);
    assert.equal(scope.featureKey, undefined);

    server.respond(json(403, envelope('FORBIDDEN', { reason: 'account_claim_required', claimUrl: 'https://app.opentrain.ai/claim' })));
    const claim = await failure(() => client.listProposals('job_1'), PermissionDeniedError);
    assert.equal(claim.isClaimRequired, true);
  });

  test('404 envelope and the unlisted-job body {id, status: "closed"}', async () => {
    server.respond(json(404, envelope('NOT_FOUND', { jobId: 'job_9' })));
    const missing = await failure(() => client.updateJobDraft('job_9', { headcount: 2 }), NotFoundError);
    assert.deepEqual(missing.details, { jobId: 'job_9' });
    assert.equal(missing.unlistedStatus, undefined);
    assert.equal(missing.endpoint, 'PATCH /api/public/v1/job-drafts/{jobId}');

    server.respond(json(404, { id: 'job_9', status: 'closed' }));
    const unlisted = await failure(() => client.getPublicJob('job_9'), NotFoundError);
    assert.equal(unlisted.code, 'NOT_FOUND');
    assert.equal(unlisted.unlistedStatus, 'closed');
  });

  test('409: ConflictError with details', async () => {
    server.respond(json(409, envelope('CONFLICT', { jobId: 'job_1', status: 'OPEN', requiredStatus: 'DRAFT' })));
    const error = await failure(() => client.updateJobDraft('job_1', { jobTitle: 'x' }), ConflictError);
    assert.equal(error.details.requiredStatus, 'DRAFT');
    assert.equal(error.retryable, false);
  });

  test('429 with Retry-After seconds: retryable with the delay', async () => {
    server.respond(json(429, envelope('RATE_LIMITED'), { 'retry-after': '7' }));
    const error = await failure(() => client.getMe(), RateLimitError);
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 7000);
    assert.equal(error.isDailyPublishLimit, false);
  });

  test('429 daily publish limit: resetAt, delay from an HTTP-date Retry-After', async () => {
    const resetAt = new Date(Date.now() + 3_600_000).toISOString();
    const httpDate = new Date(Date.now() + 3_600_000).toUTCString();
    server.respond(json(429, envelope('RATE_LIMITED', { reason: 'daily_publish_limit', limit: 3, resetAt }), { 'retry-after': httpDate }));
    const error = await failure(() => client.publishJob('job_1'), RateLimitError);
    assert.equal(error.isDailyPublishLimit, true);
    assert.equal(error.resetAt, resetAt);
    assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 3_590_000 && error.retryAfterMs <= 3_600_000, String(error.retryAfterMs));
  });

  test('429 daily publish limit without Retry-After: the delay comes from resetAt', async () => {
    const resetAt = new Date(Date.now() + 60_000).toISOString();
    server.respond(json(429, envelope('RATE_LIMITED', { reason: 'daily_publish_limit', limit: 3, resetAt })));
    const error = await failure(() => client.publishJob('job_1'), RateLimitError);
    assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 55_000 && error.retryAfterMs <= 60_000, String(error.retryAfterMs));
  });

  test('500 envelope and a 503 proxy page are InternalServerError, retryable', async () => {
    server.respond(json(500, envelope('INTERNAL_ERROR')));
    const error = await failure(() => client.getCapabilities(), InternalServerError);
    assert.equal(error.retryable, true);

    server.respond(raw(503, '<html><body>Service Unavailable</body></html>'));
    const page = await failure(() => client.getCapabilities(), InternalServerError);
    assert.equal(page.status, 503);
    assert.equal(page.code, 'INTERNAL_ERROR');
    assert.equal(page.retryable, true);
    assert.match(page.message, /Service Unavailable/);
  });

  test('other statuses: UnexpectedStatusError, not retryable', async () => {
    server.respond(raw(405, ''));
    const error = await failure(() => client.getMe(), UnexpectedStatusError);
    assert.ok(error instanceof APIError);
    assert.equal(error.code, 'HTTP_405');
    assert.equal(error.retryable, false);
  });
});

describe('/api/agent OAuth-shaped errors', () => {
  const oauth = (status: number, error: string, description?: string, headers?: Record<string, string>) =>
    json(status, { error, ...(description ? { error_description: description } : {}) }, headers);

  test('token polling outcomes: pending and slow_down say "keep polling", and are not retryable failures', async () => {
    server.respond(oauth(400, 'authorization_pending'));
    const pending = await failure(() => client.pollToken({ claim_token: 'ot_clm_abc' }), AuthorizationPendingError);
    assert.equal(pending.shouldKeepPolling, true);
    assert.equal(pending.retryable, false);
    assert.equal(pending.status, 400);
    assert.equal(pending.error, 'authorization_pending');
    assert.equal(pending.endpoint, 'POST /api/agent/oauth/token');

    server.respond(oauth(400, 'slow_down', 'poll at most every 5 seconds'));
    const slow = await failure(() => client.pollToken({ claim_token: 'ot_clm_abc' }), SlowDownError);
    assert.equal(slow.shouldKeepPolling, true);
    assert.equal(slow.errorDescription, 'poll at most every 5 seconds');
    assert.equal(SlowDownError.nextIntervalSec(5), 10);
  });

  test('expired_token tells a lapsed attempt from a closed window', async () => {
    server.respond(oauth(400, 'expired_token', 'claim_attempt_expired'));
    const attempt = await failure(() => client.pollToken({ claim_token: 'ot_clm_abc' }), ExpiredTokenError);
    assert.equal(attempt.isAttemptExpired, true);
    assert.equal(attempt.shouldKeepPolling, false);

    server.respond(oauth(400, 'expired_token', 'claim_window_expired'));
    const window = await failure(() => client.pollToken({ claim_token: 'ot_clm_abc' }), ExpiredTokenError);
    assert.equal(window.isAttemptExpired, false);
  });

  test('each documented error string maps to its class', async () => {
    const cases: Array<[number, string, new (...args: never[]) => OAuthError, () => Promise<unknown>]> = [
      [400, 'invalid_grant', InvalidGrantError, () => client.pollToken({ claim_token: 'ot_clm_abc' })],
      [400, 'unsupported_grant_type', UnsupportedGrantTypeError, () => client.pollToken({ claim_token: 'ot_clm_abc' })],
      [400, 'invalid_request', InvalidRequestError, () => client.revokeToken('ot_pat_x')],
      [403, 'anonymous_not_enabled', AnonymousNotEnabledError, () => client.registerIdentity()],
      [400, 'unsupported_identity_type', UnsupportedIdentityTypeError, () => client.registerIdentity()],
      [400, 'something_new', OAuthError, () => client.registerIdentity()],
    ];
    for (const [status, code, Class, call] of cases) {
      server.respond(oauth(status, code));
      const error = await failure(call, Class);
      assert.equal(error.error, code);
      assert.equal(error.type, Class.name);
      assert.equal(error.retryable, false, code);
    }
  });

  test('duplicate e-mail is recognised in error_description or in error (CONFLICT C9)', async () => {
    server.respond(oauth(400, 'invalid_request', 'email_already_registered: use another address'));
    const described = await failure(() => client.startClaim({ claim_token: 'ot_clm_abc', email: 'a@example.com' }), InvalidRequestError);
    assert.equal(described.isEmailAlreadyRegistered, true);
    assert.equal(described.isAlreadyClaimed, false);

    server.respond(oauth(400, 'email_already_registered'));
    const named = await failure(() => client.startClaim({ claim_token: 'ot_clm_abc', email: 'a@example.com' }), OAuthError);
    assert.equal(named.isEmailAlreadyRegistered, true);
  });

  test('429 rate_limit_exceeded and 5xx server_error are retryable; a body-less 502 too', async () => {
    server.respond(oauth(429, 'rate_limit_exceeded', 'slow down', { 'retry-after': '30' }));
    const limited = await failure(() => client.registerIdentity(), OAuthRateLimitError);
    assert.equal(limited.retryable, true);
    assert.equal(limited.retryAfterMs, 30_000);

    server.respond(oauth(500, 'server_error'));
    assert.equal((await failure(() => client.startClaim({ claim_token: 'ot_clm_a', email: 'a@example.com' }), OAuthServerError)).retryable, true);

    server.respond(raw(502, 'Bad Gateway'));
    const gateway = await failure(() => client.registerIdentity(), OAuthServerError);
    assert.equal(gateway.error, 'server_error');
    assert.equal(gateway.errorDescription, 'Bad Gateway');
  });
});

describe('transport and shape failures', () => {
  test('a 200 whose body is not JSON: MalformedResponseError, retryable', async () => {
    server.respond(raw(200, '{"jobId": "job_1", "status": '));
    const error = await failure(() => client.getMe(), MalformedResponseError);
    assert.equal(error.retryable, true);
    assert.equal(error.status, 200);
    assert.match(error.bodyExcerpt, /jobId/);
  });

  test('JSON of the wrong shape: ResponseValidationError naming the endpoint and the path', async () => {
    server.respond(json(200, { jobId: 'job_1', status: 'DRAFT', validation: { publishReady: 'yes' } }));
    const error = await failure(() => client.updateJobDraft('job_1', { headcount: 2 }), ResponseValidationError);
    assert.equal(error.retryable, false);
    assert.equal(error.endpoint, 'PATCH /api/public/v1/job-drafts/{jobId}');
    assert.equal(error.path, 'validation.publishReady');
    assert.match(error.message, /PATCH \/api\/public\/v1\/job-drafts\/\{jobId\}.*validation\.publishReady/);
  });

  test('a dropped socket: ConnectionError, retryable', async () => {
    server.respond((req, res) => res.socket?.destroy());
    const error = await failure(() => client.getMe(), ConnectionError);
    assert.equal(error.retryable, true);
    assert.equal(error.type, 'ConnectionError');
  });

  test('a body cut short: ConnectionError', async () => {
    server.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"actor":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await failure(() => client.getMe(), ConnectionError);
  });

  test('nothing listening: ConnectionError with the system code', async () => {
    const closed = await startCraftedServer();
    await closed.close();
    const error = await failure(() => new OpenTrainClient({ baseUrl: closed.url }).getMe(), ConnectionError);
    assert.equal(error.code, 'ECONNREFUSED');
  });

  test('no answer within timeoutMs: TimeoutError, retryable', async () => {
    server.respond(() => undefined);
    const started = Date.now();
    const error = await failure(() => client.getMe(), TimeoutError);
    assert.equal(error.retryable, true);
    assert.equal(error.timeoutMs, 300);
    assert.ok(Date.now() - started < 2000);
  });

  test('headers on time but the body stalls: TimeoutError', async () => {
    server.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"actor": {');
    });
    await failure(() => client.getMe(), TimeoutError);
  });
});
