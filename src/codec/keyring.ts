/**
 * The set of payload encryption keys a process knows: one current key (encrypts new payloads)
 * plus old keys kept only to decrypt history written before a rotation.
 */
import { keyIdOf, parseBase64Key } from './keys';

export interface KeyringKey {
  id: string;
  key: Buffer;
}

export interface Keyring {
  current: KeyringKey;
  /** Every key that can decrypt, by id (the current key included). */
  byId: ReadonlyMap<string, Buffer>;
}

export function createKeyring(currentKey: Buffer, oldKeys: readonly Buffer[] = []): Keyring {
  const current = { id: keyIdOf(currentKey), key: currentKey };
  const byId = new Map<string, Buffer>();
  for (const key of oldKeys) byId.set(keyIdOf(key), key);
  // Set last so the current key wins if it was also listed among the old ones.
  byId.set(current.id, currentKey);
  return { current, byId };
}

/**
 * Reads PAYLOAD_ENCRYPTION_KEY (base64, 32 bytes) and PAYLOAD_ENCRYPTION_OLD_KEYS (comma-separated
 * base64 keys, decode only). Returns undefined when no key is configured (encryption off).
 * An empty value counts as unset, as env files commonly write `NAME=`.
 */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): Keyring | undefined {
  const currentValue = env.PAYLOAD_ENCRYPTION_KEY?.trim() ?? '';
  const oldValues = (env.PAYLOAD_ENCRYPTION_OLD_KEYS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (currentValue === '') {
    if (oldValues.length > 0) {
      // Old keys without a current key means someone removed the key by mistake; running
      // without encryption would silently write clear-text payloads.
      throw new Error('PAYLOAD_ENCRYPTION_OLD_KEYS is set but PAYLOAD_ENCRYPTION_KEY is not: set the current key too (old keys only decrypt)');
    }
    return undefined;
  }
  const current = parseBase64Key(currentValue, 'PAYLOAD_ENCRYPTION_KEY');
  const old = oldValues.map((v, i) => parseBase64Key(v, `PAYLOAD_ENCRYPTION_OLD_KEYS (entry ${i + 1})`));
  return createKeyring(current, old);
}
