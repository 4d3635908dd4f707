/**
 * The verification page without the e-mailed link: the person types the code and the e-mail the claim
 * is for (what the orchestrator shows, since the link's one-time token stays in the e-mail).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSandbox } from '../../src/sandbox';
import { GRANT, withSandbox, type Client } from './helpers';

describe('claim page by code', () => {
  let sandbox: RunningSandbox;
  let client: Client;
  before(async () => ({ sandbox, client } = await withSandbox()));
  after(() => sandbox.close());

  test('code + e-mail claims the account; a wrong e-mail or code does not', async () => {
    const registration = (await client.call('POST', '/api/agent/identity', { json: {} })).body;
    const claim = (await client.call('POST', '/api/agent/identity/claim', { json: { claim_token: registration.claim_token, email: 'owner@example.com' } })).body;

    const form = await client.call('GET', '/claim');
    assert.equal(form.status, 200);
    assert.match(form.text, /name="code"/);
    assert.match(form.text, /name="email"/);

    const wrongCode = await client.call('POST', '/claim', { form: { code: claim.user_code === '000000' ? '111111' : '000000', email: 'owner@example.com' } });
    assert.equal(wrongCode.status, 400);
    const wrongEmail = await client.call('POST', '/claim', { form: { code: claim.user_code, email: 'intruder@example.com' } });
    assert.equal(wrongEmail.status, 400);
    assert.match(wrongEmail.text, /Sign in with/);
    const pending = await client.call('POST', '/api/agent/oauth/token', { form: { grant_type: GRANT, claim_token: registration.claim_token } });
    assert.equal(pending.body.error, 'authorization_pending');

    const done = await client.call('POST', '/claim', { form: { code: claim.user_code, email: 'Owner@Example.com' } });
    assert.equal(done.status, 200);
    assert.match(done.text, /now owns this OpenTrain account/);
    const grant = await client.call('POST', '/api/agent/oauth/token', { form: { grant_type: GRANT, claim_token: registration.claim_token } });
    assert.equal(grant.status, 200);
    assert.match(grant.body.access_token, /^ot_pat_/);
  });
});
