/**
 * The credential store interface. Workflows only ever hold a credential's opaque id; activities
 * read and write the secret parts through this interface. It is storage-agnostic: the file
 * store implements it today, a shared PostgreSQL store later (same contract test suite).
 */

export interface StoredCredential {
  /** Opaque, e.g. 'cred_<base32>' (see newCredentialId). */
  id: string;
  /** OpenTrain origin the token belongs to. */
  baseUrl: string;
  /** Current ot_pat_ bearer. */
  accessToken: string;
  /** ot_clm_, only until the claim completes. */
  claimToken?: string;
  /** ISO, end of the claim window. */
  claimTokenExpiresAt?: string;
  registrationId?: string;
  scopes: string[];
  claimed: boolean;
  /** Earlier access tokens (pre-claim), kept so a 401 with an old token can be recognised and retried with the new one. */
  supersededTokens: string[];
  createdAt: string;
  updatedAt: string;
}

export type NewCredential = Omit<StoredCredential, 'createdAt' | 'updatedAt' | 'supersededTokens'> & { supersededTokens?: string[] };

/** What list() returns: no secrets. */
export type CredentialSummary = Pick<StoredCredential, 'id' | 'baseUrl' | 'claimed' | 'scopes' | 'createdAt'>;

export interface ClaimGrant {
  accessToken: string;
  scopes: string[];
}

export interface RecordClaimResult {
  outcome: 'stored' | 'already-stored';
  credential: StoredCredential;
}

export interface CredentialStore {
  /**
   * Creates or replaces the credential with this id (idempotent for activity retries).
   * A replaced access token is kept in supersededTokens: a token once stored is never dropped.
   */
  put(credential: NewCredential): Promise<StoredCredential>;
  get(id: string): Promise<StoredCredential | undefined>;
  /**
   * Records the one-time post-claim token atomically: moves the old accessToken to supersededTokens,
   * sets claimed, drops claimToken. Returns 'stored' the first time, 'already-stored' when the same
   * token was already recorded (a retried activity). Rejects with code NOT_FOUND for an unknown id.
   */
  recordClaimedToken(id: string, grant: ClaimGrant): Promise<RecordClaimResult>;
  /** Removes the credential; a missing id is not an error. */
  delete(id: string): Promise<void>;
  /** Every credential, without secrets, oldest first. */
  list(): Promise<CredentialSummary[]>;
}
