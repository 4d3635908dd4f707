// /auth/me, capabilities and job drafts (§3.6–3.10) over real HTTP.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningSandbox } from '../../src/sandbox';
import { API, Client, withSandbox } from './helpers';

let sandbox: RunningSandbox;
let ot: Client;
let token: string;
let regId: string;

before(async () => ({ sandbox, client: ot } = await withSandbox()));
after(async () => sandbox.close());
beforeEach(async () => {
  await ot.post('/__sandbox/reset');
  const reg = await ot.register();
  token = reg.access_token;
  regId = reg.registration_id;
});

function envelope(res: { status: number; body: Record<string, unknown>; headers: Headers }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code);
  assert.equal(typeof res.body.error, 'string');
  assert.match(String(res.body.requestId), /^[0-9a-f-]{36}$/);
  assert.equal(res.headers.get('x-request-id'), res.body.requestId);
}

describe('auth', () => {
  it('401 UNAUTHORIZED without, with a malformed, or with an unknown token', async () => {
    envelope(await ot.get(`${API}/auth/me`), 401, 'UNAUTHORIZED');
    envelope(await ot.get(`${API}/auth/me`, { headers: { authorization: 'Basic abc' } }), 401, 'UNAUTHORIZED');
    envelope(await ot.get(`${API}/auth/me`, { token: 'ot_pat_0000_nope' }), 401, 'UNAUTHORIZED');
  });

  it('403 missing_scope with requiredScopes for a token without the scope', async () => {
    const minted = await ot.post(`/__sandbox/accounts/${regId}/tokens`, { json: { scopes: ['jobs:read'] } });
    const res = await ot.post(`${API}/job-drafts`, { token: minted.body.token, json: { rawJobDescription: 'x' } });
    envelope(res, 403, 'FORBIDDEN');
    assert.equal(res.body.details.reason, 'missing_scope');
    assert.deepEqual(res.body.details.requiredScopes, ['jobs:write']);
    // jobs:write implies jobs:read (§2.2).
    const writer = await ot.post(`/__sandbox/accounts/${regId}/tokens`, { json: { scopes: ['jobs:write'] } });
    assert.equal((await ot.get(`${API}/jobs/mine`, { token: writer.body.token })).status, 200);
  });
});

describe('capabilities and feature flags', () => {
  it('reflects per-account flags; drafting off → 403 feature_disabled on capabilities, create and patch', async () => {
    const jobId = await ot.readyDraft(token);
    const off = await ot.post(`/__sandbox/accounts/${regId}/features`, { json: { public_api_job_publishing: false } });
    assert.equal(off.status, 200);
    const caps = await ot.get(`${API}/job-drafts/capabilities`, { token });
    assert.equal(caps.body.capabilities.publish, false);
    assert.equal(caps.body.capabilities.draftCreate, true);
    assert.deepEqual(caps.body.draft.importFormats, ['text', 'opentrain_canonical', 'schema_org_job_posting', 'indeed_xml', 'hr_xml']);
    assert.deepEqual(caps.body.draft.enums.experienceLevel, ['EXPERT', 'ENTRY_LEVEL', 'INTERMEDIATE', 'ANY_EXPERIENCE_LEVEL']);
    const pub = await ot.post(`${API}/jobs/${jobId}/publish`, { token });
    envelope(pub, 403, 'FORBIDDEN');
    assert.deepEqual([pub.body.details.reason, pub.body.details.featureKey], ['feature_disabled', 'public_api_job_publishing']);

    await ot.post(`/__sandbox/accounts/${regId}/features`, { json: { public_api_job_drafting: false } });
    for (const res of [
      await ot.get(`${API}/job-drafts/capabilities`, { token }),
      await ot.post(`${API}/job-drafts`, { token, json: { rawJobDescription: 'x' } }),
      await ot.patch(`${API}/job-drafts/${jobId}`, { token, json: { headcount: 2 } }),
    ]) {
      envelope(res, 403, 'FORBIDDEN');
      assert.equal(res.body.details.featureKey, 'public_api_job_drafting');
      assert.equal(res.body.details.reason, 'feature_disabled');
    }
    assert.equal((await ot.post('/__sandbox/accounts/reg_nope/features', { json: { public_api_team: false } })).status, 404);
    assert.equal((await ot.post(`/__sandbox/accounts/${regId}/features`, { json: { no_such_flag: false } })).status, 400);
  });
});

