// Typed OpenTrain client: one method per endpoint the orchestrator uses (opentrain-api.md §3).
// Requests are validated before they leave, responses are validated when they arrive, and every
// failure is one OpenTrainError (errors.ts). The client never retries; its callers are activities.
import type { z } from 'zod';
import { version } from '../../package.json';
import { RequestValidationError, ResponseValidationError } from './errors';
import { send, toShapeIssues, type ErrorShape, type RequestSpec, type TransportOptions } from './http';
import {
  CLAIM_GRANT_TYPE,
  authorizationServerMetadataSchema,
  capabilitiesSchema,
  claimStartSchema,
  claimTokenGrantSchema,
  draftEnvelopeSchema,
  draftPatchSchema,
  identityRegistrationSchema,
  jobDraftCreateBodySchema,
  meSchema,
  myJobsPageSchema,
  pollTokenBodySchema,
  proposalsPageSchema,
  protectedResourceMetadataSchema,
  publicJobSchema,
  publishResultSchema,
  registerIdentityBodySchema,
  revokeResultSchema,
  startClaimBodySchema,
  type AuthorizationServerMetadata,
  type Capabilities,
  type ClaimStart,
  type ClaimTokenGrant,
  type DraftEnvelope,
  type DraftPatch,
  type IdentityRegistration,
  type JobDraftCreateBody,
  type JobStatus,
  type Me,
  type MyJobsPage,
  type Proposal,
  type ProposalsPage,
  type ProtectedResourceMetadata,
  type PublicJob,
  type PublishResult,
} from './schemas';

export interface OpenTrainClientOptions {
  /** App origin, e.g. https://app.opentrain.ai; the public API lives under <origin>/api/public/v1. */
  baseUrl: string;
  /** Bearer `ot_pat_` for /api/public/v1 calls. */
  token?: string;
  fetch?: typeof fetch;
  /** Per request, body included. Default 30 s like the official CLI (§5.1). */
  timeoutMs?: number;
  userAgent?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_USER_AGENT = `opentrain-orchestrator/${version}`;
const V1 = '/api/public/v1';

interface Call<T> {
  method: RequestSpec<T>['method'];
  /** Route template; `{name}` segments are filled from `params`, URI-encoded. */
  route: string;
  params?: Record<string, string>;
  schema: z.ZodType<T>;
  auth?: boolean;
  query?: RequestSpec<T>['query'];
  json?: unknown;
  form?: Record<string, string>;
  allowEmptyBody?: boolean;
}

export class OpenTrainClient {
  private readonly options: OpenTrainClientOptions;
  private readonly transport: TransportOptions;

  constructor(options: OpenTrainClientOptions) {
    // fail at construction, not as a "connection error" on the first call
    const origin = new URL(options.baseUrl);
    this.options = { ...options };
    this.transport = {
      baseUrl: origin.toString(),
      fetch: options.fetch ?? globalThis.fetch,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    };
  }

  /** A client for the same origin acting with another token (e.g. the post-claim one). */
  withToken(token: string): OpenTrainClient {
    return new OpenTrainClient({ ...this.options, token });
  }

  // ------------------------------------------------------------ /api/agent (OAuth-shaped errors)

  /** §3.1. Not idempotent: a retry after a lost response registers a second account. */
  async registerIdentity(body: { agent_name?: string; organization_name?: string } = {}): Promise<IdentityRegistration> {
    const endpoint = 'POST /api/agent/identity';
    return this.call({ method: 'POST', route: '/api/agent/identity', schema: identityRegistrationSchema, json: checked(endpoint, registerIdentityBodySchema, body) });
  }

  /** §3.2. Starting again supersedes the previous attempt (new user_code). */
  async startClaim(body: { claim_token: string; email: string }): Promise<ClaimStart> {
    const endpoint = 'POST /api/agent/identity/claim';
    return this.call({ method: 'POST', route: '/api/agent/identity/claim', schema: claimStartSchema, json: checked(endpoint, startClaimBodySchema, body) });
  }

  /** §3.3. Pending / slow_down / expired come back as OAuthError subclasses; see `shouldKeepPolling`. */
  async pollToken(body: { claim_token: string }): Promise<ClaimTokenGrant> {
    const { claim_token } = checked('POST /api/agent/oauth/token', pollTokenBodySchema, body);
    return this.call({
      method: 'POST',
      route: '/api/agent/oauth/token',
      schema: claimTokenGrantSchema,
      form: { grant_type: CLAIM_GRANT_TYPE, claim_token },
    });
  }

  /** §3.4, RFC 7009: succeeds for unknown and already-revoked tokens alike. */
  async revokeToken(token: string): Promise<void> {
    await this.call({ method: 'POST', route: '/api/agent/oauth/revoke', schema: revokeResultSchema, form: { token }, allowEmptyBody: true });
  }

  async getAuthorizationServerMetadata(): Promise<AuthorizationServerMetadata> {
    return this.call({ method: 'GET', route: '/.well-known/oauth-authorization-server', schema: authorizationServerMetadataSchema });
  }

