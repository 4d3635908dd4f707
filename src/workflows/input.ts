/**
 * The jobLifecycle input (product contract §4), validated with zod. Pure: the API and CLI validate with the
 * same schema before anything is started, and the workflow validates again on entry.
 */
import { z } from 'zod';
import { jobDraftCreateBodySchema } from '../opentrain/schemas';

const TOKEN_PATTERN = /ot_(pat|clm|cat)_[A-Za-z0-9]/;
/** OpenTrain tokens never travel in workflow payloads (§5): refuse input that carries one. */
const noSecrets = (value: unknown) => !TOKEN_PATTERN.test(JSON.stringify(value) ?? '');
const NO_SECRETS = { message: 'must not contain an OpenTrain token (ot_pat_/ot_clm_/ot_cat_); use account.credentialId' };

/** The body of POST /api/public/v1/job-drafts, in any shape OpenTrain accepts (the client's own schema). */
export const draftSourceSchema = jobDraftCreateBodySchema;

export const accountSchema = z.union([
  z.strictObject({ credentialId: z.string().min(1).max(200) }),
  z.strictObject({ agentName: z.string().min(1).max(200).optional(), organizationName: z.string().min(1).max(200).optional() }),
]);

export const policySchema = z.strictObject({
  review: z.enum(['confirm', 'accept']).default('confirm'),
  publish: z.enum(['auto', 'manual']).default('auto'),
  /** Claim attempts started automatically when one lapses; later ones wait for a `claim` signal or `startClaim`. */
  claimAttempts: z.number().int().min(1).max(20).default(3),
});

export const claimRequestSchema = z.union([
  z.strictObject({ email: z.email() }),
  z.strictObject({ skip: z.literal(true) }),
]);

export const lifecycleInputSchema = z
  .strictObject({
    draft: draftSourceSchema,
    answers: z.record(z.string(), z.unknown()).optional(),
    account: accountSchema.optional(),
    policy: policySchema.optional(),
    claim: claimRequestSchema.optional(),
  })
  .refine(noSecrets, NO_SECRETS);

export type LifecycleInput = z.input<typeof lifecycleInputSchema>;
export type ParsedLifecycleInput = z.output<typeof lifecycleInputSchema>;
export type DraftSource = z.output<typeof draftSourceSchema>;
export type Policy = z.output<typeof policySchema>;


/** Field-by-field problems in a form the API returns and the workflow puts in failures. */
export function describeIssues(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || '(input)', message: issue.message }));
}
