/**
 * Every fact and every CHOICE the sandbox takes from /work/shared/opentrain-api.md, in one place.
 *
 * Facts carry their section number; choices are marked CHOICE with the §8 gap id they settle, so
 * a reader can check the simulator against the contract without reading route code. Route code
 * imports from here rather than repeating literals.
 */

// ---------------------------------------------------------------------------------------------
// Identity, tokens, scopes (§2, §3.1–3.4)
// ---------------------------------------------------------------------------------------------

export const TOKEN_PREFIX = { personal: 'ot_pat_', claim: 'ot_clm_', claimAttempt: 'ot_cat_' } as const;

/** Matches any OpenTrain token the sandbox can issue; used to prove logs carry none. */
export const TOKEN_PATTERN = /ot_(pat|clm|cat)_[A-Za-z0-9_-]+/g;

export const CLAIM_GRANT_TYPE = 'urn:opentrain:agent-auth:grant-type:claim';

/** §2.2 scope sets by account state. */
export const PRE_CLAIM_SCOPES = ['jobs:read', 'jobs:write', 'proposals:read', 'messages:read', 'payments:read', 'team:read'] as const;
export const POST_CLAIM_SCOPES = [
  'jobs:read', 'jobs:write', 'proposals:read', 'proposals:write', 'messages:read',
  'messages:write', 'payments:read', 'team:read', 'team:write',
] as const;
export const ALL_SCOPES = [
  'jobs:read', 'jobs:write', 'proposals:read', 'proposals:write', 'messages:read', 'messages:write',
  'payments:read', 'payments:write', 'team:read', 'team:write', 'webhooks:manage',
] as const;

/** §2.2: holding `X:write` also grants `X:read`. */
export function scopeGranted(held: readonly string[], required: string): boolean {
  if (held.includes(required)) return true;
  const [resource, action] = required.split(':');
  return action === 'read' && held.includes(`${resource}:write`);
}

/** §3.2 CHOICE (G10): a new claim start supersedes the previous attempt (old code and ot_cat_ die). */
export const CLAIM_RESTART_SUPERSEDES = true;

/** §5.4 / G11 (RFC 8628 §3.5): every slow_down raises the attempt's expected interval by 5 s. */
export const SLOW_DOWN_INCREMENT_SEC = 5;

/**
 * CHOICE: slow_down is only answered while the answer would otherwise be authorization_pending.
 * Once the human has approved, the next poll gets the token at once — the interval exists to
 * spare the server while nothing can change, and a token must never be held back by pacing.
 */
export const SLOW_DOWN_ONLY_WHILE_PENDING = true;

/** CHOICE: wrong codes typed on the verification page before the attempt locks (brute-force guard). */
export const MAX_WRONG_CODES_PER_ATTEMPT = 5;

/** OAuth `error_description` strings the contract names (§3.2, §7.1). */
export const OAUTH_DESCRIPTIONS = {
  claimWindowExpired: 'claim_window_expired',
  claimAttemptExpired: 'claim_attempt_expired',
  noActiveClaimAttempt: 'no_active_claim_attempt',
  alreadyClaimed: 'already_claimed',
  tokenAlreadyDelivered: 'token_already_delivered',
  unknownClaimToken: 'unknown_claim_token',
  /** §3.2 CHOICE (C9): `error` stays invalid_request, the token sits in the description. */
  emailAlreadyRegistered: 'email_already_registered: this email already has an OpenTrain account; ask the owner for another address',
} as const;

// ---------------------------------------------------------------------------------------------
// Feature flags and capabilities (§2.3, §3.7)
// ---------------------------------------------------------------------------------------------

