/**
 * Activities: one per OpenTrain call, thin I/O around the typed client and the credential store.
 * They hold no business decisions: they call, classify errors (./failures) and return plain views.
 * Tokens stay here; workflows see only the opaque credential id.
 */
import { activityInfo, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CredentialStore, StoredCredential } from '../credentials/types';
import { newCredentialId } from '../credentials/ids';
import {
  AuthenticationError,
  AuthorizationPendingError,
  BadRequestError,
  InvalidGrantError,
  InvalidRequestError,
  PermissionDeniedError,
  RateLimitError,
  OpenTrainClient,
  SlowDownError,
  isClaimed,
  readMissingFields,
  type Capabilities,
  type DraftEnvelope,
  type DraftPatch,
  type JobDraftCreateBody,
} from '../opentrain';
import { ActivityFailureTypes, pollAgainLater, toApplicationFailure } from './failures';
import {
  toDraftView,
  toMissingFieldView,
  withoutSecretQuery,
  type AccountView,
  type CapabilitiesView,
  type ClaimGrantView,
  type ClaimStartOutcome,
  type DraftView,
  type PublishOutcome,
} from './views';

export * from './views';
export { ActivityFailureTypes } from './failures';

export interface ActivityDeps {
  store: CredentialStore;
  /** OpenTrain origin for new registrations (existing credentials carry their own). */
  baseUrl: string;
  /** An existing token from the worker's environment (OT_API_TOKEN), used when a lifecycle names no account. */
  configuredToken?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Test seam for crash tests: runs right after the one-time post-claim token is stored. */
  afterClaimTokenStored?: () => void | Promise<void>;
}

/** How long a call that met a revoked pre-claim token watches the store for the post-claim one. */
const SWAP_WAIT_MS = 10_000;
const SWAP_CHECK_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Features the lifecycle needs (capabilities booleans, opentrain-api.md §2.3). */
const REQUIRED_FEATURES = ['draftCreate', 'draftUpdate', 'publish'] as const;

