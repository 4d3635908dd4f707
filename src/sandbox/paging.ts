/**
 * Cursor pagination rules of §5.2 / G19: limit < 1 or not a number → 400, above the max → clamped,
 * a cursor the sandbox did not issue → 400 with details.field "cursor".
 */
import { PAGE } from './contract-choices';
import { ApiError } from './errors';

export function parseLimit(raw: unknown, defaultLimit: number = PAGE.defaultLimit): number {
  if (raw === undefined || raw === '') return defaultLimit;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ApiError(400, 'limit must be a whole number of at least 1.', { field: 'limit', issues: [{ code: 'too_small', path: ['limit'], message: 'limit must be >= 1' }] });
  return Math.min(n, PAGE.maxLimit);
}

/** Opaque cursor for /jobs/mine: the sequence number of the last job returned. */
export function encodeSeqCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeSeqCursor(raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const text = Buffer.from(String(raw), 'base64url').toString('utf8');
  const m = /^seq:(\d+)$/.exec(text);
  if (!m) throw new ApiError(400, 'cursor is not valid.', { field: 'cursor' });
  return Number(m[1]);
}

/** Newest first by sequence; `after` is the cursor position (exclusive). */
export function pageBySeq<T extends { seq: number }>(items: T[], limit: number, after?: number): { page: T[]; next: T | undefined } {
  const sorted = items.filter((i) => after === undefined || i.seq < after).sort((a, b) => b.seq - a.seq);
  const page = sorted.slice(0, limit);
  return { page, next: sorted.length > limit ? page[page.length - 1] : undefined };
}
