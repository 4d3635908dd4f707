/**
 * PostgresCredentialStore against a real PostgreSQL server (started from npm- or Debian-shipped binaries
 * by scripts/ensure-postgres.ts, on a free loopback port, in a temporary folder): the shared contract
 * suite, encryption at rest, wrong key, environment selection, and two worker processes racing
 * recordClaimedToken with the same token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startPostgres, type RunningPostgres } from '../../scripts/ensure-postgres';
import { createCredentialStoreFromEnv, CredentialStoreError, PostgresCredentialStore } from '../../src/credentials';
import { runCredentialStoreContract, fakeToken, sampleCredential } from './contract';

const run = promisify(execFile);
const KEY = randomBytes(32);

let server: RunningPostgres;
let tableCounter = 0;

before(async () => {
  server = await startPostgres();
}, { timeout: 120_000 });

after(async () => {
  await server?.stop();
});

/** Each contract test gets an empty table of its own in the one server. */
runCredentialStoreContract('postgres', async () => {
  const table = `creds_${process.pid}_${++tableCounter}`;
  const opened: PostgresCredentialStore[] = [];
  const open = () => {
    const store = new PostgresCredentialStore({ connectionString: server.url, key: KEY, table });
    opened.push(store);
    return store;
  };
  return {
    store: open(),
    openAnother: open,
    close: async () => {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
});

describe('PostgresCredentialStore specifics', () => {
  it('stores tokens encrypted: no secret in any column', async () => {
    const table = `enc_${process.pid}`;
    const store = new PostgresCredentialStore({ connectionString: server.url, key: KEY, table });
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      const input = sampleCredential();
      await store.put(input);
      const rows = await client.query(`SELECT * FROM ${table}`);
      const dump = JSON.stringify(rows.rows.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('latin1') : v]))));
      for (const secret of [input.accessToken, input.claimToken!]) assert.ok(!dump.includes(secret), 'token in clear');
      assert.ok(!/ot_(pat|clm)_/.test(dump));

      // A row copied under another id does not decrypt.
      const otherId = 'cred_copied';
      await client.query(`INSERT INTO ${table} SELECT $1, key_id, sealed, created_at, updated_at FROM ${table} WHERE id = $2`, [otherId, input.id]);
      await assert.rejects(store.get(otherId), { code: 'CORRUPT' });
    } finally {
      await client.end();
      await store.close();
    }
  });

  it('a different key is reported as WRONG_KEY, without secrets in the message', async () => {
    const table = `wrongkey_${process.pid}`;
    const store = new PostgresCredentialStore({ connectionString: server.url, key: KEY, table });
    const other = new PostgresCredentialStore({ connectionString: server.url, key: randomBytes(32), table });
    try {
      const input = sampleCredential();
      await store.put(input);
      await assert.rejects(other.get(input.id), (error: unknown) => {
        assert.ok(error instanceof CredentialStoreError);
        assert.equal(error.code, 'WRONG_KEY');
        assert.ok(!error.message.includes(input.accessToken));
        return true;
      });
    } finally {
      await Promise.all([store.close(), other.close()]);
    }
  });

  it('createCredentialStoreFromEnv picks PostgreSQL for CREDENTIAL_STORE_URL and the file store otherwise', async () => {
    const key = KEY.toString('base64');
    const pgStore = createCredentialStoreFromEnv({ CREDENTIAL_STORE_KEY: key, CREDENTIAL_STORE_URL: server.url });
    assert.ok(pgStore instanceof PostgresCredentialStore);
    const input = sampleCredential();
    await pgStore.put(input);
    assert.equal((await pgStore.get(input.id))?.accessToken, input.accessToken);
    await pgStore.close();
    const fileStore = createCredentialStoreFromEnv({ CREDENTIAL_STORE_KEY: key, CREDENTIAL_STORE_DIR: join(server.dataDir, '..', 'files') });
    assert.equal(fileStore.constructor.name, 'FileCredentialStore');
  });

  it('two worker processes racing recordClaimedToken with the same token: exactly one stored per credential', { timeout: 60_000 }, async () => {
    const table = 'opentrain_credentials'; // the default table, as the workers use it
    const setup = new PostgresCredentialStore({ connectionString: server.url, key: KEY, table });
    const ids: string[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        const input = sampleCredential();
        await setup.put(input);
        ids.push(input.id);
      }
      const token = fakeToken();
      const startAt = Date.now() + 4_000; // both processes are connected and waiting by then
      const env = { ...process.env, PG_URL: server.url, STORE_KEY: KEY.toString('base64'), RACE: JSON.stringify({ ids, token, startAt }) };
      const racer = join(__dirname, '..', 'deploy', 'fixtures', 'claim-racer.ts');
      const outputs = await Promise.all(
        [0, 1].map(() => run(process.execPath, ['--import', 'tsx', racer], { env, timeout: 50_000 })),
      );
      const reports = outputs.map((o) => JSON.parse(o.stdout.trim()) as { pid: number; outcomes: Record<string, string> });
      assert.notEqual(reports[0]!.pid, reports[1]!.pid);
      for (const id of ids) {
        const outcomes = reports.map((r) => r.outcomes[id]).sort();
        assert.deepEqual(outcomes, ['already-stored', 'stored'], `credential ${id}`);
        const stored = await setup.get(id);
        assert.equal(stored?.accessToken, token);
        assert.equal(stored?.claimed, true);
        assert.equal(stored?.supersededTokens.length, 1);
      }
      const winners = reports.map((r) => Object.values(r.outcomes).filter((o) => o === 'stored').length);
      console.log(`race: process A stored ${winners[0]}, process B stored ${winners[1]} of ${ids.length}`);
    } finally {
      await setup.close();
    }
  });
});
