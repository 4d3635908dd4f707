/**
 * Behaviour every CredentialStore must have, written once and run against each implementation
 * (the file store now, the PostgreSQL store later):
 *
 *   runCredentialStoreContract('file', async () => ({ store, openAnother, close }));
 *
 * `makeStore` is called for every test and must return an empty store. `openAnother`, when given,
 * opens a second, independent instance on the same storage (a second process / pool in real life),
 * which is how the cross-instance race is tested.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CredentialStoreError, newCredentialId, type CredentialStore, type NewCredential } from '../../src/credentials';

export interface ContractStoreHandle {
  store: CredentialStore;
  openAnother?: () => Promise<CredentialStore> | CredentialStore;
  close?: () => Promise<void>;
}

export function fakeToken(kind: 'pat' | 'clm' = 'pat'): string {
  return `ot_${kind}_${randomBytes(6).toString('hex')}_${randomBytes(18).toString('base64url')}`;
}

export function sampleCredential(overrides: Partial<NewCredential> = {}): NewCredential {
  return {
    id: newCredentialId(),
    baseUrl: 'https://app.opentrain.ai',
    accessToken: fakeToken(),
    claimToken: fakeToken('clm'),
    claimTokenExpiresAt: '2030-01-02T09:00:00.000Z',
    registrationId: 'reg_123',
    scopes: ['jobs:read', 'jobs:write'],
    claimed: false,
    ...overrides,
  };
}

const POST_CLAIM_SCOPES = ['jobs:read', 'jobs:write', 'proposals:read', 'proposals:write', 'messages:read', 'messages:write', 'payments:read', 'team:read', 'team:write'];

export function runCredentialStoreContract(name: string, makeStore: () => Promise<ContractStoreHandle>): void {
  describe(`CredentialStore contract: ${name}`, () => {
    async function withStore(fn: (handle: ContractStoreHandle) => Promise<void>): Promise<void> {
      const handle = await makeStore();
      try {
        await fn(handle);
      } finally {
        await handle.close?.();
      }
    }

    it('put stores a credential that get returns', () =>
      withStore(async ({ store }) => {
        const input = sampleCredential();
        const stored = await store.put(input);
        assert.deepEqual({ ...stored, createdAt: undefined, updatedAt: undefined }, { ...input, supersededTokens: [], createdAt: undefined, updatedAt: undefined });
        assert.ok(!Number.isNaN(Date.parse(stored.createdAt)));
        assert.equal(stored.createdAt, stored.updatedAt);
        assert.deepEqual(await store.get(input.id), stored);
      }));

    it('get of an unknown id is undefined', () =>
      withStore(async ({ store }) => {
        assert.equal(await store.get(newCredentialId()), undefined);
      }));

    it('put is idempotent for retries and keeps createdAt when replacing', async () =>
      withStore(async ({ store }) => {
        const input = sampleCredential();
        const first = await store.put(input);
        await delay(5);
        assert.deepEqual(await store.put(input), first, 'an identical retry changes nothing');
        const replaced = await store.put({ ...input, scopes: ['jobs:read'] });
        assert.equal(replaced.createdAt, first.createdAt);
        assert.deepEqual(replaced.scopes, ['jobs:read']);
        assert.deepEqual(await store.get(input.id), replaced);
      }));

    it('put with a new access token keeps the old one as superseded', () =>
      withStore(async ({ store }) => {
        const input = sampleCredential();
        await store.put(input);
        const next = fakeToken();
        const replaced = await store.put({ ...input, accessToken: next });
        assert.equal(replaced.accessToken, next);
        assert.deepEqual(replaced.supersededTokens, [input.accessToken]);
      }));

    it('recordClaimedToken stores the post-claim token once and reports retries', () =>
      withStore(async ({ store }) => {
        const input = sampleCredential();
        await store.put(input);
        const grant = { accessToken: fakeToken(), scopes: POST_CLAIM_SCOPES };

        const first = await store.recordClaimedToken(input.id, grant);
        assert.equal(first.outcome, 'stored');
        assert.equal(first.credential.accessToken, grant.accessToken);
        assert.deepEqual(first.credential.scopes, POST_CLAIM_SCOPES);
        assert.equal(first.credential.claimed, true);
        assert.deepEqual(first.credential.supersededTokens, [input.accessToken]);
        assert.equal(first.credential.claimToken, undefined);
        assert.equal(first.credential.claimTokenExpiresAt, undefined);
        assert.equal(first.credential.registrationId, input.registrationId);
        assert.deepEqual(await store.get(input.id), first.credential);

        await delay(5);
        const retry = await store.recordClaimedToken(input.id, grant);
        assert.equal(retry.outcome, 'already-stored');
        assert.deepEqual(retry.credential, first.credential, 'a retry writes nothing');
      }));

    it('recordClaimedToken never rolls back to an older grant that was replaced', () =>
      withStore(async ({ store }) => {
        const input = sampleCredential();
        await store.put(input);
        const older = { accessToken: fakeToken(), scopes: POST_CLAIM_SCOPES };
        const newer = { accessToken: fakeToken(), scopes: POST_CLAIM_SCOPES };
        await store.recordClaimedToken(input.id, older);
        assert.equal((await store.recordClaimedToken(input.id, newer)).outcome, 'stored');
        const late = await store.recordClaimedToken(input.id, older);
        assert.equal(late.outcome, 'already-stored');
        assert.equal(late.credential.accessToken, newer.accessToken);
        assert.deepEqual(late.credential.supersededTokens, [input.accessToken, older.accessToken]);
      }));

    it('recordClaimedToken on an unknown id fails with NOT_FOUND', () =>
      withStore(async ({ store }) => {
        const id = newCredentialId();
        await assert.rejects(store.recordClaimedToken(id, { accessToken: fakeToken(), scopes: [] }), (error: unknown) => {
          assert.ok(error instanceof CredentialStoreError);
          assert.equal(error.code, 'NOT_FOUND');
          assert.match(error.message, new RegExp(id));
          return true;
        });
      }));

    it('concurrent recordClaimedToken calls with one token: exactly one is stored', () =>
      withStore(async ({ store }) => {
        const input = sampleCredential();
        await store.put(input);
        const grant = { accessToken: fakeToken(), scopes: POST_CLAIM_SCOPES };
        const results = await Promise.all(Array.from({ length: 10 }, () => store.recordClaimedToken(input.id, grant)));
        assert.equal(results.filter((r) => r.outcome === 'stored').length, 1);
        assert.equal(results.filter((r) => r.outcome === 'already-stored').length, 9);
        const stored = await store.get(input.id);
        assert.deepEqual(stored?.supersededTokens, [input.accessToken]);
      }));

    it('concurrent recordClaimedToken from two store instances: exactly one is stored', async (t) => {
      const handle = await makeStore();
      try {
        if (!handle.openAnother) return t.skip('no second instance for this store');
        const other = await handle.openAnother();
        const input = sampleCredential();
        await handle.store.put(input);
        const grant = { accessToken: fakeToken(), scopes: POST_CLAIM_SCOPES };
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? other : handle.store).recordClaimedToken(input.id, grant)));
        assert.equal(results.filter((r) => r.outcome === 'stored').length, 1);
        assert.equal(results.filter((r) => r.outcome === 'already-stored').length, 7);
      } finally {
        await handle.close?.();
      }
    });

    it('delete removes a credential; deleting a missing id is fine', () =>
      withStore(async ({ store }) => {
        const input = sampleCredential();
        await store.put(input);
        await store.delete(input.id);
        assert.equal(await store.get(input.id), undefined);
        await store.delete(input.id);
        await assert.rejects(store.recordClaimedToken(input.id, { accessToken: fakeToken(), scopes: [] }), { code: 'NOT_FOUND' });
      }));

    it('list returns every credential without secrets, oldest first', () =>
      withStore(async ({ store }) => {
        assert.deepEqual(await store.list(), []);
        const a = sampleCredential();
        const b = sampleCredential({ claimed: true, claimToken: undefined, claimTokenExpiresAt: undefined });
        await store.put(a);
        await delay(5);
        await store.put(b);
        const listed = await store.list();
        assert.deepEqual(
          listed.map((c) => Object.keys(c).sort()),
          [0, 1].map(() => ['baseUrl', 'claimed', 'createdAt', 'id', 'scopes']),
        );
        assert.deepEqual(
          listed.map((c) => [c.id, c.claimed]),
          [
            [a.id, false],
            [b.id, true],
          ],
        );
        const text = JSON.stringify(listed);
        for (const secret of [a.accessToken, a.claimToken, b.accessToken]) assert.ok(!text.includes(secret!));
      }));

    it('rejects invalid input without echoing secrets', () =>
      withStore(async ({ store }) => {
        const token = fakeToken();
        const cases: Array<Partial<NewCredential> & Record<string, unknown>> = [
          { id: '../escape' },
          { id: '' },
          { accessToken: '' },
          { baseUrl: token }, // a token in the wrong field must not be quoted back
          { scopes: token as unknown as string[] },
          { claimTokenExpiresAt: token },
        ];
        for (const overrides of cases) {
          await assert.rejects(store.put(sampleCredential(overrides)), (error: unknown) => {
            assert.ok(error instanceof CredentialStoreError, String(error));
            assert.equal(error.code, 'INVALID');
            assert.ok(!error.message.includes(token), error.message);
            return true;
          });
        }
        await assert.rejects(store.get('../../etc/passwd'), { code: 'INVALID' });
        const input = sampleCredential();
        await store.put(input);
        await assert.rejects(store.recordClaimedToken(input.id, { accessToken: '', scopes: [] }), { code: 'INVALID' });
      }));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
