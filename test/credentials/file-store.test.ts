import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { generateKey } from '../../src/codec';
import { CredentialStoreError, createCredentialStoreFromEnv, FileCredentialStore, importOpenTrainCliConfig, newCredentialId, PRE_CLAIM_SCOPES } from '../../src/credentials';
import { fakeToken, runCredentialStoreContract, sampleCredential } from './contract';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cred-store-'));
  tempDirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const newKey = () => randomBytes(32);

runCredentialStoreContract('FileCredentialStore', async () => {
  const dir = join(await tempDir(), 'store');
  const key = newKey();
  return { store: new FileCredentialStore({ dir, key }), openAnother: () => new FileCredentialStore({ dir, key }) };
});

/** Every byte under dir, concatenated: what an attacker reading the disk would see. */
async function allBytes(dir: string): Promise<Buffer> {
  const names = await readdir(dir);
  return Buffer.concat(await Promise.all(names.map((n) => readFile(join(dir, n)))));
}

describe('FileCredentialStore on disk', () => {
  it('keeps no token in clear and uses private permissions', async () => {
    const dir = join(await tempDir(), 'store');
    const store = new FileCredentialStore({ dir, key: newKey() });
    const input = sampleCredential();
    await store.put(input);
    const grant = { accessToken: fakeToken(), scopes: ['jobs:read'] };
    await store.recordClaimedToken(input.id, grant);

    const bytes = await allBytes(dir);
    for (const secret of [input.accessToken, input.claimToken!, grant.accessToken]) {
      for (const form of [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]) {
        assert.equal(bytes.indexOf(form), -1, 'a token form appears on disk');
      }
    }
    assert.equal(bytes.indexOf('ot_pat_'), -1);
    assert.equal(bytes.indexOf('ot_clm_'), -1);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(join(dir, `${input.id}.cred`))).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), [`${input.id}.cred`], 'no lock or temp files left behind');
  });

  it('reports a wrong key clearly, without secrets', async () => {
    const dir = join(await tempDir(), 'store');
    const input = sampleCredential();
    await new FileCredentialStore({ dir, key: newKey() }).put(input);
    const other = new FileCredentialStore({ dir, key: newKey() });
    for (const attempt of [() => other.get(input.id), () => other.list(), () => other.recordClaimedToken(input.id, { accessToken: fakeToken(), scopes: [] })]) {
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof CredentialStoreError);
        assert.equal(error.code, 'WRONG_KEY');
        assert.match(error.message, /encrypted with key id [0-9a-f]{8}, but this store's key has id [0-9a-f]{8}/);
        assert.ok(!error.message.includes(input.accessToken));
        return true;
      });
    }
  });

  it('detects a tampered or swapped file', async () => {
    const dir = join(await tempDir(), 'store');
    const store = new FileCredentialStore({ dir, key: newKey() });
    const a = sampleCredential();
    const b = sampleCredential();
    await store.put(a);
    await store.put(b);
    const file = join(dir, `${a.id}.cred`);
    const bytes = await readFile(file);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(file, bytes);
    await assert.rejects(store.get(a.id), { code: 'CORRUPT' });
    // b's (valid) file under a's name: authenticated data binds a file to its id.
    await writeFile(file, await readFile(join(dir, `${b.id}.cred`)));
    await assert.rejects(store.get(a.id), { code: 'CORRUPT' });
    await writeFile(file, bytes.subarray(0, 10));
    await assert.rejects(store.get(a.id), /truncated/);
  });

  it('recovers a lock left by a dead holder and times out on a live one', async () => {
    const dir = join(await tempDir(), 'store');
    const store = new FileCredentialStore({ dir, key: newKey(), lockTimeoutMs: 300, lockStaleMs: 60_000 });
    const input = sampleCredential();
    await store.put(input);
    const lock = join(dir, `${input.id}.lock`);
    // A live holder (this very process, another token): wait, then give up clearly.
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), token: 'other' }));
    await assert.rejects(store.put({ ...input, scopes: [] }), (error: unknown) => {
      assert.ok(error instanceof CredentialStoreError);
      assert.equal(error.code, 'LOCK_TIMEOUT');
      assert.match(error.message, new RegExp(`credential ${input.id}`));
      return true;
    });
    // A dead holder: broken at once.
    const dead = spawn(process.execPath, ['-e', '0']);
    await once(dead, 'exit');
    await writeFile(lock, JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), token: 'dead' }));
    assert.deepEqual((await store.put({ ...input, scopes: [] })).scopes, []);
  });
});

