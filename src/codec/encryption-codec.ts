/**
 * AES-256-GCM payload codec, the layout of Temporal's samples-typescript `encryption` sample:
 * the whole serialized Payload (metadata included, so even the original encoding is hidden)
 * is encrypted, and the result is a new Payload with
 *   metadata: { encoding: 'binary/encrypted', 'encryption-key-id': <key id> }
 *   data:     12-byte IV | ciphertext | 16-byte GCM tag
 * Runs outside the workflow sandbox, so node:crypto is used directly.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Keyring } from './keyring';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_ENCODING_KEY = 'encoding';
export const METADATA_KEY_ID_KEY = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export type PayloadDecryptionErrorCode = 'UNKNOWN_KEY_ID' | 'MISSING_KEY_ID' | 'MALFORMED' | 'AUTHENTICATION_FAILED';

export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
  constructor(
    readonly code: PayloadDecryptionErrorCode,
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  /** Id of the key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keyring.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keyring.current;
    return payloads.map((payload) => ({
      metadata: {
        [METADATA_ENCODING_KEY]: utf8.encode(ENCODING_ENCRYPTED),
        [METADATA_KEY_ID_KEY]: utf8.encode(id),
      },
      data: encrypt(temporal.api.common.v1.Payload.encode(payload).finish(), key),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Anything we did not encrypt (written before encryption was turned on, or by another
      // client) passes through untouched, as Temporal's docs recommend.
      if (metadataString(payload, METADATA_ENCODING_KEY) !== ENCODING_ENCRYPTED) return payload;
      const keyId = metadataString(payload, METADATA_KEY_ID_KEY);
      if (keyId === undefined) {
        throw new PayloadDecryptionError('MISSING_KEY_ID', `Cannot decrypt payload: it has no '${METADATA_KEY_ID_KEY}' metadata`);
      }
      const key = this.keyring.byId.get(keyId);
      if (key === undefined) {
        const known = [...this.keyring.byId.keys()].join(', ');
        throw new PayloadDecryptionError(
          'UNKNOWN_KEY_ID',
          `Cannot decrypt payload: encryption key id '${keyId}' is not in the keyring (known key ids: ${known}). ` +
            'If it is a key from before a rotation, add it to PAYLOAD_ENCRYPTION_OLD_KEYS.',
          keyId,
        );
      }
      const plaintext = decrypt(payload.data ?? new Uint8Array(), key, keyId);
      try {
        return temporal.api.common.v1.Payload.decode(plaintext);
      } catch {
        throw new PayloadDecryptionError('MALFORMED', `Cannot decode payload decrypted with key id '${keyId}': not a serialized Payload`, keyId);
      }
    });
  }
}

function metadataString(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value == null ? undefined : fromUtf8.decode(value);
}

function encrypt(plaintext: Uint8Array, key: Buffer): Uint8Array {
  const iv = randomBytes(IV_BYTES); // random per payload: GCM must never reuse an IV with a key
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
}

function decrypt(data: Uint8Array, key: Buffer, keyId: string): Uint8Array {
  if (data.length < IV_BYTES + TAG_BYTES) {
    throw new PayloadDecryptionError('MALFORMED', `Cannot decrypt payload with key id '${keyId}': data is too short to be AES-GCM output`, keyId);
  }
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const iv = bytes.subarray(0, IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const ciphertext = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new PayloadDecryptionError(
      'AUTHENTICATION_FAILED',
      `Cannot decrypt payload with key id '${keyId}': authentication failed (data corrupted or tampered with)`,
      keyId,
    );
  }
}
