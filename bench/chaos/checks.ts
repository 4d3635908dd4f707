/**
 * What a chaos run proves at the end, from the sandbox's own state and call log, the credential store and the
 * workflow histories — never from what the harness believes it did.
 */
import type { Client } from '@temporalio/client';
import type { CredentialStore, StoredCredential } from '../../src/credentials/types';
import { OpenTrainClient } from '../../src/opentrain';
import type { LifecycleDriver } from './driver';
import { FAULT_KINDS, LIFECYCLE_ROUTES, routeOf, type FaultKind, type FaultPlan } from './faults';
import { SECRET_PATTERN, findSecrets } from './processes';
import type { CallRecord, SandboxState } from './sandbox';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  failures?: string[];
}

export function check(name: string, failures: string[], detail: string): Check {
  return { name, ok: failures.length === 0, detail, ...(failures.length > 0 ? { failures: failures.slice(0, 50) } : {}) };
}

// ------------------------------------------------------------------ lifecycles

export function outcomeCheck(drivers: LifecycleDriver[]): Check {
  const failures: string[] = [];
  for (const d of drivers) {
    const want = d.design.expected;
    const got = d.result;
    if (d.closedAs !== 'COMPLETED' || !got) {
      failures.push(`${d.id}: ${d.closedAs ?? 'not closed'}${d.failure ? ` (${d.failure})` : ''}`);
      continue;
    }
    if (got.stage !== want.stage || got.jobStatus !== want.jobStatus || got.claimState !== want.claimState) {
      failures.push(`${d.id}: ${got.stage}/${got.jobStatus}/${got.claimState}, wanted ${want.stage}/${want.jobStatus}/${want.claimState}`);
    }
  }
  return check('every lifecycle reached its designed end (COMPLETED, job OPEN, claim CLAIMED)', failures, `${drivers.length - failures.length}/${drivers.length} as designed`);
}

export function draftCheck(drivers: LifecycleDriver[], state: SandboxState): Check {
  const failures: string[] = [];
  const byKey = new Map<string, Array<{ jobId: string; registrationId: string }>>();
  let stray = 0;
  for (const account of state.accounts) {
    for (const draft of account.drafts) {
      if (!draft.idempotencyKey) {
        stray += 1;
        failures.push(`draft ${draft.jobId} has no idempotency key`);
        continue;
      }
      const list = byKey.get(draft.idempotencyKey) ?? [];
      list.push({ jobId: draft.jobId, registrationId: account.registrationId });
      byKey.set(draft.idempotencyKey, list);
    }
  }
  const ids = new Set(drivers.map((d) => d.id));
  for (const d of drivers) {
    const drafts = byKey.get(d.id) ?? [];
    if (drafts.length !== 1) failures.push(`${d.id}: ${drafts.length} drafts with its idempotency key`);
    else if (d.result && drafts[0]!.jobId !== d.result.jobId) failures.push(`${d.id}: draft ${drafts[0]!.jobId} is not the result's job ${d.result.jobId}`);
  }
  for (const key of byKey.keys()) if (!ids.has(key)) failures.push(`a draft with idempotency key ${key} belongs to no lifecycle of this run`);
  return check('exactly one draft per lifecycle (idempotency key = workflow id)', failures, `${state.counts.jobs ?? 0} drafts for ${drivers.length} lifecycles${stray ? `, ${stray} without key` : ''}`);
}

export function publishCheck(drivers: LifecycleDriver[], state: SandboxState): Check {
  const failures: string[] = [];
  for (const [jobId, count] of Object.entries(state.publishCountByJob)) if (count > 1) failures.push(`job ${jobId} published ${count} times`);
  for (const d of drivers) {
    const jobId = d.result?.jobId;
    if (jobId && state.publishCountByJob[jobId] !== 1) failures.push(`${d.id}: job ${jobId} published ${state.publishCountByJob[jobId] ?? 0} times`);
  }
  return check('at most one successful publish per job', failures, `${state.counts.publishes ?? 0} publishes of ${state.counts.jobs ?? 0} jobs`);
}

/** Every claimed account's post-claim token is in the store (claimed=true), and it is the live post-claim token. */
export async function tokenCheck(drivers: LifecycleDriver[], state: SandboxState, store: CredentialStore): Promise<Check> {
  const failures: string[] = [];
  const credentials = (await Promise.all((await store.list()).map((s) => store.get(s.id)))).filter((c): c is StoredCredential => c !== undefined);
  const byRegistration = new Map(credentials.filter((c) => c.registrationId).map((c) => [c.registrationId as string, c]));
  const claimed = state.accounts.filter((a) => a.claimed);
  for (const account of claimed) {
    const credential = byRegistration.get(account.registrationId);
    if (!account.postClaimTokenDelivered) failures.push(`${account.registrationId}: claimed but the post-claim token was never delivered`);
    if (!credential) {
      failures.push(`${account.registrationId}: claimed, but no credential in the store`);
      continue;
    }
    if (!credential.claimed) {
      failures.push(`${account.registrationId}: the store's credential ${credential.id} is not claimed`);
      continue;
    }
    try {
      const me = await new OpenTrainClient({ baseUrl: credential.baseUrl, token: credential.accessToken, timeoutMs: 15_000 }).getMe();
      if (!me.token.scopes.includes('proposals:write')) failures.push(`${account.registrationId}: the stored token has pre-claim scopes only`);
    } catch (error) {
      failures.push(`${account.registrationId}: the stored token does not work: ${(error as Error).message}`);
    }
  }
  for (const d of drivers) {
    const id = d.result?.credentialId;
    if (!id) continue;
    const credential = credentials.find((c) => c.id === id);
    const account = state.accounts.find((a) => a.registrationId === credential?.registrationId);
    if (!credential?.claimed || !account?.claimed) failures.push(`${d.id}: its credential ${id} is not claimed in the store and at OpenTrain`);
    else if (account.email?.toLowerCase() !== d.email.toLowerCase()) failures.push(`${d.id}: claimed by ${account.email}, not ${d.email}`);
  }
  return check('every claimed account\'s post-claim token is in the credential store (claimed=true) and works', failures, `${claimed.length} claimed accounts, ${credentials.length} stored credentials`);
}

