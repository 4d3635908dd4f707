/**
 * jobLifecycle: one OpenTrain job from an anonymous registration to a live listing and a human-owned account.
 *
 *   register (or use a stored credential) -> verify -> probe capabilities
 *     ├─ job branch:   draft -> patch loop on answers -> review -> publish (moderation, daily quota) -> LIVE
 *     └─ claim branch: owner email -> claim attempt -> human enters the code -> post-claim token stored
 *
 * Every OpenTrain call is an activity; this file holds only the decisions. People and backends drive it
 * with signals and updates (see ./definitions) and read it with the `status` query.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RetryState, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities, AccountView, ClaimAttemptView, DraftView } from '../activities';
import { validateAnswers, type AnswerContext } from './answers';
import {
  FailureTypes,
  answerSignal,
  approvePublishSignal,
  claimSignal,
  confirmSignal,
  startClaimUpdate,
  statusQuery,
  submitAnswersUpdate,
  type AnswersResult,
  type ClaimStarted,
  type ClaimState,
  type FieldError,
  type LastError,
  type LifecycleResult,
  type LifecycleStatus,
  type Stage,
} from './definitions';
import { Inbox, type ClaimRequest } from './inbox';
import type { LifecycleInput, ParsedLifecycleInput } from './input';
import { DEFAULT_POLICY, checkLifecycleInput } from './input-check';
import { OpenTrainClaimState, OpenTrainExternalId, OpenTrainJobId, OpenTrainMissingFields, OpenTrainStage } from './search-attributes';

/** One OpenTrain call, with the one-line summary the Web UI shows for it. */
const opentrain = (summary: string) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    // Retryable client errors (429, 5xx, network) back off; `Retry-After` overrides the delay per failure.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
    summary,
  });

/** Stages in which answers can still change the draft. */
const ANSWERABLE: Stage[] = [
  'REGISTERING', 'VERIFYING', 'DRAFTING', 'AWAITING_ANSWERS', 'UPDATING_DRAFT', 'AWAITING_REVIEW',
  'AWAITING_PUBLISH_APPROVAL', 'PUBLISHING', 'WAITING_PUBLISH_QUOTA', 'MODERATION_BLOCKED',
];
const CLAIM_OPEN: ClaimState[] = ['AWAITING_EMAIL', 'PENDING_HUMAN'];

