/**
 * The backend API over real HTTP, in front of a real Temporal dev server, a real worker and the sandbox.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { validate, compileErrors } from '@readme/openapi-parser';
import { Client, Connection } from '@temporalio/client';
import { buildApi } from '../../src/api';
import { bearerMatches } from '../../src/api/auth';
import { summaryOf } from '../../src/api/lifecycles';
import { createCodecFromEnv, ENCODING_ENCRYPTED } from '../../src/codec';
import type { LifecycleStatus } from '../../src/workflows/definitions';
import { OpenTrainExternalId } from '../../src/workflows/search-attributes';
import { plausibleAnswer } from '../../bench/lib/people';
import { SECRET_PATTERN } from '../helpers/lifecycle';
import { API_KEY, eventually, http, listen, startApiStack, type ApiStack, type HttpAnswer } from './helpers';
import { NO_CLAIM } from '../../src/workflows/definitions';

const VAGUE_JOB = 'We need people to draw bounding boxes around cars in street photos for a self-driving project.';
const CLEAR_JOB =
  'Image categorisation: we need 5 annotators to label 10,000 images of street scenes. Pay is $0.05 per label. ' +
  'Intermediate experience. English speakers.';
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

describe('backend API over HTTP', () => {
  let api: ApiStack;
  const answers: HttpAnswer[] = [];
  let counter = 0;
  const newId = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
  /** The sandbox refuses an e-mail that already owns an account, so each claim gets its own. */
  const newEmail = () => `owner-${newId('e')}@example.com`;

  /** Every answer is kept, so the last test can check none leaked a stack trace or a token. */
  const call = async (method: string, path: string, options: Parameters<typeof http>[3] = {}) => {
    const answer = await http(api.url, method, path, options);
    answers.push(answer);
    return answer;
  };
  const status = async (id: string) => (await call('GET', `/v1/lifecycles/${id}`)).body as LifecycleStatus;
  const waitFor = (id: string, predicate: (s: LifecycleStatus) => boolean, what = 'status') =>
    eventually(`${id}: ${what}`, async () => {
      const current = await status(id);
      return predicate(current) ? current : undefined;
    });
  const start = async (body: Record<string, unknown>) => {
    const answer = await call('POST', '/v1/lifecycles', { body });
    assert.equal(answer.status, 201, answer.text);
    return answer.body as { workflowId: string; runId: string; created: boolean };
  };
  /** Asserts the API's error shape and returns the field names it blames. */
  const fieldsOf = (answer: HttpAnswer, status: number, code?: string) => {
    assert.equal(answer.status, status, answer.text);
    assert.equal(typeof answer.body?.error?.message, 'string', answer.text);
    assert.ok(Array.isArray(answer.body.error.fields), answer.text);
    if (code) assert.equal(answer.body.error.code, code, answer.text);
    return (answer.body.error.fields as Array<{ field: string; message: string }>).map((f) => f.field);
  };

  before(async () => {
    api = await startApiStack({ codec: createCodecFromEnv({ PAYLOAD_ENCRYPTION_KEY: ENCRYPTION_KEY }) });
  });
  after(async () => {
    await api?.close();
  });

  // ---------------------------------------------------------------- auth

  describe('authentication', () => {
    test('every lifecycle and codec route needs the bearer key; a missing or wrong key gets 401 JSON', async () => {
      const routes: Array<[string, string]> = [
        ['POST', '/v1/lifecycles'],
        ['GET', '/v1/lifecycles'],
        ['GET', '/v1/lifecycles/any-id'],
        ['POST', '/v1/lifecycles/any-id/answers'],
        ['POST', '/v1/lifecycles/any-id/confirm'],
        ['POST', '/v1/lifecycles/any-id/approve-publish'],
        ['POST', '/v1/lifecycles/any-id/claim'],
        ['POST', '/v1/lifecycles/any-id/cancel'],
        ['POST', '/codec/encode'],
        ['POST', '/codec/decode'],
      ];
      const wrongKeys: Array<string | false> = [false, 'wrong', API_KEY.slice(0, -1), `${API_KEY}x`, API_KEY.toUpperCase()];
      for (const [method, path] of routes) {
        for (const key of wrongKeys) {
          const answer = await call(method, path, { auth: key, body: method === 'POST' ? { draft: { rawJobDescription: 'x' } } : undefined });
          assert.deepEqual(fieldsOf(answer, 401, 'UNAUTHORIZED'), ['authorization'], `${method} ${path} with ${String(key)}`);
          assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
        }
      }
      const basic = await call('GET', '/v1/lifecycles', { headers: { authorization: `Basic ${Buffer.from(`x:${API_KEY}`).toString('base64')}` } });
      fieldsOf(basic, 401, 'UNAUTHORIZED');
    });

    test('the key is compared as equal-length digests in constant time', () => {
      assert.equal(bearerMatches(`Bearer ${API_KEY}`, API_KEY), true);
      assert.equal(bearerMatches(`bearer ${API_KEY}`, API_KEY), true, 'the scheme is case-insensitive (RFC 7235)');
      for (const header of [undefined, '', 'Bearer', 'Bearer ', `Bearer ${API_KEY.slice(1)}`, `Bearer ${API_KEY}0`, `Token ${API_KEY}`, API_KEY, 'Bearer \u0000']) {
        assert.equal(bearerMatches(header, API_KEY), false, String(header));
      }
      // Lengths that differ from the key's must not throw (timingSafeEqual would, on unequal buffers).
      assert.equal(bearerMatches(`Bearer ${'a'.repeat(10_000)}`, API_KEY), false);
    });

    test('/healthz, /openapi.json and the page at / are open', async () => {
      const health = await call('GET', '/healthz', { auth: false });
      assert.equal(health.status, 200);
      assert.deepEqual(health.body, { status: 'ok', temporal: { reachable: true, namespace: 'default' } });
      assert.equal((await call('GET', '/openapi.json', { auth: false })).status, 200);
      assert.equal((await call('GET', '/', { auth: false })).status, 200);
    });

    test('/healthz answers 503 when Temporal is not reachable', async () => {
      const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
      const app = buildApi({ client: new Client({ connection }), taskQueue: 'unused', apiKey: API_KEY });
      try {
        const url = await listen(app);
        const health = await http(url, 'GET', '/healthz', { auth: false });
        assert.equal(health.status, 503);
        assert.equal(health.body.status, 'unavailable');
      } finally {
        await app.close();
        await connection.close();
      }
    });
  });

  // ---------------------------------------------------------------- bad input

  describe('bad input gets a 4xx naming the field and the rule; nothing is started', () => {
    const badStarts: Array<[string, unknown, string[]]> = [
      ['missing draft', {}, ['draft']],
      ['draft of the wrong type', { draft: 'a job' }, ['draft']],
      ['empty draft', { draft: {} }, ['draft']],
      ['job text of the wrong type', { draft: { rawJobDescription: 42 } }, ['draft.rawJobDescription']],
      ['two sources at once', { draft: { rawJobDescription: 'x', format: 'hr_xml', xml: '<job/>' } }, ['draft.format']],
      ['unknown top-level key', { draft: { rawJobDescription: VAGUE_JOB }, priority: 'high' }, ['priority']],
      ['unknown policy key and a bad value', { draft: { rawJobDescription: VAGUE_JOB }, policy: { review: 'sometimes', speed: 1 } }, ['policy.review', 'policy.speed']],
      ['a claim that is not an e-mail', { draft: { rawJobDescription: VAGUE_JOB }, claim: { email: 'not-an-email' } }, ['claim.email']],
      ['an account that mixes both forms', { draft: { rawJobDescription: VAGUE_JOB }, account: { credentialId: 'c1', agentName: 'a' } }, ['account.agentName']],
      ['a workflowId with a quote', { workflowId: "x' OR '1'='1", draft: { rawJobDescription: VAGUE_JOB } }, ['workflowId']],
      ['a workflowId with a slash', { workflowId: '../../etc/passwd', draft: { rawJobDescription: VAGUE_JOB } }, ['workflowId']],
      ['a workflowId that is too long', { workflowId: 'a'.repeat(201), draft: { rawJobDescription: VAGUE_JOB } }, ['workflowId']],
      ['a workflowId of the wrong type', { workflowId: 7, draft: { rawJobDescription: VAGUE_JOB } }, ['workflowId']],
      ['answers with an unknown key', { draft: { rawJobDescription: VAGUE_JOB }, answers: { notAField: 1 } }, ['answers.notAField']],
      ['answers of the wrong type', { draft: { rawJobDescription: VAGUE_JOB }, answers: { headcount: 'five' } }, ['answers.headcount']],
      ['an OpenTrain token in the input', { draft: { rawJobDescription: `${VAGUE_JOB} token ot_pat_abcdef123456` } }, ['body']],
    ];
    for (const [name, body, fields] of badStarts) {
      test(`POST /v1/lifecycles: ${name}`, async () => {
        const workflowId = newId('never');
        const withId = typeof body === 'object' && body && !('workflowId' in body) ? { workflowId, ...body } : body;
        const answer = await call('POST', '/v1/lifecycles', { body: withId });
        assert.deepEqual(fieldsOf(answer, 400), fields);
        assert.ok(answer.body.error.fields.every((f: { message: string }) => f.message.length > 3), 'each field names its rule');
        assert.equal((await call('GET', `/v1/lifecycles/${workflowId}`)).status, 404, 'nothing was started');
      });
    }

    test('malformed JSON, a non-object body, the wrong content type and an empty JSON body', async () => {
      assert.deepEqual(fieldsOf(await call('POST', '/v1/lifecycles', { raw: '{"draft": ' }), 400, 'INVALID_JSON'), ['body']);
      assert.deepEqual(fieldsOf(await call('POST', '/v1/lifecycles', { raw: '[1, 2]' }), 400, 'INVALID_REQUEST'), ['body']);
      assert.deepEqual(fieldsOf(await call('POST', '/v1/lifecycles', { raw: 'null' }), 400, 'INVALID_REQUEST'), ['body']);
      fieldsOf(await call('POST', '/v1/lifecycles', { raw: 'draft=x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      fieldsOf(await call('POST', '/v1/lifecycles', { raw: '', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON');
      fieldsOf(await call('POST', '/v1/lifecycles', { raw: '{"__proto__": {"x": 1}, "draft": {"rawJobDescription": "x"}}' }), 400);
    });

    test('an oversized body gets 413 JSON', async () => {
      const answer = await call('POST', '/v1/lifecycles', { body: { draft: { rawJobDescription: 'x'.repeat(300 * 1024) } } });
      assert.deepEqual(fieldsOf(answer, 413, 'BODY_TOO_LARGE'), ['body']);
    });

    test('injection strings in ids, stages and page tokens are refused before Temporal sees them', async () => {
      const ids = ["x' OR '1'='1", 'a b', '..', '%2e%2e%2fetc', 'x"; DROP TABLE', '-leading-dash', 'ä', 'x'.repeat(201)];
      for (const id of ids) {
        const path = encodeURIComponent(id);
        for (const [method, suffix] of [['GET', ''], ['POST', '/answers'], ['POST', '/cancel']] as const) {
          const answer = await call(method, `/v1/lifecycles/${path}${suffix}`, { body: method === 'POST' ? { values: { headcount: 1 } } : undefined });
          assert.ok([400, 404].includes(answer.status), `${method} ${id}${suffix}: ${answer.status}`);
          if (answer.status === 400) assert.deepEqual(answer.body.error.fields.map((f: { field: string }) => f.field), ['params.id']);
          else assert.equal(answer.body.error.code, 'ROUTE_NOT_FOUND', 'only a path that splits into other segments misses the route');
        }
      }
      assert.deepEqual(fieldsOf(await call('GET', `/v1/lifecycles?stage=${encodeURIComponent("LIVE' OR WorkflowType != '")}`), 400), ['query.stage']);
      assert.deepEqual(fieldsOf(await call('GET', '/v1/lifecycles?pageSize=0'), 400), ['query.pageSize']);
      assert.deepEqual(fieldsOf(await call('GET', '/v1/lifecycles?pageSize=ten'), 400), ['query.pageSize']);
      assert.deepEqual(fieldsOf(await call('GET', '/v1/lifecycles?nextPageToken=%27%3B'), 400), ['query.nextPageToken']);
      assert.deepEqual(fieldsOf(await call('GET', '/v1/lifecycles?nextPageToken=AAAA'), 400), ['query.nextPageToken']);
      assert.deepEqual(fieldsOf(await call('GET', '/v1/lifecycles?sort=stage'), 400), ['query.sort']);
      assert.deepEqual(fieldsOf(await call('POST', '/v1/lifecycles/x/answers?mode=later', { body: { values: { headcount: 1 } } }), 400), ['query.mode']);
      assert.deepEqual(
        fieldsOf(await call('POST', '/v1/lifecycles/x/answers', { body: { values: { headcount: 1 } }, headers: { 'idempotency-key': 'a b' } }), 400),
        ['headers.idempotency-key'],
      );
    });

    test('signal and update bodies: missing, wrong and unknown fields', async () => {
      const cases: Array<[string, unknown, string[]]> = [
        ['/answers', {}, ['values']],
        ['/answers', { values: [1, 2] }, ['values']],
        ['/answers', { values: { headcount: 1 }, extra: true }, ['extra']],
        ['/confirm', { corrections: 'all' }, ['corrections']],
        ['/confirm', { confirmed: true }, ['confirmed']],
        ['/claim', {}, ['email']],
        ['/claim', { email: 'owner at example.com' }, ['email']],
        ['/claim', { email: 'owner@example.com', cc: 'x@example.com' }, ['cc']],
        ['/approve-publish', { now: true }, ['now']],
        ['/cancel', { reason: 'x' }, ['reason']],
      ];
      for (const [suffix, body, fields] of cases) {
        assert.deepEqual(fieldsOf(await call('POST', `/v1/lifecycles/some-id${suffix}`, { body }), 400), fields, `${suffix} ${JSON.stringify(body)}`);
      }
    });

    test('an unknown lifecycle is 404 JSON on every route', async () => {
      const id = newId('unknown');
      fieldsOf(await call('GET', `/v1/lifecycles/${id}`), 404, 'NOT_FOUND');
      fieldsOf(await call('POST', `/v1/lifecycles/${id}/answers`, { body: { values: { headcount: 2 } } }), 404, 'NOT_FOUND');
      fieldsOf(await call('POST', `/v1/lifecycles/${id}/answers?mode=async`, { body: { values: { headcount: 2 } } }), 404, 'NOT_FOUND');
      fieldsOf(await call('POST', `/v1/lifecycles/${id}/confirm`), 404, 'NOT_FOUND');
      fieldsOf(await call('POST', `/v1/lifecycles/${id}/approve-publish`), 404, 'NOT_FOUND');
      fieldsOf(await call('POST', `/v1/lifecycles/${id}/claim`, { body: { email: 'owner@example.com' } }), 404, 'NOT_FOUND');
      fieldsOf(await call('POST', `/v1/lifecycles/${id}/cancel`), 404, 'NOT_FOUND');
      fieldsOf(await call('DELETE', `/v1/lifecycles/${id}`), 404, 'ROUTE_NOT_FOUND');
    });
  });

  // ---------------------------------------------------------------- lifecycles

  describe('lifecycles', () => {
    test('a repeated start with the same workflowId returns the same lifecycle, never a second', async () => {
      const workflowId = newId('idem');
      const body = { workflowId, draft: { rawJobDescription: VAGUE_JOB, externalId: `ext-${workflowId}` }, claim: NO_CLAIM };
      const first = await call('POST', '/v1/lifecycles', { body });
      assert.equal(first.status, 201, first.text);
      assert.equal(first.body.created, true);
      const again = await Promise.all([1, 2, 3].map(() => call('POST', '/v1/lifecycles', { body })));
      for (const answer of again) {
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(answer.body, { workflowId, runId: first.body.runId, created: false });
      }
      const handle = api.env.client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      assert.equal(description.runId, first.body.runId);
      assert.equal(await description.staticSummary(), summaryOf({ draft: { rawJobDescription: VAGUE_JOB } } as never));
      assert.match((await description.staticDetails()) ?? '', /External id/);

      const found = await eventually('visibility', async () => {
        const runs = [];
        for await (const run of api.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
        return runs.length > 0 ? runs : undefined;
      });
      assert.equal(found.length, 1, 'one workflow execution for the id');
      assert.equal(found[0]?.typedSearchAttributes.get(OpenTrainExternalId), `ext-${workflowId}`);

      // Ended lifecycles are returned too, not started over.
      assert.equal((await call('POST', `/v1/lifecycles/${workflowId}/cancel`)).status, 202);
      await waitFor(workflowId, (s) => s.stage === 'CANCELLED');
      await eventually('closed', async () => ((await handle.describe()).status.name === 'CANCELLED' ? true : undefined));
      const afterEnd = await call('POST', '/v1/lifecycles', { body });
      assert.equal(afterEnd.status, 200, afterEnd.text);
      assert.equal(afterEnd.body.runId, first.body.runId);
    });

    test('without a workflowId an id is generated; the status query comes back as JSON', async () => {
      const { workflowId, created } = await start({ draft: { rawJobDescription: VAGUE_JOB }, claim: NO_CLAIM });
      assert.match(workflowId, /^lc-[0-9a-f-]{36}$/);
      assert.equal(created, true);
      const waiting = await waitFor(workflowId, (s) => s.stage === 'AWAITING_ANSWERS');
      assert.ok(waiting.missingFields.length > 0);
      assert.equal(waiting.claim.state, 'NOT_NEEDED');
      assert.equal((await call('POST', `/v1/lifecycles/${workflowId}/cancel`)).status, 202);
    });

    test('answers: 422 with one entry per bad field from the update validator, nothing reaches history', async () => {
      const { workflowId } = await start({ draft: { rawJobDescription: VAGUE_JOB }, claim: NO_CLAIM });
      await waitFor(workflowId, (s) => s.stage === 'AWAITING_ANSWERS');
      const refused = await call('POST', `/v1/lifecycles/${workflowId}/answers`, { body: { values: { notAField: 1, headcount: 'five', experienceLevel: 'GURU' } } });
      assert.deepEqual(fieldsOf(refused, 422, 'INVALID_ANSWERS').sort(), ['experienceLevel', 'headcount', 'notAField']);
      assert.match(refused.body.error.fields.find((f: { field: string }) => f.field === 'experienceLevel').message, /one of/);
      const empty = await call('POST', `/v1/lifecycles/${workflowId}/answers`, { body: { values: {} } });
      assert.deepEqual(fieldsOf(empty, 422, 'INVALID_ANSWERS'), ['values']);

      const asyncRefused = await call('POST', `/v1/lifecycles/${workflowId}/answers?mode=async`, { body: { values: { headcount: 'five', nope: 1 } } });
      assert.deepEqual(fieldsOf(asyncRefused, 422, 'INVALID_ANSWERS').sort(), ['values.headcount', 'values.nope']);

      const history = await api.env.client.workflow.getHandle(workflowId).fetchHistory();
      const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionSignaledEventAttributes);
      assert.equal(accepted.length, 0, 'refused answers leave no trace in history');
      assert.equal((await call('POST', `/v1/lifecycles/${workflowId}/cancel`)).status, 202);
    });

    test('answer rounds with 200 until publish, a claim pending, then 409 for answers; the human claims and it completes', async () => {
      const { workflowId } = await start({ draft: { rawJobDescription: VAGUE_JOB }, claim: { email: newEmail() }, policy: { review: 'accept' } });
      let rounds = 0;
      for (;;) {
        const current = await waitFor(workflowId, (s) => !['REGISTERING', 'VERIFYING', 'DRAFTING', 'UPDATING_DRAFT', 'PUBLISHING'].includes(s.stage));
        if (current.stage !== 'AWAITING_ANSWERS') break;
        const field = current.missingFields[0]!;
        const answer = await call('POST', `/v1/lifecycles/${workflowId}/answers`, {
          body: { values: plausibleAnswer(field) },
          headers: { 'idempotency-key': `${workflowId}-round-${rounds}` },
        });
        assert.equal(answer.status, 200, answer.text);
        assert.ok(!answer.body.missingFields.some((f: { field: string }) => f.field === field.field), `${field.field} is no longer missing`);
        rounds += 1;
        assert.ok(rounds < 20, 'too many rounds');
      }
      assert.ok(rounds >= 3, `expected several answer rounds, got ${rounds}`);

      const live = await waitFor(workflowId, (s) => s.stage === 'LIVE' && s.claim.state === 'PENDING_HUMAN', 'live, claim pending');
      assert.equal(live.jobStatus, 'OPEN');
      assert.match(live.claim.userCode ?? '', /^\d{6}$/);
      const late = await call('POST', `/v1/lifecycles/${workflowId}/answers`, { body: { values: { headcount: 4 } } });
      fieldsOf(late, 409, 'NOT_ACCEPTING_ANSWERS');

      await api.stack.sandbox('POST', `/__sandbox/claims/${live.claim.userCode}/approve`);
      const done = await waitFor(workflowId, (s) => s.stage === 'COMPLETED', 'completed');
      assert.equal(done.claim.state, 'CLAIMED');
      await eventually('closed', async () => ((await api.env.client.workflow.getHandle(workflowId).describe()).status.name === 'COMPLETED' ? true : undefined));

      // A closed lifecycle answers 409 to every signal and update, and its status stays readable.
      fieldsOf(await call('POST', `/v1/lifecycles/${workflowId}/answers`, { body: { values: { headcount: 4 } } }), 409, 'LIFECYCLE_CLOSED');
      fieldsOf(await call('POST', `/v1/lifecycles/${workflowId}/confirm`), 409, 'LIFECYCLE_CLOSED');
      fieldsOf(await call('POST', `/v1/lifecycles/${workflowId}/claim`, { body: { email: 'owner@example.com' } }), 409, 'LIFECYCLE_CLOSED');
      fieldsOf(await call('POST', `/v1/lifecycles/${workflowId}/cancel`), 409, 'LIFECYCLE_CLOSED');
      assert.equal((await status(workflowId)).stage, 'COMPLETED');
    });

    test('async mode: answers as signals (202), confirm and approve-publish drive review and manual publish', async () => {
      const { workflowId } = await start({ draft: { rawJobDescription: CLEAR_JOB }, claim: NO_CLAIM, policy: { review: 'confirm', publish: 'manual' } });
      let current = await waitFor(workflowId, (s) => ['AWAITING_ANSWERS', 'AWAITING_REVIEW', 'AWAITING_PUBLISH_APPROVAL'].includes(s.stage));
      while (current.stage === 'AWAITING_ANSWERS') {
        const before = current.missingFields.length;
        const answer = await call('POST', `/v1/lifecycles/${workflowId}/answers?mode=async`, { body: { values: plausibleAnswer(current.missingFields[0]!) } });
        assert.equal(answer.status, 202, answer.text);
        assert.deepEqual(answer.body, { workflowId, accepted: true, action: 'answer' });
        current = await waitFor(workflowId, (s) => s.stage !== 'AWAITING_ANSWERS' || s.missingFields.length < before);
      }
      if (current.stage === 'AWAITING_REVIEW') {
        assert.deepEqual(fieldsOf(await call('POST', `/v1/lifecycles/${workflowId}/confirm`, { body: { corrections: { headcount: 'many' } } }), 422), ['corrections.headcount']);
        const confirm = await call('POST', `/v1/lifecycles/${workflowId}/confirm`);
        assert.equal(confirm.status, 202, confirm.text);
      }
      await waitFor(workflowId, (s) => s.stage === 'AWAITING_PUBLISH_APPROVAL');
      const approve = await call('POST', `/v1/lifecycles/${workflowId}/approve-publish`, { body: {} });
      assert.equal(approve.status, 202, approve.text);
      const live = await waitFor(workflowId, (s) => s.stage === 'LIVE' || s.stage === 'COMPLETED');
      assert.equal(live.jobStatus, 'OPEN');
    });

    test('claim: 200 with the user code from the update; 422 when no claim can be started; async 202', async () => {
      const { workflowId } = await start({ draft: { rawJobDescription: VAGUE_JOB } });
      await waitFor(workflowId, (s) => s.claim.state === 'AWAITING_EMAIL' && s.stage === 'AWAITING_ANSWERS');
      const email = newEmail();
      const claim = await call('POST', `/v1/lifecycles/${workflowId}/claim`, { body: { email }, headers: { 'idempotency-key': `${workflowId}-claim` } });
      assert.equal(claim.status, 200, claim.text);
      assert.match(claim.body.userCode, /^\d{6}$/);
      assert.match(claim.body.verificationUri, /^http/);
      assert.ok(!Number.isNaN(Date.parse(claim.body.expiresAt)));
      assert.equal(claim.body.attempt, 1);
      assert.doesNotMatch(claim.text, SECRET_PATTERN);
      // The same Idempotency-Key returns the first result instead of starting another attempt.
      const repeated = await call('POST', `/v1/lifecycles/${workflowId}/claim`, { body: { email }, headers: { 'idempotency-key': `${workflowId}-claim` } });
      assert.deepEqual(repeated.body, claim.body);

      const other = newEmail();
      const restart = await call('POST', `/v1/lifecycles/${workflowId}/claim?mode=async`, { body: { email: other } });
      assert.equal(restart.status, 202, restart.text);
      await waitFor(workflowId, (s) => s.claim.attempt === 2 && s.claim.email === other, 'second attempt');
      assert.equal((await call('POST', `/v1/lifecycles/${workflowId}/cancel`)).status, 202);

      const skipped = await start({ draft: { rawJobDescription: VAGUE_JOB }, claim: NO_CLAIM });
      await waitFor(skipped.workflowId, (s) => s.claim.state === 'NOT_NEEDED');
      const refused = await call('POST', `/v1/lifecycles/${skipped.workflowId}/claim`, { body: { email: 'owner@example.com' } });
      fieldsOf(refused, 422, 'CLAIM_REFUSED');
      assert.match(refused.body.error.message, /NOT_NEEDED/);
      assert.equal((await call('POST', `/v1/lifecycles/${skipped.workflowId}/cancel`)).status, 202);
    });

    test('list by stage through visibility, with paging', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push((await start({ workflowId: newId('list'), draft: { rawJobDescription: VAGUE_JOB, externalId: `list-${i}` }, claim: NO_CLAIM })).workflowId);
      for (const id of ids) await waitFor(id, (s) => s.stage === 'AWAITING_ANSWERS');

      const listed = await eventually('the three in AWAITING_ANSWERS', async () => {
        const answer = await call('GET', '/v1/lifecycles?stage=AWAITING_ANSWERS&pageSize=100');
        assert.equal(answer.status, 200, answer.text);
        const mine = answer.body.lifecycles.filter((l: { workflowId: string }) => ids.includes(l.workflowId));
        return mine.length === 3 ? mine : undefined;
      });
      for (const item of listed) {
        assert.equal(item.status, 'RUNNING');
        assert.equal(item.stage, 'AWAITING_ANSWERS');
        assert.equal(item.claimState, 'NOT_NEEDED');
        assert.match(item.jobId ?? '', /.+/);
        assert.match(item.externalId, /^list-\d$/);
        assert.ok(!Number.isNaN(Date.parse(item.startTime)));
      }
      const live = await call('GET', '/v1/lifecycles?stage=LIVE');
      assert.ok(!live.body.lifecycles.some((l: { workflowId: string }) => ids.includes(l.workflowId)));

      // Paging: one at a time until the token runs out, no duplicates.
      const seen = new Set<string>();
      let token: string | null = null;
      let pages = 0;
      do {
        const page: HttpAnswer = await call('GET', `/v1/lifecycles?pageSize=1${token ? `&nextPageToken=${token}` : ''}`);
        assert.equal(page.status, 200, page.text);
        for (const item of page.body.lifecycles) {
          assert.ok(!seen.has(item.runId), 'no duplicates across pages');
          seen.add(item.runId);
        }
        token = page.body.nextPageToken;
        pages += 1;
        if (token && pages === 1) {
          // A token belongs to its query: replaying it for another stage is refused, not passed to Temporal.
          assert.deepEqual(fieldsOf(await call('GET', `/v1/lifecycles?stage=LIVE&nextPageToken=${token}`), 400), ['query.nextPageToken']);
          const forged = Buffer.from(token, 'base64url');
          forged.writeUInt8(forged.readUInt8(forged.length - 1) ^ 1, forged.length - 1);
          assert.deepEqual(fieldsOf(await call('GET', `/v1/lifecycles?pageSize=1&nextPageToken=${forged.toString('base64url')}`), 400), ['query.nextPageToken']);
        }
      } while (token && pages < 100);
      assert.ok(pages >= 3 && seen.size >= 3, `paged through ${pages} pages`);
      for (const id of ids) await call('POST', `/v1/lifecycles/${id}/cancel`);
    });
  });

  // ---------------------------------------------------------------- codec

  describe('codec server', () => {
    const plain = {
      payloads: [
        { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify({ secret: 'value' })).toString('base64') },
        { metadata: { encoding: Buffer.from('binary/null').toString('base64') }, data: '' },
      ],
    };

    test('encode then decode is a round trip; encoded payloads are encrypted', async () => {
      const encoded = await call('POST', '/codec/encode', { body: plain, headers: { 'x-namespace': 'default' } });
      assert.equal(encoded.status, 200, encoded.text);
      assert.equal(encoded.body.payloads.length, 2);
      for (const payload of encoded.body.payloads) {
        assert.equal(Buffer.from(payload.metadata.encoding, 'base64').toString(), ENCODING_ENCRYPTED);
        assert.ok(!Buffer.from(payload.data, 'base64').toString('latin1').includes('value'));
      }
      const decoded = await call('POST', '/codec/decode', { body: encoded.body });
      assert.equal(decoded.status, 200, decoded.text);
      assert.deepEqual(decoded.body, plain);
    });

    test('without a key the codec is the identity', async () => {
      const app = buildApi({ client: api.env.client, taskQueue: api.stack.taskQueue, apiKey: API_KEY });
      try {
        const url = await listen(app);
        for (const route of ['/codec/encode', '/codec/decode']) {
          const answer = await http(url, 'POST', route, { body: plain });
          assert.deepEqual(answer.body, plain);
        }
      } finally {
        await app.close();
      }
    });

    test('bad codec bodies and undecodable payloads get 4xx JSON', async () => {
      assert.deepEqual(fieldsOf(await call('POST', '/codec/decode', { body: { payloads: [{ data: 'not base64!' }] } }), 400), ['payloads.0.data']);
      assert.deepEqual(fieldsOf(await call('POST', '/codec/decode', { body: {} }), 400), ['payloads']);
      const tampered = {
        payloads: [{ metadata: { encoding: Buffer.from(ENCODING_ENCRYPTED).toString('base64'), 'encryption-key-id': Buffer.from('nope').toString('base64') }, data: 'AAAA' }],
      };
      const answer = await call('POST', '/codec/decode', { body: tampered });
      assert.equal(answer.status, 422, answer.text);
      assert.match(answer.body.error.code, /^PAYLOAD_/);
    });

    test('CORS preflight for the Web UI origins; other origins get no CORS headers', async () => {
      for (const origin of ['http://localhost:8233', 'http://127.0.0.1:8233']) {
        const preflight = await call('OPTIONS', '/codec/decode', {
          auth: false,
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
        assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
        assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
        assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
      }
      const foreign = await call('OPTIONS', '/codec/decode', { auth: false, headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
      const lifecycles = await call('OPTIONS', '/v1/lifecycles', { auth: false, headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST' } });
      assert.equal(lifecycles.headers.get('access-control-allow-origin'), null, 'CORS is for the codec routes only');
    });

    test('the local Web UI may call the codec without the key only on a loopback listener', async () => {
      const fromUi = { auth: false as const, body: plain, headers: { origin: 'http://localhost:8233' } };
      const ok = await call('POST', '/codec/decode', fromUi);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:8233');
      const otherOrigin = await call('POST', '/codec/decode', { ...fromUi, headers: { origin: 'http://evil.example' } });
      fieldsOf(otherOrigin, 401, 'UNAUTHORIZED');
      fieldsOf(await call('POST', '/codec/decode', { auth: false, body: plain }), 401, 'UNAUTHORIZED');
      const wrongKey = await call('POST', '/codec/decode', { ...fromUi, auth: 'wrong-key' });
      fieldsOf(wrongKey, 401, 'UNAUTHORIZED');
      assert.equal(wrongKey.headers.get('access-control-allow-origin'), 'http://localhost:8233', 'the UI can read why');
      fieldsOf(await call('POST', '/v1/lifecycles', { ...fromUi, body: { draft: { rawJobDescription: 'x' } } }), 401, 'UNAUTHORIZED');

      // Listening on all interfaces, the exemption is off: a UI origin is not proof of anything there.
      const app = buildApi({ client: api.env.client, taskQueue: api.stack.taskQueue, apiKey: API_KEY });
      try {
        const url = await listen(app, '0.0.0.0');
        fieldsOf(await http(url, 'POST', '/codec/decode', fromUi), 401, 'UNAUTHORIZED');
        assert.equal((await http(url, 'POST', '/codec/decode', { body: plain })).status, 200, 'with the key it works');
      } finally {
        await app.close();
      }
    });
  });

  // ---------------------------------------------------------------- the document, and what never leaks

  test('openapi.json is a valid OpenAPI 3 document that lists every route with its error answers', async () => {
    const answer = await call('GET', '/openapi.json', { auth: false });
    assert.equal(answer.status, 200);
    const document = answer.body;
    assert.match(document.openapi, /^3\./);
    const result = await validate(structuredClone(document));
    assert.ok(result.valid, compileErrors(result));

    const expected = [
      'post /v1/lifecycles',
      'get /v1/lifecycles',
      'get /v1/lifecycles/{id}',
      'post /v1/lifecycles/{id}/answers',
      'post /v1/lifecycles/{id}/confirm',
      'post /v1/lifecycles/{id}/approve-publish',
      'post /v1/lifecycles/{id}/claim',
      'post /v1/lifecycles/{id}/cancel',
      'post /codec/encode',
      'post /codec/decode',
      'get /healthz',
      'get /openapi.json',
    ];
    const documented = Object.entries(document.paths as Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`),
    );
    assert.deepEqual(documented.sort(), expected.sort());
    type Operation = { responses: Record<string, { content: Record<string, { schema: { $ref?: string } }> }>; security?: unknown[] };
    for (const [path, methods] of Object.entries<Record<string, Operation>>(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (path === '/healthz' || path === '/openapi.json') {
          assert.deepEqual(operation.security, [], `${method} ${path} is open`);
          continue;
        }
        for (const status of ['400', '401', '500']) {
          assert.ok(operation.responses[status], `${method} ${path} documents ${status}`);
          assert.equal(operation.responses[status]?.content['application/json']?.schema.$ref, '#/components/schemas/Error');
        }
      }
    }
    assert.deepEqual(document.security, [{ bearer: [] }]);
  });

  test('no answer carried a stack trace or an OpenTrain token', () => {
    assert.ok(answers.length > 100, `checked ${answers.length} answers`);
    for (const answer of answers) {
      assert.doesNotMatch(answer.text, SECRET_PATTERN);
      assert.doesNotMatch(answer.text, /\n\s+at |node_modules|\.ts:\d+/);
      if (answer.status >= 400 && answer.text) assert.ok(answer.body?.error?.code, `error shape: ${answer.text}`);
    }
  });
});
