/**
 * The people behind each lifecycle in a chaos run: they read the `status` query and answer missing fields
 * (update `submitAnswers` or signal `answer`), confirm the review, approve publishing, give the owner e-mail
 * (input, signal `claim` or update `startClaim`) and enter the claim code on the verification page.
 *
 * Some of them deliberately act while things are down (a worker killed, the Temporal server killed): they
 * wait for the next down window and act on the status they saw last. Every client call is retried until it
 * lands; every wait is bounded by the run's deadline.
 */
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  answerSignal,
  approvePublishSignal,
  claimSignal,
  confirmSignal,
  startClaimUpdate,
  statusQuery,
  submitAnswersUpdate,
  type LifecycleResult,
  type LifecycleStatus,
} from '../../src/workflows/definitions';
import type { LifecycleInput } from '../../src/workflows/input';
import type { jobLifecycle } from '../../src/workflows/job-lifecycle';
import { plausibleAnswer } from '../lib/people';
import type { Rng } from './rng';

export const VAGUE_JOB = 'We need people to draw bounding boxes around cars in street photos for a self-driving project.';
export const CLEAR_JOB =
  'Image categorisation: we need 5 annotators to label 10,000 images of street scenes. Pay is $0.05 per label. ' +
  'Intermediate experience. English speakers.';
export const BLOCKED_JOB = `${CLEAR_JOB} Label counterfeit handbags in product photos.`;
export const CLEANED_DESCRIPTION = 'Label genuine handbags in product photos of street scenes.';

export type DesignKind = 'vague' | 'review-manual' | 'moderation';

export interface Design {
  kind: DesignKind;
  answerVia: 'update' | 'signal';
  claimVia: 'input' | 'signal' | 'update';
  /** Share of this person's actions taken while something is down. */
  actWhileDown: number;
  /** What the lifecycle must come to. Every design here ends COMPLETED, job OPEN, claim CLAIMED. */
  expected: { stage: 'COMPLETED'; jobStatus: 'OPEN'; claimState: 'CLAIMED' };
}

export function makeDesign(rng: Rng): Design {
  const roll = rng.next();
  const kind: DesignKind = roll < 0.6 ? 'vague' : roll < 0.8 ? 'review-manual' : 'moderation';
  const claimRoll = rng.next();
  return {
    kind,
    answerVia: rng.chance(0.5) ? 'update' : 'signal',
    claimVia: claimRoll < 0.6 ? 'input' : claimRoll < 0.8 ? 'signal' : 'update',
    actWhileDown: 0.4,
    expected: { stage: 'COMPLETED', jobStatus: 'OPEN', claimState: 'CLAIMED' },
  };
}

export function inputFor(id: string, email: string, design: Design): LifecycleInput {
  const text = design.kind === 'vague' ? VAGUE_JOB : design.kind === 'review-manual' ? CLEAR_JOB : BLOCKED_JOB;
  return {
    draft: { rawJobDescription: text, externalId: id },
    ...(design.claimVia === 'input' ? { claim: { email } } : {}),
    policy: design.kind === 'review-manual' ? { review: 'confirm', publish: 'manual' } : { review: 'accept', publish: 'auto' },
  };
}

export interface ChaosEnv {
  client: Client;
  /** Resolves when the next down window begins (a kill), or null when no more are scheduled. */
  nextDownWindow(): Promise<void> | null;
  /** What is down right now, for the record. */
  down(): 'worker' | 'server' | null;
  /** Approves a claim code at the sandbox, with the token endpoint made safe for the delivery first. */
  approve(userCode: string): Promise<'approved' | 'not-pending' | 'error'>;
  log(line: string): void;
  now(): number;
}

