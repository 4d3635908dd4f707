/**
 * Who am I and what may I do: GET /auth/me (§3.6) and GET /job-drafts/capabilities (§3.7).
 */
import type { FastifyInstance } from 'fastify';
import { ENUMS, FEATURE_DISABLED_MODE, FEATURE_FLAGS, IMPORT_FORMATS, UPDATE_KEYS, type FeatureFlag } from '../contract-choices';
import { authenticate } from '../auth';
import type { SandboxContext } from '../context';
import { ApiError } from '../errors';

const API = '/api/public/v1';

export function registerAccountRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get(`${API}/auth/me`, async (request) => {
    const { account, token } = authenticate(ctx, request);
    // §3.6 CHOICE (G13): account.claimed is an extra field; before the claim there is no person,
    // so the actor's email and names are null.
    const localPart = account.email?.split('@')[0] ?? null;
    return {
      actor: {
        userId: account.userId,
        email: account.claimed ? account.email : null,
        firstName: null,
        lastName: null,
        fullName: account.claimed ? localPart : null,
        userType: 'EMPLOYER',
      },
      token: { id: token.id, label: token.label, scopes: [...token.scopes], ownerOrganizationId: account.organizationId },
      account: {
        kind: 'employer_organization',
        organizationId: account.organizationId,
        ownerUserId: account.userId,
        memberRole: 'OWNER',
        claimed: account.claimed,
      },
    };
  });

  app.get(`${API}/job-drafts/capabilities`, async (request) => {
    const { account } = authenticate(ctx, request);
    // The capabilities endpoint itself sits behind the drafting flag (§3.7).
    if (!account.features.public_api_job_drafting) {
      throw new ApiError(403, 'Job drafting is not enabled for this account.', {
        reason: 'feature_disabled', featureKey: 'public_api_job_drafting', mode: FEATURE_DISABLED_MODE,
      });
    }
    const capabilities: Record<string, boolean> = {};
    for (const [flag, names] of Object.entries(FEATURE_FLAGS) as [FeatureFlag, readonly string[]][]) {
      for (const name of names) capabilities[name] = account.features[flag];
    }
    return {
      featureKey: 'public_api_job_drafting',
      namespace: 'job-drafts',
      rolloutMode: 'ALL',
      actorIsAdmin: false,
      capabilities,
      draft: {
        importFormats: [...IMPORT_FORMATS],
        updateKeys: [...UPDATE_KEYS],
        enums: { paymentType: [...ENUMS.paymentType], experienceLevel: [...ENUMS.experienceLevel], dataVolumeUnit: [...ENUMS.dataVolumeUnit] },
      },
      authBootstrap: 'token',
      enabled: true,
    };
  });
}
