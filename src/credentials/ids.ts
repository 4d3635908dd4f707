import { createHash, randomBytes } from 'node:crypto';
import { CredentialStoreError } from './errors';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A new opaque credential id, 'cred_' + 26 base32 characters (130 bits). With a seed (e.g. the
 * workflow id) the id is derived from it, so a retried activity writes the same credential
 * instead of leaving an orphan behind.
 */
export function newCredentialId(seed?: string): string {
  const bytes = seed === undefined ? randomBytes(17) : createHash('sha256').update(`opentrain-credential-id\0${seed}`).digest();
  return `cred_${base32(bytes).slice(0, 26)}`;
}

/** Ids end up in file names (and keys elsewhere): restrict them to a safe alphabet. */
export function assertCredentialId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new CredentialStoreError('INVALID', 'Invalid credential id: expected 1-128 characters of A-Z, a-z, 0-9, _ or -');
  }
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 base32, lower-case

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff; // only the low `bits` (< 13) are still needed
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
