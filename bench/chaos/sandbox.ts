/**
 * The chaos run's view of the OpenTrain sandbox: its control routes over HTTP (faults, state, calls, claim
 * approval), and a collector that keeps every call the sandbox logged (its log holds the last 2000 only).
 */
import type { CallRecord } from '../../src/sandbox';

export type { CallRecord } from '../../src/sandbox';

export interface SandboxAccount {
  registrationId: string;
  claimed: boolean;
  email: string | null;
  postClaimTokenDelivered: boolean;
  activeTokens: number;
  claim: { attempts: number; current: { id: string; status: string; email: string; intervalSec: number; expiresAt: string } | null };
  drafts: Array<{ jobId: string; status: string; idempotencyKey: string | null; externalId: string | null; publishCount: number }>;
}

export interface SandboxState {
  now: string;
  counts: Record<string, number>;
  publishCountByJob: Record<string, number>;
  accounts: SandboxAccount[];
}

export class SandboxControl {
  constructor(readonly url: string) {}

  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, body: answer } = await this.request<T>(method, path, body);
    if (status >= 400) throw new Error(`sandbox ${method} ${path}: ${status} ${JSON.stringify(answer)}`);
    return answer;
  }

  state(): Promise<SandboxState> {
    return this.control<SandboxState>('GET', '/__sandbox/state');
  }

  async calls(): Promise<CallRecord[]> {
    return (await this.control<{ calls: CallRecord[] }>('GET', '/__sandbox/calls')).calls;
  }

  /** What the human does on the verification page. 409 = not pending any more (already approved, superseded). */
  async approve(userCode: string): Promise<{ status: number; body: unknown }> {
    return this.request('POST', `/__sandbox/claims/${encodeURIComponent(userCode)}/approve`, {});
  }
}

/** Polls GET /__sandbox/calls and keeps every record by request id, so nothing falls off the sandbox's 2000-entry log. */
export class CallCollector {
  private readonly byId = new Map<string, CallRecord>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Polls where the oldest returned record was new to us while the log was full: records may have been missed. */
  possibleGaps = 0;

  constructor(private readonly sandbox: SandboxControl, private readonly intervalMs = 700) {}

  start(): void {
    const tick = () => {
      this.running = this.collect()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== null) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async collect(): Promise<void> {
    const calls = await this.sandbox.calls();
    if (calls.length >= 2000 && this.byId.size > 0 && calls[0] && !this.byId.has(calls[0].requestId)) this.possibleGaps += 1;
    for (const call of calls) this.byId.set(call.requestId, call);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.collect();
  }

  all(): CallRecord[] {
    return [...this.byId.values()].sort((a, b) => a.time.localeCompare(b.time));
  }
}
