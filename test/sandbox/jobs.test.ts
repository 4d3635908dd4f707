// Publish, moderation, the daily quota, owner/public job reads, live edits, close and proposals.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningSandbox } from '../../src/sandbox';
import { API, Client, withSandbox } from './helpers';

let sandbox: RunningSandbox;
let ot: Client;
let token: string;
let claimToken: string;

// A fixed clock at 18:00 UTC, so "seconds until the next UTC midnight" is known exactly.
const T0 = Date.UTC(2030, 0, 1, 18, 0, 0);

before(async () => ({ sandbox, client: ot } = await withSandbox({ now: () => T0 })));
after(async () => sandbox.close());
beforeEach(async () => {
  await ot.post('/__sandbox/reset');
  const reg = await ot.register();
  token = reg.access_token;
  claimToken = reg.claim_token;
});

describe('publish', () => {
  it('400 with details.validation when the draft is not ready', async () => {
    const draft = await ot.post(`${API}/job-drafts`, { token, json: { rawJobDescription: 'Label some images.' } });
    const res = await ot.post(`${API}/jobs/${draft.body.jobId}/publish`, { token });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'BAD_REQUEST');
    assert.equal(res.body.details.validation.publishReady, false);
    assert.ok(res.body.details.validation.missingFields.includes('experienceLevel'));
    assert.ok(res.body.details.missingFields.every((m: { field: string; prompt: string }) => m.field && m.prompt));
  });

  it('403 moderation_blocked with reasons; an edit then lets it through', async () => {
    const jobId = await ot.readyDraft(token, 'No scam please.');
    const res = await ot.post(`${API}/jobs/${jobId}/publish`, { token });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'FORBIDDEN');
    assert.equal(res.body.details.reason, 'moderation_blocked');
    assert.ok(res.body.details.reasons.length === 1 && typeof res.body.details.reasons[0] === 'string');
    assert.match(res.body.details.reasons[0], /scam/);
    await ot.patch(`${API}/job-drafts/${jobId}`, { token, json: { jobDescription: 'Tag 2,000 product images with bounding boxes.' } });
    assert.equal((await ot.post(`${API}/jobs/${jobId}/publish`, { token })).status, 200);
    // The blocklist is configurable at run time and matches whole words, case-insensitively.
    await ot.post('/__sandbox/config', { json: { moderationBlocklist: ['Forbidden'] } });
    const other = await ot.readyDraft(token, 'FORBIDDEN words here.');
    assert.equal((await ot.post(`${API}/jobs/${other}/publish`, { token })).status, 403);
  });

  it('already OPEN → 200 alreadyPublished; ARCHIVED → 409; unknown → 404', async () => {
    const jobId = await ot.readyDraft(token);
    const first = await ot.post(`${API}/jobs/${jobId}/publish`, { token });
    assert.equal(first.body.alreadyPublished, false);
    assert.match(first.body.publishAttemptId, /^pa_/);
    const second = await ot.post(`${API}/jobs/${jobId}/publish`, { token });
    assert.equal(second.status, 200);
    assert.equal(second.body.alreadyPublished, true);
    assert.deepEqual(second.body.sideEffects, { dispatched: false, status: 'skipped' });
    const state = await ot.get('/__sandbox/state');
    assert.equal(state.body.publishCountByJob[jobId], 1, 'a repeat publish is a no-op');
    await ot.post(`${API}/jobs/${jobId}/close`, { token });
    const archived = await ot.post(`${API}/jobs/${jobId}/publish`, { token });
    assert.equal(archived.status, 409);
    assert.deepEqual(archived.body.details, { jobId, status: 'ARCHIVED' });
    assert.equal((await ot.post(`${API}/jobs/job_nope/publish`, { token })).status, 404);
  });

  it('daily quota: 3 unclaimed → 429 daily_publish_limit with Retry-After to UTC midnight; resets next day; 20 when claimed', async () => {
    for (let i = 0; i < 3; i += 1) {
      const id = await ot.readyDraft(token);
      assert.equal((await ot.post(`${API}/jobs/${id}/publish`, { token })).status, 200);
    }
    const fourth = await ot.readyDraft(token);
    const res = await ot.post(`${API}/jobs/${fourth}/publish`, { token });
    assert.equal(res.status, 429);
    assert.equal(res.body.code, 'RATE_LIMITED');
    assert.deepEqual(res.body.details, { reason: 'daily_publish_limit', limit: 3, resetAt: '2030-01-02T00:00:00.000Z' });
    assert.equal(res.headers.get('retry-after'), String(6 * 3600));
    // The next UTC day the quota is fresh.
    await ot.advance(6 * 3600);
    assert.equal((await ot.post(`${API}/jobs/${fourth}/publish`, { token })).status, 200);

    // Claimed accounts get the higher limit (configured small here to keep the test short).
    await ot.post('/__sandbox/config', { json: { publishQuota: { unclaimed: 1, claimed: 2 } } });
    const start = await ot.claimStart(claimToken, 'quota@example.com');
    await ot.post(`/__sandbox/claims/${start.body.user_code}/approve`);
    const newToken = (await ot.poll(claimToken)).body.access_token;
    const a = await ot.readyDraft(newToken);
    const b = await ot.readyDraft(newToken);
    assert.equal((await ot.post(`${API}/jobs/${a}/publish`, { token: newToken })).status, 200);
    const limited = await ot.post(`${API}/jobs/${b}/publish`, { token: newToken });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.details.limit, 2);
  });
});

