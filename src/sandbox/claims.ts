/**
 * The human side of the claim ceremony (§7.1): what happens when a person enters the 6-digit code
 * on the verification page, or a test approves by code through the control route. Both paths end
 * in approveAttempt, so they cannot drift apart.
 */
import { MAX_WRONG_CODES_PER_ATTEMPT, POST_CLAIM_SCOPES } from './contract-choices';
import type { SandboxContext } from './context';
import type { ClaimAttempt } from './store';

export type AttemptStatus = 'pending' | 'approved' | 'superseded' | 'locked' | 'expired' | 'window_expired';

/** State of an attempt as of now on the sandbox clock (expiry is computed, not stored). */
export function attemptStatus(ctx: SandboxContext, attempt: ClaimAttempt): AttemptStatus {
  if (attempt.state !== 'pending') return attempt.state;
  const account = ctx.store.account(attempt.registrationId);
  const now = ctx.now();
  if (!account || now >= account.claimWindowEndsAt) return 'window_expired';
  if (now >= attempt.expiresAt) return 'expired';
  return 'pending';
}

export type ApproveOutcome =
  | { ok: true; attempt: ClaimAttempt }
  | { ok: false; reason: Exclude<AttemptStatus, 'pending'> | 'wrong_code' | 'email_mismatch'; message: string };

const REFUSALS: Record<Exclude<AttemptStatus, 'pending'>, string> = {
  approved: 'This account has already been claimed with this link.',
  superseded: 'A newer verification link was issued; use the most recent email.',
  locked: 'Too many wrong codes were entered; ask the agent to start the claim again.',
  expired: 'This verification link has expired; ask the agent to start the claim again.',
  window_expired: 'The claim window for this account has closed.',
};

/**
 * The human has proven control of `attempt.email`: the account becomes claimed, every pre-claim
 * token dies at this instant (§7.1 CHOICE G12), and the post-claim token waits for one poll.
 * `email` is the address the human signed in with, when the caller says which (wrong-email case).
 */
export function approveAttempt(ctx: SandboxContext, attempt: ClaimAttempt, email?: string): ApproveOutcome {
  const status = attemptStatus(ctx, attempt);
  if (status !== 'pending') return { ok: false, reason: status, message: REFUSALS[status] };
  if (email !== undefined && email.toLowerCase() !== attempt.email.toLowerCase()) {
    return { ok: false, reason: 'email_mismatch', message: `Sign in with ${attempt.email} to claim this account.` };
  }
  const account = ctx.store.account(attempt.registrationId)!;
  const now = ctx.now();
  attempt.state = 'approved';
  account.claimed = true;
  account.claimedAt = now;
  account.email = attempt.email;
  ctx.store.revokePreClaimTokens(account.registrationId, now);
  account.pendingPostClaimToken = ctx.store.mintPersonalToken(account.registrationId, 'post_claim', POST_CLAIM_SCOPES, now, 'agent (claimed)');
  return { ok: true, attempt };
}

/** The verification page: a wrong code counts against the attempt, a right one approves it. */
export function verifyCode(ctx: SandboxContext, attempt: ClaimAttempt, code: string): ApproveOutcome {
  const status = attemptStatus(ctx, attempt);
  if (status !== 'pending') return { ok: false, reason: status, message: REFUSALS[status] };
  if (code.trim() !== attempt.userCode) {
    attempt.wrongCodes += 1;
    if (attempt.wrongCodes >= MAX_WRONG_CODES_PER_ATTEMPT) attempt.state = 'locked';
    const left = MAX_WRONG_CODES_PER_ATTEMPT - attempt.wrongCodes;
    return { ok: false, reason: 'wrong_code', message: left > 0 ? `That code is not right. ${left} tries left.` : REFUSALS.locked };
  }
  return approveAttempt(ctx, attempt);
}

/** The pending attempt currently showing `userCode`, if any (codes are unique among live attempts). */
export function attemptByUserCode(ctx: SandboxContext, userCode: string): ClaimAttempt | undefined {
  const candidates = Object.values(ctx.store.data.attempts).filter((a) => a.userCode === userCode);
  return candidates.find((a) => a.state === 'pending') ?? candidates.sort((a, b) => b.createdAt - a.createdAt)[0];
}
