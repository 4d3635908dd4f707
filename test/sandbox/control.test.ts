// Test hooks (/__sandbox), protocol hygiene (error shapes, body problems), rate limits, persistence.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningSandbox } from '../../src/sandbox';
import { readSandboxEnv } from '../../src/sandbox/main';
import { API, Client, withSandbox } from './helpers';

let sandbox: RunningSandbox;
let ot: Client;

// A fixed clock mid-minute: per-minute rate windows cannot roll over between two calls of a test.
const T0 = Date.UTC(2030, 0, 1, 12, 0, 30);
before(async () => ({ sandbox, client: ot } = await withSandbox({ now: () => T0 })));
after(async () => sandbox.close());
beforeEach(async () => { await ot.post('/__sandbox/reset'); });

describe('fault injection', () => {
  it('status faults answer in the route family shape, with Retry-After, for `times` calls', async () => {
    const f = await ot.post('/__sandbox/faults', { json: { path: `${API}/auth/me`, status: 503, retryAfterSec: 7, times: 2 } });
    assert.match(f.body.id, /^flt_/);
    const { access_token: token } = await ot.register();
    for (let i = 0; i < 2; i += 1) {
      const res = await ot.get(`${API}/auth/me`, { token });
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'INTERNAL_ERROR');
      assert.ok(res.body.requestId);
      assert.equal(res.headers.get('retry-after'), '7');
    }
    assert.equal((await ot.get(`${API}/auth/me`, { token })).status, 200, 'spent after two calls');

    await ot.post('/__sandbox/faults', { json: { method: 'post', path: '/api/agent/*', status: 429 } });
    const agent = await ot.post('/api/agent/identity', { json: {} });
    assert.equal(agent.status, 429);
    assert.equal(agent.body.error, 'rate_limit_exceeded');
    assert.ok(Number(agent.headers.get('retry-after')) >= 1);
    assert.equal((await ot.post('/api/agent/identity', { json: {} })).status, 200);
  });

  it('prefix match, method filter, delay, list and clear', async () => {
    await ot.post('/__sandbox/faults', { json: { method: 'GET', path: `${API}/jobs/*`, status: 500, times: 5 } });
    const { access_token: token } = await ot.register();
    const jobId = await ot.readyDraft(token);
    assert.equal((await ot.get(`${API}/jobs/mine`, { token })).status, 500);
    assert.equal((await ot.post(`${API}/jobs/${jobId}/publish`, { token })).status, 200, 'POST not matched');
    assert.equal((await ot.get('/__sandbox/faults')).body.faults.length, 1);
    assert.equal((await ot.delete('/__sandbox/faults')).body.removed, 1);
    assert.equal((await ot.get(`${API}/jobs/mine`, { token })).status, 200);

    await ot.post('/__sandbox/faults', { json: { path: '/.well-known/oauth-protected-resource', delayMs: 300 } });
    const t0 = Date.now();
    const slow = await ot.get('/.well-known/oauth-protected-resource');
    assert.equal(slow.status, 200);
    assert.ok(Date.now() - t0 >= 280, 'delayed');
    assert.equal((await ot.post('/__sandbox/faults', { json: { path: '/x' } })).status, 400, 'a fault must do something');
    assert.equal((await ot.post('/__sandbox/faults', { json: { path: 'no-slash', status: 500 } })).status, 400);
  });

  it('drop destroys the connection; malformed sends a cut 200 after really handling the call', async () => {
    await ot.post('/__sandbox/faults', { json: { path: '/api/agent/identity', drop: true } });
    await assert.rejects(ot.post('/api/agent/identity', { json: {} }));
    const { access_token: token } = await ot.register();
    await ot.post('/__sandbox/faults', { json: { path: `${API}/job-drafts`, malformed: true } });
    const res = await ot.post(`${API}/job-drafts`, { token, json: { rawJobDescription: 'Lost answer', idempotencyKey: 'm1' } });
    assert.equal(res.status, 200);
    assert.equal(res.body, undefined, 'body is not valid JSON');
    assert.ok(res.text.startsWith('{"ok":true'));
    // The draft exists: a retry with the same key finds it.
    const retry = await ot.post(`${API}/job-drafts`, { token, json: { rawJobDescription: 'Lost answer', idempotencyKey: 'm1' } });
    assert.equal(retry.status, 200);
    const calls = (await ot.get('/__sandbox/calls')).body.calls;
    assert.ok(calls.some((c: { dropped?: boolean; status: number | null }) => c.dropped === true && c.status === null));
  });

  it('a caller that gives up during an injected delay is still logged, with the fault it met', async () => {
    const { access_token: token } = await ot.register();
    const fault = await ot.post('/__sandbox/faults', { json: { method: 'GET', path: `${API}/auth/me`, delayMs: 2000 } });
    await assert.rejects(fetch(`${ot.url}${API}/auth/me`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(200) }));
    let logged: { status: number | null; abandoned?: boolean; fault?: string } | undefined;
    for (let i = 0; i < 50 && !logged; i += 1) {
      const calls = (await ot.get('/__sandbox/calls')).body.calls as Array<{ path: string; status: number | null; abandoned?: boolean; fault?: string }>;
      logged = calls.find((c) => c.path === `${API}/auth/me`);
      if (!logged) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(logged && { status: logged.status, abandoned: logged.abandoned, fault: logged.fault }, { status: null, abandoned: true, fault: fault.body.id });
  });
});