  async getProtectedResourceMetadata(): Promise<ProtectedResourceMetadata> {
    return this.call({ method: 'GET', route: '/.well-known/oauth-protected-resource', schema: protectedResourceMetadataSchema });
  }

  // ------------------------------------------------------------ /api/public/v1 (envelope errors)

  async getMe(): Promise<Me> {
    return this.call({ method: 'GET', route: `${V1}/auth/me`, schema: meSchema, auth: true });
  }

  async getCapabilities(): Promise<Capabilities> {
    return this.call({ method: 'GET', route: `${V1}/job-drafts/capabilities`, schema: capabilitiesSchema, auth: true });
  }

  /** §3.8. Pass an idempotencyKey: with it a retried create returns the first draft instead of a second one. */
  async createJobDraft(body: JobDraftCreateBody): Promise<DraftEnvelope> {
    const json = checked(`POST ${V1}/job-drafts`, jobDraftCreateBodySchema, body);
    return this.call({ method: 'POST', route: `${V1}/job-drafts`, schema: draftEnvelopeSchema, auth: true, json });
  }

  async updateJobDraft(jobId: string, patch: DraftPatch): Promise<DraftEnvelope> {
    const json = checked(`PATCH ${V1}/job-drafts/{jobId}`, draftPatchSchema, patch);
    return this.call({ method: 'PATCH', route: `${V1}/job-drafts/{jobId}`, params: { jobId }, schema: draftEnvelopeSchema, auth: true, json });
  }

  /** Sandbox-only route (§3.10, G22): the real API may answer 404; keep the last create/PATCH response instead. */
  async getJobDraft(jobId: string): Promise<DraftEnvelope> {
    return this.call({ method: 'GET', route: `${V1}/job-drafts/{jobId}`, params: { jobId }, schema: draftEnvelopeSchema, auth: true });
  }

  /** §3.11. `alreadyPublished: true` is success; 400/403/429 carry validation, moderation reasons, resetAt. */
  async publishJob(jobId: string): Promise<PublishResult> {
    return this.call({ method: 'POST', route: `${V1}/jobs/{jobId}/publish`, params: { jobId }, schema: publishResultSchema, auth: true });
  }

  /** §3.14. Tokenless: the bearer is not sent to an edge-cached public route. */
  async getPublicJob(jobId: string): Promise<PublicJob> {
    return this.call({ method: 'GET', route: `${V1}/jobs/{jobId}`, params: { jobId }, schema: publicJobSchema });
  }

  async listMyJobs(params: { status?: JobStatus; limit?: number; cursor?: string } = {}): Promise<MyJobsPage> {
    return this.call({ method: 'GET', route: `${V1}/jobs/mine`, schema: myJobsPageSchema, auth: true, query: { ...params } });
  }

  async listProposals(jobId: string, params: { status?: string; limit?: number; cursor?: string } = {}): Promise<ProposalsPage> {
    return this.call({
      method: 'GET',
      route: `${V1}/jobs/{jobId}/proposals`,
      params: { jobId },
      schema: proposalsPageSchema,
      auth: true,
      query: { ...params },
    });
  }

  /** Every proposal of a job, page after page through `nextCursor`. */
  async *iterateProposals(jobId: string, params: { status?: string; limit?: number } = {}): AsyncIterableIterator<Proposal> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.listProposals(jobId, { ...params, ...(cursor === undefined ? {} : { cursor }) });
      yield* page.proposals;
      cursor = page.nextCursor ?? undefined;
      // a server that hands back a cursor it already gave would loop forever
      if (cursor !== undefined && seen.has(cursor)) {
        throw new ResponseValidationError(`GET ${V1}/jobs/{jobId}/proposals`, 200, [{ path: 'nextCursor', message: `cursor ${cursor} repeated` }]);
      }
      if (cursor !== undefined) seen.add(cursor);
    } while (cursor !== undefined);
  }

  // ------------------------------------------------------------ plumbing

  private call<T>(call: Call<T>): Promise<T> {
    const path = call.route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(call.params?.[name] ?? ''));
    const errorShape: ErrorShape = call.route.startsWith('/api/agent/') ? 'oauth' : 'envelope';
    return send(this.transport, {
      method: call.method,
      path,
      endpoint: `${call.method} ${call.route}`,
      errorShape,
      schema: call.schema,
      ...(call.auth && this.options.token ? { token: this.options.token } : {}),
      ...(call.query ? { query: call.query } : {}),
      ...(call.json === undefined ? {} : { json: call.json }),
      ...(call.form ? { form: call.form } : {}),
      ...(call.allowEmptyBody ? { allowEmptyBody: true } : {}),
    });
  }
}

/** Validate a request body before it is sent; the parsed value is what goes on the wire. */
function checked<S extends z.ZodType>(endpoint: string, schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new RequestValidationError(endpoint, toShapeIssues(parsed.error));
  return parsed.data;
}
