// The one redaction helper (docs/CONVENTIONS.md): OpenTrain tokens and bearer values must never reach
// an error message, a log line, a workflow payload or a snapshot.

// Nothing of the secret is kept, not even a few characters: a preview would still look like a token to
// every scanner (and to the tests that check histories and logs for `ot_pat_<character>`).
const MARK = '[redacted]';

// Group 1+2: an OpenTrain token (personal, claim, claim-attempt). Group 3+4: any other bearer value;
// the lookahead leaves "Bearer ot_pat_..." to the token branch so it keeps its prefix.
// The 12-character floor keeps prose such as "Bearer token" readable.
const SECRET = /(ot_(?:pat|clm|cat)_)([A-Za-z0-9_-]+)|(\bbearer\s+)(?!ot_(?:pat|clm|cat)_)([A-Za-z0-9._~+/=-]{12,})/gi;

/** Replaces every token / bearer value with its kind only, such as `ot_pat_[redacted]`. Idempotent. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET, (_match: string, prefix?: string, _secret?: string, bearer?: string) =>
    prefix !== undefined ? `${prefix}${MARK}` : `${bearer ?? ''}${MARK}`,
  );
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
