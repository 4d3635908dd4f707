// What the client puts on the wire: paths, methods, encodings, headers, query strings, pagination.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_USER_AGENT, OpenTrainClient, RequestValidationError, ResponseValidationError, type DraftPatch } from '../../src/opentrain';
import { json, raw, startCraftedServer, type CraftedServer } from './crafted-server';

let server: CraftedServer;
let client: OpenTrainClient;
const TOKEN = 'ot_pat_ab12_secretvalue';

before(async () => {
  server = await startCraftedServer();
  client = new OpenTrainClient({ baseUrl: server.url, token: TOKEN });
});
after(() => server.close());
beforeEach(() => {
  server.received.length = 0;
});

const draft = { jobId: 'job 1/x', status: 'DRAFT', validation: { publishReady: false } };

function last() {
  const request = server.received.at(-1);
  assert.ok(request, 'the server received nothing');
  return request;
}

describe('agent auth requests', () => {
  test('registerIdentity posts JSON without a bearer', async () => {
    server.respond(
      json(200, {
        access_token: 'ot_pat_ab12_xxxxxxxx',
        scopes: ['jobs:read'],
        claim_token: 'ot_clm_xxxxxxxx',
        claim_token_expires_at: '2030-01-02T09:00:00.000Z',
      }),
    );
    const registration = await client.registerIdentity({ agent_name: 'bot' });
    assert.equal(registration.claim_token, 'ot_clm_xxxxxxxx');
    const request = last();
    assert.equal(`${request.method} ${request.url}`, 'POST /api/agent/identity');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers.authorization, undefined);
    assert.equal(request.headers['user-agent'], DEFAULT_USER_AGENT);
    assert.match(DEFAULT_USER_AGENT, /^opentrain-orchestrator\/\d+\.\d+\.\d+/);
    assert.deepEqual(JSON.parse(request.body), { agent_name: 'bot' });
  });

  test('pollToken is form-encoded with the claim grant type', async () => {
    server.respond(json(200, { access_token: 'ot_pat_cd34_yyyyyyyy', token_type: 'bearer', scopes: ['proposals:write'] }));
    const grant = await client.pollToken({ claim_token: 'ot_clm_xxxxxxxx' });
    assert.equal(grant.access_token, 'ot_pat_cd34_yyyyyyyy');
    const request = last();
    assert.equal(request.url, '/api/agent/oauth/token');
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request.body)), {
      grant_type: 'urn:opentrain:agent-auth:grant-type:claim',
      claim_token: 'ot_clm_xxxxxxxx',
    });
  });

  test('revokeToken is form-encoded and accepts {} or an empty body', async () => {
    server.respond(json(200, {}));
    await client.revokeToken('ot_pat_old');
    assert.equal(last().url, '/api/agent/oauth/revoke');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(last().body)), { token: 'ot_pat_old' });
    server.respond(raw(200, ''));
    await client.revokeToken('ot_pat_old');
  });

  test('startClaim validates its body before sending', async () => {
    await assert.rejects(client.startClaim({ claim_token: 'ot_clm_x', email: 'not-an-email' }), RequestValidationError);
    assert.equal(server.received.length, 0);
  });
});

