import { resolve } from 'node:path';
import { parseBase64Key } from '../codec/keys';
import { FileCredentialStore } from './file-store';
import { PostgresCredentialStore } from './postgres-store';
import type { CredentialStore } from './types';

export const DEFAULT_CREDENTIAL_STORE_DIR = '.data/credentials';

/**
 * The store configured by the environment: CREDENTIAL_STORE_DIR (default .data/credentials,
 * relative to the working directory) and CREDENTIAL_STORE_KEY (required, base64 of 32 bytes).
 * With CREDENTIAL_STORE_URL=postgres://... the store is that PostgreSQL database instead (shared by
 * workers on several machines), encrypted with the same key.
 */
export function createCredentialStoreFromEnv(env: NodeJS.ProcessEnv = process.env): CredentialStore {
  const keyValue = env.CREDENTIAL_STORE_KEY?.trim();
  if (!keyValue) {
    throw new Error('CREDENTIAL_STORE_KEY is required: base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`), used to encrypt stored OpenTrain tokens');
  }
  const key = parseBase64Key(keyValue, 'CREDENTIAL_STORE_KEY');
  const url = env.CREDENTIAL_STORE_URL?.trim();
  if (url) return new PostgresCredentialStore({ connectionString: url, key });
  const dir = resolve(env.CREDENTIAL_STORE_DIR?.trim() || DEFAULT_CREDENTIAL_STORE_DIR);
  return new FileCredentialStore({ dir, key });
}
