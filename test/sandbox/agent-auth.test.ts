// Agent auth and the claim ceremony (§3.1–3.5, §7.1) over real HTTP.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningSandbox } from '../../src/sandbox';
import { API, Client, GRANT, withSandbox } from './helpers';

let sandbox: RunningSandbox;
let ot: Client;

before(async () => ({ sandbox, client: ot } = await withSandbox()));
after(async () => sandbox.close());
beforeEach(async () => { assert.equal((await ot.post('/__sandbox/reset')).status, 200); });

function oauth(res: { status: number; body: { error: string; error_description: string } }, status: number, error: string, description?: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.equal(typeof res.body.error_description, 'string');
  if (description) assert.match(res.body.error_description, description);
}

describe('POST /api/agent/identity', () => {
  it('accepts an empty body, no body, and issues distinct random tokens', async () => {
    const a = await ot.post('/api/agent/identity', { json: {} });
    const b = await ot.post('/api/agent/identity');
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.body.identity_type, 'anonymous');
    assert.notEqual(a.body.access_token, b.body.access_token);
    assert.notEqual(a.body.claim_token, b.body.claim_token);
    assert.notEqual(a.body.registration_id, b.body.registration_id);
    assert.ok(a.headers.get('x-request-id'));
  });

  it('rejects another identity_type, non-string fields, and form bodies', async () => {
    oauth(await ot.post('/api/agent/identity', { json: { identity_type: 'human' } }), 400, 'unsupported_identity_type');
    oauth(await ot.post('/api/agent/identity', { json: { agent_name: 5 } }), 400, 'invalid_request');
    oauth(await ot.post('/api/agent/identity', { json: [1] }), 400, 'invalid_request');
    oauth(await ot.post('/api/agent/identity', { form: { agent_name: 'x' } }), 400, 'invalid_request');
    oauth(await ot.post('/api/agent/identity', { raw: '{"agent_name":', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
  });

  it('answers 403 anonymous_not_enabled when registration is switched off', async () => {
    await ot.post('/__sandbox/config', { json: { anonymousRegistration: false } });
    oauth(await ot.post('/api/agent/identity', { json: {} }), 403, 'anonymous_not_enabled');
    oauth(await ot.claimStart('ot_clm_x', 'a@b.co'), 403, 'anonymous_not_enabled');
  });
});

describe('claim start', () => {
  it('validates claim_token and email', async () => {
    const reg = await ot.register();
    oauth(await ot.post('/api/agent/identity/claim', { json: { email: 'a@b.co' } }), 400, 'invalid_request', /claim_token/);
    oauth(await ot.post('/api/agent/identity/claim', { json: { claim_token: reg.claim_token } }), 400, 'invalid_request', /email/);
    oauth(await ot.claimStart(reg.claim_token, 'not-an-email'), 400, 'invalid_request', /email/);
    oauth(await ot.claimStart('ot_clm_unknown', 'a@b.co'), 400, 'invalid_request', /claim_token/);
  });

  it('a new start supersedes the previous attempt (old code and link die)', async () => {
    const reg = await ot.register();
    const first = await ot.claimStart(reg.claim_token, 'first@example.com');
    const second = await ot.claimStart(reg.claim_token, 'second@example.com');
    assert.equal(second.status, 200);
    assert.notEqual(first.body.verification_uri, second.body.verification_uri);
    const oldPage = await fetch(first.body.verification_uri);
    assert.equal(oldPage.status, 410);
    assert.match(await oldPage.text(), /newer verification link/);
    const approveOld = await ot.post(`/__sandbox/claims/${first.body.user_code}/approve`);
    assert.notEqual(approveOld.status, 200);
    const approveNew = await ot.post(`/__sandbox/claims/${second.body.user_code}/approve`);
    assert.equal(approveNew.status, 200);
    assert.equal(approveNew.body.email, 'second@example.com');
    const outbox = await ot.get('/__sandbox/outbox');
    assert.deepEqual(outbox.body.emails.map((e: { email: string }) => e.email), ['first@example.com', 'second@example.com']);
    assert.equal(outbox.body.emails[1].user_code, second.body.user_code);
    assert.equal(outbox.body.emails[1].verification_uri, second.body.verification_uri);
  });

  it('an email that already owns an account → invalid_request email_already_registered', async () => {
    const a = await ot.register();
    const ca = await ot.claimStart(a.claim_token, 'Taken@Example.com');
    await ot.post(`/__sandbox/claims/${ca.body.user_code}/approve`);
    const b = await ot.register();
    oauth(await ot.claimStart(b.claim_token, 'taken@example.com'), 400, 'invalid_request', /email_already_registered/);
  });

  it('after the claim → already_claimed; after the window → claim_window_expired', async () => {
    const a = await ot.register();
    const ca = await ot.claimStart(a.claim_token, 'a@example.com');
    await ot.post(`/__sandbox/claims/${ca.body.user_code}/approve`);
    oauth(await ot.claimStart(a.claim_token, 'a@example.com'), 400, 'invalid_request', /already_claimed/);
    const b = await ot.register();
    await ot.advance(86_400);
    oauth(await ot.claimStart(b.claim_token, 'b@example.com'), 400, 'invalid_request', /claim_window_expired/);
  });
});

describe('token endpoint', () => {
  it('checks grant_type, claim_token and the form encoding', async () => {
    const reg = await ot.register();
    oauth(await ot.post('/api/agent/oauth/token', { form: { claim_token: reg.claim_token } }), 400, 'invalid_request', /grant_type/);
    oauth(await ot.post('/api/agent/oauth/token', { form: { grant_type: 'authorization_code', claim_token: reg.claim_token } }), 400, 'unsupported_grant_type');
    oauth(await ot.post('/api/agent/oauth/token', { form: { grant_type: GRANT } }), 400, 'invalid_request', /claim_token/);
    oauth(await ot.post('/api/agent/oauth/token', { json: { grant_type: GRANT, claim_token: reg.claim_token } }), 400, 'invalid_request', /x-www-form-urlencoded/);
    oauth(await ot.poll('ot_clm_nope'), 400, 'invalid_grant');
  });

  it('invalid_grant no_active_claim_attempt before any claim start', async () => {
    const reg = await ot.register();
    oauth(await ot.poll(reg.claim_token), 400, 'invalid_grant', /^no_active_claim_attempt$/);
  });

  it('slow_down below the interval; the expected interval then grows by 5 s (RFC 8628)', async () => {
    const reg = await ot.register();
    await ot.claimStart(reg.claim_token, 'pace@example.com');
    oauth(await ot.poll(reg.claim_token), 400, 'authorization_pending');
    oauth(await ot.poll(reg.claim_token), 400, 'slow_down');
    // 6 s later would have been fine at 5 s, but the interval is now 10 s.
    await ot.advance(6);
    oauth(await ot.poll(reg.claim_token), 400, 'slow_down');
    // Now 15 s is expected; waiting it out gets a plain pending again.
    await ot.advance(15);
    oauth(await ot.poll(reg.claim_token), 400, 'authorization_pending');
    const state = await ot.get('/__sandbox/state');
    assert.equal(state.body.accounts[0].claim.current.intervalSec, 15);
    assert.equal(state.body.accounts[0].claim.current.status, 'pending');
  });

  it('expired_token claim_attempt_expired when the attempt lapses inside the window; restart works', async () => {
    const reg = await ot.register();
    const first = await ot.claimStart(reg.claim_token, 'late@example.com');
    await ot.advance(1800);
    oauth(await ot.poll(reg.claim_token), 400, 'expired_token', /^claim_attempt_expired$/);
    const page = await fetch(first.body.verification_uri);
    assert.equal(page.status, 410);
    assert.equal((await ot.post(`/__sandbox/claims/${first.body.user_code}/approve`)).status, 409);
    const second = await ot.claimStart(reg.claim_token, 'late@example.com');
    assert.equal(second.status, 200);
    oauth(await ot.poll(reg.claim_token), 400, 'authorization_pending');
  });

  it('expired_token claim_window_expired after the window', async () => {
    const reg = await ot.register();
    await ot.claimStart(reg.claim_token, 'w@example.com');
    await ot.advance(86_400);
    oauth(await ot.poll(reg.claim_token), 400, 'expired_token', /^claim_window_expired$/);
  });

  it('one-time delivery; pre-claim tokens 401 from approval; the new token works', async () => {
    const reg = await ot.register();
    const start = await ot.claimStart(reg.claim_token, 'one@example.com');
    assert.equal((await ot.get(`${API}/auth/me`, { token: reg.access_token })).status, 200);
    const approve = await ot.post(`/__sandbox/claims/${start.body.user_code}/approve`, { json: { email: 'one@example.com' } });
    assert.equal(approve.status, 200);
    assert.equal((await ot.get(`${API}/auth/me`, { token: reg.access_token })).status, 401);
    const ok = await ot.poll(reg.claim_token);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    oauth(await ot.poll(reg.claim_token), 400, 'invalid_grant');
    oauth(await ot.poll(reg.claim_token), 400, 'invalid_grant');
    assert.equal((await ot.get(`${API}/auth/me`, { token: ok.body.access_token })).status, 200);
  });

  it('approve with a different email is refused (the human signed in as someone else)', async () => {
    const reg = await ot.register();
    const start = await ot.claimStart(reg.claim_token, 'right@example.com');
    const wrong = await ot.post(`/__sandbox/claims/${start.body.user_code}/approve`, { json: { email: 'wrong@example.com' } });
    assert.equal(wrong.status, 409);
    assert.equal(wrong.body.details.reason, 'email_mismatch');
    oauth(await ot.poll(reg.claim_token), 400, 'authorization_pending');
    assert.equal((await ot.post('/__sandbox/claims/000000x/approve')).status, 404);
  });
});

describe('verification page', () => {
  it('shows the email, rejects a wrong code, accepts the right one, escapes HTML', async () => {
    const reg = await ot.register({ agent_name: '<b>bot</b>' });
    const start = await ot.claimStart(reg.claim_token, 'page@example.com');
    const html = await (await fetch(start.body.verification_uri)).text();
    assert.ok(html.includes('page@example.com'));
    assert.ok(html.includes('&lt;b&gt;bot&lt;/b&gt;') && !html.includes('<b>bot</b>'));
    const token = new URL(start.body.verification_uri).searchParams.get('token')!;
    const post = (code: string) => fetch(`${sandbox.url}/claim`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, code }).toString() });
    const wrongCode = start.body.user_code === '000000' ? '111111' : '000000';
    const bad = await post(wrongCode);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /not right/);
    const good = await post(start.body.user_code);
    assert.equal(good.status, 200);
    assert.match(await good.text(), /page@example\.com<\/strong> now owns/);
    const reused = await post(start.body.user_code);
    assert.match(await reused.text(), /already been claimed/);
  });

  it('locks the attempt after five wrong codes; unknown links get 404', async () => {
    const reg = await ot.register();
    const start = await ot.claimStart(reg.claim_token, 'lock@example.com');
    const token = new URL(start.body.verification_uri).searchParams.get('token')!;
    const wrongCode = start.body.user_code === '000000' ? '111111' : '000000';
    let last: Response | undefined;
    for (let i = 0; i < 5; i += 1) {
      last = await fetch(`${sandbox.url}/claim`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, code: wrongCode }).toString() });
    }
    assert.match(await last!.text(), /Too many wrong codes/);
    oauth(await ot.poll(reg.claim_token), 400, 'expired_token', /claim_attempt_expired/);
    assert.equal((await fetch(`${sandbox.url}/claim?token=ot_cat_nope`)).status, 404);
    assert.match(await (await fetch(`${sandbox.url}/claim`)).text(), /name="code"/, 'without a link the page asks for the code and e-mail');
  });
});