export function createActivities(deps: ActivityDeps) {
  const clientFor = (credential: StoredCredential) =>
    new OpenTrainClient({ baseUrl: credential.baseUrl, token: credential.accessToken, fetch: deps.fetch, timeoutMs: deps.timeoutMs });
  const agentClient = new OpenTrainClient({ baseUrl: deps.baseUrl, fetch: deps.fetch, timeoutMs: deps.timeoutMs });

  async function requireCredential(credentialId: string): Promise<StoredCredential> {
    const credential = await deps.store.get(credentialId);
    if (!credential) {
      throw ApplicationFailure.create({
        type: ActivityFailureTypes.credentialNotFound,
        message: `Credential ${credentialId} is not in the credential store`,
        nonRetryable: true,
      });
    }
    return credential;
  }

  /**
   * Runs a public-API call with the credential's current token. A 401 may mean the claim just revoked the
   * pre-claim token: if the store already holds the new one, retry at once with it; if the claim is still
   * open, let Temporal retry shortly, by which time the claim branch will have stored it.
   * Other client errors are thrown as they are, for the caller to classify.
   */
  async function callWithCredential<T>(credentialId: string, call: (client: OpenTrainClient) => Promise<T>): Promise<T> {
    const credential = await requireCredential(credentialId);
    try {
      return await call(clientFor(credential));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      let fresh = await requireCredential(credentialId);
      const claimOpen = () => !fresh.claimed && fresh.claimToken !== undefined && Date.parse(fresh.claimTokenExpiresAt ?? '') > Date.now();
      // The claim branch's next poll (at most one interval away) stores the new token: watch the store for it.
      for (let waited = 0; fresh.accessToken === credential.accessToken && claimOpen() && waited < SWAP_WAIT_MS; waited += SWAP_CHECK_MS) {
        await sleep(SWAP_CHECK_MS);
        fresh = await requireCredential(credentialId);
      }
      if (fresh.accessToken !== credential.accessToken) return call(clientFor(fresh));
      if (claimOpen()) {
        throw ApplicationFailure.create({
          type: ActivityFailureTypes.tokenRevokedPendingClaim,
          message: 'The pre-claim token was revoked by a completed claim; waiting for the post-claim token',
          nextRetryDelay: '1 second',
        });
      }
      throw error;
    }
  }

  const withCredential = <T>(credentialId: string, call: (client: OpenTrainClient) => Promise<T>): Promise<T> =>
    callWithCredential(credentialId, call).catch((error) => Promise.reject(toApplicationFailure(error)));

  return {
    /** POST /api/agent/identity, then the credential is stored under an id derived from the workflow id. */
    async registerAccount(input: { agentName?: string; organizationName?: string }): Promise<AccountView> {
      const workflowId = activityInfo().workflowExecution?.workflowId;
      const credentialId = newCredentialId(workflowId ? `${workflowId}:registration` : undefined);
      // A retry after the credential was stored must not register a second account.
      const existing = await deps.store.get(credentialId);
      if (existing) return accountView(existing);
      const registration = await agentClient
        .registerIdentity({ agent_name: input.agentName, organization_name: input.organizationName })
        .catch((error) => Promise.reject(toApplicationFailure(error)));
      const stored = await deps.store.put({
        id: credentialId,
        baseUrl: deps.baseUrl,
        accessToken: registration.access_token,
        claimToken: registration.claim_token,
        claimTokenExpiresAt: registration.claim_token_expires_at,
        registrationId: registration.registration_id,
        scopes: registration.scopes,
        claimed: false,
      });
      return accountView(stored);
    },

    /** Stores the worker's configured token (OT_API_TOKEN) under a stable id; null when there is none. */
    async adoptConfiguredToken(): Promise<AccountView | null> {
      if (!deps.configuredToken) return null;
      const credentialId = newCredentialId(`configured-token:${deps.baseUrl}:${deps.configuredToken}`);
      const existing = await deps.store.get(credentialId);
      if (existing) return accountView(existing);
      const stored = await deps.store.put({ id: credentialId, baseUrl: deps.baseUrl, accessToken: deps.configuredToken, scopes: [], claimed: true });
      return accountView(stored);
    },

    /** GET /auth/me: the token works, and whether a human already owns the account. */
    async verifyAccount(credentialId: string): Promise<AccountView> {
      const me = await withCredential(credentialId, (client) => client.getMe());
      const credential = await requireCredential(credentialId);
      return { ...accountView(credential), claimed: credential.claimed || isClaimed(me), scopes: me.token.scopes };
    },

    /** GET /job-drafts/capabilities: the features this account has, and the draft keys and enums. */
    async probeCapabilities(credentialId: string): Promise<CapabilitiesView> {
      const capabilities: Capabilities = await withCredential(credentialId, (client) => client.getCapabilities());
      return {
        disabledFeatures: REQUIRED_FEATURES.filter((feature) => capabilities.capabilities[feature] === false),
        updateKeys: capabilities.draft.updateKeys.filter((key) => key !== '...'),
        enums: capabilities.draft.enums,
      };
    },

    /** POST /job-drafts with the lifecycle's idempotency key: a retried create returns the same draft. */
    async createDraft(input: { credentialId: string; body: JobDraftCreateBody }): Promise<DraftView> {
      const envelope: DraftEnvelope = await withCredential(input.credentialId, (client) => client.createJobDraft(input.body));
      return toDraftView(envelope, readMissingFields(envelope));
    },

    /** PATCH /job-drafts/{jobId}. */
    async patchDraft(input: { credentialId: string; jobId: string; values: Record<string, unknown> }): Promise<DraftView> {
      const envelope = await withCredential(input.credentialId, (client) => client.updateJobDraft(input.jobId, input.values as DraftPatch));
      return toDraftView(envelope, readMissingFields(envelope));
    },

    /** POST /jobs/{id}/publish; the refusals the lifecycle handles come back as outcomes. */
    async publishJob(input: { credentialId: string; jobId: string }): Promise<PublishOutcome> {
      try {
        const result = await callWithCredential(input.credentialId, (client) => client.publishJob(input.jobId));
        return { outcome: 'published', jobId: result.jobId, status: result.status, alreadyPublished: result.alreadyPublished, jobUrl: result.jobUrl ?? null };
      } catch (error) {
        if (error instanceof BadRequestError && error.validation) {
          const missing = readMissingFields({ jobId: input.jobId, status: 'DRAFT', validation: error.validation });
          return { outcome: 'notReady', message: error.message, missingFields: missing.map(toMissingFieldView) };
        }
        if (error instanceof PermissionDeniedError && error.isModerationBlocked) {
          return { outcome: 'moderationBlocked', message: error.message, reasons: error.moderationReasons ?? [] };
        }
        if (error instanceof RateLimitError && error.isDailyPublishLimit) {
          return { outcome: 'dailyLimit', message: error.message, resetAt: error.resetAt ?? null, retryAfterMs: error.retryAfterMs ?? null };
        }
        throw toApplicationFailure(error);
      }
    },

    /** POST /api/agent/identity/claim: a new attempt (new code, new e-mail to the human). */
    async startClaim(input: { credentialId: string; email: string }): Promise<ClaimStartOutcome> {
      const credential = await requireCredential(input.credentialId);
      if (!credential.claimToken) {
        throw ApplicationFailure.create({ type: 'NoClaimToken', message: 'This credential has no claim token (already claimed or not self-registered)', nonRetryable: true });
      }
      let attempt;
      try {
        attempt = await clientFor(credential).startClaim({ claim_token: credential.claimToken, email: input.email });
      } catch (error) {
        if (error instanceof InvalidRequestError) {
          if (error.isEmailAlreadyRegistered) return { outcome: 'emailAlreadyRegistered', message: error.message };
          if (error.isAlreadyClaimed) return { outcome: 'alreadyClaimed', message: error.message };
          if ((error.errorDescription ?? '').includes('claim_window_expired')) return { outcome: 'windowClosed', message: error.message };
        }
        throw toApplicationFailure(error);
      }
      return {
        outcome: 'started',
        userCode: attempt.user_code,
        // The full URI carries the one-time ot_cat_ attempt token: it goes to the human by e-mail only.
        verificationUri: withoutSecretQuery(attempt.verification_uri),
        expiresInSec: attempt.expires_in,
        intervalSec: attempt.interval,
        emailSent: attempt.email_sent ?? false,
      };
    },

    /**
     * POST /api/agent/oauth/token, once per activity attempt; Temporal's retry policy does the polling, so
     * history does not grow with the number of polls. `slow_down` raises the interval by 5 s for every later
     * poll (RFC 8628 §3.5), carried to the next attempt in heartbeat details. The one-time post-claim token is
     * in the credential store before this returns.
     */
    async pollClaimToken(input: { credentialId: string; intervalSec: number }): Promise<ClaimGrantView> {
      const carried = activityInfo().heartbeatDetails as { intervalSec?: number } | undefined;
      let intervalSec = Math.max(carried?.intervalSec ?? 0, input.intervalSec);
      const credential = await requireCredential(input.credentialId);
      if (!credential.claimToken) {
        if (credential.claimed) return { outcome: 'already-stored', scopes: credential.scopes };
        throw ApplicationFailure.create({ type: 'NoClaimToken', message: 'This credential has no claim token', nonRetryable: true });
      }
      try {
        const grant = await clientFor(credential).pollToken({ claim_token: credential.claimToken });
        const { outcome, credential: swapped } = await deps.store.recordClaimedToken(input.credentialId, {
          accessToken: grant.access_token,
          scopes: grant.scopes,
        });
        await deps.afterClaimTokenStored?.();
        return { outcome, scopes: swapped.scopes };
      } catch (error) {
        if (error instanceof AuthorizationPendingError) {
          throw pollAgainLater('Waiting for the human to enter the code', intervalSec * 1000);
        }
        if (error instanceof SlowDownError) {
          intervalSec = SlowDownError.nextIntervalSec(intervalSec);
          heartbeat({ intervalSec });
          throw pollAgainLater(`Polled too fast; interval is now ${intervalSec} s`, intervalSec * 1000);
        }
        if (error instanceof InvalidGrantError) {
          // A retry after a crash between storing the token and completing: the token was delivered to us.
          const after = await requireCredential(input.credentialId);
          if (after.claimed) return { outcome: 'already-stored', scopes: after.scopes };
        }
        throw toApplicationFailure(error);
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

function accountView(credential: StoredCredential): AccountView {
  return {
    credentialId: credential.id,
    scopes: credential.scopes,
    claimed: credential.claimed,
    claimWindowEndsAt: credential.claimed ? null : (credential.claimTokenExpiresAt ?? null),
    canClaim: !credential.claimed && credential.claimToken !== undefined,
  };
}