describe('public API requests', () => {
  test('authenticated calls carry the bearer; the tokenless public job does not', async () => {
    server.respond(json(200, { actor: {}, token: { scopes: [] }, account: {} }));
    await client.getMe();
    assert.equal(last().headers.authorization, `Bearer ${TOKEN}`);

    server.respond(json(200, { id: 'job_1', title: 'T', status: 'OPEN' }));
    await client.getPublicJob('job_1');
    assert.equal(last().url, '/api/public/v1/jobs/job_1');
    assert.equal(last().headers.authorization, undefined);
  });

  test('withToken swaps the bearer and keeps the rest', async () => {
    server.respond(json(200, { actor: {}, token: { scopes: [] }, account: {} }));
    await client.withToken('ot_pat_new_token').getMe();
    assert.equal(last().headers.authorization, 'Bearer ot_pat_new_token');
  });

  test('path parameters are URI-encoded', async () => {
    server.respond(json(200, draft));
    await client.updateJobDraft('job 1/x', { headcount: 2 });
    assert.equal(`${last().method} ${last().url}`, 'PATCH /api/public/v1/job-drafts/job%201%2Fx');
    assert.deepEqual(JSON.parse(last().body), { headcount: 2 });
    await client.getJobDraft('job 1/x');
    assert.equal(`${last().method} ${last().url}`, 'GET /api/public/v1/job-drafts/job%201%2Fx');
  });

  test('createJobDraft sends the body as given, idempotencyKey included', async () => {
    server.respond(json(201, draft));
    const body = { source: { type: 'text' as const, text: 'We need 3 annotators', externalId: 'e-1', idempotencyKey: 'wf-1' } };
    await client.createJobDraft(body);
    assert.equal(last().url, '/api/public/v1/job-drafts');
    assert.deepEqual(JSON.parse(last().body), body);
  });

  test('a PATCH with an unknown key or a bad value is refused before it is sent', async () => {
    const error = await client.updateJobDraft('job_1', { salary: 5 } as unknown as DraftPatch).catch((caught: unknown) => caught);
    assert.ok(error instanceof RequestValidationError);
    assert.equal(error.retryable, false);
    assert.match(error.message, /salary/);
    await assert.rejects(client.createJobDraft({} as never), RequestValidationError);
    assert.equal(server.received.length, 0);
  });

  test('listMyJobs puts only the given parameters in the query', async () => {
    server.respond(json(200, { jobs: [], nextCursor: null }));
    await client.listMyJobs({ status: 'DRAFT', limit: 10 });
    assert.equal(last().url, '/api/public/v1/jobs/mine?status=DRAFT&limit=10');
    await client.listMyJobs();
    assert.equal(last().url, '/api/public/v1/jobs/mine');
  });

  test('publishJob posts without a body', async () => {
    server.respond(json(200, { jobId: 'job_1', status: 'OPEN', alreadyPublished: false }));
    assert.equal((await client.publishJob('job_1')).alreadyPublished, false);
    assert.equal(`${last().method} ${last().url}`, 'POST /api/public/v1/jobs/job_1/publish');
    assert.equal(last().body, '');
  });

  test('discovery documents come from the origin', async () => {
    server.respond(json(200, { issuer: server.url, token_endpoint: `${server.url}/api/agent/oauth/token` }));
    await client.getAuthorizationServerMetadata();
    assert.equal(last().url, '/.well-known/oauth-authorization-server');
    server.respond(json(200, { resource: `${server.url}/api/public/v1` }));
    await client.getProtectedResourceMetadata();
    assert.equal(last().url, '/.well-known/oauth-protected-resource');
  });
});

describe('iterateProposals', () => {
  const proposal = (id: string) => ({ id, jobId: 'job_1', status: { raw: 'UNREVIEWED' } });

  test('follows nextCursor until it is null', async () => {
    server.respond((req, res) => {
      const cursor = new URL(req.url, 'http://x').searchParams.get('cursor');
      const page =
        cursor === null
          ? { proposals: [proposal('p3'), proposal('p2')], nextCursor: 'p2' }
          : { proposals: [proposal('p1')], nextCursor: null };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
    });
    const ids: string[] = [];
    for await (const item of client.iterateProposals('job_1', { limit: 2, status: 'UNREVIEWED' })) ids.push(item.id);
    assert.deepEqual(ids, ['p3', 'p2', 'p1']);
    assert.deepEqual(
      server.received.map((request) => request.url),
      ['/api/public/v1/jobs/job_1/proposals?limit=2&status=UNREVIEWED', '/api/public/v1/jobs/job_1/proposals?limit=2&status=UNREVIEWED&cursor=p2'],
    );
  });

  test('a server repeating a cursor ends the iteration with an error instead of looping', async () => {
    server.respond(json(200, { proposals: [proposal('p1')], nextCursor: 'same' }));
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const item of client.iterateProposals('job_1')) seen.push(item.id);
    }, ResponseValidationError);
    assert.equal(seen.length, 2);
  });

  test('a page of the wrong shape fails with the path', async () => {
    server.respond(json(200, { proposals: [{ id: 'p1' }], nextCursor: null }));
    const error = await client.listProposals('job_1').catch((caught: unknown) => caught);
    assert.ok(error instanceof ResponseValidationError);
    assert.equal(error.path, 'proposals.0.jobId');
  });
});

describe('construction', () => {
  test('an invalid baseUrl fails at once, not as a connection error later', () => {
    assert.throws(() => new OpenTrainClient({ baseUrl: 'not a url' }), TypeError);
  });
});
