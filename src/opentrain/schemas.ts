// zod schemas for every OpenTrain request and response this project uses (/work/shared/opentrain-api.md).
// Responses are loose objects: the real API may add fields at any time, so unknown members pass through.
// The members the product relies on are typed exactly; a mismatch there is a ResponseValidationError.
// Section numbers (§) refer to opentrain-api.md.
import { z } from 'zod';
import { DATA_VOLUME_UNITS, EXPERIENCE_LEVELS, PAYMENT_TYPES } from './draft-fields';

const isoDateTime = z.iso.datetime({ offset: true });
const nonEmpty = z.string().min(1);

// ---------------------------------------------------------------- /api/agent (§3.1–3.5, snake_case)

export const registerIdentityBodySchema = z.strictObject({
  identity_type: z.literal('anonymous').optional(),
  agent_name: nonEmpty.optional(),
  organization_name: nonEmpty.optional(),
});

export const identityRegistrationSchema = z.looseObject({
  identity_type: z.string().optional(),
  registration_id: z.string().optional(),
  access_token: nonEmpty,
  token_type: z.string().optional(),
  scopes: z.array(z.string()),
  claim_token: nonEmpty,
  claim_token_expires_at: isoDateTime,
  claim_endpoint: z.string().optional(),
  token_endpoint: z.string().optional(),
  grant_type: z.string().optional(),
});

export const startClaimBodySchema = z.strictObject({
  claim_token: nonEmpty,
  email: z.email(),
});

export const claimStartSchema = z.looseObject({
  user_code: z.string().regex(/^\d{6}$/, 'a 6-digit code'),
  verification_uri: z.url(),
  expires_in: z.number().positive(),
  interval: z.number().nonnegative(),
  email_sent: z.boolean().optional(),
});

export const CLAIM_GRANT_TYPE = 'urn:opentrain:agent-auth:grant-type:claim';

export const pollTokenBodySchema = z.strictObject({ claim_token: nonEmpty });

export const claimTokenGrantSchema = z.looseObject({
  access_token: nonEmpty,
  token_type: z.string().optional(),
  scopes: z.array(z.string()),
});

/** RFC 7009: the body is `{}` whatever happened; accept any object. */
export const revokeResultSchema = z.looseObject({});

export const authorizationServerMetadataSchema = z.looseObject({
  issuer: z.string(),
  token_endpoint: z.string(),
  revocation_endpoint: z.string().optional(),
  grant_types_supported: z.array(z.string()).optional(),
  scopes_supported: z.array(z.string()).optional(),
  agent_auth: z
    .looseObject({
      identity_endpoint: z.string().optional(),
      claim_endpoint: z.string().optional(),
      grant_type: z.string().optional(),
      interval: z.number().optional(),
    })
    .optional(),
});

export const protectedResourceMetadataSchema = z.looseObject({
  resource: z.string(),
  authorization_servers: z.array(z.string()).optional(),
  scopes_supported: z.array(z.string()).optional(),
  bearer_methods_supported: z.array(z.string()).optional(),
  resource_documentation: z.string().optional(),
});

// ---------------------------------------------------------------- /api/public/v1 (camelCase)

export const JOB_STATUSES = ['DRAFT', 'OPEN', 'ONGOING', 'COMPLETED', 'ARCHIVED', 'PENDING_APPROVAL'] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);

const optionalText = z.string().nullable().optional();

/** §3.6. Pre-claim accounts have null e-mail and names; `account.claimed` is a sandbox extra (§8.2 G13). */
export const meSchema = z.looseObject({
  actor: z.looseObject({
    userId: optionalText,
    email: optionalText,
    firstName: optionalText,
    lastName: optionalText,
    fullName: optionalText,
    userType: optionalText,
  }),
  token: z.looseObject({
    id: optionalText,
    label: optionalText,
    scopes: z.array(z.string()),
    ownerOrganizationId: optionalText,
  }),
  account: z.looseObject({
    kind: optionalText,
    organizationId: optionalText,
    ownerUserId: optionalText,
    memberRole: optionalText,
    claimed: z.boolean().optional(),
  }),
});

