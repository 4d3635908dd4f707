/**
 * The workflow's own check of its input, without zod (every module in the workflow bundle is held once per
 * cached workflow, and zod costs about 1.8 MB each). The API and CLI validate the full shape with the zod
 * schema of ./input before anything starts; this is the defence for starts made straight through Temporal,
 * and it applies the policy defaults.
 */
import type { FieldError } from './definitions';
import type { ParsedLifecycleInput, Policy } from './input';

export const DEFAULT_POLICY: Policy = { review: 'confirm', publish: 'auto', claimAttempts: 3 };

const TOKEN_PATTERN = /ot_(pat|clm|cat)_[A-Za-z0-9]/;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown, max = 200): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

export function checkLifecycleInput(raw: unknown): { ok: true; input: ParsedLifecycleInput } | { ok: false; issues: FieldError[] } {
  const issues: FieldError[] = [];
  const problem = (field: string, message: string) => issues.push({ field, message });
  if (!isObject(raw)) return { ok: false, issues: [{ field: '(input)', message: 'must be an object' }] };
  for (const key of Object.keys(raw)) if (!['draft', 'answers', 'account', 'policy', 'claim'].includes(key)) problem(key, 'is not a lifecycle input field');
  if (TOKEN_PATTERN.test(JSON.stringify(raw))) problem('(input)', 'must not contain an OpenTrain token (ot_pat_/ot_clm_/ot_cat_); use account.credentialId');

  const { draft, answers, account, policy, claim } = raw;
  if (!isObject(draft)) problem('draft', 'must be the body of POST /job-drafts');
  else if (['rawJobDescription', 'source', 'format'].filter((key) => draft[key] !== undefined).length !== 1) {
    problem('draft', 'give exactly one of rawJobDescription, source or format (with job, jsonLd or xml)');
  }
  if (answers !== undefined && !isObject(answers)) problem('answers', 'must be an object of draft keys to values');
  if (account !== undefined) {
    const ok = isObject(account) && (Object.keys(account).length === 1 && isText(account.credentialId)
      || Object.entries(account).every(([key, value]) => ['agentName', 'organizationName'].includes(key) && isText(value)));
    if (!ok) problem('account', 'must be { credentialId } or { agentName?, organizationName? }');
  }
  const chosen = { ...DEFAULT_POLICY, ...(isObject(policy) ? policy : {}) };
  if (policy !== undefined && !isObject(policy)) problem('policy', 'must be an object');
  if (!['confirm', 'accept'].includes(chosen.review)) problem('policy.review', 'must be "confirm" or "accept"');
  if (!['auto', 'manual'].includes(chosen.publish)) problem('policy.publish', 'must be "auto" or "manual"');
  if (!Number.isInteger(chosen.claimAttempts) || chosen.claimAttempts < 1 || chosen.claimAttempts > 20) problem('policy.claimAttempts', 'must be a whole number from 1 to 20');
  if (claim !== undefined) {
    const ok = isObject(claim) && ((Object.keys(claim).length === 1 && typeof claim.email === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(claim.email))
      || (Object.keys(claim).length === 1 && claim.skip === true));
    if (!ok) problem('claim', 'must be { email } with an e-mail address, or { skip: true }');
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, input: { ...(raw as ParsedLifecycleInput), policy: chosen as Policy } };
}
