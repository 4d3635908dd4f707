/**
 * Payload encryption for Temporal. `createDataConverter()` is what the worker, clients and
 * replayers pass as `dataConverter`; with PAYLOAD_ENCRYPTION_KEY unset it is `{}` (no encryption).
 *
 * Note for bundlers: a worker built from a prebuilt `workflowBundle` ignores
 * `dataConverter.failureConverterPath`; pass `failureConverterPath` to `bundleWorkflowCode` too.
 */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { keyringFromEnv } from './keyring';

export { generateKey, keyIdOf, parseBase64Key } from './keys';
export { createKeyring, keyringFromEnv, type Keyring, type KeyringKey } from './keyring';
export {
  EncryptionCodec,
  PayloadDecryptionError,
  ENCODING_ENCRYPTED,
  METADATA_KEY_ID_KEY,
  type PayloadDecryptionErrorCode,
} from './encryption-codec';
export { encodePayloadsJson, decodePayloadsJson, CodecRequestError, codecBodySchema, type CodecBody, type JsonPayload } from './codec-server';

/** Module exporting `failureConverter` (encrypts failure messages and stack traces). */
export const failureConverterPath = require.resolve('./failure-converter');

/** The codec configured by the environment, or undefined when encryption is off. */
export function createCodecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const keyring = keyringFromEnv(env);
  return keyring && new EncryptionCodec(keyring);
}

export function createDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  const codec = createCodecFromEnv(env);
  if (!codec) return {};
  return { payloadCodecs: [codec], failureConverterPath };
}
