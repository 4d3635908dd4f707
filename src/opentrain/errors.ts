// One error hierarchy for every OpenTrain call. The client never retries: it classifies, and the
// activity turns `type` / `retryable` / `retryAfterMs` into an ApplicationFailure for Temporal's
// retry policy. Every message, detail and body excerpt goes through redactSecrets on construction,
// so message, stack, String(err) and JSON.stringify(err) are clean by construction.
import { redactSecrets, redactValue } from './redact';
import { errorDetailSchemas, type MissingField, type Validation } from './schemas';

/** The one place that decides retryability (§4.1, §5.1): rate limits and server faults are transient. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface OpenTrainErrorInit {
  endpoint: string;
  retryable: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

export class OpenTrainError extends Error {
  /** Stable name, usable as a Temporal ApplicationFailure type. */
  readonly type: string;
  readonly endpoint: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, init: OpenTrainErrorInit) {
    super(redactSecrets(message), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.type = new.target.name;
    this.endpoint = init.endpoint;
    this.retryable = init.retryable;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  toJSON(): Record<string, unknown> {
    const own = Object.fromEntries(Object.entries(this).filter(([key]) => key !== 'cause'));
    return redactValue({ name: this.name, message: this.message, ...own }) as Record<string, unknown>;
  }
}

// ---------------------------------------------------------------- transport and shape failures

/** Network failure or a connection dropped before the whole response arrived. */
export class ConnectionError extends OpenTrainError {
  /** System error code from the cause chain when there is one (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET...). */
  readonly code?: string;
  constructor(endpoint: string, cause: unknown) {
    const code = systemCode(cause);
    super(`Connection error on ${endpoint}${code ? ` (${code})` : ''}`, { endpoint, retryable: true, cause: redactCause(cause) });
    if (code !== undefined) this.code = code;
  }
}

export class TimeoutError extends OpenTrainError {
  readonly timeoutMs: number;
  constructor(endpoint: string, timeoutMs: number) {
    super(`${endpoint} timed out after ${timeoutMs} ms`, { endpoint, retryable: true });
    this.timeoutMs = timeoutMs;
  }
}

/** A success status whose body is not the JSON it should be: typically a proxy page or a truncated body. */
export class MalformedResponseError extends OpenTrainError {
  readonly status: number;
  readonly bodyExcerpt: string;
  constructor(endpoint: string, status: number, body: string) {
    const bodyExcerpt = excerpt(body);
    super(`${endpoint} answered ${status} with a body that is not JSON: ${JSON.stringify(bodyExcerpt)}`, {
      endpoint,
      retryable: true,
    });
    this.status = status;
    this.bodyExcerpt = redactSecrets(bodyExcerpt);
  }
}

export interface ShapeIssue {
  path: string;
  message: string;
}

/** JSON of the wrong shape: retrying gets the same answer, so not retryable. */
export class ResponseValidationError extends OpenTrainError {
  readonly status: number;
  /** Dotted path into the body of the first failing member, e.g. `validation.publishReady`. */
  readonly path: string;
  readonly issues: ShapeIssue[];
  constructor(endpoint: string, status: number, issues: ShapeIssue[]) {
    const first = issues[0] ?? { path: '', message: 'invalid' };
    super(`Unexpected response from ${endpoint} (${status}): ${first.path || '(body)'}: ${first.message}`, {
      endpoint,
      retryable: false,
    });
    this.status = status;
    this.path = first.path;
    this.issues = redactValue(issues) as ShapeIssue[];
  }
}

/** A request the client refuses to send because the API would reject it (unknown PATCH key, wrong type...). */
export class RequestValidationError extends OpenTrainError {
  readonly issues: ShapeIssue[];
  constructor(endpoint: string, issues: ShapeIssue[]) {
    const summary = issues.map((issue) => `${issue.path || '(body)'}: ${issue.message}`).join('; ');
    super(`Invalid request for ${endpoint}: ${summary}`, { endpoint, retryable: false });
    this.issues = redactValue(issues) as ShapeIssue[];
  }
}

// ---------------------------------------------------------------- /api/public/v1 envelope errors

export interface APIErrorInit {
  endpoint: string;
  status: number;
  code: string;
  message: string;
  requestId?: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
}

export class APIError extends OpenTrainError {
  readonly status: number;
  readonly code: string;
  readonly requestId?: string;
  readonly details: Record<string, unknown>;

  constructor(init: APIErrorInit) {
    const request = init.requestId ? ` [requestId ${init.requestId}]` : '';
    super(`${init.endpoint} failed: ${init.status} ${init.code}: ${init.message}${request}`, {
      endpoint: init.endpoint,
      retryable: isRetryableStatus(init.status),
      ...(init.retryAfterMs === undefined ? {} : { retryAfterMs: init.retryAfterMs }),
    });
    this.status = init.status;
    this.code = redactSecrets(init.code);
    if (init.requestId !== undefined) this.requestId = redactSecrets(init.requestId);
    this.details = redactValue(init.details ?? {}) as Record<string, unknown>;
  }

  /** `details.reason` when it is a string (account_claim_required, moderation_blocked, daily_publish_limit...). */
  get reason(): string | undefined {
    return this.detail('reason');
  }

  /** `details.featureKey`: set when a feature flag is off (§4.1, G18). */
  get featureKey(): string | undefined {
    return this.detail('featureKey');
  }

  /** `details.requiredScopes`: set when the token lacks a scope (§4.1, G18). */
  get requiredScopes(): string[] | undefined {
    return this.detail('requiredScopes');
  }

  protected detail<K extends keyof typeof errorDetailSchemas>(key: K): DetailType<K> | undefined {
    const parsed = errorDetailSchemas[key].safeParse(this.details[key]);
    return parsed.success ? (parsed.data as DetailType<K>) : undefined;
  }
}

type DetailType<K extends keyof typeof errorDetailSchemas> = ReturnType<(typeof errorDetailSchemas)[K]['parse']>;

export class BadRequestError extends APIError {
  /** `details.validation` when a publish was refused because the draft is not ready (§3.11). */
  get validation(): Validation | undefined {
    return this.detail('validation');
  }
  /** `details.missingFields` objects, when the server sends them next to the validation (the sandbox does). */
  get missingFields(): MissingField[] | undefined {
    return this.detail('missingFields');
  }
}

export class AuthenticationError extends APIError {}

export class PermissionDeniedError extends APIError {
  get isModerationBlocked(): boolean {
    return this.reason === 'moderation_blocked';
  }
  /** Moderation reasons of a blocked publish (§3.11, G15); undefined for other 403s. */
  get moderationReasons(): string[] | undefined {
    return this.isModerationBlocked ? (this.detail('reasons') ?? []) : undefined;
  }
  get isClaimRequired(): boolean {
    return this.reason === 'account_claim_required';
  }
}

export class NotFoundError extends APIError {
  /** `GET /jobs/{id}` of an unlisted job answers 404 `{id, status: "closed"}` instead of the envelope (§3.14). */
  get unlistedStatus(): string | undefined {
    return this.code === 'NOT_FOUND' && typeof this.details.id === 'string' ? (this.details.status as string) : undefined;
  }
}

export class ConflictError extends APIError {
  get moderationReasons(): string[] | undefined {
    return this.reason === 'moderation_blocked' ? (this.detail('reasons') ?? []) : undefined;
  }
}

export class RateLimitError extends APIError {
  /** 429 with `details.reason: "daily_publish_limit"` (§3.11 CHOICE, G2): wait until `resetAt`. */
  get isDailyPublishLimit(): boolean {
    return this.reason === 'daily_publish_limit';
  }
  get resetAt(): string | undefined {
    return this.detail('resetAt');
  }
}

export class InternalServerError extends APIError {}

/** Any other non-2xx status (405, 410, 422...). */
export class UnexpectedStatusError extends APIError {}

const API_ERROR_BY_STATUS: Record<number, new (init: APIErrorInit) => APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  429: RateLimitError,
};