describe('FileCredentialStore across processes', () => {
  const childScript = join(__dirname, 'helpers', 'store-child.ts');
  function startChild(dir: string, key: Buffer, args: string[]): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', childScript, ...args], {
      env: { ...process.env, STORE_DIR: dir, STORE_KEY: key.toString('base64') },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
  }
  function lines(child: ChildProcess): AsyncIterableIterator<string> {
    return createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  it('a writer killed with SIGKILL mid-loop never leaves a truncated or unreadable credential', async () => {
    const dir = join(await tempDir(), 'store');
    const key = newKey();
    const ids = Array.from({ length: 4 }, () => newCredentialId());
    for (let round = 0; round < 4; round++) {
      const child = startChild(dir, key, ['write-loop', ...ids]);
      const output = lines(child);
      // Let it write a while (a varying amount), then kill it without warning.
      const target = 20 + round * 30;
      for await (const line of output) if (Number(line.split(' ')[1]) >= target) break;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
      child.kill('SIGKILL');
      await once(child, 'exit');

      const store = new FileCredentialStore({ dir, key });
      for (const id of ids) {
        const credential = await store.get(id);
        assert.ok(credential, `credential ${id} readable after round ${round}`);
        assert.match(credential.accessToken, /^ot_pat_loop_[0-9a-f]{48}$/);
        assert.equal(credential.scopes.length, 100);
      }
      assert.equal((await store.list()).length, ids.length);
      // A lock the dead writer may hold is recovered: every id is writable again.
      for (const id of ids) await store.recordClaimedToken(id, { accessToken: fakeToken(), scopes: ['jobs:read'] });
    }
  });

  it('two processes racing recordClaimedToken with the same token: exactly one stores it', async () => {
    const dir = join(await tempDir(), 'store');
    const key = newKey();
    for (let round = 0; round < 3; round++) {
      const store = new FileCredentialStore({ dir, key });
      const input = sampleCredential();
      await store.put(input);
      const token = fakeToken();
      const tokenFile = join(dir, '..', `token-${round}`); // passed by file: never on a command line
      await writeFile(tokenFile, token, { mode: 0o600 });
      const children = [0, 1].map(() => startChild(dir, key, ['record-claim', input.id, tokenFile]));
      const outputs = children.map(lines);
      await Promise.all(outputs.map(async (o) => assert.equal((await o.next()).value, 'ready')));
      for (const child of children) child.stdin!.write('go\n'); // release both at once
      const outcomes = await Promise.all(outputs.map(async (o) => (await o.next()).value as string));
      await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
      assert.deepEqual(outcomes.sort(), ['already-stored', 'stored']);
      const stored = await store.get(input.id);
      assert.equal(stored?.accessToken, token);
      assert.deepEqual(stored?.supersededTokens, [input.accessToken]);
    }
  });
});