describe('revocation and discovery', () => {
  it('revokes at once on both paths; always 200 {}; 400 without token', async () => {
    const a = await ot.register();
    const b = await ot.register();
    const r1 = await ot.post('/api/agent/oauth/revoke', { form: { token: a.access_token } });
    assert.equal(r1.status, 200);
    assert.deepEqual(r1.body, {});
    assert.equal((await ot.get(`${API}/auth/me`, { token: a.access_token })).status, 401);
    const r2 = await ot.post('/api/agent/identity/revoke', { form: { token: b.access_token } });
    assert.deepEqual(r2.body, {});
    assert.equal((await ot.get(`${API}/auth/me`, { token: b.access_token })).status, 401);
    assert.deepEqual((await ot.post('/api/agent/oauth/revoke', { form: { token: 'ot_pat_unknown_x' } })).body, {});
    assert.deepEqual((await ot.post('/api/agent/oauth/revoke', { form: { token: a.access_token } })).body, {});
    oauth(await ot.post('/api/agent/oauth/revoke', { form: {} }), 400, 'invalid_request');
  });

  it('serves both well-known documents with the sandbox origin', async () => {
    const as = await ot.get('/.well-known/oauth-authorization-server');
    assert.equal(as.status, 200);
    assert.equal(as.body.issuer, sandbox.url);
    assert.deepEqual(as.body.grant_types_supported, [GRANT]);
    assert.equal(as.body.agent_auth.claim_endpoint, `${sandbox.url}/api/agent/identity/claim`);
    assert.equal(as.body.agent_auth.interval, 5);
    const pr = await ot.get('/.well-known/oauth-protected-resource');
    assert.equal(pr.body.resource, `${sandbox.url}/api/public/v1`);
    assert.deepEqual(pr.body.bearer_methods_supported, ['header']);
  });
});
