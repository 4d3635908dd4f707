/**
 * Job drafts (§3.8–3.10): create from any documented body shape, PATCH toward publishReady, and
 * the optional GET (G22). Every answer is the full create-shaped envelope (§3.9 CHOICE C7).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ENUMS, IMPORT_FORMATS, IMPORT_META, MAX_RAW_TEXT_CHARS, PARSER_NAME, PARSER_VERSION, STATUS_DRAFT_CREATED,
  STATUS_DRAFT_REPLAYED, UPDATE_KEY_TYPES, type DraftFields, type UpdateKey,
} from '../contract-choices';
import { authenticate, ownJob } from '../auth';
import type { SandboxContext } from '../context';
import { ApiError, zodIssues } from '../errors';
import { parseSource, SourceError, type DraftSource } from '../parser';
import type { Job } from '../store';
import { validateDraft } from '../validation';

const API = '/api/public/v1';

// ---- create body (§3.8): one of rawJobDescription | source | format ---------------------------

const Format = z.enum(IMPORT_FORMATS);
const Key = z.string().trim().min(1).max(200);
const SourceObject = z.object({
  type: Format,
  text: z.string().optional(),
  job: z.unknown().optional(),
  jsonLd: z.unknown().optional(),
  xml: z.string().optional(),
  externalId: Key.optional(),
  idempotencyKey: Key.optional(),
});
const CreateBody = z.object({
  rawJobDescription: z.string().optional(),
  source: SourceObject.optional(),
  format: Format.optional(),
  text: z.string().optional(),
  job: z.unknown().optional(),
  jsonLd: z.unknown().optional(),
  xml: z.string().optional(),
  externalId: Key.optional(),
  idempotencyKey: Key.optional(),
});
type CreateBody = z.infer<typeof CreateBody>;

function badSource(message: string, path: (string | number)[]): ApiError {
  return new ApiError(400, message, { issues: [{ code: 'custom', path, message }] });
}

/** The one DraftSource a create body describes (§3.8 CHOICE: payloads inside `source` or top level). */
function resolveSource(body: CreateBody): DraftSource {
  const given = (['rawJobDescription', 'source', 'format'] as const).filter((k) => body[k] !== undefined);
  if (given.length === 0) throw badSource('No recognizable source: send rawJobDescription, source, or format with its payload.', []);
  if (given.length > 1) throw badSource(`Send only one of rawJobDescription, source, format (got ${given.join(', ')}).`, [given[1]!]);
  const at = body.source ? ['source'] : [];
  const format = body.rawJobDescription !== undefined ? 'text' : (body.source?.type ?? body.format)!;
  const pick = <K extends 'text' | 'job' | 'jsonLd' | 'xml'>(k: K) => (body.source?.[k] ?? body[k]) as CreateBody[K];
  if (format === 'text') {
    const text = body.rawJobDescription ?? pick('text');
    const path = body.rawJobDescription !== undefined ? ['rawJobDescription'] : [...at, 'text'];
    if (typeof text !== 'string' || text.trim() === '') throw badSource('The job text is empty.', path);
    if (text.length > MAX_RAW_TEXT_CHARS) throw badSource(`The job text is longer than ${MAX_RAW_TEXT_CHARS} characters.`, path);
    return { format, text };
  }
  if (format === 'opentrain_canonical') {
    const job = pick('job');
    if (job === undefined) throw badSource('format opentrain_canonical needs a job object.', [...at, 'job']);
    return { format, job };
  }
  if (format === 'schema_org_job_posting') {
    const jsonLd = pick('jsonLd');
    if (jsonLd === undefined) throw badSource('format schema_org_job_posting needs a jsonLd object.', [...at, 'jsonLd']);
    return { format, jsonLd };
  }
  const xml = pick('xml');
  if (typeof xml !== 'string' || xml.trim() === '') throw badSource(`format ${format} needs an xml string.`, [...at, 'xml']);
  if (xml.length > MAX_RAW_TEXT_CHARS * 4) throw badSource('The xml document is too long.', [...at, 'xml']);
  return { format, xml };
}

// ---- PATCH body (§3.9, §6.2): strict, typed, canonical enums ---------------------------------

function fieldSchema(key: UpdateKey): z.ZodType {
  const type = UPDATE_KEY_TYPES[key];
  switch (type) {
    case 'string': return z.string().max(MAX_RAW_TEXT_CHARS);
    case 'integer': return z.number().int().min(1);
    case 'number': return key === 'dataVolume' ? z.number().nonnegative() : z.number().positive();
    case 'enum': return z.enum(ENUMS[key as keyof typeof ENUMS] as unknown as [string, ...string[]]);
    case 'string[]': return z.array(z.string().trim().min(1)).max(200);
  }
}
/** §6.2 CHOICE: exactly the documented keys; null clears a key (PATCH_NULL_CLEARS). */
const PatchBody = z.strictObject(
  Object.fromEntries((Object.keys(UPDATE_KEY_TYPES) as UpdateKey[]).map((k) => [k, fieldSchema(k).nullable().optional()])),
);