export interface ActionRecord {
  action: string;
  via: string;
  at: number;
  /** What was down when the person acted (null = everything up). */
  sentWhileDown: 'worker' | 'server' | null;
  /** Tries until the call landed. */
  tries: number;
  landed: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LifecycleDriver {
  readonly handle: WorkflowHandle<typeof jobLifecycle>;
  status: LifecycleStatus | null = null;
  result: LifecycleResult | null = null;
  closedAs: string | null = null;
  failure: string | null = null;
  readonly actions: ActionRecord[] = [];
  private jobKey = '';
  private jobActedAt = 0;
  private claimKey = '';
  private claimActedAt = 0;
  private approvedCodes = new Set<string>();
  private updateGeneration = new Map<string, number>();
  private jobPending: Promise<void> | null = null;
  private claimPending: Promise<void> | null = null;

  constructor(
    readonly id: string,
    readonly email: string,
    readonly design: Design,
    private readonly env: ChaosEnv,
    private readonly rng: Rng,
  ) {
    this.handle = env.client.workflow.getHandle(id);
  }

  /** Drives the lifecycle until it closes or the deadline passes. */
  async run(deadline: number): Promise<void> {
    let loops = 0;
    while (this.env.now() < deadline) {
      loops += 1;
      if (loops % 8 === 0 && (await this.checkClosed())) break;
      const status = await this.query();
      if (status) {
        this.status = status;
        if (status.stage === 'COMPLETED' || status.stage === 'FAILED' || status.stage === 'CANCELLED') {
          if (await this.checkClosed()) break;
        }
      }
      // One action at a time on each branch; a slow one (waiting for a down window) runs on its own.
      const seen = this.status;
      if (seen && !this.jobPending) this.jobPending = this.actOnJob(seen, deadline).finally(() => (this.jobPending = null));
      if (seen && !this.claimPending) this.claimPending = this.actOnClaim(seen, deadline).finally(() => (this.claimPending = null));
      await sleep(status ? 400 + this.rng.int(0, 400) : 1_000);
    }
    if (!this.closedAs) {
      await this.checkClosed();
      if (!this.closedAs) this.failure = `still ${this.status?.stage ?? 'unknown'} (claim ${this.status?.claim.state ?? '?'}) at the deadline`;
    }
  }

  private async query(): Promise<LifecycleStatus | null> {
    try {
      return await this.env.client.withAbortSignal(AbortSignal.timeout(5_000), () => this.handle.query(statusQuery));
    } catch {
      return null;
    }
  }

  private async checkClosed(): Promise<boolean> {
    try {
      const description = await this.env.client.withAbortSignal(AbortSignal.timeout(5_000), () => this.handle.describe());
      const name = description.status.name;
      if (name === 'RUNNING') return false;
      this.closedAs = name;
      if (name === 'COMPLETED') {
        this.result = await this.env.client.withAbortSignal(AbortSignal.timeout(10_000), () => this.handle.result());
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Most people act after a short think; some wait for things to be down and act then. */
  private async humanPause(): Promise<void> {
    if (this.rng.chance(this.design.actWhileDown)) {
      const window = this.env.nextDownWindow();
      if (window) {
        await window;
        await sleep(this.rng.int(100, 1_500));
        return;
      }
    }
    await sleep(this.rng.int(200, 2_000));
  }

  private async actOnJob(status: LifecycleStatus, deadline: number): Promise<void> {
    const key = `${status.stage}|${status.missingFields.map((f) => f.field).join(',')}|${status.lowConfidenceFields.length}`;
    // Act once per state; act again only if the state has not moved for a while (the action may have been lost).
    if (key === this.jobKey && this.env.now() - this.jobActedAt < 25_000) return;
    let action: (() => Promise<void>) | null = null;
    if (status.stage === 'AWAITING_ANSWERS' && status.missingFields[0]) {
      const field = status.missingFields[0];
      action = () => this.answer(field.field, plausibleAnswer(field), deadline);
    } else if (status.stage === 'MODERATION_BLOCKED') {
      action = () => this.answer('jobDescription', { jobDescription: CLEANED_DESCRIPTION }, deadline);
    } else if (status.stage === 'AWAITING_REVIEW') {
      action = () => this.signal('confirm', () => this.handle.signal(confirmSignal, {}), deadline);
    } else if (status.stage === 'AWAITING_PUBLISH_APPROVAL') {
      action = () => this.signal('approvePublish', () => this.handle.signal(approvePublishSignal), deadline);
    }
    if (!action) return;
    this.jobKey = key;
    this.jobActedAt = this.env.now();
    await this.humanPause();
    await action();
    this.jobActedAt = this.env.now();
  }

  private async actOnClaim(status: LifecycleStatus, deadline: number): Promise<void> {
    const claim = status.claim;
    if (claim.state === 'AWAITING_EMAIL' && this.design.claimVia !== 'input') {
      const key = `email|${claim.attempt}`;
      if (key === this.claimKey && this.env.now() - this.claimActedAt < 25_000) return;
      this.claimKey = key;
      this.claimActedAt = this.env.now();
      await this.humanPause();
      if (this.design.claimVia === 'signal') {
        await this.signal('claim', () => this.handle.signal(claimSignal, { email: this.email }), deadline);
      } else {
        await this.update('startClaim', `${this.id}:startClaim:${claim.attempt}`, () => startClaimUpdate, { email: this.email }, deadline);
      }
      this.claimActedAt = this.env.now();
      return;
    }
    if (claim.state === 'PENDING_HUMAN' && claim.userCode && !this.approvedCodes.has(claim.userCode)) {
      // The human enters the code while things are down whenever a down window is still to come.
      const window = this.env.nextDownWindow();
      if (window) await window;
      await sleep(this.rng.int(100, 1_500));
      const record: ActionRecord = { action: 'approve claim', via: 'sandbox', at: this.env.now(), sentWhileDown: this.env.down(), tries: 0, landed: false };
      this.actions.push(record);
      while (this.env.now() < deadline) {
        record.tries += 1;
        const outcome = await this.env.approve(claim.userCode);
        if (outcome !== 'error') {
          record.landed = outcome === 'approved';
          this.approvedCodes.add(claim.userCode);
          break;
        }
        await sleep(1_000);
      }
    }
  }

  private async answer(field: string, values: Record<string, unknown>, deadline: number): Promise<void> {
    if (this.design.answerVia === 'signal') {
      await this.signal(`answer ${field}`, () => this.handle.signal(answerSignal, { values }), deadline);
      return;
    }
    const generation = this.updateGeneration.get(field) ?? 0;
    const ok = await this.update(`answer ${field}`, `${this.id}:answer:${field}:${generation}`, () => submitAnswersUpdate, { values }, deadline);
    if (!ok) this.updateGeneration.set(field, generation + 1);
  }

  /** A signal, retried until the server takes it. */
  private async signal(action: string, send: () => Promise<void>, deadline: number): Promise<void> {
    const record: ActionRecord = { action, via: 'signal', at: this.env.now(), sentWhileDown: this.env.down(), tries: 0, landed: false };
    this.actions.push(record);
    while (this.env.now() < deadline) {
      record.tries += 1;
      try {
        await this.env.client.withAbortSignal(AbortSignal.timeout(10_000), send);
        record.landed = true;
        return;
      } catch (error) {
        if (/not found|already completed/i.test((error as Error).message)) return;
        await sleep(1_000);
      }
    }
  }

  /**
   * An update with a stable update id, retried until it has a result: a retry of one that already went through
   * gets its result back rather than a second application. Returns false when the lifecycle refused it.
   */
  private async update<A>(
    action: string,
    updateId: string,
    definition: () => typeof submitAnswersUpdate | typeof startClaimUpdate,
    arg: A,
    deadline: number,
  ): Promise<boolean> {
    const record: ActionRecord = { action, via: 'update', at: this.env.now(), sentWhileDown: this.env.down(), tries: 0, landed: false };
    this.actions.push(record);
    while (this.env.now() < deadline) {
      record.tries += 1;
      try {
        await this.env.client.withAbortSignal(AbortSignal.timeout(20_000), () =>
          this.handle.executeUpdate(definition() as never, { args: [arg] as never, updateId }),
        );
        record.landed = true;
        return true;
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) {
          this.env.log(`${this.id}: ${action} refused: ${(error.cause as Error | undefined)?.message ?? error.message}`);
          record.landed = true;
          return false;
        }
        if (/not found|already completed/i.test((error as Error).message)) return false;
        await sleep(1_000);
      }
    }
    return false;
  }
}
