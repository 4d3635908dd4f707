/**
 * What activities return to the workflow: the parts of OpenTrain's answers the lifecycle uses, in the
 * shapes its status shows, with nothing secret in them.
 */
import type { DraftEnvelope, MissingField } from '../opentrain';
import type { LowConfidenceFieldView, MissingFieldView, UnmappedFieldView } from '../workflows/definitions';

export interface AccountView {
  credentialId: string;
  scopes: string[];
  claimed: boolean;
  /** End of the claim window (about 24 h after registration); null once claimed. */
  claimWindowEndsAt: string | null;
  /** Whether a claim ceremony can be run for this account (self-registered and not yet claimed). */
  canClaim: boolean;
}

export interface CapabilitiesView {
  /** Required features that are switched off for this account. */
  disabledFeatures: string[];
  updateKeys: string[];
  enums: Record<string, string[]>;
}

export interface DraftView {
  jobId: string;
  status: string;
  draftUrl: string | null;
  reviewUrl: string | null;
  publishReady: boolean;
  missingFields: MissingFieldView[];
  lowConfidenceFields: LowConfidenceFieldView[];
  warnings: string[];
  unmappedFields: UnmappedFieldView[];
}

/** What a publish came to. Refusals the lifecycle expects are outcomes, not failures. */
export type PublishOutcome =
  | { outcome: 'published'; jobId: string; status: string; alreadyPublished: boolean; jobUrl: string | null }
  /** 400: not publish-ready after all; back to the patch loop. */
  | { outcome: 'notReady'; message: string; missingFields: MissingFieldView[] }
  /** 403 moderation_blocked: edits are needed. */
  | { outcome: 'moderationBlocked'; message: string; reasons: string[] }
  /** 429 daily_publish_limit: wait until the quota resets. */
  | { outcome: 'dailyLimit'; message: string; resetAt: string | null; retryAfterMs: number | null };

export interface ClaimAttemptView {
  userCode: string;
  verificationUri: string;
  expiresInSec: number;
  intervalSec: number;
  emailSent: boolean;
}

/** What a claim start came to; expected refusals are outcomes the workflow acts on. */
export type ClaimStartOutcome =
  | ({ outcome: 'started' } & ClaimAttemptView)
  | { outcome: 'emailAlreadyRegistered'; message: string }
  | { outcome: 'windowClosed'; message: string }
  | { outcome: 'alreadyClaimed'; message: string };

export interface ClaimGrantView {
  outcome: 'stored' | 'already-stored';
  scopes: string[];
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : value === undefined || value === null ? null : String(value));

export function toMissingFieldView(field: MissingField): MissingFieldView {
  return {
    field: field.field,
    label: field.label ?? null,
    message: field.message ?? null,
    code: field.code ?? null,
    prompt: field.prompt ?? null,
    type: field.type ?? null,
    enumValues: field.enumValues ?? null,
    updateKeys: field.updateKeys,
    example: text(field.example),
    hint: field.hint ?? null,
  };
}

export function toDraftView(envelope: DraftEnvelope, missingFields: MissingField[]): DraftView {
  return {
    jobId: envelope.jobId,
    status: envelope.status,
    draftUrl: envelope.draftUrl ?? null,
    reviewUrl: envelope.reviewUrl ?? null,
    publishReady: envelope.validation.publishReady,
    missingFields: missingFields.map(toMissingFieldView),
    lowConfidenceFields: (envelope.lowConfidenceFields ?? []).map((f) => ({
      field: f.field,
      value: f.value ?? null,
      confidence: f.confidence ?? null,
      reason: f.reason ?? null,
    })),
    warnings: (envelope.warnings ?? []).map((w) => (typeof w === 'string' ? w : JSON.stringify(w))),
    unmappedFields: (envelope.unmappedFields ?? []).map((f) => ({
      path: f.path,
      reason: f.reason ?? null,
      valuePreview: f.valuePreview ?? null,
    })),
  };
}

/** Drops query parameters that carry one-time tokens (the claim page's `token=ot_cat_...`). */
export function withoutSecretQuery(uri: string): string {
  try {
    const url = new URL(uri);
    for (const [name, value] of [...url.searchParams]) {
      if (/^ot_[a-z]{3}_/.test(value) || name === 'token') url.searchParams.delete(name);
    }
    return url.toString();
  } catch {
    return uri.replace(/ot_(pat|clm|cat)_[A-Za-z0-9_-]+/g, '[redacted]');
  }
}