export async function jobLifecycle(rawInput: LifecycleInput): Promise<LifecycleResult> {
  const input = parseInput(rawInput);
  const policy = { ...DEFAULT_POLICY, ...input.policy };
  const inbox = new Inbox();
  const status = initialStatus();
  const answerContext: AnswerContext = { updateKeys: null, enums: {}, missingFields: [] };
  let scopes: string[] = [];

  // ------------------------------------------------------------------ visible state
  const show = {
    stage(stage: Stage, waitingFor: string | null = null) {
      status.stage = stage;
      status.waitingFor = waitingFor;
      publishVisibility();
    },
    claim(state: ClaimState) {
      status.claim.state = state;
      publishVisibility();
    },
    draft(draft: DraftView) {
      Object.assign(status, {
        jobId: draft.jobId,
        jobStatus: draft.status,
        draftUrl: draft.draftUrl ?? status.draftUrl,
        reviewUrl: draft.reviewUrl ?? status.reviewUrl,
        publishReady: draft.publishReady,
        missingFields: draft.missingFields,
        lowConfidenceFields: draft.lowConfidenceFields,
        warnings: draft.warnings,
        unmappedFields: draft.unmappedFields,
      });
      answerContext.missingFields = draft.missingFields;
      publishVisibility();
    },
    error(error: LastError | null) {
      status.lastError = error;
    },
  };

  const shownSearchAttributes = new Map<string, string | number>();
  /** Keeps the Web UI's search attributes and current details in step with the status, upserting only changes. */
  function publishVisibility(): void {
    const wanted: SearchAttributeUpdatePair[] = [
      { key: OpenTrainStage, value: status.stage },
      { key: OpenTrainClaimState, value: status.claim.state },
      { key: OpenTrainMissingFields, value: status.missingFields.length },
    ];
    if (status.jobId) wanted.push({ key: OpenTrainJobId, value: status.jobId });
    const external = externalId(input);
    if (external) wanted.push({ key: OpenTrainExternalId, value: external });
    const changed = wanted.filter(({ key, value }) => shownSearchAttributes.get(key.name) !== value);
    if (changed.length > 0) {
      for (const { key, value } of changed) shownSearchAttributes.set(key.name, value as string | number);
      upsertSearchAttributes(changed);
    }
    setCurrentDetails(describe(status));
  }

  // ------------------------------------------------------------------ handlers (registered before any await)
  setHandler(statusQuery, () => status, { description: 'The whole visible state of the lifecycle' });

  const refuseAnswersNow = (): LastError | null =>
    ANSWERABLE.includes(status.stage)
      ? null
      : { code: FailureTypes.notAcceptingAnswers, message: `The lifecycle is ${status.stage}; answers can no longer change the draft` };

  setHandler(
    answerSignal,
    (input) => {
      const values = input?.values;
      const refusal = refuseAnswersNow() ?? invalidAnswers(validateAnswers(values, answerContext));
      if (refusal) show.error(refusal);
      else inbox.addAnswers(values as Record<string, unknown>);
    },
    { description: 'Answers to missing fields, fire and forget ({ values })' },
  );

  setHandler(
    submitAnswersUpdate,
    async ({ values }): Promise<AnswersResult> => {
      const batch = inbox.addAnswers(values);
      await condition(() => batch.outcome !== undefined);
      if (batch.outcome && !batch.outcome.ok) {
        throw ApplicationFailure.create({ type: FailureTypes.answersRejected, message: batch.outcome.error.message, details: [batch.outcome.error], nonRetryable: true });
      }
      return { publishReady: status.publishReady, missingFields: status.missingFields, lowConfidenceFields: status.lowConfidenceFields, stage: status.stage };
    },
    {
      description: 'Answers to missing fields; returns the validation after the PATCH',
      validator: (input) => {
        const refusal = refuseAnswersNow() ?? invalidAnswers(validateAnswers(input?.values, answerContext));
        if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, details: [refusal], nonRetryable: true });
      },
    },
  );

  setHandler(
    confirmSignal,
    (confirmation) => {
      const corrections = confirmation?.corrections;
      if (corrections && Object.keys(corrections).length > 0) {
        const refusal = invalidAnswers(validateAnswers(corrections, answerContext));
        if (refusal) return show.error(refusal);
        inbox.addAnswers(corrections);
      }
      inbox.reviewConfirmed = true;
    },
    { description: 'Accept the low-confidence fields, with optional corrections' },
  );

  setHandler(approvePublishSignal, () => void (inbox.publishApproved = true), { description: 'Approve publishing (manual publish policy)' });

  const refuseClaimNow = (email: unknown): LastError | null => {
    if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      return { code: FailureTypes.invalidClaim, message: 'email must be an e-mail address', fields: [{ field: 'email', message: 'must be an e-mail address' }] };
    }
    if (!CLAIM_OPEN.includes(status.claim.state)) {
      return { code: FailureTypes.invalidClaim, message: `No claim can be started: the claim is ${status.claim.state}` };
    }
    return null;
  };

  setHandler(
    claimSignal,
    (input) => {
      const refusal = refuseClaimNow(input?.email);
      if (refusal) show.error(refusal);
      else inbox.requestClaim(input.email);
    },
    { description: 'Start (or restart) the claim for an owner e-mail, fire and forget' },
  );

  setHandler(
    startClaimUpdate,
    async ({ email }) => {
      const request = inbox.requestClaim(email);
      await condition(() => request.outcome !== undefined);
      if (request.outcome && !request.outcome.ok) {
        throw ApplicationFailure.create({ type: FailureTypes.invalidClaim, message: request.outcome.error.message, details: [request.outcome.error], nonRetryable: true });
      }
      return (request.outcome as { ok: true; started: ClaimStarted }).started;
    },
    {
      description: 'Start (or restart) the claim; returns the user code and where to enter it',
      validator: (input) => {
        const refusal = refuseClaimNow(input?.email);
        if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, details: [refusal], nonRetryable: true });
      },
    },
  );

  // ------------------------------------------------------------------ the process
  try {
    const account = await establishAccount();
    await Promise.all([runJob(account), runClaim(account)]);
    show.stage('COMPLETED');
    await condition(allHandlersFinished);
    return result();
  } catch (error) {
    if (isCancellation(error)) {
      inbox.refuseAnswers({ code: 'CANCELLED', message: 'The lifecycle was cancelled' });
      inbox.refuseClaimRequest({ code: 'CANCELLED', message: 'The lifecycle was cancelled' });
      show.stage('CANCELLED');
      throw error;
    }
    show.error(errorOf(error));
    show.stage('FAILED');
    inbox.refuseAnswers({ code: 'FAILED', message: 'The lifecycle failed' });
    inbox.refuseClaimRequest({ code: 'FAILED', message: 'The lifecycle failed' });
    throw error;
  }

  /** Register a new identity, or use a stored credential; then check the token and the account's features. */
  async function establishAccount(): Promise<AccountView> {
    show.stage('REGISTERING');
    let account: AccountView | null = null;
    if (input.account && 'credentialId' in input.account) {
      account = { credentialId: input.account.credentialId, scopes: [], claimed: true, claimWindowEndsAt: null, canClaim: false };
    } else if (!input.account) {
      account = await opentrain('look for a token configured on the worker').adoptConfiguredToken();
    }
    account ??= await opentrain('register an anonymous OpenTrain identity').registerAccount({
      agentName: input.account && 'agentName' in input.account ? input.account.agentName : undefined,
      organizationName: input.account && 'organizationName' in input.account ? input.account.organizationName : undefined,
    });
    status.credentialId = account.credentialId;

    show.stage('VERIFYING');
    account = await opentrain('verify the token (GET /auth/me)').verifyAccount(account.credentialId);
    scopes = account.scopes;
    const capabilities = await opentrain('probe the account\'s capabilities').probeCapabilities(account.credentialId);
    if (capabilities.disabledFeatures.length > 0) {
      throw ApplicationFailure.create({
        type: FailureTypes.featureDisabled,
        message: `This OpenTrain account has features switched off that the lifecycle needs: ${capabilities.disabledFeatures.join(', ')}`,
        nonRetryable: true,
      });
    }
    answerContext.updateKeys = capabilities.updateKeys.length > 0 ? capabilities.updateKeys : null;
    answerContext.enums = capabilities.enums;
    return account;
  }

  // ------------------------------------------------------------------ job branch
  async function runJob(account: AccountView): Promise<void> {
    show.stage('DRAFTING');
    const body = { ...input.draft, idempotencyKey: input.draft.idempotencyKey ?? workflowInfo().workflowId };
    show.draft(await opentrain('create the job draft').createDraft({ credentialId: account.credentialId, body }));
    if (input.answers && Object.keys(input.answers).length > 0) inbox.addAnswers(input.answers, { first: true });

    for (;;) {
      const batch = inbox.takeAnswers();
      if (batch) {
        show.stage('UPDATING_DRAFT');
        batch.outcome = await patchDraft(account, status.jobId as string, batch.values);
        continue;
      }
      if (!status.publishReady) {
        await waitFor('AWAITING_ANSWERS', `answers to ${status.missingFields.length} missing field(s)`, () => inbox.hasAnswers());
        continue;
      }
      if (policy.review === 'confirm' && status.lowConfidenceFields.length > 0 && !inbox.reviewConfirmed) {
        await waitFor('AWAITING_REVIEW', 'confirmation of low-confidence fields', () => inbox.reviewConfirmed || inbox.hasAnswers());
        continue;
      }
      if (policy.publish === 'manual' && !inbox.publishApproved) {
        await waitFor('AWAITING_PUBLISH_APPROVAL', 'approval to publish', () => inbox.publishApproved || inbox.hasAnswers());
        continue;
      }

      show.stage('PUBLISHING');
      const published = await opentrain('publish the job').publishJob({ credentialId: account.credentialId, jobId: status.jobId as string });
      switch (published.outcome) {
        case 'published':
          Object.assign(status, { jobStatus: published.status, jobUrl: published.jobUrl });
          show.error(null);
          show.stage('LIVE');
          inbox.refuseAnswers({ code: FailureTypes.notAcceptingAnswers, message: 'The job is live; answers can no longer change the draft' });
          return;
        case 'notReady':
          // Not publish-ready after all: back to the patch loop with the fields OpenTrain named.
          show.error({ code: 'NOT_PUBLISH_READY', message: published.message });
          Object.assign(status, { publishReady: false });
          if (published.missingFields.length > 0) show.draft({ ...draftOf(status), publishReady: false, missingFields: published.missingFields });
          continue;
        case 'moderationBlocked':
          show.error({ code: 'MODERATION_BLOCKED', message: published.message, reasons: published.reasons });
          await waitFor('MODERATION_BLOCKED', `edits for moderation: ${published.reasons.join('; ') || 'content refused'}`, () => inbox.hasAnswers());
          continue;
        case 'dailyLimit': {
          const resumeAt = published.resetAt ? Date.parse(published.resetAt) : Date.now() + (published.retryAfterMs ?? 3_600_000);
          show.error({ code: 'DAILY_PUBLISH_LIMIT', message: published.message });
          show.stage('WAITING_PUBLISH_QUOTA', `the daily publish quota to reset at ${new Date(resumeAt).toISOString()}`);
          await sleep(Math.max(1_000, resumeAt - Date.now()), { summary: 'wait for the daily publish quota to reset' });
          continue;
        }
      }
    }
  }

  async function patchDraft(account: AccountView, jobId: string, values: Record<string, unknown>): Promise<{ ok: true } | { ok: false; error: LastError }> {
    try {
      show.draft(await opentrain(`patch the draft: ${Object.keys(values).join(', ')}`.slice(0, 200)).patchDraft({ credentialId: account.credentialId, jobId, values }));
      show.error(null);
      return { ok: true };
    } catch (error) {
      // OpenTrain (400) or the client's own check of the PATCH refused the values: show why, keep waiting.
      const refused = applicationFailureOf(error);
      if (refused?.type === 'BadRequestError' || refused?.type === 'RequestValidationError') {
        const lastError = { code: 'PATCH_REJECTED', message: refused.message, fields: fieldErrorsOf(refused.details?.[0]) };
        show.error(lastError);
        return { ok: false, error: lastError };
      }
      throw error;
    }
  }

  async function waitFor(stage: Stage, what: string, ready: () => boolean): Promise<void> {
    show.stage(stage, what);
    await condition(ready);
  }

  // ------------------------------------------------------------------ claim branch
  async function runClaim(account: AccountView): Promise<void> {
    if (!account.canClaim || account.claimed || (input.claim && 'skip' in input.claim)) {
      show.claim('NOT_NEEDED');
      inbox.refuseClaimRequest({ code: FailureTypes.invalidClaim, message: 'This account needs no claim' });
      return;
    }
    const windowEndsAt = Date.parse(account.claimWindowEndsAt ?? '') || Date.now() + 24 * 3_600_000;
    if (input.claim && 'email' in input.claim && !inbox.hasClaimRequest()) inbox.requestClaim(input.claim.email);

    let request: ClaimRequest | null = null;
    let attemptsInSeries = 0;
    for (;;) {
      if (!request) {
        show.claim('AWAITING_EMAIL');
        const asked = await condition(() => inbox.hasClaimRequest(), Math.max(1, windowEndsAt - Date.now()), { summary: 'wait for an owner e-mail until the claim window closes' });
        if (!asked) return show.claim('EXPIRED');
        request = inbox.takeClaimRequest();
        attemptsInSeries = 0;
        continue;
      }
      if (Date.now() >= windowEndsAt) {
        request.outcome = { ok: false, error: { code: 'CLAIM_WINDOW_CLOSED', message: 'The claim window has closed' } };
        return show.claim('EXPIRED');
      }

      const started = await opentrain(`start claim attempt ${status.claim.attempt + 1}`).startClaim({ credentialId: account.credentialId, email: request.email });
      if (started.outcome !== 'started') {
        const error = { code: started.outcome === 'emailAlreadyRegistered' ? 'EMAIL_ALREADY_REGISTERED' : started.outcome === 'alreadyClaimed' ? 'ALREADY_CLAIMED' : 'CLAIM_WINDOW_CLOSED', message: started.message };
        request.outcome = { ok: false, error };
        show.error(error);
        if (started.outcome === 'windowClosed') return show.claim('EXPIRED');
        if (started.outcome === 'alreadyClaimed') return show.claim('FAILED');
        request = null; // ask for another e-mail
        continue;
      }
      attemptsInSeries += 1;
      const expiresAt = Math.min(Date.now() + started.expiresInSec * 1000, windowEndsAt);
      Object.assign(status.claim, {
        userCode: started.userCode,
        verificationUri: started.verificationUri,
        expiresAt: new Date(expiresAt).toISOString(),
        attempt: status.claim.attempt + 1,
        email: request.email,
      });
      show.claim('PENDING_HUMAN');
      request.outcome = { ok: true, started: { userCode: started.userCode, verificationUri: started.verificationUri, expiresAt: new Date(expiresAt).toISOString(), attempt: status.claim.attempt } };

      const ended = await pollAttempt(account, started, expiresAt);
      if (ended === 'claimed') {
        Object.assign(status.claim, { userCode: null, verificationUri: null, expiresAt: null });
        return show.claim('CLAIMED');
      }
      if (ended === 'restart') {
        request = inbox.takeClaimRequest();
        attemptsInSeries = 0;
        continue;
      }
      if (ended === 'windowClosed') return show.claim('EXPIRED');
      if (ended === 'failed') return show.claim('FAILED');
      // The attempt lapsed: start a new one automatically, up to the policy, then wait for a new request.
      show.error({ code: 'CLAIM_ATTEMPT_EXPIRED', message: `Claim attempt ${status.claim.attempt} lapsed before the code was entered` });
      if (attemptsInSeries >= policy.claimAttempts) request = null;
    }
  }

  /** Polls one claim attempt until the human finishes, the attempt lapses, or a new claim request arrives. */
  async function pollAttempt(account: AccountView, attempt: ClaimAttemptView, expiresAt: number): Promise<'claimed' | 'lapsed' | 'restart' | 'windowClosed' | 'failed'> {
    const poller = proxyActivities<Activities>({
      // Polling happens in the retry policy, not in workflow code: history does not grow with the polls.
      scheduleToCloseTimeout: Math.max(1_000, expiresAt - Date.now()),
      // Short, so a poll lost with a crashed worker is retried soon (the token it may have stored is kept).
      startToCloseTimeout: '20 seconds',
      heartbeatTimeout: '20 seconds',
      retry: { initialInterval: attempt.intervalSec * 1000, backoffCoefficient: 1, maximumInterval: attempt.intervalSec * 1000 },
      summary: `poll the claim token every ${attempt.intervalSec}s (attempt ${status.claim.attempt})`,
    });
    const scope = new CancellationScope();
    let outcome: 'claimed' | 'lapsed' | 'windowClosed' | 'failed' | undefined;
    const polling = scope
      .run(async () => {
        // RFC 8628: wait one interval before the first poll.
        await sleep(attempt.intervalSec * 1000, { summary: 'first claim poll after one interval' });
        const grant = await poller.pollClaimToken({ credentialId: account.credentialId, intervalSec: attempt.intervalSec });
        scopes = grant.scopes;
        outcome = 'claimed';
      })
      .catch((error: unknown) => {
        if (isCancellation(error)) return;
        outcome = classifyPollFailure(error);
      });
    await condition(() => outcome !== undefined || inbox.hasClaimRequest());
    if (outcome === undefined) {
      scope.cancel();
      await polling;
      return outcome ?? 'restart';
    }
    return outcome;
  }

  function classifyPollFailure(error: unknown): 'lapsed' | 'windowClosed' | 'failed' {
    // The attempt's time ran out while the retry policy was still polling.
    if (error instanceof ActivityFailure && (error.retryState === RetryState.TIMEOUT || error.cause instanceof TimeoutFailure)) return 'lapsed';
    const failure = applicationFailureOf(error);
    const description = String((failure?.details?.[0] as { errorDescription?: unknown } | undefined)?.errorDescription ?? '');
    if (failure?.type === 'ExpiredTokenError') return description.includes('claim_attempt_expired') ? 'lapsed' : 'windowClosed';
    show.error(errorOf(error));
    return 'failed';
  }

  function result(): LifecycleResult {
    return {
      stage: status.stage,
      jobId: status.jobId,
      jobStatus: status.jobStatus,
      jobUrl: status.jobUrl,
      claimState: status.claim.state,
      scopes,
      credentialId: status.credentialId,
    };
  }
}