/** §3.7 */
export const capabilitiesSchema = z.looseObject({
  featureKey: z.string().optional(),
  namespace: z.string().optional(),
  rolloutMode: z.string().optional(),
  actorIsAdmin: z.boolean().optional(),
  capabilities: z.record(z.string(), z.boolean()),
  draft: z.looseObject({
    importFormats: z.array(z.string()).optional(),
    updateKeys: z.array(z.string()),
    enums: z.record(z.string(), z.array(z.string())),
  }),
  authBootstrap: z.string().optional(),
  enabled: z.boolean().optional(),
});

// ---------------------------------------------------------------- drafts: request bodies (§3.8, §6.2)

export const IMPORT_FORMATS = ['text', 'opentrain_canonical', 'schema_org_job_posting', 'indeed_xml', 'hr_xml'] as const;
export const importFormatSchema = z.enum(IMPORT_FORMATS);

/** `externalId` / `idempotencyKey` may sit at top level or inside `source` (§3.8). */
const draftKeys = {
  externalId: nonEmpty.optional(),
  idempotencyKey: nonEmpty.optional(),
};
const jsonObject = z.record(z.string(), z.unknown());
const rawText = z.string().min(1).max(60_000);

const textSourceSchema = z.looseObject({ type: z.literal('text'), text: rawText, ...draftKeys });
/** Structured payload inside `source`: where it sits is not shown by the docs, so every member is optional. */
const structuredSourceSchema = z.looseObject({
  type: importFormatSchema.exclude(['text']),
  job: jsonObject.optional(),
  jsonLd: jsonObject.optional(),
  xml: z.string().min(1).optional(),
  ...draftKeys,
});

const rawDescriptionBodySchema = z.looseObject({ rawJobDescription: rawText, ...draftKeys });
const sourceBodySchema = z.looseObject({
  source: z.discriminatedUnion('type', [textSourceSchema, structuredSourceSchema]),
  ...draftKeys,
});
const formatBodySchema = z.discriminatedUnion('format', [
  z.looseObject({ format: z.literal('opentrain_canonical'), job: jsonObject, ...draftKeys }),
  z.looseObject({ format: z.literal('schema_org_job_posting'), jsonLd: jsonObject, ...draftKeys }),
  z.looseObject({ format: z.enum(['indeed_xml', 'hr_xml']), xml: z.string().min(1), ...draftKeys }),
]);

/** One of the documented create shapes; the API wants exactly one source, so mixing them is rejected. */
export const jobDraftCreateBodySchema = z
  .union([rawDescriptionBodySchema, sourceBodySchema, formatBodySchema])
  .superRefine((body, ctx) => {
    const present = ['rawJobDescription', 'source', 'format'].filter((key) => key in body);
    if (present.length > 1) {
      ctx.addIssue({ code: 'custom', message: `send one source, not ${present.join(' + ')}`, path: [present[1] ?? ''] });
    }
  });

export { EXPERIENCE_LEVELS, PAYMENT_TYPES, DATA_VOLUME_UNITS } from './draft-fields';

const amount = z.number().finite().nonnegative();
/** A rate of 0 can never make a draft publish-ready, so it is refused like any other wrong value. */
const price = z.number().finite().positive();
const text = z.string();
const strings = z.array(z.string());

/** §6.2: the patchable keys and their types; keys the docs leave untyped are strings (§8.2 G5). */
export const draftPatchShape = {
  jobTitle: text,
  jobDescription: text,
  labelingOverview: text,
  datasetDescription: text,
  dataType: text,
  subjectMatter: text,
  dataVolume: amount,
  dataVolumeUnit: z.enum(DATA_VOLUME_UNITS),
  labelingSoftware: text,
  headcount: z.number().int().min(1),
  experienceLevel: z.enum(EXPERIENCE_LEVELS),
  paymentType: z.enum(PAYMENT_TYPES),
  pricePerHour: price,
  pricePerLabel: price,
  fixedPrice: price,
  countries: strings,
  languages: strings,
  labelTypes: strings,
  aiInterviewRequirements: text,
  budgetRange: text,
  workloadDesc: text,
  timeRequirement: text,
  projectDuration: text,
  freelancerType: text,
  projectScope: text,
  visibility: text,
} as const;

export type DraftPatchKey = keyof typeof draftPatchShape;
export const DRAFT_PATCH_KEYS = Object.keys(draftPatchShape) as DraftPatchKey[];

/** Strict: an unknown key is a 400 at the API (§3.9), so it is rejected before it is sent. */
export const draftPatchSchema = z
  .strictObject(draftPatchShape)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'a PATCH needs at least one key' });

