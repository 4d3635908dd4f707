// One HTTP exchange with OpenTrain: build the request, send it with a per-request timeout, and turn
// whatever comes back (or does not) into either parsed data or exactly one OpenTrainError.
// No retries here: Temporal activity retry policies own them (temporal-notes §9).
import type { z } from 'zod';
import {
  ConnectionError,
  MalformedResponseError,
  ResponseValidationError,
  TimeoutError,
  defaultApiCode,
  excerpt,
  makeApiError,
  makeOAuthError,
  parseRetryAfter,
  type OpenTrainError,
  type ShapeIssue,
} from './errors';
import { apiErrorBodySchema, oauthErrorBodySchema } from './schemas';

/** Which error wire shape the route uses (§4): OAuth for /api/agent/*, the envelope everywhere else. */
export type ErrorShape = 'oauth' | 'envelope';

export interface RequestSpec<T> {
  method: 'GET' | 'POST' | 'PATCH';
  /** Concrete path on the origin, parameters filled in and encoded. */
  path: string;
  /** Route template used in errors, e.g. `PATCH /api/public/v1/job-drafts/{jobId}`. */
  endpoint: string;
  errorShape: ErrorShape;
  schema: z.ZodType<T>;
  token?: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: Record<string, string>;
  /** RFC 7009 revoke may answer with an empty body. */
  allowEmptyBody?: boolean;
}

export interface TransportOptions {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  userAgent: string;
}

export async function send<T>(options: TransportOptions, spec: RequestSpec<T>): Promise<T> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const transportError = (error: unknown): OpenTrainError =>
    isTimeout(signal, error) ? new TimeoutError(spec.endpoint, options.timeoutMs) : new ConnectionError(spec.endpoint, error);

  let response: Response;
  let text: string;
  try {
    response = await options.fetch(buildUrl(options.baseUrl, spec), { ...buildInit(options, spec), signal });
  } catch (error) {
    throw transportError(error);
  }
  try {
    // the timeout covers the body too: a server that stalls mid-body is a timeout, not a hang
    text = await response.text();
  } catch (error) {
    throw transportError(error);
  }

  if (!response.ok) throw errorFromResponse(spec, response, text);
  return parseSuccess(spec, response.status, text);
}

function buildUrl(baseUrl: string, spec: RequestSpec<unknown>): string {
  const url = new URL(spec.path, baseUrl);
  for (const [key, value] of Object.entries(spec.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function buildInit(options: TransportOptions, spec: RequestSpec<unknown>): RequestInit {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': options.userAgent };
  if (spec.token) headers.authorization = `Bearer ${spec.token}`;
  let body: string | undefined;
  if (spec.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(spec.form).toString();
  } else if (spec.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(spec.json);
  }
  return { method: spec.method, headers, ...(body === undefined ? {} : { body }) };
}

function isTimeout(signal: AbortSignal, error: unknown): boolean {
  return signal.aborted || (error instanceof Error && error.name === 'TimeoutError');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function parseSuccess<T>(spec: RequestSpec<T>, status: number, text: string): T {
  const json = text.trim() === '' && spec.allowEmptyBody ? { ok: true as const, value: {} } : parseJson(text);
  if (!json.ok) throw new MalformedResponseError(spec.endpoint, status, text);
  const parsed = spec.schema.safeParse(json.value);
  if (!parsed.success) throw new ResponseValidationError(spec.endpoint, status, toShapeIssues(parsed.error));
  return parsed.data;
}

/** zod issues as `{path: "validation.publishReady", message}`, array indexes kept as `missingFields.0.field`. */
export function toShapeIssues(error: z.ZodError): ShapeIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

function errorFromResponse(spec: RequestSpec<unknown>, response: Response, text: string): OpenTrainError {
  const status = response.status;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const json = parseJson(text);
  const body = json.ok ? json.value : undefined;
  const fallbackMessage = text.trim() === '' ? response.statusText || `HTTP ${status}` : excerpt(text);
  const retry = retryAfterMs === undefined ? {} : { retryAfterMs };

  if (spec.errorShape === 'oauth') {
    const oauth = oauthErrorBodySchema.safeParse(body);
    return makeOAuthError({
      endpoint: spec.endpoint,
      status,
      ...(oauth.success
        ? { error: oauth.data.error, ...(oauth.data.error_description === undefined ? {} : { errorDescription: oauth.data.error_description }) }
        : { error: defaultOAuthCode(status), errorDescription: fallbackMessage }),
      ...retry,
    });
  }

  const envelope = apiErrorBodySchema.safeParse(body);
  if (envelope.success) {
    const { error, code, requestId, details } = envelope.data;
    return makeApiError({
      endpoint: spec.endpoint,
      status,
      code,
      message: error,
      ...(requestId === undefined ? {} : { requestId }),
      ...(details === undefined ? {} : { details }),
      ...retry,
    });
  }
  // not the envelope: e.g. the unlisted-job 404 `{id, status: "closed"}` (§3.14) or a proxy page
  const objectBody = isRecord(body) ? body : undefined;
  return makeApiError({
    endpoint: spec.endpoint,
    status,
    code: defaultApiCode(status),
    message: objectBody ? `unexpected error body ${excerpt(JSON.stringify(objectBody))}` : fallbackMessage,
    ...(objectBody ? { details: objectBody } : {}),
    ...retry,
  });
}

function defaultOAuthCode(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return `http_${status}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
