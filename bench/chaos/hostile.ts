/**
 * Bad input: malformed and hostile requests to the backend API and to the `submitAnswers` update directly.
 * Each must get a clear 4xx (API) or an update rejection (Temporal) and change nothing: the target lifecycle's
 * status is the same, the sandbox sees no new PATCH (nor any new account), and no workflow is started.
 */
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { statusQuery, submitAnswersUpdate, type LifecycleStatus } from '../../src/workflows/definitions';
import type { jobLifecycle } from '../../src/workflows/job-lifecycle';
import { VAGUE_JOB } from './driver';
import type { SandboxControl } from './sandbox';

export interface HostileResult {
  target: 'api' | 'update';
  name: string;
  /** HTTP status, or 'rejected' / 'accepted' / 'error: ...' for updates. */
  answer: number | string;
  /** The error body's code and first field, for the API. */
  detail: string;
  clear: boolean;
  changedNothing: boolean;
  problems: string[];
}

interface ApiCase {
  name: string;
  method: string;
  path: string | ((id: string) => string);
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  auth?: boolean | string;
  /** A workflow id the request names, which must not exist afterwards. */
  mustNotStart?: string;
}

const deep = (depth: number, leaf: unknown = 1): unknown => {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};
const deepArrayText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const INJECTIONS = ["'; DROP TABLE lifecycles; --", '<script>alert(1)</script>', '../../etc/passwd', '${jndi:ldap://x/a}', '\u0000\u202e'];
const draft = { rawJobDescription: VAGUE_JOB };