// ---------------------------------------------------------------- drafts: responses (§3.8, §6.3–6.5)

export const missingFieldSchema = z.looseObject({
  field: nonEmpty,
  label: z.string().optional(),
  message: z.string().optional(),
  code: z.string().optional(),
  prompt: z.string().optional(),
  type: z.string().optional(),
  enumValues: z.array(z.string()).nullable().optional(),
  updateKeys: z.array(nonEmpty).min(1),
  // documented as a string ("0.05"); a number is tolerated since it carries the same meaning
  example: z.union([z.string(), z.number()]).nullable().optional(),
  hint: z.string().nullable().optional(),
});

export const validationIssueSchema = z.looseObject({
  code: z.string().optional(),
  field: z.string().optional(),
  message: z.string().optional(),
});

/** §6.4: `missingFields` holds strings, full objects or nothing depending on the source (CONFLICT C1). */
export const validationSchema = z.looseObject({
  publishReady: z.boolean(),
  issueCount: z.number().optional(),
  missingFieldCount: z.number().optional(),
  missingFields: z.array(z.union([z.string(), missingFieldSchema])).optional(),
  issues: z.array(validationIssueSchema).optional(),
});

export const lowConfidenceFieldSchema = z.looseObject({
  field: nonEmpty,
  value: z.unknown().optional(),
  confidence: z.number().optional(),
  reason: z.string().optional(),
});

export const unmappedFieldSchema = z.looseObject({
  path: z.string(),
  reason: z.string().optional(),
  valuePreview: z.string().optional(),
});

export const draftEnvelopeSchema = z.looseObject({
  ok: z.boolean().optional(),
  jobId: nonEmpty,
  status: jobStatusSchema,
  draftUrl: z.string().optional(),
  reviewUrl: z.string().optional(),
  validation: validationSchema,
  missingFields: z.array(missingFieldSchema).optional(),
  normalizedFields: jsonObject.optional(),
  // element shape undocumented for drafts (§6.5); the product only displays them
  warnings: z.array(z.unknown()).optional(),
  unmappedFields: z.array(unmappedFieldSchema).optional(),
  lowConfidenceFields: z.array(lowConfidenceFieldSchema).optional(),
  import: z.looseObject({ rawSourcePreserved: z.boolean().optional(), autoPublished: z.boolean().optional() }).optional(),
  parser: jsonObject.optional(),
});

// ---------------------------------------------------------------- jobs and proposals (§3.11–3.15)

export const publishResultSchema = z.looseObject({
  ok: z.boolean().optional(),
  jobId: nonEmpty,
  status: jobStatusSchema,
  alreadyPublished: z.boolean(),
  jobUrl: z.string().optional(),
  publishAttemptId: z.string().nullable().optional(),
  warnings: z.array(z.unknown()).optional(),
  sideEffects: z.looseObject({ dispatched: z.boolean().optional(), status: z.string().optional() }).optional(),
});

/** Public listing: its own vocabulary (display-case experienceLevel, lower-case "closed"), so status is a string. */
export const publicJobSchema = z.looseObject({
  id: nonEmpty,
  slug: optionalText,
  title: z.string(),
  companyName: optionalText,
  descriptionText: optionalText,
  descriptionHtml: optionalText,
  status: z.string(),
  datePosted: optionalText,
  validThrough: optionalText,
  updatedAt: optionalText,
  languages: z.array(z.string()).optional(),
  countries: z.array(z.string()).optional(),
  experienceLevel: optionalText,
  pay: z
    .looseObject({
      paymentType: optionalText,
      currency: optionalText,
      hourlyRate: z.number().nullable().optional(),
      fixedPrice: z.number().nullable().optional(),
      perLabelRate: z.number().nullable().optional(),
    })
    .optional(),
  url: optionalText,
  applyUrl: optionalText,
});

const cursor = z.string().nullable();

export const myJobSchema = z.looseObject({
  id: nonEmpty,
  title: optionalText,
  status: jobStatusSchema,
  published: z.boolean().optional(),
  acceptingApplicants: z.boolean().optional(),
  createdAt: optionalText,
  updatedAt: optionalText,
  jobUrl: optionalText,
  proposalCounts: z.looseObject({ total: z.number().optional(), unreviewed: z.number().optional() }).optional(),
});