// ------------------------------------------------------------------ helpers (pure)

function parseInput(raw: LifecycleInput): ParsedLifecycleInput {
  const checked = checkLifecycleInput(raw);
  if (!checked.ok) {
    throw ApplicationFailure.create({
      type: FailureTypes.invalidInput,
      message: `Invalid jobLifecycle input: ${checked.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      details: [checked.issues],
      nonRetryable: true,
    });
  }
  return checked.input;
}

function initialStatus(): LifecycleStatus {
  return {
    stage: 'REGISTERING',
    jobId: null,
    jobStatus: null,
    jobUrl: null,
    draftUrl: null,
    reviewUrl: null,
    publishReady: false,
    missingFields: [],
    lowConfidenceFields: [],
    warnings: [],
    unmappedFields: [],
    lastError: null,
    claim: { state: 'AWAITING_EMAIL', userCode: null, verificationUri: null, expiresAt: null, attempt: 0, email: null },
    credentialId: null,
    waitingFor: null,
  };
}

function externalId(input: ParsedLifecycleInput): string | null {
  const draft = input.draft as { externalId?: string; source?: { externalId?: string } };
  return draft.externalId ?? draft.source?.externalId ?? null;
}

function draftOf(status: LifecycleStatus): DraftView {
  return {
    jobId: status.jobId as string,
    status: status.jobStatus ?? 'DRAFT',
    draftUrl: status.draftUrl,
    reviewUrl: status.reviewUrl,
    publishReady: status.publishReady,
    missingFields: status.missingFields,
    lowConfidenceFields: status.lowConfidenceFields,
    warnings: status.warnings,
    unmappedFields: status.unmappedFields,
  };
}

function invalidAnswers(errors: FieldError[]): LastError | null {
  if (errors.length === 0) return null;
  return { code: FailureTypes.invalidAnswers, message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), fields: errors };
}

function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause;
  return undefined;
}

function errorOf(error: unknown): LastError {
  const failure = applicationFailureOf(error);
  if (failure) return { code: failure.type ?? 'Error', message: failure.message };
  return { code: 'Error', message: error instanceof Error ? error.message : String(error) };
}

/** Per-field problems from OpenTrain's zod-style `details.issues`. */
function fieldErrorsOf(details: unknown): FieldError[] | undefined {
  const issues = (details as { details?: { issues?: Array<{ path?: unknown; message?: unknown }> } } | undefined)?.details?.issues;
  if (!Array.isArray(issues)) return undefined;
  return issues.map((issue) => ({
    field: Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? ''),
    message: String(issue.message ?? 'invalid'),
  }));
}

/** Markdown for the Web UI's "current details": where the lifecycle is and what it waits for. */
function describe(status: LifecycleStatus): string {
  const lines = [`**Stage:** ${status.stage}`];
  if (status.waitingFor) lines.push(`**Waiting for:** ${status.waitingFor}`);
  if (status.jobId) lines.push(`**Job:** ${status.jobId}${status.jobUrl ? ` (${status.jobUrl})` : ''}`);
  if (status.missingFields.length > 0) lines.push(`**Missing:** ${status.missingFields.map((f) => f.field).join(', ')}`);
  lines.push(`**Claim:** ${status.claim.state}${status.claim.userCode ? ` (code ${status.claim.userCode}, attempt ${status.claim.attempt})` : ''}`);
  if (status.lastError) lines.push(`**Last error:** ${status.lastError.code}: ${status.lastError.message}`);
  return lines.join('\n\n');
}
