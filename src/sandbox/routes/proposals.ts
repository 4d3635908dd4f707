/**
 * Proposals on the caller's jobs (§3.15). In the sandbox proposals only appear through the control
 * route (a "trainer applies"), generated deterministically from a sequence number (G17).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PROPOSAL_STATUSES, type ProposalStatus } from '../contract-choices';
import { authenticate } from '../auth';
import { iso, type SandboxContext } from '../context';
import { ApiError } from '../errors';
import { parseLimit } from '../paging';
import type { Job, Proposal } from '../store';

const API = '/api/public/v1';

const CANDIDATES = [
  ['Sam', 'K', 'DE', 'Germany', 'Image annotator'],
  ['Ana', 'R', 'BR', 'Brazil', 'Data labeler'],
  ['Wei', 'L', 'SG', 'Singapore', 'Computer vision annotator'],
  ['Priya', 'S', 'IN', 'India', 'NLP annotator'],
  ['Joseph', 'O', 'KE', 'Kenya', 'Transcriber'],
  ['Maria', 'G', 'MX', 'Mexico', 'Bilingual annotator'],
  ['Tom', 'B', 'GB', 'United Kingdom', 'QA reviewer'],
] as const;

function label(status: ProposalStatus): string {
  const text = status.toLowerCase().replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Creates `count` proposals on `job`, newest last; values depend only on the sequence number. */
export function injectProposals(ctx: SandboxContext, job: Job, count: number, status: ProposalStatus = 'UNREVIEWED'): Proposal[] {
  const created: Proposal[] = [];
  for (let i = 0; i < count; i += 1) {
    const seq = ctx.store.nextSeq();
    const [firstName, initial, countryCode, country, title] = CANDIDATES[seq % CANDIDATES.length]!;
    const now = ctx.now();
    const f = job.fields;
    const unit = f.paymentType === 'PAY_PER_HOUR' ? 'PER_HOUR' : f.paymentType === 'FIXED_PRICE' ? 'FIXED_PRICE' : 'PER_LABEL';
    const base = unit === 'PER_HOUR' ? f.pricePerHour ?? 20 : unit === 'FIXED_PRICE' ? f.fixedPrice ?? 500 : f.pricePerLabel ?? 0.05;
    const proposal: Proposal = {
      id: ctx.store.newId('prp'),
      seq,
      jobId: job.id,
      status,
      createdAt: now,
      updatedAt: now,
      bid: { amountUsd: Math.round(base * (0.9 + (seq % 5) * 0.05) * 100) / 100, unit, labelerHourlyRateUsd: unit === 'PER_HOUR' ? null : 15 + (seq % 10) },
      candidate: {
        id: `fl_${seq}`,
        profileSlug: `${firstName.toLowerCase()}-${initial.toLowerCase()}-${seq}`,
        displayName: `${firstName} ${initial}.`,
        firstName,
        lastNameInitial: initial,
        profileTitle: title,
        profilePhotoUrl: `${ctx.baseUrl()}/p/${seq}.png`,
        countryCode,
        country,
        talentType: 'FREELANCER',
        highestEarningsUsd: 500 + (seq * 373) % 5000,
        reviewCount: seq % 12,
      },
      // C10 CHOICE: interviewScore 0–100 integer, matchScore 0–1.
      metrics: { interviewScore: 60 + (seq * 7) % 40, matchScore: Math.round((0.5 + ((seq * 13) % 50) / 100) * 100) / 100 },
    };
    ctx.store.data.proposals[proposal.id] = proposal;
    created.push(proposal);
  }
  return created;
}

/** `status` query: case-insensitive, spaces and hyphens normalised to `_` (§3.15). */
function parseStatus(raw: unknown): ProposalStatus | undefined {
  if (raw === undefined || raw === '') return undefined;
  const key = String(raw).trim().toUpperCase().replace(/[\s-]+/g, '_');
  if (!PROPOSAL_STATUSES.includes(key as ProposalStatus)) {
    throw new ApiError(400, `Unknown proposal status ${String(raw)}.`, { supportedStatuses: [...PROPOSAL_STATUSES] });
  }
  return key as ProposalStatus;
}

export function registerProposalRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get(`${API}/jobs/:id/proposals`, async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = authenticate(ctx, request, { scope: 'proposals:read' });
    const job = ctx.store.job(request.params.id);
    if (!job) throw new ApiError(404, 'Job not found.', { jobId: request.params.id });
    if (job.registrationId !== caller.account.registrationId) throw new ApiError(403, 'This job belongs to another account.', { reason: 'not_job_owner', jobId: job.id });
    const query = request.query as Record<string, string | undefined>;
    const status = parseStatus(query.status);
    const limit = parseLimit(query.limit);
    // Newest first; the cursor is the id of the last proposal of the previous page (§3.15).
    const all = ctx.store.proposalsOf(job.id).filter((p) => !status || p.status === status).sort((a, b) => b.seq - a.seq);
    let start = 0;
    if (query.cursor) {
      const at = all.findIndex((p) => p.id === query.cursor);
      if (at < 0) throw new ApiError(400, 'cursor is not valid.', { field: 'cursor' });
      start = at + 1;
    }
    const page = all.slice(start, start + limit);
    const more = all.length > start + limit;
    return {
      proposals: page.map((p) => ({
        id: p.id,
        jobId: p.jobId,
        jobTitle: job.fields.jobTitle ?? null,
        createdAt: iso(p.createdAt),
        updatedAt: iso(p.updatedAt),
        status: { raw: p.status, label: label(p.status) },
        bid: p.bid,
        candidate: p.candidate,
        metrics: p.metrics,
      })),
      nextCursor: more ? page[page.length - 1]!.id : null,
    };
  });
}
