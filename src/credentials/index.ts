/** Durable store for OpenTrain credentials; workflows only see the ids. See types.ts for the contract. */
export type { StoredCredential, CredentialStore, NewCredential, CredentialSummary, ClaimGrant, RecordClaimResult } from './types';
export { CredentialStoreError, type CredentialStoreErrorCode } from './errors';
export { newCredentialId, assertCredentialId } from './ids';
export { applyClaimedToken, applyPut, parseNewCredential, parseClaimGrant, parseStoredCredential, summarize } from './model';
export { FileCredentialStore, type FileCredentialStoreOptions } from './file-store';
export { PostgresCredentialStore, type PostgresCredentialStoreOptions } from './postgres-store';
export { importOpenTrainCliConfig, defaultCliConfigPath, PRE_CLAIM_SCOPES, DEFAULT_OPENTRAIN_BASE_URL, type ImportCliConfigOptions } from './cli-config';
export { createCredentialStoreFromEnv, DEFAULT_CREDENTIAL_STORE_DIR } from './env';
