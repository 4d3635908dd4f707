/**
 * Bearer authentication for /api/public/v1 and the three gates of §2.3 in the order a caller
 * experiences them: valid token (401) → per-token rate limit (429) → scope (403 missing_scope) →
 * feature flag (403 feature_disabled).
 */
import type { FastifyRequest } from 'fastify';
import { FEATURE_DISABLED_MODE, scopeGranted, type FeatureFlag } from './contract-choices';
import { consumeRate } from './plumbing';
import type { SandboxContext } from './context';
import { ApiError } from './errors';
import type { Account, TokenRecord } from './store';

export interface Caller {
  account: Account;
  token: TokenRecord;
}

export function authenticate(ctx: SandboxContext, request: FastifyRequest, gates: { scope?: string; feature?: FeatureFlag } = {}): Caller {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new ApiError(401, 'Missing bearer token.', { reason: 'missing_token' });
  const token = ctx.store.personalToken(match[1]!);
  // One message for unknown and revoked: the answer must not reveal whether a token ever existed.
  if (!token || token.revokedAt !== null) throw new ApiError(401, 'Invalid or revoked token.', { reason: 'invalid_token' });
  const account = ctx.store.account(token.registrationId);
  if (!account) throw new ApiError(404, "The token's user no longer exists.");

  const limit = ctx.config.rateLimitPerMinute;
  if (limit !== null) {
    const retryAfter = consumeRate(ctx, `token:${token.id}`, limit);
    if (retryAfter !== null) {
      throw new ApiError(429, `More than ${limit} requests per minute for this token.`, { reason: 'rate_limited', limit, retryAfterSec: retryAfter }, { 'retry-after': String(retryAfter) });
    }
  }
  if (gates.scope && !scopeGranted(token.scopes, gates.scope)) {
    throw new ApiError(403, `This token lacks the ${gates.scope} scope.`, { reason: 'missing_scope', requiredScopes: [gates.scope] });
  }
  if (gates.feature && !account.features[gates.feature]) {
    throw new ApiError(403, `Feature ${gates.feature} is not enabled for this account.`, { reason: 'feature_disabled', featureKey: gates.feature, mode: FEATURE_DISABLED_MODE });
  }
  return { account, token };
}

/** The caller's own job, or 404 when it does not exist or belongs to someone else (§3.9). */
export function ownJob(ctx: SandboxContext, caller: Caller, jobId: string) {
  const job = ctx.store.job(jobId);
  if (!job || job.registrationId !== caller.account.registrationId) throw new ApiError(404, 'Job not found.', { jobId });
  return job;
}
