/**
 * All sandbox state, in one plain JSON-friendly object so it can be written to a file as is.
 *
 * Tokens are stored by SHA-256 hash, never in clear: the state file and GET /__sandbox/state can be
 * read without exposing a credential. The one exception is the post-claim token between the human's
 * approval and its one-time delivery (it must be handed out exactly once, so it is kept until then).
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  FEATURE_FLAG_KEYS, TOKEN_PREFIX, type DraftFields, type FeatureFlag, type ImportFormat, type JobStatus, type ProposalStatus,
} from './contract-choices';
import type { LowConfidenceField, UnmappedField } from './parser';

export interface Account {
  registrationId: string;
  organizationId: string;
  userId: string;
  agentName: string | null;
  organizationName: string | null;
  createdAt: number;
  claimWindowEndsAt: number;
  claimed: boolean;
  claimedAt: number | null;
  email: string | null;
  features: Record<FeatureFlag, boolean>;
  currentAttemptId: string | null;
  /** Clear text only between approval and delivery; null afterwards. */
  pendingPostClaimToken: string | null;
  postClaimTokenDelivered: boolean;
}

export interface TokenRecord {
  id: string;
  registrationId: string;
  kind: 'pre_claim' | 'post_claim' | 'minted';
  label: string;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
}

export type AttemptState = 'pending' | 'approved' | 'superseded' | 'locked';

export interface ClaimAttempt {
  id: string;
  registrationId: string;
  email: string;
  userCode: string;
  createdAt: number;
  expiresAt: number;
  /** Current minimum poll gap; grows by 5 s with every slow_down (RFC 8628). */
  intervalSec: number;
  /** A gap the server asks for beyond `intervalSec` (control route: the server is under load). */
  minGapSec?: number;
  lastPollAt: number | null;
  state: AttemptState;
  wrongCodes: number;
}

export interface Job {
  id: string;
  seq: number;
  registrationId: string;
  status: JobStatus;
  fields: DraftFields;
  format: ImportFormat;
  externalId: string | null;
  idempotencyKey: string | null;
  lowConfidenceFields: LowConfidenceField[];
  unmappedFields: UnmappedField[];
  warnings: string[];
  createdAt: number;
  updatedAt: number;
  /** Set once the job has ever been OPEN: it then has a public listing (404 {status:"closed"} later). */
  everPublished: boolean;
  publishedAt: number | null;
  publishCount: number;
}

export interface Proposal {
  id: string;
  seq: number;
  jobId: string;
  status: ProposalStatus;
  createdAt: number;
  updatedAt: number;
  bid: { amountUsd: number; unit: 'PER_LABEL' | 'PER_HOUR' | 'FIXED_PRICE'; labelerHourlyRateUsd: number | null };
  candidate: {
    id: string; profileSlug: string; displayName: string; firstName: string; lastNameInitial: string;
    profileTitle: string; profilePhotoUrl: string; countryCode: string; country: string; talentType: string;
    highestEarningsUsd: number; reviewCount: number;
  };
  metrics: { interviewScore: number; matchScore: number };
}

export interface OutboxEmail {
  email: string;
  user_code: string;
  verification_uri: string;
  registrationId: string;
  attemptId: string;
  sentAt: string;
}

export interface StateData {
  version: 1;
  seq: number;
  clockOffsetMs: number;
  accounts: Record<string, Account>;
  /** sha256(token) → record */
  tokens: Record<string, TokenRecord>;
  /** sha256(ot_clm_) → registrationId */
  claimTokens: Record<string, string>;
  /** sha256(ot_cat_) → attemptId */
  attemptTokens: Record<string, string>;
  attempts: Record<string, ClaimAttempt>;
  jobs: Record<string, Job>;
  proposals: Record<string, Proposal>;
  /** registrationId → idempotencyKey → jobId (§5.3: per account, unlimited lifetime) */
  idempotency: Record<string, Record<string, string>>;
  outbox: OutboxEmail[];
  /** Fresh publishes, for the daily quota. */
  publishes: { registrationId: string; jobId: string; at: number }[];
}