function apiCases(): ApiCase[] {
  const cases: ApiCase[] = [
    { name: 'start: body over the size limit (300 kB)', method: 'POST', path: '/v1/lifecycles', body: { draft: { rawJobDescription: 'x'.repeat(300_000) } } },
    { name: 'start: not JSON', method: 'POST', path: '/v1/lifecycles', raw: '{"draft": {' },
    { name: 'start: text/plain body', method: 'POST', path: '/v1/lifecycles', raw: 'draft=1', headers: { 'content-type': 'text/plain' } },
    { name: 'start: JSON null', method: 'POST', path: '/v1/lifecycles', raw: 'null' },
    { name: 'start: array body', method: 'POST', path: '/v1/lifecycles', body: [draft] },
    { name: 'start: draft of the wrong type', method: 'POST', path: '/v1/lifecycles', body: { draft: 42 } },
    { name: 'start: unknown top-level key', method: 'POST', path: '/v1/lifecycles', body: { draft, isAdmin: true } },
    { name: 'start: unknown policy value', method: 'POST', path: '/v1/lifecycles', body: { draft, policy: { review: 'skip-everything' } } },
    { name: 'start: claim e-mail is a script', method: 'POST', path: '/v1/lifecycles', body: { draft, claim: { email: '<script>alert(1)</script>' } } },
    { name: 'start: an OpenTrain token in the body', method: 'POST', path: '/v1/lifecycles', body: { draft: { rawJobDescription: `use ot_pat_${'a'.repeat(8)}_${'b'.repeat(32)} please` } } },
    { name: 'start: answers with an unknown key', method: 'POST', path: '/v1/lifecycles', body: { draft, answers: { "'; DROP TABLE jobs; --": 1 } } },
    { name: 'start: headcount 2^64', method: 'POST', path: '/v1/lifecycles', body: { draft, answers: { headcount: 18446744073709551616 } } },
    { name: 'start: headcount 1e400 (Infinity)', method: 'POST', path: '/v1/lifecycles', raw: `{"draft":{"rawJobDescription":"x"},"answers":{"headcount":1e400}}` },
    { name: 'start: deep nesting in answers (2000 levels)', method: 'POST', path: '/v1/lifecycles', body: { draft, answers: { jobTitle: deep(2000) } } },
    { name: 'start: deep nesting of the whole body (100000 levels)', method: 'POST', path: '/v1/lifecycles', raw: deepArrayText(100_000) },
    { name: 'start: __proto__ key', method: 'POST', path: '/v1/lifecycles', raw: `{"draft":{"rawJobDescription":"x"},"__proto__":{"isAdmin":true}}` },
    { name: 'start: workflowId too long', method: 'POST', path: '/v1/lifecycles', body: { workflowId: 'a'.repeat(201), draft } },
    { name: 'start: no API key', method: 'POST', path: '/v1/lifecycles', body: { workflowId: 'hostile-noauth', draft }, auth: false, mustNotStart: 'hostile-noauth' },
    { name: 'start: wrong API key', method: 'POST', path: '/v1/lifecycles', body: { workflowId: 'hostile-badauth', draft }, auth: 'not-the-key', mustNotStart: 'hostile-badauth' },
    { name: 'list: stage injection', method: 'GET', path: `/v1/lifecycles?stage=${encodeURIComponent("LIVE' OR 1=1 --")}` },
    { name: 'list: pageSize 1e309', method: 'GET', path: '/v1/lifecycles?pageSize=1e309' },
    { name: 'list: forged page token', method: 'GET', path: '/v1/lifecycles?nextPageToken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    { name: 'status: path traversal id', method: 'GET', path: '/v1/lifecycles/..%2F..%2Fetc%2Fpasswd' },
    { name: 'status: script id', method: 'GET', path: `/v1/lifecycles/${encodeURIComponent('<script>alert(1)</script>')}` },
    { name: 'answers: unknown key', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: { "'; DROP TABLE jobs; --": 'x' } } },
    { name: 'answers: wrong type', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: { headcount: 'five' } } },
    { name: 'answers: value outside the enum', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: { experienceLevel: '../../etc/passwd' } } },
    { name: 'answers: values is a string', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: "'; DROP TABLE" } },
    { name: 'answers: empty values', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: {} } },
    { name: 'answers: 60 keys', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])) } },
    { name: 'answers: oversized value (300 kB)', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: { jobDescription: 'x'.repeat(300_000) } } },
    { name: 'answers: deep nesting (2000 levels)', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: { jobTitle: deep(2000) } } },
    { name: 'answers: headcount 1e21', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: { headcount: 1e21 } } },
    { name: 'answers: unknown top-level key', method: 'POST', path: (id) => `/v1/lifecycles/${id}/answers`, body: { values: { headcount: 3 }, sudo: true } },
    { name: 'answers: on a lifecycle that does not exist', method: 'POST', path: '/v1/lifecycles/does-not-exist-chaos/answers', body: { values: { headcount: 3 } } },
    { name: 'confirm: corrections of the wrong type', method: 'POST', path: (id) => `/v1/lifecycles/${id}/confirm`, body: { corrections: { headcount: '<script>' } } },
    { name: 'claim: e-mail is an injection', method: 'POST', path: (id) => `/v1/lifecycles/${id}/claim`, body: { email: "'; DROP TABLE users; --" } },
  ];
  for (const injection of INJECTIONS) {
    cases.push({ name: `start: workflowId ${JSON.stringify(injection)}`, method: 'POST', path: '/v1/lifecycles', body: { workflowId: injection, draft }, mustNotStart: injection });
  }
  return cases;
}

interface UpdateCase {
  name: string;
  arg: unknown;
  args?: unknown[];
}

