// No token survives into an error: message, String(err), JSON.stringify(err), err.stack, details.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { OpenTrainClient, OpenTrainError, containsSecret, redactSecrets, type DraftPatch } from '../../src/opentrain';
import { json, raw, startCraftedServer, type CraftedServer } from './crafted-server';

const PAT = 'ot_pat_91ab_S3cr3tS3cr3tS3cr3t';
const CLAIM = 'ot_clm_ZZ99_claimSecretValue';
const ATTEMPT = 'ot_cat_QQ11_attemptSecretValue';
const SECRETS = [PAT, CLAIM, ATTEMPT, 'S3cr3tS3cr3tS3cr3t', 'claimSecretValue', 'attemptSecretValue', 'opaque-bearer-abcdef123456'];

describe('redactSecrets', () => {
  test('masks each token kind, keeping only its prefix', () => {
    assert.equal(redactSecrets(`token ${PAT}.`), 'token ot_pat_[redacted].');
    assert.equal(redactSecrets(`"claim_token":"${CLAIM}"`), '"claim_token":"ot_clm_[redacted]"');
    assert.equal(redactSecrets(`https://app.opentrain.ai/claim?token=${ATTEMPT}&x=1`), 'https://app.opentrain.ai/claim?token=ot_cat_[redacted]&x=1');
  });

  test('masks bearer values of any shape, keeps short words and prose', () => {
    assert.equal(redactSecrets('Authorization: Bearer opaque-bearer-abcdef123456'), 'Authorization: Bearer [redacted]');
    assert.equal(redactSecrets(`authorization: bearer ${PAT}`), 'authorization: bearer ot_pat_[redacted]');
    assert.equal(redactSecrets('Missing Bearer token'), 'Missing Bearer token');
  });

  test('short tokens too; redaction is idempotent; containsSecret agrees', () => {
    assert.equal(redactSecrets('ot_pat_abc'), 'ot_pat_[redacted]');
    const once = redactSecrets(`${PAT} and Bearer opaque-bearer-abcdef123456`);
    assert.equal(redactSecrets(once), once);
    assert.equal(containsSecret(once), false);
    assert.equal(containsSecret(PAT), true);
    assert.equal(containsSecret('ot_pat_ and nothing'), false);
  });
});

let server: CraftedServer;
let client: OpenTrainClient;

before(async () => {
  server = await startCraftedServer();
  client = new OpenTrainClient({ baseUrl: server.url, token: PAT, timeoutMs: 300 });
});
after(() => server.close());

async function caught(call: () => Promise<unknown>): Promise<OpenTrainError> {
  const error = await call().then(
    () => assert.fail('expected a rejection'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof OpenTrainError, String(error));
  return error;
}

function assertClean(error: OpenTrainError): void {
  const renderings = [error.message, String(error), JSON.stringify(error), error.stack ?? '', inspect(error, { depth: 5 })];
  for (const text of renderings) {
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `leaked ${secret} in: ${text.slice(0, 300)}`);
    assert.equal(containsSecret(text), false, text.slice(0, 300));
  }
}

const echo = `token ${PAT} claim ${CLAIM} url https://app.opentrain.ai/claim?token=${ATTEMPT} header Bearer opaque-bearer-abcdef123456`;

describe('errors built from responses that echo tokens', () => {
  test('OAuth error_description', async () => {
    server.respond(json(400, { error: 'invalid_grant', error_description: echo }));
    const error = await caught(() => client.pollToken({ claim_token: CLAIM }));
    assertClean(error);
    assert.match(error.message, /ot_clm_\[redacted\]/);
  });

  test('envelope message and details', async () => {
    server.respond(json(403, { error: echo, code: 'FORBIDDEN', requestId: PAT, details: { reason: 'missing_scope', token: PAT, nested: [{ value: echo }] } }));
    const error = await caught(() => client.getMe());
    assertClean(error);
    assert.equal(JSON.parse(JSON.stringify(error)).code, 'FORBIDDEN');
  });

  test('non-JSON error page and malformed success body', async () => {
    server.respond(raw(502, `<pre>${echo}</pre>`));
    assertClean(await caught(() => client.registerIdentity()));
    server.respond(raw(200, `not json ${echo}`));
    assertClean(await caught(() => client.getMe()));
  });

  test('a response of the wrong shape that carries tokens', async () => {
    server.respond(json(200, { access_token: 5, scopes: [PAT], claim_token: CLAIM, claim_token_expires_at: echo }));
    assertClean(await caught(() => client.registerIdentity()));
  });

  test('an invalid request whose values are tokens', async () => {
    assertClean(await caught(() => client.updateJobDraft('job_1', { [PAT]: CLAIM } as unknown as DraftPatch)));
    assertClean(await caught(() => client.startClaim({ claim_token: CLAIM, email: PAT })));
  });

  test('connection and timeout failures of authenticated calls', async () => {
    server.respond((_req, res) => res.socket?.destroy());
    assertClean(await caught(() => client.getMe()));
    server.respond(() => undefined);
    assertClean(await caught(() => client.getMe()));
  });
});
