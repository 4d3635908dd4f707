/**
 * Counts the OpenTrain HTTP calls the sandbox received, from its call log (GET /__sandbox/calls).
 * The log keeps the last 2,000 calls, so the collector reads it every second while a batch runs and
 * counts each call once (by request id).
 */
import type { CallRecord } from '../../src/sandbox';
import { percentiles, type Percentiles } from './stats';

export interface CallCounts {
  total: number;
  byRoute: Record<string, number>;
  /** Responses by route and status, e.g. "POST /api/agent/oauth/token 400". */
  byRouteStatus: Record<string, number>;
  /** Time the sandbox spent answering, by route (ms). */
  durationByRoute: Record<string, Percentiles>;
}

/** `/api/public/v1/job-drafts/job_8f2.../x` → `/api/public/v1/job-drafts/:id/x`. */
export function routeOf(method: string, path: string): string {
  const clean = (path.split('?')[0] ?? '').split('/').map((segment) => (/\d/.test(segment) && !/^v\d+$/.test(segment) ? ':id' : segment)).join('/');
  return `${method} ${clean}`;
}

export class CallCollector {
  private readonly seen = new Set<string>();
  private readonly records: CallRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly sandboxUrl: string) {}

  async start(): Promise<void> {
    await fetch(`${this.sandboxUrl}/__sandbox/calls`, { method: 'DELETE' });
    this.timer = setInterval(() => void this.read(), 1_000);
  }

  private read(): Promise<void> {
    this.reading = this.reading.then(async () => {
      const { calls } = (await (await fetch(`${this.sandboxUrl}/__sandbox/calls`)).json()) as { calls: CallRecord[] };
      for (const call of calls) {
        if (this.seen.has(call.requestId)) continue;
        this.seen.add(call.requestId);
        this.records.push(call);
      }
    }).catch(() => undefined);
    return this.reading;
  }

  async stop(): Promise<CallCounts> {
    clearInterval(this.timer);
    await this.read();
    const byRoute: Record<string, number> = {};
    const byRouteStatus: Record<string, number> = {};
    const durations: Record<string, number[]> = {};
    for (const call of this.records) {
      const route = routeOf(call.method, call.path);
      byRoute[route] = (byRoute[route] ?? 0) + 1;
      const key = `${route} ${call.status ?? (call.abandoned ? 'abandoned' : 'dropped')}`;
      byRouteStatus[key] = (byRouteStatus[key] ?? 0) + 1;
      (durations[route] ??= []).push(call.durationMs);
    }
    return {
      total: this.records.length,
      byRoute,
      byRouteStatus,
      durationByRoute: Object.fromEntries(Object.entries(durations).map(([route, values]) => [route, percentiles(values)])),
    };
  }
}