describe('importOpenTrainCliConfig', () => {
  async function writeConfig(content: unknown): Promise<{ configHome: string; path: string }> {
    const configHome = await tempDir();
    const path = join(configHome, 'opentrain', 'cli.json');
    await (await import('node:fs/promises')).mkdir(join(configHome, 'opentrain'));
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
    return { configHome, path };
  }

  it('imports an unclaimed registration from the default XDG path, idempotently', async () => {
    const store = new FileCredentialStore({ dir: join(await tempDir(), 'store'), key: newKey() });
    const apiToken = fakeToken();
    const claimToken = fakeToken('clm');
    const { configHome } = await writeConfig({ apiToken, baseUrl: 'http://127.0.0.1:3000', claimToken });
    const imported = await importOpenTrainCliConfig(store, { env: { XDG_CONFIG_HOME: configHome } });
    assert.match(imported.id, /^cred_[a-z2-7]{26}$/);
    assert.equal(imported.baseUrl, 'http://127.0.0.1:3000');
    assert.equal(imported.accessToken, apiToken);
    assert.equal(imported.claimToken, claimToken);
    assert.equal(imported.claimed, false);
    assert.deepEqual(imported.scopes, PRE_CLAIM_SCOPES);
    const again = await importOpenTrainCliConfig(store, { env: { XDG_CONFIG_HOME: configHome } });
    assert.equal(again.id, imported.id);
    assert.equal((await store.list()).length, 1);
  });

  it('imports a claimed token from an explicit path under a chosen id', async () => {
    const store = new FileCredentialStore({ dir: join(await tempDir(), 'store'), key: newKey() });
    const apiToken = fakeToken();
    const { path } = await writeConfig({ apiToken });
    const imported = await importOpenTrainCliConfig(store, { path, id: 'cred_mine' });
    assert.equal(imported.id, 'cred_mine');
    assert.equal(imported.baseUrl, 'https://app.opentrain.ai');
    assert.equal(imported.claimed, true);
    assert.equal(imported.claimToken, undefined);
  });

  it('fails clearly on a missing, malformed or unexpected file without quoting it', async () => {
    const store = new FileCredentialStore({ dir: join(await tempDir(), 'store'), key: newKey() });
    const token = fakeToken();
    await assert.rejects(importOpenTrainCliConfig(store, { path: join(await tempDir(), 'nope.json') }), /Cannot read the OpenTrain CLI config .*nope\.json \(ENOENT\)/);
    for (const content of [`{"apiToken": "${token}",`, { apiToken: token.replace('ot_pat_', 'xx_') }, { apiToken: token, claimToken: token }]) {
      const { path } = await writeConfig(content);
      await assert.rejects(importOpenTrainCliConfig(store, { path }), (error: unknown) => {
        assert.ok(error instanceof CredentialStoreError);
        assert.equal(error.code, 'IMPORT_FAILED');
        assert.ok(error.message.includes(path));
        assert.ok(!error.message.includes(token.slice(7)), error.message);
        return true;
      });
    }
  });
});

describe('createCredentialStoreFromEnv', () => {
  it('requires CREDENTIAL_STORE_KEY and names the rule', async () => {
    assert.throws(() => createCredentialStoreFromEnv({}), /CREDENTIAL_STORE_KEY is required: base64 of exactly 32 random bytes/);
    assert.throws(() => createCredentialStoreFromEnv({ CREDENTIAL_STORE_KEY: Buffer.alloc(16).toString('base64') }), /CREDENTIAL_STORE_KEY must be base64 of exactly 32 random bytes.*16 bytes/);
    assert.throws(() => createCredentialStoreFromEnv({ CREDENTIAL_STORE_KEY: 'not base64!' }), /CREDENTIAL_STORE_KEY must be base64/);
  });

  it('opens a working store in CREDENTIAL_STORE_DIR', async () => {
    const dir = join(await tempDir(), 'from-env');
    const store = createCredentialStoreFromEnv({ CREDENTIAL_STORE_KEY: generateKey(), CREDENTIAL_STORE_DIR: dir });
    const input = sampleCredential();
    await store.put(input);
    assert.deepEqual(await readdir(dir), [`${input.id}.cred`]);
  });
});

describe('newCredentialId', () => {
  it('is random without a seed and stable with one', () => {
    assert.match(newCredentialId(), /^cred_[a-z2-7]{26}$/);
    assert.notEqual(newCredentialId(), newCredentialId());
    assert.equal(newCredentialId('wf-1'), newCredentialId('wf-1'));
    assert.notEqual(newCredentialId('wf-1'), newCredentialId('wf-2'));
    assert.match(newCredentialId('wf-1'), /^cred_[a-z2-7]{26}$/);
  });
});