function updateCases(): UpdateCase[] {
  return [
    { name: 'unknown key (SQL injection)', arg: { values: { "'; DROP TABLE jobs; --": 'x' } } },
    { name: 'unknown key (<script>)', arg: { values: { '<script>alert(1)</script>': 'x' } } },
    { name: 'unknown key (path traversal)', arg: { values: { '../../etc/passwd': 'x' } } },
    { name: 'wrong type: headcount "ten"', arg: { values: { headcount: 'ten' } } },
    { name: 'wrong type: jobTitle number', arg: { values: { jobTitle: 12345 } } },
    { name: 'enum: experienceLevel "<script>"', arg: { values: { experienceLevel: '<script>alert(1)</script>' } } },
    { name: 'enum: dataVolumeUnit SQL', arg: { values: { dataVolumeUnit: "'; DROP TABLE" } } },
    { name: 'huge number: headcount 2^64', arg: { values: { headcount: 2 ** 64 } } },
    { name: 'huge number: headcount 1e308', arg: { values: { headcount: 1e308 } } },
    { name: 'huge number: Infinity (arrives as null)', arg: { values: { headcount: Infinity } } },
    { name: 'negative price -1e308', arg: { values: { pricePerLabel: -1e308 } } },
    { name: 'deep nesting (1000 levels)', arg: { values: { jobTitle: deep(1000) } } },
    { name: 'oversized value (300 kB)', arg: { values: { jobDescription: 'y'.repeat(300_000) } } },
    { name: 'oversized payload (2.5 MB)', arg: { values: { jobDescription: 'z'.repeat(2_500_000) } } },
    { name: 'values is a string', arg: { values: "'; DROP TABLE" } },
    { name: 'values is null', arg: { values: null } },
    { name: 'values is an array', arg: { values: [1, 2, 3] } },
    { name: 'empty values', arg: { values: {} } },
    { name: 'argument is a number', arg: 42 },
    { name: 'no argument at all', arg: undefined, args: [] },
    { name: '__proto__ key', arg: JSON.parse('{"values":{"__proto__":{"polluted":true}}}') },
    { name: '60 keys', arg: { values: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])) } },
  ];
}