describe('reset, clock, state, calls', () => {
  it('reset empties state and restores the started config', async () => {
    await ot.register();
    await ot.post('/__sandbox/config', { json: { pollIntervalSec: 9 } });
    await ot.advance(100);
    assert.equal((await ot.get('/__sandbox/state')).body.counts.accounts, 1);
    await ot.post('/__sandbox/reset');
    const state = await ot.get('/__sandbox/state');
    assert.equal(state.body.counts.accounts, 0);
    assert.equal(state.body.clockOffsetSec, 0);
    assert.equal((await ot.get('/__sandbox/config')).body.config.pollIntervalSec, 5);
  });

  it('config changes apply to new attempts (interval, ttl) and validate input', async () => {
    await ot.post('/__sandbox/config', { json: { pollIntervalSec: 2, claimAttemptTtlSec: 60 } });
    const reg = await ot.register();
    const start = await ot.claimStart(reg.claim_token, 'cfg@example.com');
    assert.equal(start.body.interval, 2);
    assert.equal(start.body.expires_in, 60);
    await ot.advance(60);
    assert.equal((await ot.poll(reg.claim_token)).body.error, 'expired_token');
    assert.equal((await ot.post('/__sandbox/config', { json: { pollIntervalSec: 0 } })).status, 400);
    assert.equal((await ot.post('/__sandbox/config', { json: { surprise: true } })).status, 400);
  });

  it('the calls log has method, path, time, status and attempt ids, and never a token', async () => {
    const reg = await ot.register({ agent_name: 'logger' });
    const start = await ot.claimStart(reg.claim_token, 'log@example.com');
    await ot.poll(reg.claim_token);
    await fetch(start.body.verification_uri);
    await ot.get(`${API}/auth/me`, { token: reg.access_token });
    await ot.get(`${API}/${reg.access_token}`); // a client bug putting a token in a path
    await ot.post('/api/agent/oauth/revoke', { form: { token: reg.access_token } });
    const res = await ot.get('/__sandbox/calls');
    const calls = res.body.calls as { method: string; path: string; time: string; status: number; claimAttemptId?: string }[];
    assert.deepEqual(calls.map((c) => `${c.method} ${c.path} ${c.status}`), [
      'POST /api/agent/identity 200',
      'POST /api/agent/identity/claim 200',
      'POST /api/agent/oauth/token 400',
      'GET /claim 200',
      `GET ${API}/auth/me 200`,
      `GET ${API}/[redacted] 404`,
      'POST /api/agent/oauth/revoke 200',
    ]);
    const poll = calls[2]!;
    const attemptId = (await ot.get('/__sandbox/state')).body.accounts[0].claim.current.id;
    assert.equal(poll.claimAttemptId, attemptId);
    assert.ok(calls.every((c) => !Number.isNaN(Date.parse(c.time))));
    assert.doesNotMatch(res.text, /ot_(pat|clm|cat)_/);
    assert.doesNotMatch(JSON.stringify((await ot.get('/__sandbox/state')).body), /ot_(pat|clm|cat)_/);
  });

  it('clock advance expires attempts and moves timestamps', async () => {
    const startedAt = Date.parse((await ot.get('/__sandbox/clock')).body.now);
    const adv = await ot.post('/__sandbox/clock/advance', { json: { seconds: 3600 } });
    assert.equal(Date.parse(adv.body.now) - startedAt, 3_600_000);
    assert.equal((await ot.post('/__sandbox/clock/advance', { json: { seconds: -1 } })).status, 400);
  });
});

describe('rate limits', () => {
  it('per-token limit → 429 RATE_LIMITED with Retry-After; agent routes per IP with the OAuth shape', async () => {
    const { access_token: token } = await ot.register();
    await ot.post('/__sandbox/config', { json: { rateLimitPerMinute: 3 } });
    for (let i = 0; i < 3; i += 1) assert.equal((await ot.get(`${API}/auth/me`, { token })).status, 200);
    const limited = await ot.get(`${API}/auth/me`, { token });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'RATE_LIMITED');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60);
    // Another token has its own budget.
    const other = await ot.register();
    assert.equal((await ot.get(`${API}/auth/me`, { token: other.access_token })).status, 200);
    // The agent routes count per address: `other`'s registration was call 1 of 3 this minute.
    assert.equal((await ot.post('/api/agent/identity', { json: {} })).status, 200);
    assert.equal((await ot.post('/api/agent/identity', { json: {} })).status, 200);
    const agent = await ot.post('/api/agent/identity', { json: {} });
    assert.equal(agent.status, 429);
    assert.equal(agent.body.error, 'rate_limit_exceeded');
    assert.ok(Number(agent.headers.get('retry-after')) >= 1);
    // A new minute on the sandbox clock clears it.
    await ot.advance(60);
    assert.equal((await ot.get(`${API}/auth/me`, { token })).status, 200);
  });
});

