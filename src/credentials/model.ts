/**
 * Storage-independent rules of the credential store: validation and the pure state transitions
 * behind put() and recordClaimedToken(). Every backend (file, PostgreSQL) loads the current
 * record under its own lock/transaction and applies these, so they behave identically.
 */
import { z } from 'zod';
import { CredentialStoreError } from './errors';
import { assertCredentialId } from './ids';
import type { ClaimGrant, CredentialSummary, NewCredential, RecordClaimResult, StoredCredential } from './types';

const token = z.string().min(1).max(4096);
const isoDate = z.iso.datetime({ offset: true });

const newCredentialSchema = z.object({
  id: z.string(),
  baseUrl: z.url({ protocol: /^https?$/ }),
  accessToken: token,
  claimToken: token.optional(),
  claimTokenExpiresAt: isoDate.optional(),
  registrationId: z.string().min(1).max(256).optional(),
  scopes: z.array(z.string().min(1).max(128)).max(100),
  claimed: z.boolean(),
  supersededTokens: z.array(token).max(100).optional(),
});

export const storedCredentialSchema = newCredentialSchema.extend({
  supersededTokens: z.array(token),
  createdAt: isoDate,
  updatedAt: isoDate,
});

const claimGrantSchema = z.object({ accessToken: token, scopes: z.array(z.string().min(1).max(128)).max(100) });

/**
 * zod messages can quote expected values but we also refuse to echo input: build the message from
 * field paths and zod's rule text only, so a token passed in the wrong field cannot leak.
 */
function invalid(what: string, error: z.ZodError): CredentialStoreError {
  const issues = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
  return new CredentialStoreError('INVALID', `Invalid ${what}: ${issues.join('; ')}`);
}

export function parseNewCredential(input: unknown): NewCredential {
  const parsed = newCredentialSchema.safeParse(input);
  if (!parsed.success) throw invalid('credential', parsed.error);
  assertCredentialId(parsed.data.id);
  return parsed.data;
}

export function parseClaimGrant(input: unknown): ClaimGrant {
  const parsed = claimGrantSchema.safeParse(input);
  if (!parsed.success) throw invalid('claim grant', parsed.error);
  return parsed.data;
}

/** Validates a record read back from storage; `where` names it in the error. */
export function parseStoredCredential(input: unknown, where: string): StoredCredential {
  const parsed = storedCredentialSchema.safeParse(input);
  if (!parsed.success) {
    throw new CredentialStoreError('CORRUPT', `Stored credential ${where} is malformed: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}

/** The record put() writes, given what is stored now (if anything). */
export function applyPut(existing: StoredCredential | undefined, input: NewCredential, now: string): StoredCredential {
  const superseded = [...(input.supersededTokens ?? existing?.supersededTokens ?? [])];
  // Replacing a token must not lose it (it may be the one-time post-claim token): keep it as superseded.
  if (existing && existing.accessToken !== input.accessToken) superseded.push(existing.accessToken);
  const record: StoredCredential = {
    ...input,
    supersededTokens: unique(superseded.filter((t) => t !== input.accessToken)),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  // A retried put with identical content leaves the record (and updatedAt) as it was.
  if (existing && sameContent(existing, record)) return existing;
  return record;
}

/**
 * The record after the post-claim token arrives. `changed: false` means it was already recorded
 * (the current token, or an older grant that a later one has since replaced) and nothing is written.
 */
export function applyClaimedToken(existing: StoredCredential, grant: ClaimGrant, now: string): RecordClaimResult & { changed: boolean } {
  if (existing.claimed && existing.accessToken === grant.accessToken) {
    return { outcome: 'already-stored', credential: existing, changed: false };
  }
  if (existing.claimed && existing.supersededTokens.includes(grant.accessToken)) {
    // A late retry carrying a grant that was already recorded and later replaced: never roll back.
    return { outcome: 'already-stored', credential: existing, changed: false };
  }
  const { claimToken: _claimToken, claimTokenExpiresAt: _expiresAt, ...rest } = existing;
  const superseded = existing.accessToken === grant.accessToken ? existing.supersededTokens : [...existing.supersededTokens, existing.accessToken];
  const credential: StoredCredential = {
    ...rest,
    accessToken: grant.accessToken,
    scopes: [...grant.scopes],
    claimed: true,
    supersededTokens: unique(superseded),
    updatedAt: now,
  };
  return { outcome: 'stored', credential, changed: true };
}

export function summarize(c: StoredCredential): CredentialSummary {
  return { id: c.id, baseUrl: c.baseUrl, claimed: c.claimed, scopes: [...c.scopes], createdAt: c.createdAt };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function sameContent(a: StoredCredential, b: StoredCredential): boolean {
  const strip = ({ updatedAt: _u, ...rest }: StoredCredential) => JSON.stringify(
      Object.entries(rest)
        .filter(([, v]) => v !== undefined)
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  return strip(a) === strip(b);
}
