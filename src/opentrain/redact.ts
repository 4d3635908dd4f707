// The one redaction helper (docs/CONVENTIONS.md): OpenTrain tokens and bearer values must never reach
// an error message, a log line, a workflow payload or a snapshot.

const MARK = '…[redacted]';

// Group 1+2: an OpenTrain token (personal, claim, claim-attempt). Group 3+4: any other bearer value;
// the lookahead leaves "Bearer ot_pat_..." to the token branch so it keeps its prefix in the preview.
// The 12-character floor keeps prose such as "Bearer token" readable.
const SECRET = /(ot_(?:pat|clm|cat)_)([A-Za-z0-9_-]+)|(\bbearer\s+)(?!ot_(?:pat|clm|cat)_)([A-Za-z0-9._~+/=-]{12,})/gi;

/** How much of a secret the preview shows: 4 characters like the API's own token previews, none for short values. */
function preview(secret: string): string {
  return secret.length > 8 ? secret.slice(0, 4) : '';
}

function isAlreadyRedacted(text: string, end: number): boolean {
  return text.startsWith(MARK, end);
}

/** Replaces every token / bearer value with a masked preview such as `ot_pat_91ab…[redacted]`. Idempotent. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET, (match: string, prefix?: string, secret?: string, bearer?: string, value?: string, offset?: number) => {
    if (isAlreadyRedacted(text, (offset ?? 0) + match.length)) return match;
    if (prefix !== undefined && secret !== undefined) return `${prefix}${preview(secret)}${MARK}`;
    return `${bearer ?? ''}${preview(value ?? '')}${MARK}`;
  });
}

/** True when the text still holds a token or bearer value that redactSecrets would mask. */
export function containsSecret(text: string): boolean {
  return redactSecrets(text) !== text;
}

/** Deep copy of a JSON-like value with every string redacted (error details may echo request bodies). */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactSecrets(key), redactValue(item)]));
  }
  return value;
}
