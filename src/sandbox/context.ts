/**
 * What every route needs: the options as resolved, the settings that control routes may change at
 * run time, the sandbox clock, the store, and the test-hook registries (faults, call log, rate
 * counters). One object per sandbox instance, passed to each route module.
 */
import { DEFAULT_MODERATION_BLOCKLIST, DEFAULT_PUBLISH_QUOTA, DEFAULTS } from './contract-choices';
import { Store } from './store';

export interface SandboxOptions {
  host?: string;
  port?: number;
  publicBaseUrl?: string;
  claimAttemptTtlSec?: number;
  claimWindowSec?: number;
  pollIntervalSec?: number;
  publishQuota?: { unclaimed: number; claimed: number };
  moderationBlocklist?: string[];
  rateLimitPerMinute?: number | null;
  stateFile?: string;
  now?: () => number;
  logger?: boolean | object;
}

/** Settings POST /__sandbox/config may change; POST /__sandbox/reset restores the started values. */
export interface RuntimeConfig {
  claimAttemptTtlSec: number;
  claimWindowSec: number;
  pollIntervalSec: number;
  publishQuota: { unclaimed: number; claimed: number };
  moderationBlocklist: string[];
  rateLimitPerMinute: number | null;
  /** §3.1: when false, registration and claim start answer 403 anonymous_not_enabled. */
  anonymousRegistration: boolean;
}

export interface Fault {
  id: string;
  method?: string;
  path: string;
  status?: number;
  retryAfterSec?: number;
  delayMs?: number;
  drop?: boolean;
  malformed?: boolean;
  remaining: number;
  probability: number;
}

export interface CallRecord {
  time: string;
  method: string;
  path: string;
  status: number | null;
  requestId: string;
  durationMs: number;
  claimAttemptId?: string;
  fault?: string;
  dropped?: boolean;
  /** The caller closed the connection before the answer was sent. */
  abandoned?: boolean;
}

export interface SandboxContext {
  config: RuntimeConfig;
  readonly initialConfig: RuntimeConfig;
  store: Store;
  now(): number;
  baseUrl(): string;
  setBaseUrl(url: string): void;
  faults: Fault[];
  calls: CallRecord[];
  /** `${key}:${minute}` → count, for the per-minute limits. */
  rateCounters: Map<string, number>;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`sandbox option ${name} must be a whole number >= 1 (got ${value})`);
  return value;
}

export function createContext(options: SandboxOptions = {}): SandboxContext {
  const host = options.host ?? DEFAULTS.host;
  const port = options.port ?? DEFAULTS.port;
  const initialConfig: RuntimeConfig = {
    claimAttemptTtlSec: positiveInt('claimAttemptTtlSec', options.claimAttemptTtlSec, DEFAULTS.claimAttemptTtlSec),
    claimWindowSec: positiveInt('claimWindowSec', options.claimWindowSec, DEFAULTS.claimWindowSec),
    pollIntervalSec: positiveInt('pollIntervalSec', options.pollIntervalSec, DEFAULTS.pollIntervalSec),
    publishQuota: { ...(options.publishQuota ?? DEFAULT_PUBLISH_QUOTA) },
    moderationBlocklist: [...(options.moderationBlocklist ?? DEFAULT_MODERATION_BLOCKLIST)],
    rateLimitPerMinute: options.rateLimitPerMinute ?? null,
    anonymousRegistration: true,
  };
  if (initialConfig.rateLimitPerMinute !== null) positiveInt('rateLimitPerMinute', initialConfig.rateLimitPerMinute, 1);
  const store = new Store(options.stateFile);
  const clock = options.now ?? Date.now;
  let baseUrl = (options.publicBaseUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  const ctx: SandboxContext = {
    config: structuredClone(initialConfig),
    initialConfig,
    store,
    // The clock-advance control route adds its offset on top of the injected clock.
    now: () => clock() + ctx.store.data.clockOffsetMs,
    baseUrl: () => baseUrl,
    setBaseUrl: (url) => { baseUrl = url.replace(/\/+$/, ''); },
    faults: [],
    calls: [],
    rateCounters: new Map(),
  };
  return ctx;
}

/** Seconds until the next UTC midnight on the sandbox clock (the daily publish quota resets then). */
export function nextUtcMidnight(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
