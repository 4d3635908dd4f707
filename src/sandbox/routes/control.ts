/**
 * Test and demo hooks under /__sandbox/ (§8.3). Not part of the OpenTrain API; a production client
 * never calls these. Bodies are validated with zod; errors use the public envelope shape.
 *
 * Nothing here returns a token except GET /__sandbox/outbox, which stands in for a mailbox and so
 * carries the verification_uri exactly as the email would.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FEATURE_FLAG_KEYS, PROPOSAL_STATUSES, type FeatureFlag } from '../contract-choices';
import { approveAttempt, attemptByUserCode, attemptStatus } from '../claims';
import { iso, nextUtcMidnight, type Fault, type SandboxContext } from '../context';
import { ApiError, zodIssues } from '../errors';
import { injectProposals } from './proposals';

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw new ApiError(400, 'Invalid control request.', { issues: zodIssues(result.error.issues as never) });
  return result.data;
}

const FaultBody = z.strictObject({
  method: z.string().trim().min(1).transform((m) => m.toUpperCase()).optional(),
  path: z.string().startsWith('/'),
  status: z.number().int().min(400).max(599).optional(),
  retryAfterSec: z.number().int().min(0).optional(),
  delayMs: z.number().int().min(0).max(120_000).optional(),
  drop: z.literal(true).optional(),
  malformed: z.literal(true).optional(),
  times: z.number().int().min(1).default(1),
  probability: z.number().gt(0).max(1).default(1),
}).refine((f) => f.status !== undefined || f.delayMs !== undefined || f.drop || f.malformed, { message: 'Give at least one of status, delayMs, drop, malformed.' });

const ConfigBody = z.strictObject({
  moderationBlocklist: z.array(z.string().min(1)).optional(),
  publishQuota: z.strictObject({ unclaimed: z.number().int().min(0), claimed: z.number().int().min(0) }).optional(),
  rateLimitPerMinute: z.number().int().min(1).nullable().optional(),
  pollIntervalSec: z.number().int().min(1).optional(),
  claimAttemptTtlSec: z.number().int().min(1).optional(),
  claimWindowSec: z.number().int().min(1).optional(),
  anonymousRegistration: z.boolean().optional(),
});

export function registerControlRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  // What the human does on the verification page, by code (optionally "signed in as" another email).
  app.post('/__sandbox/claims/:userCode/approve', async (request: FastifyRequest<{ Params: { userCode: string } }>) => {
    const { email } = parse(z.object({ email: z.string().optional() }), request.body);
    const attempt = attemptByUserCode(ctx, request.params.userCode);
    if (!attempt) throw new ApiError(404, 'No claim attempt shows this code.', { userCode: request.params.userCode });
    const outcome = approveAttempt(ctx, attempt, email);
    if (!outcome.ok) throw new ApiError(409, outcome.message, { reason: outcome.reason, attemptId: attempt.id });
    return { ok: true, registrationId: attempt.registrationId, attemptId: attempt.id, email: attempt.email };
  });

  // The server asks for slower polling from now on (as under load): polls closer than `minGapSec` get
  // slow_down until the client's interval, raised 5 s per slow_down, reaches it.
  app.post('/__sandbox/claims/:userCode/min-gap', async (request: FastifyRequest<{ Params: { userCode: string } }>) => {
    const { minGapSec } = parse(z.strictObject({ minGapSec: z.number().int().min(1).max(3600) }), request.body);
    const attempt = attemptByUserCode(ctx, request.params.userCode);
    if (!attempt) throw new ApiError(404, 'No claim attempt shows this code.', { userCode: request.params.userCode });
    attempt.minGapSec = minGapSec;
    return { ok: true, attemptId: attempt.id, minGapSec };
  });

  app.get('/__sandbox/outbox', async () => ({ emails: ctx.store.data.outbox }));

  app.post('/__sandbox/faults', async (request) => {
    const body = parse(FaultBody, request.body);
    const fault: Fault = {
      id: ctx.store.newId('flt'),
      ...(body.method ? { method: body.method } : {}),
      path: body.path,
      ...(body.status !== undefined ? { status: body.status } : {}),
      ...(body.retryAfterSec !== undefined ? { retryAfterSec: body.retryAfterSec } : {}),
      ...(body.delayMs !== undefined ? { delayMs: body.delayMs } : {}),
      ...(body.drop ? { drop: true } : {}),
      ...(body.malformed ? { malformed: true } : {}),
      remaining: body.times,
      probability: body.probability,
    };
    ctx.faults.push(fault);
    return { id: fault.id };
  });
  app.get('/__sandbox/faults', async () => ({ faults: ctx.faults }));
  app.delete('/__sandbox/faults', async () => {
    const removed = ctx.faults.length;
    ctx.faults.length = 0;
    return { ok: true, removed };
  });

  // Back to the state of a fresh start: no accounts, no faults, clock offset 0, started config.
  app.post('/__sandbox/reset', async () => {
    ctx.store.reset();
    ctx.faults.length = 0;
    ctx.calls.length = 0;
    ctx.rateCounters.clear();
    ctx.config = structuredClone(ctx.initialConfig);
    return { ok: true };
  });

  app.get('/__sandbox/calls', async () => ({ calls: ctx.calls }));
  app.delete('/__sandbox/calls', async () => {
    ctx.calls.length = 0;
    return { ok: true };
  });

  app.post('/__sandbox/clock/advance', async (request) => {
    const { seconds } = parse(z.strictObject({ seconds: z.number().min(0) }), request.body);
    ctx.store.data.clockOffsetMs += Math.round(seconds * 1000);
    return { now: iso(ctx.now()), offsetSec: ctx.store.data.clockOffsetMs / 1000 };
  });
  app.get('/__sandbox/clock', async () => ({ now: iso(ctx.now()), offsetSec: ctx.store.data.clockOffsetMs / 1000 }));

  app.post('/__sandbox/accounts/:registrationId/features', async (request: FastifyRequest<{ Params: { registrationId: string } }>) => {
    const account = ctx.store.account(request.params.registrationId);
    if (!account) throw new ApiError(404, 'No such account.', { registrationId: request.params.registrationId });
    const flags = parse(z.partialRecord(z.enum(FEATURE_FLAG_KEYS as [FeatureFlag, ...FeatureFlag[]]), z.boolean()), request.body);
    Object.assign(account.features, flags);
    return { registrationId: account.registrationId, features: account.features };
  });

  // A token with chosen scopes, to exercise scope refusals (a stand-in for POST /tokens).
  app.post('/__sandbox/accounts/:registrationId/tokens', async (request: FastifyRequest<{ Params: { registrationId: string } }>) => {
    const account = ctx.store.account(request.params.registrationId);
    if (!account) throw new ApiError(404, 'No such account.', { registrationId: request.params.registrationId });
    const { scopes } = parse(z.strictObject({ scopes: z.array(z.string()) }), request.body);
    return { token: ctx.store.mintPersonalToken(account.registrationId, 'minted', scopes, ctx.now(), 'sandbox test token'), scopes };
  });

  app.post('/__sandbox/config', async (request) => {
    const body = parse(ConfigBody, request.body);
    ctx.config = { ...ctx.config, ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) };
    return { config: ctx.config };
  });
  app.get('/__sandbox/config', async () => ({ config: ctx.config }));

  app.get('/__sandbox/state', async () => {
    const data = ctx.store.data;
    const now = ctx.now();
    const dayStart = nextUtcMidnight(now) - 86_400_000;
    const accounts = Object.values(data.accounts).map((a) => {
      const attempts = Object.values(data.attempts).filter((x) => x.registrationId === a.registrationId);
      const current = a.currentAttemptId ? data.attempts[a.currentAttemptId] : undefined;
      return {
        registrationId: a.registrationId,
        claimed: a.claimed,
        email: a.email,
        claimWindowEndsAt: iso(a.claimWindowEndsAt),
        features: a.features,
        publishesToday: data.publishes.filter((p) => p.registrationId === a.registrationId && p.at >= dayStart).length,
        activeTokens: Object.values(data.tokens).filter((t) => t.registrationId === a.registrationId && t.revokedAt === null).length,
        postClaimTokenDelivered: a.postClaimTokenDelivered,
        claim: {
          attempts: attempts.length,
          current: current ? { id: current.id, status: attemptStatus(ctx, current), email: current.email, intervalSec: current.intervalSec, expiresAt: iso(current.expiresAt) } : null,
        },
        drafts: ctx.store.jobsOf(a.registrationId).sort((x, y) => x.seq - y.seq).map((j) => ({
          jobId: j.id, status: j.status, idempotencyKey: j.idempotencyKey, externalId: j.externalId, publishCount: j.publishCount,
        })),
      };
    });
    return {
      now: iso(now),
      clockOffsetSec: data.clockOffsetMs / 1000,
      counts: {
        accounts: accounts.length,
        jobs: Object.keys(data.jobs).length,
        proposals: Object.keys(data.proposals).length,
        claimAttempts: Object.keys(data.attempts).length,
        publishes: data.publishes.length,
        emails: data.outbox.length,
      },
      publishCountByJob: Object.fromEntries(Object.values(data.jobs).map((j) => [j.id, j.publishCount])),
      accounts,
    };
  });

  app.post('/__sandbox/jobs/:jobId/proposals', async (request: FastifyRequest<{ Params: { jobId: string } }>) => {
    const job = ctx.store.job(request.params.jobId);
    if (!job) throw new ApiError(404, 'No such job.', { jobId: request.params.jobId });
    const { count, status } = parse(z.strictObject({
      count: z.number().int().min(1).max(1000).default(1),
      status: z.enum(PROPOSAL_STATUSES).default('UNREVIEWED'),
    }), request.body);
    const created = injectProposals(ctx, job, count, status);
    return { ids: created.map((p) => p.id) };
  });

  // G16: force a job status the API itself never enters (ONGOING, COMPLETED, PENDING_APPROVAL).
  app.post('/__sandbox/jobs/:jobId/status', async (request: FastifyRequest<{ Params: { jobId: string } }>) => {
    const job = ctx.store.job(request.params.jobId);
    if (!job) throw new ApiError(404, 'No such job.', { jobId: request.params.jobId });
    const { status } = parse(z.strictObject({ status: z.enum(['DRAFT', 'OPEN', 'ONGOING', 'COMPLETED', 'ARCHIVED', 'PENDING_APPROVAL']) }), request.body);
    job.status = status;
    if (status === 'OPEN') job.everPublished = true;
    job.updatedAt = ctx.now();
    return { jobId: job.id, status: job.status };
  });
}
