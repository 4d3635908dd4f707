/**
 * What the chaos run injects into the sandbox through POST /__sandbox/faults: for every route a lifecycle
 * uses, every kind of fault (5xx, 429 with Retry-After, added latency, dropped connection, malformed body),
 * once deterministically (so every route meets every kind at least once) and then at random for the whole run
 * (`probability` faults with a large `times`).
 *
 * One exception is managed here: a malformed answer from the token endpoint to the poll that carries the
 * one-time post-claim token loses that token for good (OpenTrain delivers it once; RFC 8628 has no re-delivery).
 * That is a property of the protocol, not something an orchestrator can survive, so malformed faults on the
 * token endpoint are lifted while an approved claim's token is on its way (see `suspendTokenMalformed`).
 */
import type { Rng } from './rng';
import type { CallRecord, SandboxControl } from './sandbox';

export const FAULT_KINDS = ['5xx', '429', 'latency', 'drop', 'malformed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Route {
  name: string;
  method: string;
  /** Exact path, or a prefix ending in `*` (the sandbox's matching). */
  path: string;
}

/** Every OpenTrain route a jobLifecycle calls. */
export const LIFECYCLE_ROUTES: Route[] = [
  { name: 'POST /api/agent/identity', method: 'POST', path: '/api/agent/identity' },
  { name: 'GET /auth/me', method: 'GET', path: '/api/public/v1/auth/me' },
  { name: 'GET /job-drafts/capabilities', method: 'GET', path: '/api/public/v1/job-drafts/capabilities' },
  { name: 'POST /job-drafts', method: 'POST', path: '/api/public/v1/job-drafts' },
  { name: 'PATCH /job-drafts/{id}', method: 'PATCH', path: '/api/public/v1/job-drafts/*' },
  { name: 'POST /jobs/{id}/publish', method: 'POST', path: '/api/public/v1/jobs/*' },
  { name: 'POST /api/agent/identity/claim', method: 'POST', path: '/api/agent/identity/claim' },
  { name: 'POST /api/agent/oauth/token', method: 'POST', path: '/api/agent/oauth/token' },
];
export const TOKEN_ROUTE = 'POST /api/agent/oauth/token';

interface FaultSpec {
  key: string;
  route: Route;
  kind: FaultKind;
  once: boolean;
  body: Record<string, unknown>;
}

export interface FaultPlanOptions {
  /** Probability of each kind per matching request (latency gets 1.5 times this). */
  probability: number;
  /** Latency faults add a delay in [min, max] ms (below the activities' 10 s client timeout). */
  latencyMs: [number, number];
}

function bodyFor(kind: FaultKind, rng: Rng, options: FaultPlanOptions): Record<string, unknown> {
  switch (kind) {
    case '5xx':
      return { status: rng.pick([500, 502, 503]) };
    case '429':
      return { status: 429, retryAfterSec: rng.int(1, 3) };
    case 'latency':
      return { delayMs: rng.int(options.latencyMs[0], options.latencyMs[1]) };
    case 'drop':
      return { drop: true };
    case 'malformed':
      return { malformed: true };
  }
}

export class FaultPlan {
  private readonly specs: FaultSpec[] = [];
  /** sandbox fault id -> what it was */
  private readonly byFaultId = new Map<string, { route: string; kind: FaultKind; once: boolean }>();
  private readonly onceHit = new Set<string>();
  /** once-fault key -> the sandbox id it has in the current install */
  private readonly onceInstalled = new Map<string, string>();
  private tokenMalformedSuspended = false;
  installs = 0;

  constructor(private readonly sandbox: SandboxControl, rng: Rng, private readonly options: FaultPlanOptions) {
    // Deterministic ones first: the sandbox tries faults in order, so these meet the first requests of each route.
    // On the token route malformed goes first: it is lifted around every claim approval (a cut-off answer
    // would lose the one-time token for good), so it must meet the first polls, which come before any approval.
    for (const route of LIFECYCLE_ROUTES) {
      const kinds = route.name === TOKEN_ROUTE ? ['malformed' as const, ...FAULT_KINDS.filter((k) => k !== 'malformed')] : FAULT_KINDS;
      for (const kind of kinds) {
        this.specs.push({ key: `once:${route.name}:${kind}`, route, kind, once: true, body: { ...bodyFor(kind, rng, options), times: 1 } });
      }
    }
    for (const route of LIFECYCLE_ROUTES) {
      for (const kind of FAULT_KINDS) {
        const probability = Math.min(0.5, kind === 'latency' ? options.probability * 1.5 : options.probability);
        this.specs.push({ key: `random:${route.name}:${kind}`, route, kind, once: false, body: { ...bodyFor(kind, rng, options), times: 1_000_000, probability } });
      }
    }
  }

  private suspended(spec: FaultSpec): boolean {
    return this.tokenMalformedSuspended && spec.route.name === TOKEN_ROUTE && spec.kind === 'malformed';
  }

  /** Replaces the sandbox's faults with the plan (deterministic faults already met are not installed again). */
  async install(): Promise<void> {
    // Which once-faults are still waiting: the sandbox drops a fault when its `times` run out.
    const live = await this.sandbox.control<{ faults: Array<{ id: string }> }>('GET', '/__sandbox/faults');
    const liveIds = new Set(live.faults.map((f) => f.id));
    for (const [key, id] of this.onceInstalled) if (!liveIds.has(id)) this.onceHit.add(key);
    this.onceInstalled.clear();
    await this.sandbox.control('DELETE', '/__sandbox/faults');
    for (const spec of this.specs) {
      if (spec.once && this.onceHit.has(spec.key)) continue;
      if (this.suspended(spec)) continue;
      const { id } = await this.sandbox.control<{ id: string }>('POST', '/__sandbox/faults', { method: spec.route.method, path: spec.route.path, ...spec.body });
      this.byFaultId.set(id, { route: spec.route.name, kind: spec.kind, once: spec.once });
      if (spec.once) this.onceInstalled.set(spec.key, id);
    }
    this.installs += 1;
  }

  /** Lifts (true) or restores (false) malformed answers on the token endpoint. */
  async suspendTokenMalformed(suspend: boolean): Promise<void> {
    if (this.tokenMalformedSuspended === suspend) return;
    this.tokenMalformedSuspended = suspend;
    await this.install();
  }

  get tokenMalformedIsSuspended(): boolean {
    return this.tokenMalformedSuspended;
  }

  async clear(): Promise<void> {
    await this.sandbox.control('DELETE', '/__sandbox/faults');
  }

  /** What a logged call met, if it met one of ours. */
  faultOf(call: CallRecord): { route: string; kind: FaultKind } | undefined {
    return call.fault ? this.byFaultId.get(call.fault) : undefined;
  }

  describe(): Array<{ route: string; method: string; path: string; kind: FaultKind; once: boolean; fault: Record<string, unknown> }> {
    return this.specs.map((s) => ({ route: s.route.name, method: s.route.method, path: s.route.path, kind: s.kind, once: s.once, fault: s.body }));
  }
}

/** Which route of ours a logged call was on. */
export function routeOf(call: CallRecord): string | undefined {
  const path = call.path;
  for (const route of LIFECYCLE_ROUTES) {
    if (route.method !== call.method) continue;
    if (route.path.endsWith('*') ? path.startsWith(route.path.slice(0, -1)) : path === route.path) {
      // GET /job-drafts/capabilities is not a PATCH; POST /jobs/* is publish only.
      return route.name;
    }
  }
  return undefined;
}
