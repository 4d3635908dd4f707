// Every client method, and every documented error the sandbox can produce, against the real sandbox
// over HTTP. Each suite starts its own sandbox because several move its clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
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
  OAuthRateLimitError,
  OAuthServerError,
  OpenTrainClient,
  PermissionDeniedError,
  RateLimitError,
  RequestValidationError,
  SlowDownError,
  TimeoutError,
  containsSecret,
  isClaimed,
  readMissingFields,
  type Capabilities,
} from '../../src/opentrain';
import type { FastifyInstance } from 'fastify';
import { buildSandboxApp } from '../../src/sandbox';
import { expectError } from './expect-error';
import { JOB_TEXT, fillDraft, readyDraft, startHarness, type SandboxHarness } from './sandbox-helpers';

describe('agent auth and the claim ceremony', () => {
  let sandbox: SandboxHarness;
  before(async () => {
    sandbox = await startHarness({ claimAttemptTtlSec: 600, claimWindowSec: 3600, pollIntervalSec: 5 });
  });
  after(() => sandbox.close());

  test('discovery documents', async () => {
    const server = await sandbox.anonymous.getAuthorizationServerMetadata();
    assert.equal(server.token_endpoint, `${sandbox.url}/api/agent/oauth/token`);
    assert.equal(server.agent_auth?.interval, 5);
    const resource = await sandbox.anonymous.getProtectedResourceMetadata();
    assert.equal(resource.resource, `${sandbox.url}/api/public/v1`);
  });

  test('register, poll before any attempt, claim, pending, slow_down, approve, one-time token, revocation', async () => {
    const { identity, client } = await sandbox.register();
    assert.match(identity.access_token, /^ot_pat_/);
    assert.match(identity.claim_token, /^ot_clm_/);
    assert.equal(identity.scopes.length, 6);
    assert.equal(isClaimed(await client.getMe()), false);

    const noAttempt = await expectError(() => sandbox.anonymous.pollToken({ claim_token: identity.claim_token }), InvalidGrantError);
    assert.equal(noAttempt.errorDescription, 'no_active_claim_attempt');

    const claim = await sandbox.anonymous.startClaim({ claim_token: identity.claim_token, email: 'owner-1@example.com' });
    assert.match(claim.user_code, /^\d{6}$/);
    assert.equal(claim.interval, 5);
    assert.equal(claim.expires_in, 600);

    const pending = await expectError(() => sandbox.anonymous.pollToken({ claim_token: identity.claim_token }), AuthorizationPendingError);
    assert.equal(pending.shouldKeepPolling, true);
    const slow = await expectError(() => sandbox.anonymous.pollToken({ claim_token: identity.claim_token }), SlowDownError);
    assert.equal(slow.shouldKeepPolling, true);
    assert.equal(slow.retryable, false);
    await sandbox.advance(SlowDownError.nextIntervalSec(claim.interval));
    await expectError(() => sandbox.anonymous.pollToken({ claim_token: identity.claim_token }), AuthorizationPendingError);

    await sandbox.control('POST', `/claims/${claim.user_code}/approve`, {});
    // the pre-claim token died when the human finished (§7.1 G12)
    await expectError(() => client.getMe(), AuthenticationError);

    const grant = await sandbox.anonymous.pollToken({ claim_token: identity.claim_token });
    assert.match(grant.access_token, /^ot_pat_/);
    assert.ok(grant.scopes.includes('proposals:write'));
    const claimed = client.withToken(grant.access_token);
    const me = await claimed.getMe();
    assert.equal(isClaimed(me), true);
    assert.equal(me.actor.email, 'owner-1@example.com');

    const again = await expectError(() => sandbox.anonymous.pollToken({ claim_token: identity.claim_token }), InvalidGrantError);
    assert.equal(again.shouldKeepPolling, false);
    const restart = await expectError(() => sandbox.anonymous.startClaim({ claim_token: identity.claim_token, email: 'x@example.com' }), InvalidRequestError);
    assert.equal(restart.isAlreadyClaimed, true);

    // a second agent cannot claim for an address that already owns an account (C9)
    const other = await sandbox.register();
    const taken = await expectError(
      () => sandbox.anonymous.startClaim({ claim_token: other.identity.claim_token, email: 'owner-1@example.com' }),
      InvalidRequestError,
    );
    assert.equal(taken.isEmailAlreadyRegistered, true);

    // RFC 7009: revoking works at once, and unknown tokens are fine
    await sandbox.anonymous.revokeToken(grant.access_token);
    await expectError(() => claimed.getMe(), AuthenticationError);
    await sandbox.anonymous.revokeToken('ot_pat_never_issued_0000');
  });

  test('a restarted claim supersedes the old code', async () => {
    const { identity } = await sandbox.register();
    const first = await sandbox.anonymous.startClaim({ claim_token: identity.claim_token, email: 'owner-2@example.com' });
    const second = await sandbox.anonymous.startClaim({ claim_token: identity.claim_token, email: 'owner-2@example.com' });
    assert.notEqual(first.verification_uri, second.verification_uri);
    const outbox = await sandbox.control<{ emails: Array<{ user_code: string }> }>('GET', '/outbox');
    assert.equal(outbox.emails.at(-1)?.user_code, second.user_code);
  });

  test('an unknown claim token, and a malformed e-mail refused before sending', async () => {
    const unknown = await expectError(() => sandbox.anonymous.startClaim({ claim_token: 'ot_clm_unknown_1', email: 'a@example.com' }), InvalidRequestError);
    assert.equal(containsSecret(unknown.message), false);
    await expectError(() => sandbox.anonymous.pollToken({ claim_token: 'ot_clm_unknown_1' }), InvalidGrantError);
    await expectError(() => sandbox.anonymous.startClaim({ claim_token: 'ot_clm_x', email: 'nope' }), RequestValidationError);
  });

  test('expired_token: a lapsed attempt (restart the claim), then a closed window (re-register)', async () => {
    const { identity } = await sandbox.register();
    await sandbox.anonymous.startClaim({ claim_token: identity.claim_token, email: 'owner-3@example.com' });
    await sandbox.advance(601);
    const lapsed = await expectError(() => sandbox.anonymous.pollToken({ claim_token: identity.claim_token }), ExpiredTokenError);
    assert.equal(lapsed.isAttemptExpired, true);
    await sandbox.anonymous.startClaim({ claim_token: identity.claim_token, email: 'owner-3@example.com' });

    await sandbox.advance(3600);
    const closed = await expectError(() => sandbox.anonymous.pollToken({ claim_token: identity.claim_token }), ExpiredTokenError);
    assert.equal(closed.isAttemptExpired, false);
    await expectError(() => sandbox.anonymous.startClaim({ claim_token: identity.claim_token, email: 'owner-3@example.com' }), InvalidRequestError);
  });

  test('anonymous_not_enabled on registration and claim start', async () => {
    const { identity } = await sandbox.register();
    await sandbox.control('POST', '/config', { anonymousRegistration: false });
    try {
      const error = await expectError(() => sandbox.anonymous.registerIdentity(), AnonymousNotEnabledError);
      assert.equal(error.status, 403);
      assert.equal(error.retryable, false);
      await expectError(() => sandbox.anonymous.startClaim({ claim_token: identity.claim_token, email: 'a@example.com' }), AnonymousNotEnabledError);
    } finally {
      await sandbox.control('POST', '/config', { anonymousRegistration: true });
    }
  });

  test('unsupported_identity_type, unsupported_grant_type and a missing claim_token cannot leave the client', async () => {
    await expectError(() => sandbox.anonymous.registerIdentity({ identity_type: 'robot' } as never), RequestValidationError);
    await expectError(() => sandbox.anonymous.pollToken({ claim_token: '' }), RequestValidationError);
  });

  test('rate_limit_exceeded with Retry-After, then server_error from an injected fault', async () => {
    await sandbox.control('POST', '/config', { rateLimitPerMinute: 1 });
    try {
      await sandbox.anonymous.getAuthorizationServerMetadata(); // not an agent route: never limited
      await sandbox.anonymous.registerIdentity().catch(() => undefined);
      const limited = await expectError(() => sandbox.anonymous.registerIdentity(), OAuthRateLimitError);
      assert.equal(limited.retryable, true);
      assert.ok(limited.retryAfterMs !== undefined && limited.retryAfterMs >= 1000 && limited.retryAfterMs <= 60_000);
    } finally {
      await sandbox.control('POST', '/config', { rateLimitPerMinute: null });
    }
    await sandbox.control('POST', '/faults', { path: '/api/agent/identity', status: 500 });
    const server = await expectError(() => sandbox.anonymous.registerIdentity(), OAuthServerError);
    assert.equal(server.retryable, true);
  });
});

