/**
 * The API's request and response shapes, in zod. Fastify validates requests and serializes responses
 * with them, and @fastify/swagger turns them into /openapi.json, so what is documented is what is enforced.
 * Schemas with an `id` in `apiSchemas` become shared components in the OpenAPI document.
 */
import { z } from 'zod';
import { CLAIM_STATES, STAGES, type AnswersResult, type ClaimStarted, type LifecycleStatus, type MissingFieldView } from '../workflows/definitions';
import { lifecycleInputSchema } from '../workflows/input';
import { codecBodySchema } from '../codec';

/** Registry of named schemas: referenced as #/components/schemas/<id> in the OpenAPI document. */
export const apiSchemas = z.registry<{ id: string; description?: string }>();

// ------------------------------------------------------------------ shared pieces

/**
 * Lifecycle (workflow) ids: letters, digits and `._:-`, at most 200 characters. Narrow on purpose: ids go
 * into visibility queries, URLs and logs, so quotes, slashes, spaces and control characters never get in.
 */
export const lifecycleIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must start with a letter or digit and contain only letters, digits and . _ : -');

export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string().describe('Machine-readable reason, e.g. INVALID_REQUEST, UNAUTHORIZED, NOT_FOUND, LIFECYCLE_CLOSED, INVALID_ANSWERS'),
    message: z.string(),
    fields: z.array(fieldErrorSchema).describe('One entry per bad field, naming the rule it broke; empty when no field is to blame'),
  }),
});
apiSchemas.add(errorResponseSchema, { id: 'Error', description: 'Every error answer has this shape' });

export const idParamsSchema = z.object({ id: lifecycleIdSchema });

const stageSchema = z.enum(STAGES);
const claimStateSchema = z.enum(CLAIM_STATES);
/** Draft values: keys are OpenTrain's draft update keys (capabilities `draft.updateKeys`). */
const valuesSchema = z.record(z.string().min(1).max(100), z.unknown());

// ------------------------------------------------------------------ POST /v1/lifecycles

export const startBodySchema = z.strictObject({
  workflowId: lifecycleIdSchema
    .optional()
    .describe('Your id for this lifecycle; starting again with the same id returns the existing one. Generated (lc-<uuid>) when absent.'),
  ...lifecycleInputSchema.shape,
});
apiSchemas.add(startBodySchema, { id: 'StartLifecycle', description: 'The jobLifecycle input (product contract §4) plus an optional workflowId' });

export const startResponseSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  created: z.boolean().describe('false when a lifecycle with this workflowId already existed and was returned'),
});

// ------------------------------------------------------------------ GET /v1/lifecycles/:id (the status query)

const missingFieldSchema = z.object({
  field: z.string(),
  label: z.string().nullable(),
  message: z.string().nullable(),
  code: z.string().nullable(),
  prompt: z.string().nullable(),
  type: z.string().nullable(),
  enumValues: z.array(z.string()).nullable(),
  updateKeys: z.array(z.string()),
  example: z.string().nullable(),
  hint: z.string().nullable(),
});
apiSchemas.add(missingFieldSchema, { id: 'MissingField', description: 'A field the draft still needs, as OpenTrain describes it' });

const lowConfidenceFieldSchema = z.object({
  field: z.string(),
  value: z.unknown(),
  confidence: z.number().nullable(),
  reason: z.string().nullable(),
});

const lastErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  fields: z.array(fieldErrorSchema).optional(),
  reasons: z.array(z.string()).optional(),
});

export const lifecycleStatusSchema = z.object({
  stage: stageSchema,
  jobId: z.string().nullable(),
  jobStatus: z.string().nullable(),
  jobUrl: z.string().nullable(),
  draftUrl: z.string().nullable(),
  reviewUrl: z.string().nullable(),
  publishReady: z.boolean(),
  missingFields: z.array(missingFieldSchema),
  lowConfidenceFields: z.array(lowConfidenceFieldSchema),
  warnings: z.array(z.string()),
  unmappedFields: z.array(z.object({ path: z.string(), reason: z.string().nullable(), valuePreview: z.string().nullable() })),
  lastError: lastErrorSchema.nullable(),
  claim: z.object({
    state: claimStateSchema,
    userCode: z.string().nullable(),
    verificationUri: z.string().nullable(),
    expiresAt: z.string().nullable(),
    attempt: z.number(),
    email: z.string().nullable(),
  }),
  credentialId: z.string().nullable(),
  waitingFor: z.string().nullable(),
});
apiSchemas.add(lifecycleStatusSchema, { id: 'LifecycleStatus', description: 'The jobLifecycle `status` query' });

