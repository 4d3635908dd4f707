/**
 * The jobLifecycle workflow's public surface (product contract §4): stages, the status it shows, and the
 * signals, updates and query that backends and people use. Imported by the workflow, the API, the CLI and
 * tests, so it holds definitions only.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const WORKFLOW_TYPE = 'jobLifecycle';
export const DEFAULT_TASK_QUEUE = 'opentrain';

export const STAGES = [
  'REGISTERING',
  'VERIFYING',
  'DRAFTING',
  'AWAITING_ANSWERS',
  'UPDATING_DRAFT',
  'AWAITING_REVIEW',
  'AWAITING_PUBLISH_APPROVAL',
  'PUBLISHING',
  'WAITING_PUBLISH_QUOTA',
  'MODERATION_BLOCKED',
  'LIVE',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
] as const;
export type Stage = (typeof STAGES)[number];

export const CLAIM_STATES = ['NOT_NEEDED', 'AWAITING_EMAIL', 'PENDING_HUMAN', 'CLAIMED', 'EXPIRED', 'FAILED'] as const;
export type ClaimState = (typeof CLAIM_STATES)[number];

/** A missing field exactly as OpenTrain describes it: what to ask, and which keys to PATCH. */
export interface MissingFieldView {
  field: string;
  label: string | null;
  message: string | null;
  code: string | null;
  prompt: string | null;
  type: string | null;
  enumValues: string[] | null;
  updateKeys: string[];
  example: string | null;
  hint: string | null;
}

export interface LowConfidenceFieldView {
  field: string;
  value: unknown;
  confidence: number | null;
  reason: string | null;
}

export interface UnmappedFieldView {
  path: string;
  reason: string | null;
  valuePreview: string | null;
}

export interface LastError {
  code: string;
  message: string;
  /** Per-field problems, when OpenTrain or the validator named them. */
  fields?: FieldError[];
  /** Moderation reasons, when a publish was blocked. */
  reasons?: string[];
}

export interface FieldError {
  field: string;
  message: string;
}

export interface ClaimView {
  state: ClaimState;
  /** The 6-digit code the human types on the verification page. */
  userCode: string | null;
  /** The page where the human types the code (without the one-time attempt token, which goes only by email). */
  verificationUri: string | null;
  expiresAt: string | null;
  /** 1-based number of the current claim attempt; 0 before the first. */
  attempt: number;
  /** The owner email the claim is (or will be) for. */
  email: string | null;
}

export interface LifecycleStatus {
  stage: Stage;
  jobId: string | null;
  jobStatus: string | null;
  jobUrl: string | null;
  draftUrl: string | null;
  reviewUrl: string | null;
  publishReady: boolean;
  missingFields: MissingFieldView[];
  lowConfidenceFields: LowConfidenceFieldView[];
  warnings: string[];
  unmappedFields: UnmappedFieldView[];
  lastError: LastError | null;
  claim: ClaimView;
  /** Opaque id of the credential in the credential store; never the token itself. */
  credentialId: string | null;
  /** What the lifecycle is waiting for, in words, when it waits for someone. */
  waitingFor: string | null;
}

/** Returned by `submitAnswers`: the draft's validation after the PATCH was applied. */
export interface AnswersResult {
  publishReady: boolean;
  missingFields: MissingFieldView[];
  lowConfidenceFields: LowConfidenceFieldView[];
  stage: Stage;
}

export interface ClaimStarted {
  userCode: string;
  verificationUri: string;
  expiresAt: string;
  attempt: number;
}

export interface LifecycleResult {
  stage: Stage;
  jobId: string | null;
  jobStatus: string | null;
  jobUrl: string | null;
  claimState: ClaimState;
  scopes: string[];
  credentialId: string | null;
}

export interface AnswersInput {
  values: Record<string, unknown>;
}
export interface ConfirmInput {
  corrections?: Record<string, unknown>;
}
export interface ClaimInput {
  email: string;
}

/** The input's `claim` for a lifecycle that never hands its account to a person (product contract §4). */
export const NO_CLAIM = { skip: true } as const;

export const statusQuery = defineQuery<LifecycleStatus>('status');
export const answerSignal = defineSignal<[AnswersInput]>('answer');
export const submitAnswersUpdate = defineUpdate<AnswersResult, [AnswersInput]>('submitAnswers');
export const confirmSignal = defineSignal<[ConfirmInput?]>('confirm');
export const approvePublishSignal = defineSignal('approvePublish');
export const claimSignal = defineSignal<[ClaimInput]>('claim');
export const startClaimUpdate = defineUpdate<ClaimStarted, [ClaimInput]>('startClaim');

/** ApplicationFailure types the workflow raises; the API maps them to HTTP answers. */
export const FailureTypes = {
  invalidInput: 'InvalidLifecycleInput',
  invalidAnswers: 'InvalidAnswers',
  answersRejected: 'AnswersRejected',
  notAcceptingAnswers: 'NotAcceptingAnswers',
  invalidClaim: 'InvalidClaimRequest',
  featureDisabled: 'FeatureDisabled',
  claimFailed: 'ClaimFailed',
} as const;