/** No slow_down beyond the first per claim attempt: each slow_down raised the attempt's interval by 5 s. */
export function slowDownCheck(state: SandboxState, calls: CallRecord[], pollIntervalSec: number): { check: Check; slowDowns: number; pollsOnOldAttempts: number } {
  const failures: string[] = [];
  let slowDowns = 0;
  const current = new Set<string>();
  for (const account of state.accounts) {
    const attempt = account.claim.current;
    if (!attempt) continue;
    current.add(attempt.id);
    const count = Math.round((attempt.intervalSec - pollIntervalSec) / 5);
    slowDowns += count;
    if (count > 1) failures.push(`${account.registrationId}: attempt ${attempt.id} got ${count} slow_down answers`);
  }
  // The sandbox keeps the interval of the current attempt only; polls of older attempts would go unchecked.
  const pollsOnOldAttempts = calls.filter((c) => c.path === '/api/agent/oauth/token' && c.claimAttemptId && !current.has(c.claimAttemptId) && c.status !== null).length;
  if (pollsOnOldAttempts > 0) failures.push(`${pollsOnOldAttempts} polls of superseded attempts (their slow_down count is not in the sandbox state)`);
  return { check: check('no slow_down beyond the first per claim attempt', failures, `${slowDowns} slow_down answers over ${current.size} attempts`), slowDowns, pollsOnOldAttempts };
}

// ------------------------------------------------------------------ secrets

/** Every string and every byte array in a history, as text: payloads are bytes, so a JSON dump alone would not show them. */
export function historyTexts(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 60 || value === null || value === undefined) return out;
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const item of value) historyTexts(item, out, depth + 1);
  else if (typeof value === 'object') for (const item of Object.values(value)) historyTexts(item, out, depth + 1);
  return out;
}

export async function historySecretCheck(client: Client, ids: string[]): Promise<{ check: Check; events: number }> {
  const failures: string[] = [];
  let events = 0;
  for (const id of ids) {
    try {
      const history = await client.withAbortSignal(AbortSignal.timeout(30_000), () => client.workflow.getHandle(id).fetchHistory());
      events += history.events?.length ?? 0;
      const texts = historyTexts(history);
      const hits = texts.filter((t) => SECRET_PATTERN.test(t)).flatMap((t) => findSecrets(t));
      if (hits.length > 0) {
        const full = hits.filter((h) => h.full).length;
        failures.push(`${id}: ${hits.length} token-shaped string(s) in its history (${full} full, ${hits.length - full} redacted previews)`);
      }
    } catch (error) {
      failures.push(`${id}: history could not be fetched: ${(error as Error).message}`);
    }
  }
  return { check: check('no OpenTrain token (ot_pat_, ot_clm_, ot_cat_) in any history, payload bytes included', failures, `${ids.length} histories, ${events} events`), events };
}

// ------------------------------------------------------------------ what was injected

export type InjectionTable = Record<string, { calls: number; ok: number } & Record<FaultKind, number>>;

export function injectionTable(calls: CallRecord[], plan: FaultPlan): InjectionTable {
  const table: InjectionTable = {};
  for (const route of LIFECYCLE_ROUTES) table[route.name] = { calls: 0, ok: 0, '5xx': 0, '429': 0, latency: 0, drop: 0, malformed: 0 };
  for (const call of calls) {
    const route = routeOf(call);
    if (!route) continue;
    const row = table[route]!;
    row.calls += 1;
    const fault = plan.faultOf(call);
    if (fault) row[fault.kind] += 1;
    if (call.status !== null && call.status < 300 && fault?.kind !== 'malformed') row.ok += 1;
  }
  return table;
}

export function coverageCheck(table: InjectionTable): Check {
  const failures: string[] = [];
  for (const [route, row] of Object.entries(table)) for (const kind of FAULT_KINDS) if (row[kind] === 0) failures.push(`${route}: no ${kind} injected`);
  return check('every kind of fault was injected on every route a lifecycle uses', failures, `${Object.values(table).reduce((n, r) => n + FAULT_KINDS.reduce((m, k) => m + r[k], 0), 0)} faults injected`);
}

export function formatTable(headers: string[], rows: Array<Array<string | number>>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: Array<string | number>) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