export function parsePatchBody(body: unknown): Partial<Record<UpdateKey, unknown>> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'The body must be a JSON object with at least one draft key.', { issues: [{ code: 'invalid_type', path: [], message: 'Expected an object.' }] });
  }
  if (Object.keys(body).length === 0) {
    throw new ApiError(400, 'The body must contain at least one draft key.', { issues: [{ code: 'too_small', path: [], message: 'At least one key is required.' }] });
  }
  const parsed = PatchBody.safeParse(body);
  if (!parsed.success) throw new ApiError(400, 'Invalid draft fields.', { issues: zodIssues(parsed.error.issues as never) });
  return parsed.data as Partial<Record<UpdateKey, unknown>>;
}

/** Applies a validated patch; low-confidence notes on patched keys are dropped (a human said so). */
export function applyPatch(job: Job, patch: Partial<Record<UpdateKey, unknown>>, now: number): void {
  const fields = job.fields as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete fields[key];
    else fields[key] = value;
  }
  const touched = new Set(Object.keys(patch));
  job.lowConfidenceFields = job.lowConfidenceFields.filter((f) => !touched.has(f.field));
  job.updatedAt = now;
}

// ---- the envelope -------------------------------------------------------------------------------

export function draftUrl(ctx: SandboxContext, jobId: string): string {
  return `${ctx.baseUrl()}/job-post?jobId=${encodeURIComponent(jobId)}`;
}

/** §3.8 response: validation.missingFields = names, top-level missingFields = objects (§6.4). */
export function draftEnvelope(ctx: SandboxContext, job: Job) {
  const { validation, missingFields } = validateDraft(job.fields);
  return {
    ok: true,
    jobId: job.id,
    status: job.status,
    draftUrl: draftUrl(ctx, job.id),
    reviewUrl: draftUrl(ctx, job.id),
    validation,
    missingFields,
    normalizedFields: { ...job.fields } as DraftFields,
    warnings: [...job.warnings],
    unmappedFields: job.unmappedFields,
    lowConfidenceFields: job.lowConfidenceFields,
    import: { ...IMPORT_META },
    parser: { name: PARSER_NAME, version: PARSER_VERSION, format: job.format },
  };
}

export function registerDraftRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const writeGates = { scope: 'jobs:write', feature: 'public_api_job_drafting' } as const;

  app.post(`${API}/job-drafts`, async (request, reply) => {
    const caller = authenticate(ctx, request, writeGates);
    const parsed = CreateBody.safeParse(request.body ?? {});
    if (!parsed.success) throw new ApiError(400, 'Invalid draft request.', { issues: zodIssues(parsed.error.issues as never) });
    const body = parsed.data;
    const source = resolveSource(body);
    const idempotencyKey = body.source?.idempotencyKey ?? body.idempotencyKey ?? null;
    const externalId = body.source?.externalId ?? body.externalId ?? null;
    const regId = caller.account.registrationId;

    // §5.3 CHOICE: a key already used by this account returns that draft as it is now, 200.
    const keys = (ctx.store.data.idempotency[regId] ??= {});
    const existing = idempotencyKey ? ctx.store.job(keys[idempotencyKey] ?? '') : undefined;
    if (existing) return reply.code(STATUS_DRAFT_REPLAYED).send(draftEnvelope(ctx, existing));

    let result;
    try {
      result = parseSource(source);
    } catch (err) {
      if (err instanceof SourceError) {
        const prefix = body.source ? ['source'] : [];
        throw badSource(err.message, [...prefix, ...err.path]);
      }
      throw err;
    }
    const now = ctx.now();
    const job: Job = {
      id: ctx.store.newId('job'),
      seq: ctx.store.nextSeq(),
      registrationId: regId,
      status: 'DRAFT',
      fields: result.fields,
      format: source.format,
      externalId,
      idempotencyKey,
      lowConfidenceFields: result.lowConfidenceFields,
      unmappedFields: result.unmappedFields,
      warnings: result.warnings,
      createdAt: now,
      updatedAt: now,
      everPublished: false,
      publishedAt: null,
      publishCount: 0,
    };
    ctx.store.data.jobs[job.id] = job;
    if (idempotencyKey) keys[idempotencyKey] = job.id;
    return reply.code(STATUS_DRAFT_CREATED).send(draftEnvelope(ctx, job));
  });

  app.patch(`${API}/job-drafts/:jobId`, async (request: FastifyRequest<{ Params: { jobId: string } }>) => {
    const caller = authenticate(ctx, request, writeGates);
    const patch = parsePatchBody(request.body);
    const job = ownJob(ctx, caller, request.params.jobId);
    if (job.status !== 'DRAFT') {
      throw new ApiError(409, `Job is ${job.status}; only DRAFT jobs can be patched here. Use PATCH /jobs/${job.id} for live jobs.`, {
        jobId: job.id, status: job.status, requiredStatus: 'DRAFT',
      });
    }
    applyPatch(job, patch, ctx.now());
    return draftEnvelope(ctx, job);
  });

  // G22: optional read of a draft; same envelope. Clients must not depend on it.
  app.get(`${API}/job-drafts/:jobId`, async (request: FastifyRequest<{ Params: { jobId: string } }>) => {
    const caller = authenticate(ctx, request, { scope: 'jobs:read', feature: 'public_api_job_drafting' });
    return draftEnvelope(ctx, ownJob(ctx, caller, request.params.jobId));
  });
}