describe('POST /job-drafts', () => {
  it('accepts every documented body shape', async () => {
    const shapes: [string, unknown][] = [
      ['text', { rawJobDescription: 'We need 2 annotators for 100 images.' }],
      ['text', { source: { type: 'text', text: 'We need 2 annotators for 100 images.' } }],
      ['text', { format: 'text', text: 'We need 2 annotators for 100 images.' }],
      ['opentrain_canonical', { format: 'opentrain_canonical', job: { title: 'T', description: 'D' } }],
      ['opentrain_canonical', { source: { type: 'opentrain_canonical', job: { title: 'T', description: 'D' } } }],
      ['schema_org_job_posting', { format: 'schema_org_job_posting', jsonLd: { '@type': 'JobPosting', title: 'T', description: 'D' } }],
      ['schema_org_job_posting', { source: { type: 'schema_org_job_posting', jsonLd: { '@type': 'JobPosting', title: 'T' } } }],
      ['indeed_xml', { format: 'indeed_xml', xml: '<source><job><title>T</title></job></source>' }],
      ['hr_xml', { source: { type: 'hr_xml', xml: '<PositionOpening><PositionTitle>T</PositionTitle></PositionOpening>' } }],
    ];
    for (const [format, body] of shapes) {
      const res = await ot.post(`${API}/job-drafts`, { token, json: body });
      assert.equal(res.status, 201, `${JSON.stringify(body)} → ${res.text}`);
      assert.equal(res.body.parser.format, format);
      assert.equal(res.body.status, 'DRAFT');
      assert.ok(Array.isArray(res.body.missingFields) && Array.isArray(res.body.validation.missingFields));
      assert.equal(res.body.draftUrl, `${sandbox.url}/job-post?jobId=${res.body.jobId}`);
    }
  });

  it('400 BAD_REQUEST with details.issues for unusable bodies', async () => {
    const bad: unknown[] = [
      {},
      { rawJobDescription: '   ' },
      { rawJobDescription: 'x'.repeat(60_001) },
      { rawJobDescription: 'a', source: { type: 'text', text: 'b' } },
      { format: 'pdf', xml: '<a/>' },
      { format: 'opentrain_canonical' },
      { format: 'indeed_xml', xml: '<source><job></source>' },
      { source: { type: 'text' } },
      { rawJobDescription: 5 },
    ];
    for (const body of bad) {
      const res = await ot.post(`${API}/job-drafts`, { token, json: body });
      envelope(res, 400, 'BAD_REQUEST');
      assert.ok(Array.isArray(res.body.details.issues) && res.body.details.issues.length > 0, JSON.stringify(body).slice(0, 80));
    }
  });

  it('idempotencyKey (top level or in source) returns the same draft with 200, per account', async () => {
    const first = await ot.post(`${API}/job-drafts`, { token, json: { rawJobDescription: 'Job one', idempotencyKey: 'k1' } });
    assert.equal(first.status, 201);
    await ot.patch(`${API}/job-drafts/${first.body.jobId}`, { token, json: { headcount: 4 } });
    const replay = await ot.post(`${API}/job-drafts`, { token, json: { source: { type: 'text', text: 'Different text', idempotencyKey: 'k1' } } });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.jobId, first.body.jobId);
    assert.equal(replay.body.normalizedFields.headcount, 4, 'the replay shows the current state');
    const other = await ot.register();
    const elsewhere = await ot.post(`${API}/job-drafts`, { token: other.access_token, json: { rawJobDescription: 'Job one', idempotencyKey: 'k1' } });
    assert.equal(elsewhere.status, 201);
    assert.notEqual(elsewhere.body.jobId, first.body.jobId);
    const state = await ot.get('/__sandbox/state');
    const mine = state.body.accounts.find((a: { registrationId: string }) => a.registrationId === regId);
    assert.deepEqual(mine.drafts.map((d: { idempotencyKey: string }) => d.idempotencyKey), ['k1']);
  });
});

