/**
 * Jobs (§3.11–3.14): publish with moderation and the daily quota, the owner's list, the tokenless
 * public listing, live edits and close.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  EXPERIENCE_DISPLAY, JOB_STATUSES, PUBLIC_CACHE_CONTROL, PUBLIC_JOB_ID_MAX, PUBLIC_READ_LIMIT_PER_MINUTE,
  SIDE_EFFECTS_ALREADY, SIDE_EFFECTS_FRESH, type JobStatus,
} from '../contract-choices';
import { authenticate, ownJob } from '../auth';
import { iso, nextUtcMidnight, type SandboxContext } from '../context';
import { ApiError } from '../errors';
import { decodeSeqCursor, encodeSeqCursor, pageBySeq, parseLimit } from '../paging';
import { consumeRate } from '../plumbing';
import type { Job } from '../store';
import { validateDraft } from '../validation';
import { applyPatch, draftUrl, parsePatchBody } from './drafts';

const API = '/api/public/v1';

/** G15: deterministic moderation — blocklisted whole words in the title or description. */
export function moderate(ctx: SandboxContext, job: Job): { decision: 'ALLOW' | 'BLOCK'; reasons: string[] } {
  const reasons: string[] = [];
  for (const field of ['jobTitle', 'jobDescription'] as const) {
    const text = job.fields[field] ?? '';
    for (const word of ctx.config.moderationBlocklist) {
      const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (new RegExp(`\\b${escaped}\\b`, 'i').test(text)) reasons.push(`${field} contains the blocked term "${word}"`);
    }
  }
  return { decision: reasons.length > 0 ? 'BLOCK' : 'ALLOW', reasons };
}

function jobUrl(ctx: SandboxContext, job: Job): string {
  return `${ctx.baseUrl()}/jobs/${job.id}`;
}