/** Flag key → capability booleans it drives (pairing is [inferred] in §2.3). */
export const FEATURE_FLAGS = {
  public_api_job_drafting: ['draftImport', 'draftCreate', 'draftUpdate', 'draftUrlRead'],
  public_api_job_publishing: ['publish'],
  public_api_hiring: ['hiring'],
  public_api_messaging_writes: ['messagingWrites'],
  public_api_team: ['team'],
  public_api_payments_write: ['paymentsWrite'],
  public_api_credits: ['credits'],
  public_api_webhooks: ['webhooks'],
} as const;
export type FeatureFlag = keyof typeof FEATURE_FLAGS;
export const FEATURE_FLAG_KEYS = Object.keys(FEATURE_FLAGS) as FeatureFlag[];

/** CHOICE (G18): flag refusals say reason feature_disabled; `details.mode` carries this value. */
export const FEATURE_DISABLED_MODE = 'OFF';

// ---------------------------------------------------------------------------------------------
// Drafts (§3.8, §6)
// ---------------------------------------------------------------------------------------------

export const IMPORT_FORMATS = ['text', 'opentrain_canonical', 'schema_org_job_posting', 'indeed_xml', 'hr_xml'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const MAX_RAW_TEXT_CHARS = 60_000;

/** Request bodies above this size get a 400 in the route family's shape (never a 500). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export const ENUMS = {
  paymentType: ['PAY_PER_LABEL', 'PAY_PER_HOUR', 'FIXED_PRICE'],
  experienceLevel: ['EXPERT', 'ENTRY_LEVEL', 'INTERMEDIATE', 'ANY_EXPERIENCE_LEVEL'],
  dataVolumeUnit: ['HOURS_OF_RECORDING_AUDIO_VIDEO', 'NUMBER_OF_FILES', 'NUMBER_OF_WORDS', 'UNKNOWN_NOT_SPECIFIED'],
} as const;
export type PaymentType = (typeof ENUMS.paymentType)[number];
export type ExperienceLevel = (typeof ENUMS.experienceLevel)[number];
export type DataVolumeUnit = (typeof ENUMS.dataVolumeUnit)[number];

/** §6.3 CHOICE on the `type` vocabulary. */
export type FieldType = 'string' | 'number' | 'integer' | 'enum' | 'string[]';

/**
 * §6.2 CHOICE (G5): exactly these keys are patchable; the "unknown"-typed ones are strings.
 * The order is the order capabilities lists them in `draft.updateKeys`.
 */
export const UPDATE_KEY_TYPES = {
  jobTitle: 'string',
  jobDescription: 'string',
  labelingOverview: 'string',
  datasetDescription: 'string',
  dataType: 'string',
  subjectMatter: 'string',
  dataVolume: 'number',
  dataVolumeUnit: 'enum',
  labelingSoftware: 'string',
  headcount: 'integer',
  experienceLevel: 'enum',
  paymentType: 'enum',
  pricePerHour: 'number',
  pricePerLabel: 'number',
  fixedPrice: 'number',
  countries: 'string[]',
  languages: 'string[]',
  labelTypes: 'string[]',
  aiInterviewRequirements: 'string',
  budgetRange: 'string',
  workloadDesc: 'string',
  timeRequirement: 'string',
  projectDuration: 'string',
  freelancerType: 'string',
  projectScope: 'string',
  visibility: 'string',
} as const satisfies Record<string, FieldType>;
export type UpdateKey = keyof typeof UPDATE_KEY_TYPES;
export const UPDATE_KEYS = Object.keys(UPDATE_KEY_TYPES) as UpdateKey[];

export interface DraftFields {
  jobTitle?: string;
  jobDescription?: string;
  labelingOverview?: string;
  datasetDescription?: string;
  dataType?: string;
  subjectMatter?: string;
  dataVolume?: number;
  dataVolumeUnit?: DataVolumeUnit;
  labelingSoftware?: string;
  headcount?: number;
  experienceLevel?: ExperienceLevel;
  paymentType?: PaymentType;
  pricePerHour?: number;
  pricePerLabel?: number;
  fixedPrice?: number;
  countries?: string[];
  languages?: string[];
  labelTypes?: string[];
  aiInterviewRequirements?: string;
  budgetRange?: string;
  workloadDesc?: string;
  timeRequirement?: string;
  projectDuration?: string;
  freelancerType?: string;
  projectScope?: string;
  visibility?: string;
}

/** The rate key that belongs to each pay type (§6.2). */
export const RATE_KEY_FOR: Record<PaymentType, 'pricePerLabel' | 'pricePerHour' | 'fixedPrice'> = {
  PAY_PER_LABEL: 'pricePerLabel',
  PAY_PER_HOUR: 'pricePerHour',
  FIXED_PRICE: 'fixedPrice',
};

/**
 * §6.3 CHOICE (G6): required for publishReady, in this order: jobTitle, jobDescription,
 * paymentType, the rate key matching paymentType (> 0), experienceLevel, dataVolumeUnit,
 * headcount (>= 1). 'rate' stands for the matching rate key.
 */
export const REQUIRED_FOR_PUBLISH = ['jobTitle', 'jobDescription', 'paymentType', 'rate', 'experienceLevel', 'dataVolumeUnit', 'headcount'] as const;

export interface MissingFieldSpec {
  label: string;
  /** A plain question (§6.3 CHOICE C3: no `ask:` prefix). */
  prompt: string;
  example: string;
  hint: string | null;
}

/** Wording of each missingFields entry; `message` is built as "<label> must be set before publishing." */
export const MISSING_FIELD_SPECS: Record<string, MissingFieldSpec> = {
  jobTitle: { label: 'Job title', prompt: 'What should the job be called?', example: 'Image categorisation', hint: 'A short title trainers will see in the marketplace.' },
  jobDescription: { label: 'Job description', prompt: 'What should the trainers do? Describe the task.', example: 'Label 10,000 product photos by category.', hint: null },
  paymentType: { label: 'Payment type', prompt: 'How do you want to pay: per label, per hour, or a fixed price?', example: 'PAY_PER_LABEL', hint: 'Set the matching rate too: pricePerLabel, pricePerHour or fixedPrice.' },
  pricePerLabel: { label: 'Price per label', prompt: 'How much will you pay per label, in USD?', example: '0.05', hint: 'USD per completed label.' },
  pricePerHour: { label: 'Hourly rate', prompt: 'What hourly rate will you pay, in USD?', example: '20', hint: 'USD per hour worked.' },
  fixedPrice: { label: 'Fixed price', prompt: 'What is the total fixed price for the job, in USD?', example: '500', hint: 'Total USD for the whole job.' },
  experienceLevel: { label: 'Experience level', prompt: 'Which experience level do you need?', example: 'INTERMEDIATE', hint: null },
  dataVolumeUnit: { label: 'Data volume unit', prompt: 'How is the amount of data measured: number of files, number of words, or hours of audio/video?', example: 'NUMBER_OF_FILES', hint: 'Set dataVolume as well if you know the amount.' },
  headcount: { label: 'Headcount', prompt: 'How many trainers do you want to hire?', example: '3', hint: 'A whole number, at least 1.' },
};

/** §6.3 CHOICE (C2): the only `code` the sandbox emits on missingFields entries. */
export const MISSING_FIELD_CODE = 'missing_required_field';

/** G8: metadata objects on every draft envelope. */
export const IMPORT_META = { rawSourcePreserved: true, autoPublished: false } as const;
export const PARSER_NAME = 'sandbox';
export const PARSER_VERSION = '1';

/** G3: 201 for a new draft, 200 when an idempotencyKey replay returns the existing one. */
export const STATUS_DRAFT_CREATED = 201;
export const STATUS_DRAFT_REPLAYED = 200;

/**
 * §5.3 CHOICES (G9): idempotencyKey is scoped per account, never expires, and a replay with a
 * different payload returns the original draft (current state) with 200, no error. externalId is
 * stored and not used for dedupe.
 */
export const IDEMPOTENCY_SCOPE = 'account' as const;

/**
 * CHOICE: a PATCH value of null clears that key (the docs are silent on clearing). Create bodies
 * are parsed like zod's default object: unknown top-level members are dropped, not rejected;
 * PATCH bodies are strict (§3.9: unknown key → 400).
 */
export const PATCH_NULL_CLEARS = true;

// ---------------------------------------------------------------------------------------------
// Jobs, publish, moderation (§3.11–3.14, §7.2)
// ---------------------------------------------------------------------------------------------

export const JOB_STATUSES = ['DRAFT', 'OPEN', 'ONGOING', 'COMPLETED', 'ARCHIVED', 'PENDING_APPROVAL'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** §3.11 daily publish limit, per account per UTC day. */
export const DEFAULT_PUBLISH_QUOTA = { unclaimed: 3, claimed: 20 };

/** G15: deterministic, case-insensitive whole-word blocklist over jobTitle + jobDescription. */
export const DEFAULT_MODERATION_BLOCKLIST = ['scam', 'counterfeit'];

/** §7.2 CHOICE on sideEffects. */
export const SIDE_EFFECTS_FRESH = { dispatched: true, status: 'queued' } as const;
export const SIDE_EFFECTS_ALREADY = { dispatched: false, status: 'skipped' } as const;

/** §3.14: public reads. */
export const PUBLIC_CACHE_CONTROL = 'public, s-maxage=300, stale-while-revalidate=3600';
export const PUBLIC_JOB_ID_MAX = 64;
export const EXPERIENCE_DISPLAY: Record<ExperienceLevel, string> = {
  EXPERT: 'Expert', ENTRY_LEVEL: 'Entry level', INTERMEDIATE: 'Intermediate', ANY_EXPERIENCE_LEVEL: 'Any experience level',
};

// ---------------------------------------------------------------------------------------------
// Proposals and pagination (§3.13, §3.15, §5.2)
// ---------------------------------------------------------------------------------------------

export const PROPOSAL_STATUSES = ['UNREVIEWED', 'SHORTLISTED', 'MAYBE', 'HIRED', 'DECLINED', 'NOT_A_FIT', 'RESUME_SENT'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** G19: default page sizes where unstated (25), max 100, over-max clamped, limit < 1 → 400. */
export const PAGE = { defaultLimit: 25, maxLimit: 100 } as const;

// ---------------------------------------------------------------------------------------------
// Rate limits and errors (§4, §5.1, G1, G20, G24)
// ---------------------------------------------------------------------------------------------

/** §3.14: tokenless marketplace reads, per IP. Enforced only when rate limiting is switched on. */
export const PUBLIC_READ_LIMIT_PER_MINUTE = 120;

/** G20: code for 5xx in the public envelope. */
export const INTERNAL_ERROR_CODE = 'INTERNAL_ERROR';

/** Public-envelope code for each HTTP status the sandbox emits (§4.1). */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'BAD_REQUEST';
    case 401: return 'UNAUTHORIZED';
    case 403: return 'FORBIDDEN';
    case 404: return 'NOT_FOUND';
    case 409: return 'CONFLICT';
    case 429: return 'RATE_LIMITED';
    default: return status >= 500 ? INTERNAL_ERROR_CODE : 'BAD_REQUEST';
  }
}

/** OAuth `error` for a status when the sandbox must invent one (faults, framework errors). */
export function oauthErrorForStatus(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

/**
 * CHOICE: malformed JSON, a wrong Content-Type and an oversized body are client errors of the
 * documented kind: 400 BAD_REQUEST (public API) or 400 invalid_request (/api/agent), never 413/415.
 */
export const CLIENT_BODY_ERROR_STATUS = 400;

// ---------------------------------------------------------------------------------------------
// Defaults of the sandbox options (§3.1–3.2 values)
// ---------------------------------------------------------------------------------------------

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 4010,
  claimAttemptTtlSec: 1800,
  claimWindowSec: 86_400,
  pollIntervalSec: 5,
  /** Calls kept in GET /__sandbox/calls (oldest dropped first). */
  callLogSize: 2000,
} as const;