describe('drafts, publish, public reads', () => {
  let sandbox: SandboxHarness;
  let client: OpenTrainClient;
  let registrationId: string;
  let capabilities: Capabilities;
  before(async () => {
    sandbox = await startHarness();
    const registered = await sandbox.register();
    client = registered.client;
    registrationId = registered.identity.registration_id ?? '';
    capabilities = await client.getCapabilities();
  });
  after(() => sandbox.close());

  test('capabilities carry the patchable keys and enums', () => {
    assert.ok(capabilities.draft.updateKeys.includes('experienceLevel'));
    assert.deepEqual(capabilities.draft.enums.paymentType, ['PAY_PER_LABEL', 'PAY_PER_HOUR', 'FIXED_PRICE']);
    assert.equal(capabilities.capabilities.publish, true);
  });

  test('create with an idempotencyKey, replay it, fill the missing fields, read the draft back', async () => {
    const draft = await client.createJobDraft({ rawJobDescription: JOB_TEXT, idempotencyKey: 'client-test-1', externalId: 'ext-1' });
    assert.equal(draft.status, 'DRAFT');
    assert.equal(draft.validation.publishReady, false);
    const missing = readMissingFields(draft, capabilities);
    assert.ok(missing.length > 0);
    for (const field of missing) assert.ok(field.updateKeys.length > 0 && !field.prompt?.startsWith('ask:'));

    const replay = await client.createJobDraft({ rawJobDescription: 'something else', idempotencyKey: 'client-test-1' });
    assert.equal(replay.jobId, draft.jobId);

    const ready = await fillDraft(client, draft, capabilities);
    assert.deepEqual(readMissingFields(ready, capabilities), []);
    const read = await client.getJobDraft(draft.jobId);
    assert.equal(read.validation.publishReady, true);
  });

  test('every create shape is accepted', async () => {
    const bodies = [
      { source: { type: 'text' as const, text: JOB_TEXT, idempotencyKey: 'shape-1' } },
      { format: 'opentrain_canonical' as const, job: { title: 'Audio transcription', description: 'Transcribe 20 hours of Spanish audio.', paymentType: 'PAY_PER_HOUR', rateAmount: 18 } },
      { format: 'schema_org_job_posting' as const, jsonLd: { '@type': 'JobPosting', title: 'Text labelling', description: 'Label 5,000 reviews by sentiment.' } },
      { format: 'indeed_xml' as const, xml: '<source><job><title>Video tagging</title><description>Tag 300 videos.</description></job></source>' },
    ];
    for (const body of bodies) {
      const draft = await client.createJobDraft(body);
      assert.equal(draft.status, 'DRAFT', JSON.stringify(body).slice(0, 60));
    }
  });

  test('BAD_REQUEST from the server: a body the client accepts but the API cannot parse, and limit 0', async () => {
    const xml = await expectError(() => client.createJobDraft({ format: 'hr_xml', xml: 'not xml' }), BadRequestError);
    assert.equal(xml.code, 'BAD_REQUEST');
    assert.ok(xml.requestId);
    await expectError(() => client.listMyJobs({ limit: 0 }), BadRequestError);
    await expectError(() => client.listMyJobs({ cursor: 'not-a-cursor' }), BadRequestError);
  });

  test('publish: not ready (400 with validation), live, already published, then the draft is no longer patchable', async () => {
    const draft = await client.createJobDraft({ rawJobDescription: JOB_TEXT });
    const notReady = await expectError(() => client.publishJob(draft.jobId), BadRequestError);
    assert.equal(notReady.validation?.publishReady, false);
    assert.ok((notReady.missingFields ?? []).length > 0);

    await fillDraft(client, draft, capabilities);
    const published = await client.publishJob(draft.jobId);
    assert.equal(published.status, 'OPEN');
    assert.equal(published.alreadyPublished, false);
    assert.equal((await client.publishJob(draft.jobId)).alreadyPublished, true);

    const conflict = await expectError(() => client.updateJobDraft(draft.jobId, { headcount: 4 }), ConflictError);
    assert.equal(conflict.details.requiredStatus, 'DRAFT');

    const listing = await sandbox.anonymous.getPublicJob(draft.jobId);
    assert.equal(listing.status, 'OPEN');
    assert.equal(listing.title, 'Image categorisation');
  });

  test('public job: unknown id (envelope 404) and a closed listing (minimal 404 body)', async () => {
    const unknown = await expectError(() => sandbox.anonymous.getPublicJob('job_nope'), NotFoundError);
    assert.equal(unknown.unlistedStatus, undefined);

    const draft = await readyDraft(client, JOB_TEXT);
    await client.publishJob(draft.jobId);
    // no client method closes a job (the orchestrator never does); the raw call stands in for the owner
    const closed = await fetch(`${sandbox.url}/api/public/v1/jobs/${draft.jobId}/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(await sandbox.register()).identity.access_token}` },
    });
    assert.equal(closed.status, 404); // someone else's job
    await sandbox.control('POST', `/jobs/${draft.jobId}/status`, { status: 'ARCHIVED' });
    const gone = await expectError(() => sandbox.anonymous.getPublicJob(draft.jobId), NotFoundError);
    assert.equal(gone.unlistedStatus, 'closed');
  });

  test('NOT_FOUND on another account\'s draft', async () => {
    const stranger = (await sandbox.register()).client;
    const draft = await client.createJobDraft({ rawJobDescription: JOB_TEXT });
    const error = await expectError(() => stranger.updateJobDraft(draft.jobId, { headcount: 2 }), NotFoundError);
    assert.equal(error.details.jobId, draft.jobId);
    await expectError(() => stranger.getJobDraft(draft.jobId), NotFoundError);
  });

  test('moderation block: 403 with reasons', async () => {
    const draft = await readyDraft(client, 'Counterfeit detection. We need 2 annotators to label 500 product images. Pay per label.');
    await client.updateJobDraft(draft.jobId, { jobDescription: 'This is a scam, send money first.' });
    const blocked = await expectError(() => client.publishJob(draft.jobId), PermissionDeniedError);
    assert.equal(blocked.isModerationBlocked, true);
    assert.ok((blocked.moderationReasons ?? []).some((reason) => reason.includes('scam')));
    assert.equal(blocked.retryable, false);
  });

  test('daily publish limit: 429 with resetAt and a wait until it', async () => {
    await sandbox.control('POST', '/config', { publishQuota: { unclaimed: 0, claimed: 0 } });
    try {
      const draft = await readyDraft(client, JOB_TEXT);
      const limited = await expectError(() => client.publishJob(draft.jobId), RateLimitError);
      assert.equal(limited.isDailyPublishLimit, true);
      assert.equal(limited.retryable, true);
      assert.ok(limited.resetAt);
      const untilReset = Date.parse(limited.resetAt) - Date.now();
      assert.ok(limited.retryAfterMs !== undefined && Math.abs(limited.retryAfterMs - untilReset) < 2000, `${limited.retryAfterMs} vs ${untilReset}`);
    } finally {
      await sandbox.control('POST', '/config', { publishQuota: { unclaimed: 3, claimed: 20 } });
    }
  });

  test('FORBIDDEN: feature off (featureKey) and missing scope (requiredScopes)', async () => {
    const { identity, client: own } = await sandbox.register();
    const draft = await readyDraft(own, JOB_TEXT);
    await sandbox.control('POST', `/accounts/${identity.registration_id}/features`, { public_api_job_publishing: false, public_api_job_drafting: false });
    const publishing = await expectError(() => own.publishJob(draft.jobId), PermissionDeniedError);
    assert.equal(publishing.featureKey, 'public_api_job_publishing');
    const drafting = await expectError(() => own.getCapabilities(), PermissionDeniedError);
    assert.equal(drafting.featureKey, 'public_api_job_drafting');

    const minted = await sandbox.control<{ token: string }>('POST', `/accounts/${registrationId}/tokens`, { scopes: ['jobs:read'] });
    const readOnly = client.withToken(minted.token);
    const scope = await expectError(() => readOnly.createJobDraft({ rawJobDescription: JOB_TEXT }), PermissionDeniedError);
    assert.deepEqual(scope.requiredScopes, ['jobs:write']);
    assert.equal(scope.featureKey, undefined);
    assert.equal(containsSecret(JSON.stringify(scope)), false);
  });

  test('UNAUTHORIZED: no token, an unknown token', async () => {
    await expectError(() => sandbox.anonymous.getMe(), AuthenticationError);
    const error = await expectError(() => client.withToken('ot_pat_bogus_0000000000').listMyJobs(), AuthenticationError);
    assert.equal(containsSecret(String(error) + JSON.stringify(error)), false);
  });

  test('listMyJobs: status filter and cursor pages, newest first', async () => {
    const all = await client.listMyJobs({ limit: 100 });
    assert.ok(all.jobs.length >= 5);
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listMyJobs({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(...page.jobs.map((job) => job.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(pages, all.jobs.map((job) => job.id));
    const open = await client.listMyJobs({ status: 'OPEN' });
    assert.ok(open.jobs.length > 0 && open.jobs.every((job) => job.status === 'OPEN'));
  });

  test('RATE_LIMITED per token with Retry-After', async () => {
    await sandbox.control('POST', '/config', { rateLimitPerMinute: 1 });
    try {
      await client.getMe().catch(() => undefined);
      const limited = await expectError(() => client.getMe(), RateLimitError);
      assert.equal(limited.code, 'RATE_LIMITED');
      assert.equal(limited.isDailyPublishLimit, false);
      assert.ok(limited.retryAfterMs !== undefined && limited.retryAfterMs >= 1000);
    } finally {
      await sandbox.control('POST', '/config', { rateLimitPerMinute: null });
    }
  });

  test('injected faults: 503, dropped connection, malformed body', async () => {
    const path = '/api/public/v1/auth/me';
    await sandbox.control('POST', '/faults', { path, status: 503, retryAfterSec: 2 });
    const unavailable = await expectError(() => client.getMe(), InternalServerError);
    assert.equal(unavailable.retryable, true);
    assert.equal(unavailable.retryAfterMs, 2000);

    await sandbox.control('POST', '/faults', { path, drop: true });
    await expectError(() => client.getMe(), ConnectionError);

    await sandbox.control('POST', '/faults', { path, malformed: true });
    await expectError(() => client.getMe(), MalformedResponseError);

    assert.equal((await client.getMe()).token.scopes.length, 6);
  });
});

// A client that gives up leaves undici holding a fresh keep-alive socket with no request on it, and
// startSandbox().close() waits for it (~70 s, Node's headersTimeout). This suite builds the same app
// and closes every connection itself, so the timeout can be tested against the sandbox at no cost.
describe('per-request timeout against the sandbox', () => {
  let app: FastifyInstance;
  let url: string;
  before(async () => {
    app = buildSandboxApp();
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
  });

  test('a slow answer is a retryable TimeoutError', async () => {
    const control = await fetch(`${url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/api/public/v1/auth/me', delayMs: 1000 }),
    });
    assert.equal(control.status, 200);
    await control.body?.cancel();
    const impatient = new OpenTrainClient({ baseUrl: url, token: 'ot_pat_irrelevant_0000', timeoutMs: 200 });
    const started = Date.now();
    const error = await expectError(() => impatient.getMe(), TimeoutError);
    assert.equal(error.retryable, true);
    assert.ok(Date.now() - started < 900);
  });
});

describe('proposals', () => {
  let sandbox: SandboxHarness;
  let client: OpenTrainClient;
  let jobId: string;
  before(async () => {
    sandbox = await startHarness();
    client = (await sandbox.register()).client;
    jobId = (await readyDraft(client, JOB_TEXT)).jobId;
    await client.publishJob(jobId);
    await sandbox.control('POST', `/jobs/${jobId}/proposals`, { count: 7 });
    await sandbox.control('POST', `/jobs/${jobId}/proposals`, { count: 2, status: 'SHORTLISTED' });
  });
  after(() => sandbox.close());

  test('listProposals pages by cursor; iterateProposals walks every page', async () => {
    const first = await client.listProposals(jobId, { limit: 4 });
    assert.equal(first.proposals.length, 4);
    assert.ok(first.nextCursor);
    const second = await client.listProposals(jobId, { limit: 4, cursor: first.nextCursor });
    assert.notEqual(second.proposals[0]?.id, first.proposals[0]?.id);

    const ids: string[] = [];
    for await (const proposal of client.iterateProposals(jobId, { limit: 4 })) ids.push(proposal.id);
    assert.equal(ids.length, 9);
    assert.equal(new Set(ids).size, 9);
  });

  test('status filter, case-insensitive', async () => {
    const shortlisted: string[] = [];
    for await (const proposal of client.iterateProposals(jobId, { status: 'shortlisted' })) shortlisted.push(proposal.status.raw);
    assert.deepEqual(shortlisted, ['SHORTLISTED', 'SHORTLISTED']);
  });

  test('BAD_REQUEST status or cursor, FORBIDDEN foreign job, NOT_FOUND unknown job', async () => {
    const status = await expectError(() => client.listProposals(jobId, { status: 'bogus' }), BadRequestError);
    assert.ok(Array.isArray(status.details.supportedStatuses));
    await expectError(() => client.listProposals(jobId, { cursor: 'prp_unknown' }), BadRequestError);
    const stranger = (await sandbox.register()).client;
    await expectError(() => stranger.listProposals(jobId), PermissionDeniedError);
    await expectError(() => client.listProposals('job_unknown'), NotFoundError);
  });
});