/** Code to assume when the body carries none (a proxy page, an empty 502): §4.1 names, INTERNAL_ERROR per G20. */
const DEFAULT_CODE: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
};

export function defaultApiCode(status: number): string {
  return DEFAULT_CODE[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`);
}

export function makeApiError(init: APIErrorInit, now: number = Date.now()): APIError {
  const Class = API_ERROR_BY_STATUS[init.status] ?? (init.status >= 500 ? InternalServerError : UnexpectedStatusError);
  return new Class({ ...init, ...retryAfterFromResetAt(init, now) });
}

/** Without a Retry-After header, a 429 that names `details.resetAt` still says how long to wait. */
function retryAfterFromResetAt(init: APIErrorInit, now: number): { retryAfterMs?: number } {
  if (init.retryAfterMs !== undefined || init.status !== 429) return {};
  const resetAt = errorDetailSchemas.resetAt.safeParse(init.details?.resetAt);
  return resetAt.success ? { retryAfterMs: Math.max(0, Date.parse(resetAt.data) - now) } : {};
}

// ---------------------------------------------------------------- /api/agent OAuth-shaped errors

export interface OAuthErrorInit {
  endpoint: string;
  status: number;
  error: string;
  errorDescription?: string;
  retryAfterMs?: number;
}

export class OAuthError extends OpenTrainError {
  readonly status: number;
  readonly error: string;
  readonly errorDescription?: string;

  constructor(init: OAuthErrorInit) {
    const description = init.errorDescription ? `: ${init.errorDescription}` : '';
    super(`${init.endpoint} failed: ${init.status} ${init.error}${description}`, {
      endpoint: init.endpoint,
      retryable: isRetryableStatus(init.status),
      ...(init.retryAfterMs === undefined ? {} : { retryAfterMs: init.retryAfterMs }),
    });
    this.status = init.status;
    this.error = redactSecrets(init.error);
    if (init.errorDescription !== undefined) this.errorDescription = redactSecrets(init.errorDescription);
  }

  /** authorization_pending and slow_down: not failures, the caller polls again (§3.3). */
  get shouldKeepPolling(): boolean {
    return false;
  }

  /** The duplicate-email case may be named in `error` or in `error_description` (CONFLICT C9). */
  get isEmailAlreadyRegistered(): boolean {
    return this.mentions('email_already_registered');
  }

  protected mentions(token: string): boolean {
    return this.error.includes(token) || (this.errorDescription ?? '').includes(token);
  }
}

export class AuthorizationPendingError extends OAuthError {
  override get shouldKeepPolling(): boolean {
    return true;
  }
}

export class SlowDownError extends OAuthError {
  override get shouldKeepPolling(): boolean {
    return true;
  }
  /** RFC 8628 §3.5 (§5.4 CHOICE): add 5 s to the current interval and keep the larger one. */
  static nextIntervalSec(currentSec: number): number {
    return currentSec + 5;
  }
}

export class ExpiredTokenError extends OAuthError {
  /** The 30-minute attempt lapsed inside the 24 h window: restart the claim rather than re-register (§7.1). */
  get isAttemptExpired(): boolean {
    return this.mentions('claim_attempt_expired');
  }
}

export class InvalidGrantError extends OAuthError {}

export class InvalidRequestError extends OAuthError {
  get isAlreadyClaimed(): boolean {
    return this.mentions('already_claimed');
  }
}

export class UnsupportedGrantTypeError extends OAuthError {}
export class AnonymousNotEnabledError extends OAuthError {}
export class UnsupportedIdentityTypeError extends OAuthError {}
export class OAuthRateLimitError extends OAuthError {}
export class OAuthServerError extends OAuthError {}

const OAUTH_ERROR_BY_CODE: Record<string, new (init: OAuthErrorInit) => OAuthError> = {
  authorization_pending: AuthorizationPendingError,
  slow_down: SlowDownError,
  expired_token: ExpiredTokenError,
  invalid_grant: InvalidGrantError,
  invalid_request: InvalidRequestError,
  unsupported_grant_type: UnsupportedGrantTypeError,
  anonymous_not_enabled: AnonymousNotEnabledError,
  unsupported_identity_type: UnsupportedIdentityTypeError,
  rate_limit_exceeded: OAuthRateLimitError,
  server_error: OAuthServerError,
};

export function makeOAuthError(init: OAuthErrorInit): OAuthError {
  // status decides first for 429 / 5xx so a proxy's body-less 503 still lands in the retryable class
  const Class =
    init.status === 429 ? OAuthRateLimitError : init.status >= 500 ? OAuthServerError : OAUTH_ERROR_BY_CODE[init.error] ?? OAuthError;
  return new Class(init);
}

// ---------------------------------------------------------------- helpers

const EXCERPT_LENGTH = 200;

export function excerpt(body: string): string {
  const clean = redactSecrets(body.trim());
  return clean.length > EXCERPT_LENGTH ? `${clean.slice(0, EXCERPT_LENGTH)}…` : clean;
}

function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Keep the cause for debugging but with its message redacted (a URL or echoed header could carry a token). */
function redactCause(cause: unknown): unknown {
  if (!(cause instanceof Error)) return undefined;
  const copy = new Error(redactSecrets(cause.message));
  copy.name = cause.name;
  copy.stack = redactSecrets(cause.stack ?? '');
  const code = systemCode(cause);
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}
