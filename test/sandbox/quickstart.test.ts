// The seed's HTTP quickstart, end to end over real HTTP with plain fetch.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { RunningSandbox } from '../../src/sandbox';
import { API, Client, GRANT, withSandbox } from './helpers';

let sandbox: RunningSandbox;
let ot: Client;

before(async () => ({ sandbox, client: ot } = await withSandbox()));
after(async () => sandbox.close());

it('quickstart: register → draft → patch → publish → proposals → claim → token swap', async () => {
  // 1. Register an anonymous agent identity.
  const reg = await ot.post('/api/agent/identity', { json: { agent_name: 'quickstart-bot', organization_name: 'Acme AI' } });
  assert.equal(reg.status, 200);
  assert.match(reg.body.access_token, /^ot_pat_[a-f0-9]+_[A-Za-z0-9_-]{20,}$/);
  assert.match(reg.body.claim_token, /^ot_clm_[A-Za-z0-9_-]{20,}$/);
  assert.equal(reg.body.token_type, 'bearer');
  assert.equal(reg.body.grant_type, GRANT);
  assert.equal(reg.body.claim_endpoint, `${sandbox.url}/api/agent/identity/claim`);
  assert.equal(reg.body.token_endpoint, `${sandbox.url}/api/agent/oauth/token`);
  assert.deepEqual(reg.body.scopes, ['jobs:read', 'jobs:write', 'proposals:read', 'messages:read', 'payments:read', 'team:read']);
  const windowMs = Date.parse(reg.body.claim_token_expires_at) - Date.now();
  assert.ok(windowMs > 86_000_000 && windowMs <= 86_400_000, `claim window ~24 h, got ${windowMs} ms`);
  const oldToken: string = reg.body.access_token;
  const claimToken: string = reg.body.claim_token;

  // 2. Who am I: unclaimed, no email yet.
  const me = await ot.get(`${API}/auth/me`, { token: oldToken });
  assert.equal(me.status, 200);
  assert.equal(me.body.account.claimed, false);
  assert.equal(me.body.actor.email, null);
  assert.equal(me.body.account.kind, 'employer_organization');
  assert.deepEqual(me.body.token.scopes, reg.body.scopes);

  // 3. Capabilities.
  const caps = await ot.get(`${API}/job-drafts/capabilities`, { token: oldToken });
  assert.equal(caps.status, 200);
  assert.equal(caps.body.enabled, true);
  assert.equal(caps.body.capabilities.publish, true);
  assert.ok(caps.body.draft.updateKeys.includes('experienceLevel'));
  assert.ok(!caps.body.draft.updateKeys.includes('...'));

  // 4. Draft from plain English: experience level and rate are missing.
  const draft = await ot.post(`${API}/job-drafts`, {
    token: oldToken,
    json: { source: { type: 'text', text: 'Image categorisation\nWe need 3 annotators to sort 10,000 product photos into categories, paid per label. English.', externalId: 'ext-1', idempotencyKey: 'qs-1' } },
  });
  assert.equal(draft.status, 201);
  assert.equal(draft.body.ok, true);
  assert.equal(draft.body.status, 'DRAFT');
  assert.match(draft.body.jobId, /^job_/);
  assert.equal(draft.body.validation.publishReady, false);
  assert.deepEqual(draft.body.validation.missingFields, ['paymentType', 'experienceLevel']);
  assert.equal(draft.body.validation.missingFieldCount, 2);
  assert.deepEqual(draft.body.missingFields.map((m: { field: string }) => m.field), ['paymentType', 'experienceLevel']);
  assert.equal(draft.body.normalizedFields.headcount, 3);
  assert.equal(draft.body.normalizedFields.dataVolume, 10000);
  assert.equal(draft.body.normalizedFields.dataVolumeUnit, 'NUMBER_OF_FILES');
  assert.deepEqual(draft.body.import, { rawSourcePreserved: true, autoPublished: false });
  const jobId: string = draft.body.jobId;

  // 5. Patch until publishReady: a missing pay type first reveals the matching rate key.
  let patched = await ot.patch(`${API}/job-drafts/${jobId}`, { token: oldToken, json: { paymentType: 'PAY_PER_LABEL', experienceLevel: 'INTERMEDIATE' } });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body.validation.missingFields, ['pricePerLabel']);
  assert.deepEqual(patched.body.missingFields[0].updateKeys, ['pricePerLabel']);
  patched = await ot.patch(`${API}/job-drafts/${jobId}`, { token: oldToken, json: { [patched.body.missingFields[0].updateKeys[0]]: 0.06 } });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.validation.publishReady, true);
  assert.deepEqual(patched.body.missingFields, []);

  // 6. Publish.
  const pub = await ot.post(`${API}/jobs/${jobId}/publish`, { token: oldToken });
  assert.equal(pub.status, 200);
  assert.equal(pub.body.status, 'OPEN');
  assert.equal(pub.body.alreadyPublished, false);
  assert.deepEqual(pub.body.sideEffects, { dispatched: true, status: 'queued' });
  assert.equal(pub.body.jobUrl, `${sandbox.url}/jobs/${jobId}`);

  // 7. Proposals: a trainer applies (test hook), then page through them.
  const inject = await ot.post(`/__sandbox/jobs/${jobId}/proposals`, { json: { count: 5 } });
  assert.equal(inject.status, 200);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Awaited<ReturnType<Client['get']>> = await ot.get(`${API}/jobs/${jobId}/proposals?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: oldToken });
    assert.equal(page.status, 200);
    pages += 1;
    for (const p of page.body.proposals) {
      assert.equal(p.jobId, jobId);
      assert.deepEqual(p.status, { raw: 'UNREVIEWED', label: 'Unreviewed' });
      seen.push(p.id);
    }
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...inject.body.ids].reverse(), 'newest first, each exactly once');

  // 8. Claim: start, poll (pending), re-poll at once (slow_down).
  const claim = await ot.claimStart(claimToken, 'owner@example.com');
  assert.equal(claim.status, 200);
  assert.match(claim.body.user_code, /^\d{6}$/);
  assert.equal(claim.body.expires_in, 1800);
  assert.equal(claim.body.interval, 5);
  assert.equal(claim.body.email_sent, true);
  assert.ok(claim.body.verification_uri.startsWith(`${sandbox.url}/claim?token=ot_cat_`));
  let poll = await ot.poll(claimToken);
  assert.equal(poll.status, 400);
  assert.equal(poll.body.error, 'authorization_pending');
  poll = await ot.poll(claimToken);
  assert.equal(poll.status, 400);
  assert.equal(poll.body.error, 'slow_down');

  // 9. The human opens the verification page and types the code.
  const pageRes = await fetch(claim.body.verification_uri);
  assert.equal(pageRes.status, 200);
  assert.match(pageRes.headers.get('content-type') ?? '', /text\/html/);
  const html = await pageRes.text();
  assert.ok(html.includes('owner@example.com'), 'the page shows the email being claimed');
  assert.ok(!/<(script|link)\b|src="http/i.test(html), 'no external assets or scripts');
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(token, 'form carries the attempt token');
  const submit = await fetch(`${sandbox.url}/claim`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, code: claim.body.user_code }).toString(),
  });
  assert.equal(submit.status, 200);
  assert.match(await submit.text(), /Account claimed/);

  // Pre-claim tokens die the moment the human completes the claim.
  assert.equal((await ot.get(`${API}/auth/me`, { token: oldToken })).status, 401);

  // 10. The token comes exactly once, then invalid_grant.
  poll = await ot.poll(claimToken);
  assert.equal(poll.status, 200);
  assert.match(poll.body.access_token, /^ot_pat_/);
  assert.equal(poll.body.token_type, 'bearer');
  assert.equal(poll.body.scopes.length, 9);
  for (const s of ['proposals:write', 'messages:write', 'team:write']) assert.ok(poll.body.scopes.includes(s));
  const newToken: string = poll.body.access_token;
  const again = await ot.poll(claimToken);
  assert.equal(again.status, 400);
  assert.equal(again.body.error, 'invalid_grant');

  // 11. Old token 401, new token 200 and claimed.
  const oldMe = await ot.get(`${API}/auth/me`, { token: oldToken });
  assert.equal(oldMe.status, 401);
  assert.equal(oldMe.body.code, 'UNAUTHORIZED');
  const newMe = await ot.get(`${API}/auth/me`, { token: newToken });
  assert.equal(newMe.status, 200);
  assert.equal(newMe.body.account.claimed, true);
  assert.equal(newMe.body.actor.email, 'owner@example.com');
  assert.equal(newMe.body.token.scopes.length, 9);
});
