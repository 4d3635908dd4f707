/**
 * Symmetric key helpers shared by the payload codec and the credential store.
 *
 * Keys are 32 random bytes (AES-256) carried in configuration as base64. A key's id is
 * derived from the key itself (first 8 hex characters of its SHA-256), so rotating a key
 * never needs a second setting to name it, and the id stored next to ciphertext tells us
 * which key to use without revealing anything useful about the key.
 */
import { createHash, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;

/** A fresh random key, base64-encoded: the format PAYLOAD_ENCRYPTION_KEY and CREDENTIAL_STORE_KEY expect. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** The short public id of a key: first 8 hex chars of sha256(key). */
export function keyIdOf(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Parses a base64 (or base64url) key from configuration. `name` is the setting it came from,
 * so the error tells the operator what to fix; the value itself is never echoed.
 */
export function parseBase64Key(value: string, name: string): Buffer {
  const trimmed = value.trim();
  // Buffer.from(..., 'base64') silently skips junk characters, so check the alphabet first:
  // a typo must fail loudly rather than produce a different key.
  if (!BASE64.test(trimmed) && !BASE64URL.test(trimmed)) {
    throw new Error(`${name} must be base64 of exactly ${KEY_BYTES} random bytes (e.g. \`openssl rand -base64 32\`); the value is not valid base64`);
  }
  const key = Buffer.from(trimmed, BASE64.test(trimmed) ? 'base64' : 'base64url');
  if (key.length !== KEY_BYTES) {
    throw new Error(`${name} must be base64 of exactly ${KEY_BYTES} random bytes (e.g. \`openssl rand -base64 32\`); it decodes to ${key.length} bytes`);
  }
  return key;
}