// ------------------------------------------------------------------ GET /v1/lifecycles (visibility)

export const listQuerySchema = z.strictObject({
  stage: stageSchema.optional().describe('Only lifecycles in this stage (search attribute OpenTrainStage)'),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  nextPageToken: z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be the nextPageToken of a previous page')
    .optional(),
});

const listItemSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  status: z.string().describe('Temporal execution status: RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT, ...'),
  stage: z.string().nullable(),
  jobId: z.string().nullable(),
  claimState: z.string().nullable(),
  externalId: z.string().nullable(),
  startTime: z.string().nullable(),
  closeTime: z.string().nullable(),
});

export const listResponseSchema = z.object({
  lifecycles: z.array(listItemSchema),
  nextPageToken: z.string().nullable().describe('Pass as ?nextPageToken= for the next page; null on the last page'),
});

// ------------------------------------------------------------------ signals and updates

export const modeQuerySchema = z.strictObject({
  mode: z
    .enum(['sync', 'async'])
    .default('sync')
    .describe('sync: an update, answered with its result; async: a signal, answered 202 at once'),
});

export const idempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'must contain only letters, digits and . _ : -')
    .optional()
    .describe('Repeat a request with the same key to get the first result instead of applying it twice (the update id)'),
});

export const answersBodySchema = z.strictObject({ values: valuesSchema.describe('Draft update key -> value, e.g. {"headcount": 3}') });

export const answersResultSchema = z.object({
  publishReady: z.boolean(),
  missingFields: z.array(missingFieldSchema),
  lowConfidenceFields: z.array(lowConfidenceFieldSchema),
  stage: stageSchema,
});

// An absent body means "no corrections": POST /confirm with no body is the common case.
export const confirmBodySchema = z
  .strictObject({ corrections: valuesSchema.optional().describe('Values to change while accepting the low-confidence fields') })
  .default({});
export const emptyBodySchema = z.strictObject({}).default({});

export const claimBodySchema = z.strictObject({ email: z.email().max(320).describe('The owner e-mail the claim is for') });

export const claimStartedSchema = z.object({
  userCode: z.string(),
  verificationUri: z.string(),
  expiresAt: z.string(),
  attempt: z.number(),
});

export const acceptedSchema = z.object({
  workflowId: z.string(),
  accepted: z.literal(true),
  action: z.string().describe('What was sent: the signal name, or "cancel"'),
});

// ------------------------------------------------------------------ codec and health

const jsonPayloadSchema = z.object({
  metadata: z.record(z.string(), z.string()).describe('Metadata values, base64'),
  data: z.string().describe('Payload data, base64'),
});
export const codecRequestSchema = codecBodySchema;
export const codecResponseSchema = z.object({ payloads: z.array(jsonPayloadSchema) });

export const openApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  temporal: z.object({ reachable: z.boolean(), namespace: z.string() }),
});

// ------------------------------------------------------------------ drift guard

/**
 * Response schemas strip keys they do not name, so a field added to the workflow's status would silently
 * not reach API clients. These fail the type-check instead, until the schema names the new field.
 */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const sameKeys = <T extends true>(value: T) => value;
sameKeys<SameKeys<LifecycleStatus, z.output<typeof lifecycleStatusSchema>>>(true);
sameKeys<SameKeys<LifecycleStatus['claim'], z.output<typeof lifecycleStatusSchema>['claim']>>(true);
sameKeys<SameKeys<MissingFieldView, z.output<typeof missingFieldSchema>>>(true);
sameKeys<SameKeys<AnswersResult, z.output<typeof answersResultSchema>>>(true);
sameKeys<SameKeys<ClaimStarted, z.output<typeof claimStartedSchema>>>(true);
