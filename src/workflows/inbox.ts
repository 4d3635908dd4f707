/**
 * What people and backends have sent the lifecycle and it has not acted on yet. Signal and update
 * handlers only put things here; the workflow's main loops take them out and do the work, so every
 * activity call happens in one place and handlers stay trivial.
 */
import type { ClaimStarted, LastError } from './definitions';

export interface AnswerBatch {
  seq: number;
  values: Record<string, unknown>;
  /** Set when the main loop has applied (or refused) the batch; an update handler waits for it. */
  outcome?: { ok: true } | { ok: false; error: LastError };
}

export interface ClaimRequest {
  seq: number;
  email: string;
  outcome?: { ok: true; started: ClaimStarted } | { ok: false; error: LastError };
}

export class Inbox {
  private seq = 0;
  private readonly answers: AnswerBatch[] = [];
  private claim: ClaimRequest | null = null;
  reviewConfirmed = false;
  publishApproved = false;

  addAnswers(values: Record<string, unknown>, options: { first?: boolean } = {}): AnswerBatch {
    const batch: AnswerBatch = { seq: ++this.seq, values };
    if (options.first) this.answers.unshift(batch);
    else this.answers.push(batch);
    return batch;
  }

  hasAnswers(): boolean {
    return this.answers.length > 0;
  }

  takeAnswers(): AnswerBatch | undefined {
    return this.answers.shift();
  }

  /** Refuses every waiting batch, e.g. once the job is live and no longer a draft. */
  refuseAnswers(error: LastError): void {
    for (const batch of this.answers.splice(0)) batch.outcome = { ok: false, error };
  }

  /** A newer claim request replaces an older one that was not acted on yet. */
  requestClaim(email: string): ClaimRequest {
    if (this.claim && !this.claim.outcome) {
      this.claim.outcome = { ok: false, error: { code: 'SUPERSEDED', message: 'A newer claim request replaced this one' } };
    }
    this.claim = { seq: ++this.seq, email };
    return this.claim;
  }

  hasClaimRequest(): boolean {
    return this.claim !== null;
  }

  takeClaimRequest(): ClaimRequest | null {
    const request = this.claim;
    this.claim = null;
    return request;
  }

  refuseClaimRequest(error: LastError): void {
    const request = this.takeClaimRequest();
    if (request) request.outcome = { ok: false, error };
  }
}
