/**
 * Agent auth (§3.1–3.5): anonymous registration, claim start, the token endpoint the agent polls,
 * revocation, and the two discovery documents. Errors here use the OAuth shape.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ALL_SCOPES, CLAIM_GRANT_TYPE, OAUTH_DESCRIPTIONS, PRE_CLAIM_SCOPES, SLOW_DOWN_INCREMENT_SEC, SLOW_DOWN_ONLY_WHILE_PENDING,
} from '../contract-choices';
import { iso, type SandboxContext } from '../context';
import { attemptStatus } from '../claims';
import { OAuthError } from '../errors';
import type { Account, ClaimAttempt } from '../store';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new OAuthError(400, 'invalid_request', 'The body must be an object.');
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new OAuthError(400, 'invalid_request', `${key} must be a string.`);
  return value.trim() || null;
}

function requireAnonymousEnabled(ctx: SandboxContext): void {
  if (!ctx.config.anonymousRegistration) throw new OAuthError(403, 'anonymous_not_enabled', 'Anonymous agent registration is disabled in this environment.');
}

export function registerAgentAuthRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  // §3.1 anonymous registration: every field optional, `{}` valid.
  app.post('/api/agent/identity', async (request) => {
    requireAnonymousEnabled(ctx);
    const body = bodyObject(request);
    const identityType = body.identity_type ?? 'anonymous';
    if (identityType !== 'anonymous') throw new OAuthError(400, 'unsupported_identity_type', 'identity_type must be "anonymous".');
    const now = ctx.now();
    const account = ctx.store.createAccount({
      agentName: optionalString(body, 'agent_name'),
      organizationName: optionalString(body, 'organization_name'),
      now,
      claimWindowSec: ctx.config.claimWindowSec,
    });
    const accessToken = ctx.store.mintPersonalToken(account.registrationId, 'pre_claim', PRE_CLAIM_SCOPES, now, 'agent (pre-claim)');
    const claimToken = ctx.store.mintClaimToken(account.registrationId);
    const base = ctx.baseUrl();
    return {
      identity_type: 'anonymous',
      registration_id: account.registrationId,
      access_token: accessToken,
      token_type: 'bearer',
      scopes: [...PRE_CLAIM_SCOPES],
      claim_token: claimToken,
      claim_token_expires_at: iso(account.claimWindowEndsAt),
      claim_endpoint: `${base}/api/agent/identity/claim`,
      token_endpoint: `${base}/api/agent/oauth/token`,
      grant_type: CLAIM_GRANT_TYPE,
    };
  });

  // §3.2 claim start (or restart): JSON {claim_token, email}.
  app.post('/api/agent/identity/claim', async (request) => {
    requireAnonymousEnabled(ctx);
    const body = bodyObject(request);
    const claimToken = optionalString(body, 'claim_token');
    const email = optionalString(body, 'email');
    if (!claimToken) throw new OAuthError(400, 'invalid_request', 'claim_token is required.');
    if (!email) throw new OAuthError(400, 'invalid_request', 'email is required.');
    if (!EMAIL.test(email)) throw new OAuthError(400, 'invalid_request', 'email is not a valid email address.');
    const account = ctx.store.accountForClaimToken(claimToken);
    if (!account) throw new OAuthError(400, 'invalid_request', `claim_token is not valid (${OAUTH_DESCRIPTIONS.unknownClaimToken}).`);
    if (account.claimed) throw new OAuthError(400, 'invalid_request', OAUTH_DESCRIPTIONS.alreadyClaimed);
    const now = ctx.now();
    if (now >= account.claimWindowEndsAt) throw new OAuthError(400, 'invalid_request', OAUTH_DESCRIPTIONS.claimWindowExpired);
    if (ctx.store.emailTaken(email)) throw new OAuthError(400, 'invalid_request', OAUTH_DESCRIPTIONS.emailAlreadyRegistered);

    // §3.2 CHOICE: the new attempt supersedes the previous one.
    const previous = account.currentAttemptId ? ctx.store.data.attempts[account.currentAttemptId] : undefined;
    if (previous && previous.state === 'pending') previous.state = 'superseded';
    const attempt: ClaimAttempt = {
      id: ctx.store.newId('cla'),
      registrationId: account.registrationId,
      email,
      userCode: ctx.store.newUserCode(),
      createdAt: now,
      expiresAt: now + ctx.config.claimAttemptTtlSec * 1000,
      intervalSec: ctx.config.pollIntervalSec,
      lastPollAt: null,
      state: 'pending',
      wrongCodes: 0,
    };
    ctx.store.data.attempts[attempt.id] = attempt;
    account.currentAttemptId = attempt.id;
    const verificationUri = `${ctx.baseUrl()}/claim?token=${ctx.store.mintAttemptToken(attempt.id)}`;
    ctx.store.data.outbox.push({
      email, user_code: attempt.userCode, verification_uri: verificationUri,
      registrationId: account.registrationId, attemptId: attempt.id, sentAt: iso(now),
    });
    request.sandboxMeta.claimAttemptId = attempt.id;
    return {
      user_code: attempt.userCode,
      verification_uri: verificationUri,
      expires_in: ctx.config.claimAttemptTtlSec,
      interval: attempt.intervalSec,
      email_sent: true,
    };
  });

  // §3.3 token endpoint, polled by the agent (form-encoded).
  app.post('/api/agent/oauth/token', { config: { body: 'form' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const grantType = typeof body.grant_type === 'string' ? body.grant_type : '';
    const claimToken = typeof body.claim_token === 'string' ? body.claim_token : '';
    if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required.');
    if (grantType !== CLAIM_GRANT_TYPE) throw new OAuthError(400, 'unsupported_grant_type', `grant_type must be ${CLAIM_GRANT_TYPE}.`);
    if (!claimToken) throw new OAuthError(400, 'invalid_request', 'claim_token is required.');
    const account = ctx.store.accountForClaimToken(claimToken);
    if (!account) throw new OAuthError(400, 'invalid_grant', OAUTH_DESCRIPTIONS.unknownClaimToken);
    const attempt = account.currentAttemptId ? ctx.store.data.attempts[account.currentAttemptId] : undefined;
    if (attempt) request.sandboxMeta.claimAttemptId = attempt.id;
    reply.header('cache-control', 'no-store');
    return pollToken(ctx, account, attempt);
  });

  // §3.4 revocation (RFC 7009): 200 {} whatever the token was; both documented paths (C8).
  const revoke = async (request: FastifyRequest) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token : '';
    if (!token) throw new OAuthError(400, 'invalid_request', 'token is required.');
    const record = ctx.store.personalToken(token);
    if (record && record.revokedAt === null) record.revokedAt = ctx.now();
    return {};
  };
  app.post('/api/agent/oauth/revoke', { config: { body: 'form' } }, revoke);
  app.post('/api/agent/identity/revoke', { config: { body: 'form' } }, revoke);

  // §3.5 discovery documents (CHOICE shapes).
  app.get('/.well-known/oauth-authorization-server', async () => {
    const base = ctx.baseUrl();
    return {
      issuer: base,
      token_endpoint: `${base}/api/agent/oauth/token`,
      revocation_endpoint: `${base}/api/agent/oauth/revoke`,
      grant_types_supported: [CLAIM_GRANT_TYPE],
      scopes_supported: [...ALL_SCOPES],
      agent_auth: {
        identity_endpoint: `${base}/api/agent/identity`,
        claim_endpoint: `${base}/api/agent/identity/claim`,
        grant_type: CLAIM_GRANT_TYPE,
        interval: ctx.config.pollIntervalSec,
      },
    };
  });
  app.get('/.well-known/oauth-protected-resource', async () => {
    const base = ctx.baseUrl();
    return {
      resource: `${base}/api/public/v1`,
      authorization_servers: [base],
      scopes_supported: [...ALL_SCOPES],
      bearer_methods_supported: ['header'],
      resource_documentation: 'https://www.opentrain.ai/docs/developers/overview',
    };
  });
}

/**
 * One poll of the token endpoint, in the order of §7.1: delivered-or-deliver after a claim, then
 * window expiry, then "no attempt", then attempt expiry, then pacing, then pending.
 */
