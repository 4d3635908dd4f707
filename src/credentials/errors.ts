/**
 * The one error type stores throw, with a code callers can branch on (an activity would mark
 * NOT_FOUND / WRONG_KEY / INVALID non-retryable). Messages name ids and files, never secrets.
 */
export type CredentialStoreErrorCode =
  | 'INVALID' // rejected input (bad id, malformed credential)
  | 'NOT_FOUND'
  | 'WRONG_KEY' // stored with a different key than the one configured
  | 'CORRUPT' // unreadable or tampered with
  | 'LOCK_TIMEOUT'
  | 'IMPORT_FAILED';

export class CredentialStoreError extends Error {
  override readonly name = 'CredentialStoreError';
  constructor(
    readonly code: CredentialStoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}