function emptyState(): StateData {
  return {
    version: 1, seq: 0, clockOffsetMs: 0, accounts: {}, tokens: {}, claimTokens: {}, attemptTokens: {},
    attempts: {}, jobs: {}, proposals: {}, idempotency: {}, outbox: [], publishes: [],
  };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function randomId(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function secret(): string {
  return randomBytes(24).toString('base64url');
}

export class Store {
  data: StateData;

  constructor(private readonly stateFile?: string) {
    this.data = stateFile && existsSync(stateFile) ? Store.load(stateFile) : emptyState();
  }

  private static load(file: string): StateData {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`sandbox state file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as StateData).version !== 1) {
      throw new Error(`sandbox state file ${file} is not a version 1 sandbox state`);
    }
    return { ...emptyState(), ...(parsed as StateData) };
  }

  /** Writes the state file atomically (temp file + rename) so a crash never leaves half a file. */
  save(): void {
    if (!this.stateFile) return;
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    renameSync(tmp, this.stateFile);
  }

  reset(): void {
    this.data = emptyState();
  }

  nextSeq(): number {
    this.data.seq += 1;
    return this.data.seq;
  }

  newId(prefix: string): string {
    return `${prefix}_${randomId(6)}`;
  }

  // ---- tokens -----------------------------------------------------------------------------

  /** ot_pat_<publicId>_<secret> (§2.1); only the hash is kept. */
  mintPersonalToken(registrationId: string, kind: TokenRecord['kind'], scopes: readonly string[], now: number, label: string): string {
    const value = `${TOKEN_PREFIX.personal}${randomId(4)}_${secret()}`;
    this.data.tokens[hashToken(value)] = {
      id: this.newId('tok'), registrationId, kind, label, scopes: [...scopes], createdAt: now, revokedAt: null,
    };
    return value;
  }

  mintClaimToken(registrationId: string): string {
    const value = `${TOKEN_PREFIX.claim}${secret()}`;
    this.data.claimTokens[hashToken(value)] = registrationId;
    return value;
  }

  mintAttemptToken(attemptId: string): string {
    const value = `${TOKEN_PREFIX.claimAttempt}${secret()}`;
    this.data.attemptTokens[hashToken(value)] = attemptId;
    return value;
  }

  personalToken(value: string): TokenRecord | undefined {
    return this.data.tokens[hashToken(value)];
  }

  accountForClaimToken(value: string): Account | undefined {
    const id = this.data.claimTokens[hashToken(value)];
    return id ? this.data.accounts[id] : undefined;
  }

  attemptForToken(value: string): ClaimAttempt | undefined {
    const id = this.data.attemptTokens[hashToken(value)];
    return id ? this.data.attempts[id] : undefined;
  }

  revokePreClaimTokens(registrationId: string, now: number): void {
    for (const t of Object.values(this.data.tokens)) {
      if (t.registrationId === registrationId && t.kind === 'pre_claim' && t.revokedAt === null) t.revokedAt = now;
    }
  }

  // ---- accounts and claims ----------------------------------------------------------------

  createAccount(input: { agentName: string | null; organizationName: string | null; now: number; claimWindowSec: number }): Account {
    const account: Account = {
      registrationId: this.newId('reg'),
      organizationId: this.newId('org'),
      userId: this.newId('usr'),
      agentName: input.agentName,
      organizationName: input.organizationName,
      createdAt: input.now,
      claimWindowEndsAt: input.now + input.claimWindowSec * 1000,
      claimed: false,
      claimedAt: null,
      email: null,
      features: Object.fromEntries(FEATURE_FLAG_KEYS.map((k) => [k, true])) as Record<FeatureFlag, boolean>,
      currentAttemptId: null,
      pendingPostClaimToken: null,
      postClaimTokenDelivered: false,
    };
    this.data.accounts[account.registrationId] = account;
    return account;
  }

  account(registrationId: string): Account | undefined {
    return this.data.accounts[registrationId];
  }

  /** A 6-digit code not used by any other live attempt, so approve-by-code is unambiguous. */
  newUserCode(): string {
    const live = new Set(Object.values(this.data.attempts).filter((a) => a.state === 'pending').map((a) => a.userCode));
    for (;;) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      if (!live.has(code)) return code;
    }
  }

  emailTaken(email: string): boolean {
    const wanted = email.toLowerCase();
    return Object.values(this.data.accounts).some((a) => a.claimed && a.email?.toLowerCase() === wanted);
  }

  // ---- jobs and proposals -----------------------------------------------------------------

  job(jobId: string): Job | undefined {
    return this.data.jobs[jobId];
  }

  jobsOf(registrationId: string): Job[] {
    return Object.values(this.data.jobs).filter((j) => j.registrationId === registrationId);
  }

  proposalsOf(jobId: string): Proposal[] {
    return Object.values(this.data.proposals).filter((p) => p.jobId === jobId);
  }
}