function pollToken(ctx: SandboxContext, account: Account, attempt: ClaimAttempt | undefined) {
  if (account.claimed) {
    if (account.pendingPostClaimToken && !account.postClaimTokenDelivered) {
      const token = account.pendingPostClaimToken;
      const record = ctx.store.personalToken(token)!;
      account.pendingPostClaimToken = null;
      account.postClaimTokenDelivered = true;
      return { access_token: token, token_type: 'bearer', scopes: record.scopes };
    }
    throw new OAuthError(400, 'invalid_grant', OAUTH_DESCRIPTIONS.tokenAlreadyDelivered);
  }
  const now = ctx.now();
  if (now >= account.claimWindowEndsAt) throw new OAuthError(400, 'expired_token', OAUTH_DESCRIPTIONS.claimWindowExpired);
  if (!attempt) throw new OAuthError(400, 'invalid_grant', OAUTH_DESCRIPTIONS.noActiveClaimAttempt);
  const status = attemptStatus(ctx, attempt);
  if (status === 'expired') throw new OAuthError(400, 'expired_token', OAUTH_DESCRIPTIONS.claimAttemptExpired);
  if (status === 'locked') throw new OAuthError(400, 'expired_token', `${OAUTH_DESCRIPTIONS.claimAttemptExpired}: too many wrong codes`);
  // G11: too soon after the previous poll → slow_down, and the expected gap grows by 5 s.
  const requiredGapMs = Math.max(attempt.intervalSec, attempt.minGapSec ?? 0) * 1000;
  const tooSoon = attempt.lastPollAt !== null && now - attempt.lastPollAt < requiredGapMs;
  attempt.lastPollAt = now;
  if (tooSoon && (SLOW_DOWN_ONLY_WHILE_PENDING ? status === 'pending' : true)) {
    attempt.intervalSec += SLOW_DOWN_INCREMENT_SEC;
    throw new OAuthError(400, 'slow_down', `Poll at most every ${attempt.intervalSec} seconds.`);
  }
  throw new OAuthError(400, 'authorization_pending', 'The human has not completed the claim yet.');
}