export interface HostileEnv {
  client: Client;
  sandbox: SandboxControl;
  apiUrl: string;
  apiKey: string;
  log(line: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function snapshotOf(status: LifecycleStatus): string {
  return JSON.stringify({
    stage: status.stage,
    publishReady: status.publishReady,
    missing: status.missingFields.map((f) => f.field),
    low: status.lowConfidenceFields.map((f) => f.field),
    lastError: status.lastError,
    claim: status.claim.state,
  });
}

export async function runHostile(env: HostileEnv, targetId: string): Promise<{ results: HostileResult[]; problems: string[] }> {
  const problems: string[] = [];
  const results: HostileResult[] = [];
  const handle: WorkflowHandle<typeof jobLifecycle> = env.client.workflow.getHandle(targetId);

  const patchCount = async () => (await env.sandbox.calls()).filter((c) => c.method === 'PATCH').length;
  const accountCount = async () => (await env.sandbox.state()).counts.accounts ?? 0;
  const workflowCount = async () => (await env.client.workflow.count(`WorkflowType = 'jobLifecycle'`)).count;
  const acceptedUpdates = async () => ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
  const status = async (): Promise<LifecycleStatus> => {
    let last: unknown;
    for (let tries = 0; tries < 3; tries++) {
      try {
        return await env.client.withAbortSignal(AbortSignal.timeout(15_000), () => handle.query(statusQuery));
      } catch (error) {
        last = error;
        await sleep(1_000);
      }
    }
    const cause = (last as { cause?: Error } | undefined)?.cause;
    throw new Error(`status query failed: ${(last as Error).message}${cause ? ` (${cause.message})` : ''}`);
  };

  const before = { status: snapshotOf(await status()), patches: await patchCount(), accounts: await accountCount(), workflows: await workflowCount(), accepted: await acceptedUpdates() };

  /** What changed since the previous case (each case is judged on its own, against the state just before it). */
  const after = async (): Promise<string[]> => {
    const found: string[] = [];
    try {
      const now = snapshotOf(await status());
      if (now !== before.status) found.push(`status changed: ${now}`);
      before.status = now;
    } catch (error) {
      found.push((error as Error).message);
    }
    const patches = await patchCount();
    if (patches !== before.patches) found.push(`${patches - before.patches} new PATCH call(s) at the sandbox`);
    const accounts = await accountCount();
    if (accounts !== before.accounts) found.push(`${accounts - before.accounts} new sandbox account(s)`);
    before.patches = patches;
    before.accounts = accounts;
    return found;
  };

  // ---- the API
  for (const testCase of apiCases()) {
    env.log(`  API ${testCase.name}`);
    const path = typeof testCase.path === 'function' ? testCase.path(targetId) : testCase.path;
    const headers: Record<string, string> = { ...testCase.headers };
    if (testCase.auth !== false) headers.authorization = `Bearer ${typeof testCase.auth === 'string' ? testCase.auth : env.apiKey}`;
    const payload = testCase.raw ?? (testCase.body === undefined ? undefined : JSON.stringify(testCase.body));
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    let answer: number | string;
    let detail = '';
    let clear = false;
    try {
      const response = await fetch(`${env.apiUrl}${path}`, { method: testCase.method, headers, body: payload, signal: AbortSignal.timeout(30_000) });
      answer = response.status;
      const text = await response.text();
      let body: { error?: { code?: string; message?: string; fields?: Array<{ field: string; message: string }> } } | undefined;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const error = body?.error;
      detail = error ? `${error.code}${error.fields?.[0] ? ` ${error.fields[0].field}: ${error.fields[0].message}` : ` ${error.message ?? ''}`}`.slice(0, 160) : text.slice(0, 120);
      // Clear: a 4xx in the one error shape, with a code and a message.
      clear = response.status >= 400 && response.status < 500 && typeof error?.code === 'string' && typeof error?.message === 'string' && Array.isArray(error.fields);
    } catch (error) {
      answer = `error: ${(error as Error).message}`;
    }
    const changes = await after();
    if (testCase.mustNotStart) {
      try {
        await env.client.workflow.getHandle(testCase.mustNotStart).describe();
        changes.push(`workflow ${testCase.mustNotStart} exists`);
      } catch {
        // not found: good
      }
    }
    const result: HostileResult = { target: 'api', name: testCase.name, answer, detail, clear, changedNothing: changes.length === 0, problems: changes };
    results.push(result);
    if (!clear) problems.push(`API ${testCase.name}: answered ${answer} ${detail}`);
    if (changes.length > 0) problems.push(`API ${testCase.name}: ${changes.join('; ')}`);
  }

  // ---- the update, directly
  for (const testCase of updateCases()) {
    env.log(`  update ${testCase.name}`);
    let answer: string;
    let detail = '';
    try {
      await env.client.withAbortSignal(AbortSignal.timeout(30_000), () =>
        handle.executeUpdate(submitAnswersUpdate, { args: (testCase.args ?? [testCase.arg]) as never }),
      );
      answer = 'accepted';
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        answer = 'rejected';
        detail = String((error.cause as Error | undefined)?.message ?? error.message).slice(0, 160);
      } else {
        const cause = (error as { cause?: Error }).cause;
        answer = `error: ${(error as Error).constructor.name}`;
        detail = `${(error as Error).message}${cause ? `: ${cause.message}` : ''}`.slice(0, 200);
      }
    }
    const changes = await after();
    const accepted = await acceptedUpdates();
    if (accepted !== before.accepted) changes.push(`${accepted - before.accepted} update(s) accepted into history`);
    before.accepted = accepted;
    // A clear refusal: the validator's rejection, or the server refusing a payload over its size limit.
    // Above Temporal's 2 MB blob limit the validator's rejection cannot be delivered (a rejection echoes the
    // request), so the server fails that workflow task and answers FAILED_PRECONDITION: the platform's refusal.
    // `after()` still requires that nothing changed and the lifecycle keeps answering.
    const overPlatformLimit = testCase.name.includes('2.5 MB') && /Workflow Task in failed state/.test(detail);
    const clear = answer === 'rejected' || (answer.startsWith('error:') && (/size|limit|too large/i.test(detail) || overPlatformLimit));
    results.push({ target: 'update', name: testCase.name, answer, detail, clear, changedNothing: changes.length === 0, problems: changes });
    if (!clear) problems.push(`update ${testCase.name}: ${answer} ${detail}`);
    if (changes.length > 0) problems.push(`update ${testCase.name}: ${changes.join('; ')}`);
  }

  // Nothing was started: visibility lags a little, so give it a moment before counting.
  await sleep(2_000);
  const workflows = await workflowCount();
  if (workflows !== before.workflows) problems.push(`${workflows - before.workflows} workflow(s) started by bad input`);
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') problems.push(`the target lifecycle is ${description.status.name} after the bad input`);
  return { results, problems };
}