describe('PATCH /job-drafts/:jobId', () => {
  it('names each bad key, wrong type and bad enum value in zod-style issues', async () => {
    const jobId = await ot.readyDraft(token);
    const res = await ot.patch(`${API}/job-drafts/${jobId}`, { token, json: { colour: 'red', size: 1, headcount: 'three', experienceLevel: 'Intermediate', languages: 'English' } });
    envelope(res, 400, 'BAD_REQUEST');
    const paths = res.body.details.issues.map((i: { path: string[] }) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['colour', 'experienceLevel', 'headcount', 'languages', 'size']);
    for (const i of res.body.details.issues) assert.ok(i.code && i.message);
    envelope(await ot.patch(`${API}/job-drafts/${jobId}`, { token, json: {} }), 400, 'BAD_REQUEST');
    envelope(await ot.patch(`${API}/job-drafts/${jobId}`, { token, json: [] }), 400, 'BAD_REQUEST');
    envelope(await ot.patch(`${API}/job-drafts/${jobId}`, { token, json: { headcount: 0 } }), 400, 'BAD_REQUEST');
  });

  it('returns the full envelope, clears with null, drops low-confidence notes for patched keys', async () => {
    const created = await ot.post(`${API}/job-drafts`, { token, json: { rawJobDescription: 'We need 2 experienced annotators for 100 images at $1 per image.' } });
    assert.ok(created.body.lowConfidenceFields.some((f: { field: string }) => f.field === 'experienceLevel'));
    const res = await ot.patch(`${API}/job-drafts/${created.body.jobId}`, { token, json: { experienceLevel: 'EXPERT', headcount: null } });
    assert.equal(res.status, 200);
    for (const key of ['ok', 'jobId', 'status', 'draftUrl', 'reviewUrl', 'validation', 'missingFields', 'normalizedFields', 'warnings', 'unmappedFields', 'lowConfidenceFields', 'import', 'parser']) {
      assert.ok(key in res.body, key);
    }
    assert.equal(res.body.normalizedFields.experienceLevel, 'EXPERT');
    assert.ok(!('headcount' in res.body.normalizedFields));
    assert.ok(res.body.validation.missingFields.includes('headcount'));
    assert.ok(!res.body.lowConfidenceFields.some((f: { field: string }) => f.field === 'experienceLevel'));
    const read = await ot.get(`${API}/job-drafts/${created.body.jobId}`, { token });
    assert.deepEqual(read.body.normalizedFields, res.body.normalizedFields);
  });

  it('reports a rate that does not match the pay type as a non-blocking issue', async () => {
    const jobId = await ot.readyDraft(token);
    const res = await ot.patch(`${API}/job-drafts/${jobId}`, { token, json: { pricePerHour: 20 } });
    assert.equal(res.body.validation.publishReady, true);
    assert.equal(res.body.validation.issueCount, 1);
    assert.equal(res.body.validation.issues[0].field, 'pricePerHour');
  });

  it('404 for unknown or foreign jobs, 409 on a non-DRAFT', async () => {
    envelope(await ot.patch(`${API}/job-drafts/job_nope`, { token, json: { headcount: 2 } }), 404, 'NOT_FOUND');
    const other = await ot.register();
    const foreign = await ot.readyDraft(other.access_token);
    const res = await ot.patch(`${API}/job-drafts/${foreign}`, { token, json: { headcount: 2 } });
    envelope(res, 404, 'NOT_FOUND');
    assert.equal(res.body.details.jobId, foreign);
    const jobId = await ot.readyDraft(token);
    await ot.post(`${API}/jobs/${jobId}/publish`, { token });
    const conflict = await ot.patch(`${API}/job-drafts/${jobId}`, { token, json: { headcount: 2 } });
    envelope(conflict, 409, 'CONFLICT');
    assert.deepEqual(conflict.body.details, { jobId, status: 'OPEN', requiredStatus: 'DRAFT' });
  });
});