function slugify(text: string): string {
  return text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'job';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** PublicJob (§3.14): the listing's own vocabulary, e.g. display-case experienceLevel (C12). */
function publicJob(ctx: SandboxContext, job: Job) {
  const f = job.fields;
  const account = ctx.store.account(job.registrationId);
  const title = f.jobTitle ?? '';
  const slug = slugify(title);
  const posted = job.publishedAt ?? job.createdAt;
  const description = f.jobDescription ?? '';
  return {
    id: job.id,
    slug,
    title,
    companyName: account?.organizationName ?? 'Sandbox employer',
    descriptionText: description,
    descriptionHtml: description.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join(''),
    seoTitle: null,
    summary: null,
    status: 'OPEN',
    datePosted: iso(posted),
    validThrough: iso(posted + 56 * 86_400_000),
    updatedAt: iso(job.updatedAt),
    employmentTypes: ['CONTRACTOR'],
    countries: f.countries ?? [],
    languages: f.languages ?? [],
    category: f.dataType ? `${f.dataType} Annotation` : null,
    dataType: f.dataType ?? null,
    labelTypes: f.labelTypes ?? [],
    labelingSoftware: f.labelingSoftware ?? null,
    experienceLevel: f.experienceLevel ? EXPERIENCE_DISPLAY[f.experienceLevel] : null,
    skills: f.labelTypes ?? [],
    pay: {
      paymentType: f.paymentType ?? null,
      currency: 'USD',
      hourlyRate: f.paymentType === 'PAY_PER_HOUR' ? f.pricePerHour ?? null : null,
      hourlyMin: null,
      hourlyMax: null,
      fixedPrice: f.paymentType === 'FIXED_PRICE' ? f.fixedPrice ?? null : null,
      perLabelRate: f.paymentType === 'PAY_PER_LABEL' ? f.pricePerLabel ?? null : null,
    },
    url: `${ctx.baseUrl()}/jobs/${slug}-${job.id}`,
    applyUrl: `${ctx.baseUrl()}/api/out?job=${encodeURIComponent(job.id)}&src=www_seo`,
  };
}

function publicHeaders(reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*').header('cache-control', PUBLIC_CACHE_CONTROL);
}

export function registerJobRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const publishGates = { scope: 'jobs:write', feature: 'public_api_job_publishing' } as const;

  app.post(`${API}/jobs/:id/publish`, async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = authenticate(ctx, request, publishGates);
    const job = ownJob(ctx, caller, request.params.id);
    if (job.status === 'OPEN') {
      return { ok: true, jobId: job.id, status: job.status, alreadyPublished: true, jobUrl: jobUrl(ctx, job), publishAttemptId: null, warnings: [], sideEffects: { ...SIDE_EFFECTS_ALREADY } };
    }
    if (job.status !== 'DRAFT') {
      throw new ApiError(409, `Job is ${job.status} and cannot be published.`, { jobId: job.id, status: job.status });
    }
    const { validation, missingFields } = validateDraft(job.fields);
    if (!validation.publishReady) {
      throw new ApiError(400, 'The draft is not ready to publish.', { validation, missingFields });
    }
    const moderation = moderate(ctx, job);
    if (moderation.decision === 'BLOCK') {
      throw new ApiError(403, 'Content moderation blocked this job.', { reason: 'moderation_blocked', reasons: moderation.reasons });
    }
    // G2: the daily quota, per account per UTC day on the sandbox clock.
    const now = ctx.now();
    const resetAt = nextUtcMidnight(now);
    const dayStart = resetAt - 86_400_000;
    const limit = caller.account.claimed ? ctx.config.publishQuota.claimed : ctx.config.publishQuota.unclaimed;
    const used = ctx.store.data.publishes.filter((p) => p.registrationId === caller.account.registrationId && p.at >= dayStart && p.at < resetAt).length;
    if (used >= limit) {
      const retryAfter = Math.max(1, Math.ceil((resetAt - now) / 1000));
      throw new ApiError(429, `Daily publish limit of ${limit} reached.`, { reason: 'daily_publish_limit', limit, resetAt: iso(resetAt) }, { 'retry-after': String(retryAfter) });
    }
    job.status = 'OPEN';
    job.everPublished = true;
    job.publishedAt = now;
    job.updatedAt = now;
    job.publishCount += 1;
    ctx.store.data.publishes.push({ registrationId: caller.account.registrationId, jobId: job.id, at: now });
    return {
      ok: true, jobId: job.id, status: job.status, alreadyPublished: false, jobUrl: jobUrl(ctx, job),
      publishAttemptId: ctx.store.newId('pa'), warnings: [], sideEffects: { ...SIDE_EFFECTS_FRESH },
    };
  });

  app.get(`${API}/jobs/mine`, async (request) => {
    const caller = authenticate(ctx, request, { scope: 'jobs:read' });
    const query = request.query as Record<string, string | undefined>;
    const status = query.status;
    if (status !== undefined && !JOB_STATUSES.includes(status as JobStatus)) {
      throw new ApiError(400, `Unknown status ${status}.`, { supportedStatuses: [...JOB_STATUSES] });
    }
    const limit = parseLimit(query.limit);
    const after = decodeSeqCursor(query.cursor);
    const jobs = ctx.store.jobsOf(caller.account.registrationId).filter((j) => !status || j.status === status);
    const { page, next } = pageBySeq(jobs, limit, after);
    return {
      jobs: page.map((job) => {
        const proposals = ctx.store.proposalsOf(job.id);
        return {
          id: job.id,
          title: job.fields.jobTitle ?? null,
          status: job.status,
          published: job.status === 'OPEN',
          acceptingApplicants: job.status === 'OPEN',
          createdAt: iso(job.createdAt),
          updatedAt: iso(job.updatedAt),
          jobUrl: job.everPublished ? jobUrl(ctx, job) : draftUrl(ctx, job.id),
          proposalCounts: { total: proposals.length, unreviewed: proposals.filter((p) => p.status === 'UNREVIEWED').length },
        };
      }),
      nextCursor: next ? encodeSeqCursor(next.seq) : null,
    };
  });

  // §3.14 tokenless public read (CORS, edge-cache headers, per-IP limit when limits are on).
  app.options(`${API}/jobs/:id`, async (_request, reply) => {
    reply.header('access-control-allow-origin', '*').header('access-control-allow-methods', 'GET, OPTIONS').header('access-control-allow-headers', 'content-type');
    return reply.code(204).send();
  });
  app.get(`${API}/jobs/:id`, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    publicHeaders(reply);
    if (ctx.config.rateLimitPerMinute !== null) {
      const retryAfter = consumeRate(ctx, `public:${request.ip}`, PUBLIC_READ_LIMIT_PER_MINUTE);
      if (retryAfter !== null) throw new ApiError(429, 'Too many requests.', { reason: 'rate_limited', limit: PUBLIC_READ_LIMIT_PER_MINUTE }, { 'retry-after': String(retryAfter) });
    }
    const id = request.params.id;
    if (!id || id.length > PUBLIC_JOB_ID_MAX) throw new ApiError(400, `Job id must be 1 to ${PUBLIC_JOB_ID_MAX} characters.`, { field: 'id' });
    const job = ctx.store.job(id);
    if (job?.status === 'OPEN') return publicJob(ctx, job);
    // A listing that existed and is gone answers with the minimal body, not the envelope (§3.14).
    if (job?.everPublished) return reply.code(404).send({ id: job.id, status: 'closed' });
    throw new ApiError(404, 'Job not found.', { jobId: id });
  });

  app.patch(`${API}/jobs/:id`, async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = authenticate(ctx, request, publishGates);
    const patch = parsePatchBody(request.body);
    const job = ownJob(ctx, caller, request.params.id);
    if (job.status !== 'OPEN') {
      const hint = job.status === 'DRAFT' ? ` Use PATCH /job-drafts/${job.id} for drafts.` : '';
      throw new ApiError(409, `Job is ${job.status}; only OPEN jobs can be edited here.${hint}`, { jobId: job.id, status: job.status, requiredStatus: 'OPEN' });
    }
    // CHOICE: a live job must stay publish-ready; an edit that would break that is refused unapplied.
    const candidate: Job = { ...job, fields: { ...job.fields } };
    applyPatch(candidate, patch, ctx.now());
    const { validation, missingFields } = validateDraft(candidate.fields);
    if (!validation.publishReady) throw new ApiError(400, 'The edit would leave required fields empty.', { validation, missingFields });
    applyPatch(job, patch, ctx.now());
    // §3.12: the edit is kept even when moderation rejects it; the job drops back to DRAFT.
    const moderation = moderate(ctx, job);
    if (moderation.decision === 'BLOCK') {
      job.status = 'DRAFT';
      throw new ApiError(409, 'Content moderation rejected the edit; the job was unpublished.', {
        jobId: job.id, reason: 'moderation_blocked', reasons: moderation.reasons, status: 'DRAFT',
      });
    }
    return { ok: true, jobId: job.id, status: job.status, moderation };
  });

  app.post(`${API}/jobs/:id/close`, async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = authenticate(ctx, request, publishGates);
    const job = ownJob(ctx, caller, request.params.id);
    const alreadyClosed = job.status === 'ARCHIVED';
    if (!alreadyClosed) {
      job.status = 'ARCHIVED';
      job.updatedAt = ctx.now();
    }
    return { ok: true, jobId: job.id, status: job.status, alreadyClosed };
  });
}