describe('job reads', () => {
  it('GET /jobs/mine pages newest first with an opaque cursor and filters by status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await ot.readyDraft(token));
    await ot.post(`${API}/jobs/${ids[1]}/publish`, { token });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<Client['get']>> = await ot.get(`${API}/jobs/mine?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
      assert.equal(res.status, 200);
      assert.ok(res.body.jobs.length <= 2);
      seen.push(...res.body.jobs.map((j: { id: string }) => j.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    const open = await ot.get(`${API}/jobs/mine?status=OPEN`, { token });
    assert.deepEqual(open.body.jobs.map((j: { id: string }) => j.id), [ids[1]]);
    assert.equal(open.body.jobs[0].published, true);
    assert.deepEqual(open.body.jobs[0].proposalCounts, { total: 0, unreviewed: 0 });
    assert.equal((await ot.get(`${API}/jobs/mine?limit=500`, { token })).body.jobs.length, 5, 'over-max limit is clamped');
    const badStatus = await ot.get(`${API}/jobs/mine?status=LIVE`, { token });
    assert.equal(badStatus.status, 400);
    assert.ok(badStatus.body.details.supportedStatuses.includes('OPEN'));
    assert.equal((await ot.get(`${API}/jobs/mine?limit=0`, { token })).status, 400);
    const badCursor = await ot.get(`${API}/jobs/mine?cursor=garbage`, { token });
    assert.equal(badCursor.status, 400);
    assert.equal(badCursor.body.details.field, 'cursor');
  });

  it('GET /jobs/:id is tokenless with CORS; closed → {id, status:"closed"}; unknown → envelope; long id → 400', async () => {
    const jobId = await ot.readyDraft(token);
    assert.equal((await ot.get(`${API}/jobs/${jobId}`)).status, 404, 'a draft is not listed');
    await ot.post(`${API}/jobs/${jobId}/publish`, { token });
    const pub = await ot.get(`${API}/jobs/${jobId}`);
    assert.equal(pub.status, 200);
    assert.equal(pub.headers.get('access-control-allow-origin'), '*');
    assert.match(pub.headers.get('cache-control') ?? '', /s-maxage=300/);
    assert.equal(pub.body.title, 'Product photo tagging');
    assert.equal(pub.body.experienceLevel, 'Intermediate');
    assert.equal(pub.body.pay.paymentType, 'PAY_PER_LABEL');
    assert.equal(pub.body.pay.perLabelRate, 0.05);
    const options = await ot.call('OPTIONS', `${API}/jobs/${jobId}`);
    assert.equal(options.status, 204);
    await ot.post(`${API}/jobs/${jobId}/close`, { token });
    const closed = await ot.get(`${API}/jobs/${jobId}`);
    assert.equal(closed.status, 404);
    assert.deepEqual(closed.body, { id: jobId, status: 'closed' });
    const unknown = await ot.get(`${API}/jobs/job_nope`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'NOT_FOUND');
    assert.equal((await ot.get(`${API}/jobs/${'x'.repeat(65)}`)).status, 400);
  });
});

describe('live edits and close', () => {
  it('PATCH /jobs/:id edits an OPEN job; moderation rejection keeps the edit and unpublishes', async () => {
    const jobId = await ot.readyDraft(token);
    const draftEdit = await ot.patch(`${API}/jobs/${jobId}`, { token, json: { headcount: 4 } });
    assert.equal(draftEdit.status, 409);
    assert.deepEqual(draftEdit.body.details, { jobId, status: 'DRAFT', requiredStatus: 'OPEN' });
    await ot.post(`${API}/jobs/${jobId}/publish`, { token });
    const ok = await ot.patch(`${API}/jobs/${jobId}`, { token, json: { headcount: 4 } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { ok: true, jobId, status: 'OPEN', moderation: { decision: 'ALLOW', reasons: [] } });
    assert.equal((await ot.patch(`${API}/jobs/${jobId}`, { token, json: { bogus: 1 } })).status, 400);
    const blocked = await ot.patch(`${API}/jobs/${jobId}`, { token, json: { jobTitle: 'Counterfeit detection' } });
    assert.equal(blocked.status, 409);
    assert.equal(blocked.body.details.reason, 'moderation_blocked');
    assert.equal(blocked.body.details.status, 'DRAFT');
    const read = await ot.get(`${API}/job-drafts/${jobId}`, { token });
    assert.equal(read.body.status, 'DRAFT');
    assert.equal(read.body.normalizedFields.jobTitle, 'Counterfeit detection');
  });

  it('close is idempotent and works on drafts', async () => {
    const jobId = await ot.readyDraft(token);
    const first = await ot.post(`${API}/jobs/${jobId}/close`, { token });
    assert.deepEqual(first.body, { ok: true, jobId, status: 'ARCHIVED', alreadyClosed: false });
    const second = await ot.post(`${API}/jobs/${jobId}/close`, { token });
    assert.equal(second.body.alreadyClosed, true);
    assert.equal((await ot.post(`${API}/jobs/job_nope/close`, { token })).status, 404);
  });
});

describe('GET /jobs/:id/proposals', () => {
  it('pages by proposal id, filters status case-insensitively, guards ownership', async () => {
    const jobId = await ot.readyDraft(token);
    const unreviewed = await ot.post(`/__sandbox/jobs/${jobId}/proposals`, { json: { count: 3 } });
    const short = await ot.post(`/__sandbox/jobs/${jobId}/proposals`, { json: { count: 1, status: 'SHORTLISTED' } });
    const page1 = await ot.get(`${API}/jobs/${jobId}/proposals?limit=3`, { token });
    assert.equal(page1.status, 200);
    assert.deepEqual(page1.body.proposals.map((p: { id: string }) => p.id), [short.body.ids[0], unreviewed.body.ids[2], unreviewed.body.ids[1]]);
    assert.equal(page1.body.nextCursor, unreviewed.body.ids[1]);
    const page2 = await ot.get(`${API}/jobs/${jobId}/proposals?limit=3&cursor=${page1.body.nextCursor}`, { token });
    assert.deepEqual(page2.body.proposals.map((p: { id: string }) => p.id), [unreviewed.body.ids[0]]);
    assert.equal(page2.body.nextCursor, null);
    const p = page1.body.proposals[1];
    assert.ok(Number.isInteger(p.metrics.interviewScore) && p.metrics.interviewScore <= 100);
    assert.ok(p.metrics.matchScore >= 0 && p.metrics.matchScore <= 1);
    assert.equal(p.bid.unit, 'PER_LABEL');
    assert.ok(!p.candidate.lastNameInitial.includes('.'));
    const filtered = await ot.get(`${API}/jobs/${jobId}/proposals?status=short-listed`, { token });
    assert.equal(filtered.status, 400, '"short-listed" normalises to SHORT_LISTED, which is not a status');
    const shortlisted = await ot.get(`${API}/jobs/${jobId}/proposals?status=shortlisted`, { token });
    assert.deepEqual(shortlisted.body.proposals.map((x: { id: string }) => x.id), short.body.ids);
    const notFit = await ot.get(`${API}/jobs/${jobId}/proposals?status=not%20a%20fit`, { token });
    assert.equal(notFit.status, 200);
    assert.ok((await ot.get(`${API}/jobs/${jobId}/proposals?status=nope`, { token })).body.details.supportedStatuses.includes('NOT_A_FIT'));
    assert.equal((await ot.get(`${API}/jobs/${jobId}/proposals?limit=0`, { token })).status, 400);
    assert.equal((await ot.get(`${API}/jobs/${jobId}/proposals?cursor=prp_unknown`, { token })).status, 400);
    assert.equal((await ot.get(`${API}/jobs/job_nope/proposals`, { token })).status, 404);
    const other = await ot.register();
    const foreign = await ot.get(`${API}/jobs/${jobId}/proposals`, { token: other.access_token });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'FORBIDDEN');
  });
});