describe('protocol hygiene', () => {
  it('malformed JSON, wrong content type, oversized body, unknown routes: documented 4xx, no stack', async () => {
    const { access_token: token } = await ot.register();
    const cases = [
      await ot.post(`${API}/job-drafts`, { token, raw: '{"rawJobDescription": ', headers: { 'content-type': 'application/json' } }),
      await ot.post(`${API}/job-drafts`, { token, raw: 'hello', headers: { 'content-type': 'text/plain' } }),
      await ot.post(`${API}/job-drafts`, { token, form: { rawJobDescription: 'x' } }),
      await ot.post(`${API}/job-drafts`, { token, json: { rawJobDescription: 'x'.repeat(1_100_000) } }),
    ];
    for (const res of cases) {
      assert.equal(res.status, 400, res.text.slice(0, 200));
      assert.equal(res.body.code, 'BAD_REQUEST');
      assert.ok(res.body.requestId);
      assert.doesNotMatch(res.text, /\n\s+at |node_modules/);
    }
    const agentCases = [
      await ot.post('/api/agent/oauth/token', { raw: 'x'.repeat(1_100_000), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      await ot.post('/api/agent/identity/claim', { raw: '{', headers: { 'content-type': 'application/json' } }),
      await ot.post('/api/agent/identity', { raw: '<xml/>', headers: { 'content-type': 'application/xml' } }),
    ];
    for (const res of agentCases) {
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_request');
      assert.equal(typeof res.body.error_description, 'string');
    }
    const unknown = await ot.get(`${API}/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'NOT_FOUND');
    const unknownAgent = await ot.post('/api/agent/nothing');
    assert.equal(unknownAgent.status, 404);
    assert.equal(unknownAgent.body.error, 'invalid_request');
    const wrongMethod = await ot.call('PUT', `${API}/auth/me`, { token });
    assert.equal(wrongMethod.status, 404);
    assert.equal(wrongMethod.body.code, 'NOT_FOUND');
  });
});

describe('persistence and configuration', () => {
  it('a restarted sandbox with the same stateFile keeps accounts, tokens, drafts and the clock offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
    const stateFile = join(dir, 'state.json');
    try {
      const first = await withSandbox({ stateFile });
      const reg = await first.client.register();
      const jobId = await first.client.readyDraft(reg.access_token);
      await first.client.advance(120);
      await first.sandbox.close();
      const onDisk = readFileSync(stateFile, 'utf8');
      assert.doesNotMatch(onDisk, /ot_(pat|clm)_/, 'tokens are stored hashed');

      const second = await withSandbox({ stateFile });
      try {
        const me = await second.client.get(`${API}/auth/me`, { token: reg.access_token });
        assert.equal(me.status, 200);
        const draft = await second.client.get(`${API}/job-drafts/${jobId}`, { token: reg.access_token });
        assert.equal(draft.body.validation.publishReady, true);
        assert.equal((await second.client.get('/__sandbox/state')).body.clockOffsetSec, 120);
        const start = await second.client.claimStart(reg.claim_token, 'persist@example.com');
        assert.equal(start.status, 200);
      } finally {
        await second.sandbox.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publicBaseUrl shapes the URLs it returns; url stays the listening address', async () => {
    const proxied = await withSandbox({ publicBaseUrl: 'https://sandbox.example.test/' });
    try {
      assert.match(proxied.sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const reg = await proxied.client.register();
      assert.equal(reg.claim_endpoint, 'https://sandbox.example.test/api/agent/identity/claim');
      const start = await proxied.client.claimStart(reg.claim_token, 'proxy@example.com');
      assert.ok(start.body.verification_uri.startsWith('https://sandbox.example.test/claim?token=ot_cat_'));
    } finally {
      await proxied.sandbox.close();
    }
  });

  it('main.ts validates the environment, naming the variable and the rule', () => {
    assert.deepEqual(readSandboxEnv({}), { SANDBOX_PORT: 4010, SANDBOX_HOST: '127.0.0.1' });
    const env = readSandboxEnv({ SANDBOX_PORT: '0', SANDBOX_POLL_INTERVAL_SEC: '2', SANDBOX_RATE_LIMIT_PER_MINUTE: '60', OTHER: 'x' });
    assert.equal(env.SANDBOX_PORT, 0);
    assert.equal(env.SANDBOX_POLL_INTERVAL_SEC, 2);
    assert.equal(env.SANDBOX_RATE_LIMIT_PER_MINUTE, 60);
    assert.throws(() => readSandboxEnv({ SANDBOX_PORT: 'http' }), /SANDBOX_PORT: must be a whole number/);
    assert.throws(() => readSandboxEnv({ SANDBOX_PORT: '70000' }), /SANDBOX_PORT: must be at most 65535/);
    assert.throws(() => readSandboxEnv({ SANDBOX_CLAIM_WINDOW_SEC: '0' }), /SANDBOX_CLAIM_WINDOW_SEC: must be at least 1/);
  });
});