export const myJobsPageSchema = z.looseObject({ jobs: z.array(myJobSchema), nextCursor: cursor });

export const proposalSchema = z.looseObject({
  id: nonEmpty,
  jobId: nonEmpty,
  jobTitle: optionalText,
  createdAt: optionalText,
  updatedAt: optionalText,
  status: z.looseObject({ raw: z.string(), label: z.string().optional() }),
  // scores and units differ between doc pages (CONFLICT C10): opaque numbers, free-form unit
  bid: z
    .looseObject({ amountUsd: z.number().nullable().optional(), unit: optionalText, labelerHourlyRateUsd: z.number().nullable().optional() })
    .optional(),
  candidate: z.looseObject({ id: optionalText, displayName: optionalText }).optional(),
  metrics: z.looseObject({ interviewScore: z.number().nullable().optional(), matchScore: z.number().nullable().optional() }).optional(),
});

export const proposalsPageSchema = z.looseObject({ proposals: z.array(proposalSchema), nextCursor: cursor });

/** §3.16. No client method reads the feed yet; the schema documents the page shape for the fixtures. */
export const updateEventSchema = z.looseObject({
  id: nonEmpty,
  type: z.string(),
  apiVersion: z.string().optional(),
  createdAt: z.string(),
  resourceId: optionalText,
  jobId: optionalText,
  data: jsonObject,
});

export const updatesPageSchema = z.looseObject({
  events: z.array(updateEventSchema),
  nextCursor: cursor,
  hasMore: z.boolean(),
});

// ---------------------------------------------------------------- error bodies (§4)

/** Envelope of /api/public/v1 errors; `details` members the product acts on are checked one by one in errors.ts. */
export const apiErrorBodySchema = z.looseObject({
  error: z.string(),
  code: z.string(),
  requestId: z.string().optional(),
  details: jsonObject.optional(),
});

export const oauthErrorBodySchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
});

export const errorDetailSchemas = {
  reason: z.string(),
  reasons: z.array(z.string()),
  resetAt: isoDateTime,
  validation: validationSchema,
  missingFields: z.array(missingFieldSchema),
  featureKey: z.string(),
  requiredScopes: z.array(z.string()),
} as const;

// ---------------------------------------------------------------- inferred types

export type JobStatus = z.infer<typeof jobStatusSchema>;
export type ImportFormat = z.infer<typeof importFormatSchema>;
export type RegisterIdentityBody = z.input<typeof registerIdentityBodySchema>;
export type IdentityRegistration = z.infer<typeof identityRegistrationSchema>;
export type StartClaimBody = z.infer<typeof startClaimBodySchema>;
export type ClaimStart = z.infer<typeof claimStartSchema>;
export type ClaimTokenGrant = z.infer<typeof claimTokenGrantSchema>;
export type AuthorizationServerMetadata = z.infer<typeof authorizationServerMetadataSchema>;
export type ProtectedResourceMetadata = z.infer<typeof protectedResourceMetadataSchema>;
export type Me = z.infer<typeof meSchema>;
export type Capabilities = z.infer<typeof capabilitiesSchema>;
export type JobDraftCreateBody = z.infer<typeof jobDraftCreateBodySchema>;
export type DraftPatch = z.infer<typeof draftPatchSchema>;
export type MissingField = z.infer<typeof missingFieldSchema>;
export type ValidationIssue = z.infer<typeof validationIssueSchema>;
export type Validation = z.infer<typeof validationSchema>;
export type LowConfidenceField = z.infer<typeof lowConfidenceFieldSchema>;
export type UnmappedField = z.infer<typeof unmappedFieldSchema>;
export type DraftEnvelope = z.infer<typeof draftEnvelopeSchema>;
export type PublishResult = z.infer<typeof publishResultSchema>;
export type PublicJob = z.infer<typeof publicJobSchema>;
export type MyJob = z.infer<typeof myJobSchema>;
export type MyJobsPage = z.infer<typeof myJobsPageSchema>;
export type Proposal = z.infer<typeof proposalSchema>;
export type ProposalsPage = z.infer<typeof proposalsPageSchema>;
export type UpdatesPage = z.infer<typeof updatesPageSchema>;
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;
export type OAuthErrorBody = z.infer<typeof oauthErrorBodySchema>;
