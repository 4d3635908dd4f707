/**
 * Credential store in PostgreSQL, for several workers on several machines sharing one store.
 * Same contract and rules as the file store (./model.ts does the state transitions).
 *
 * Table (created on first use; name configurable):
 *   id text PRIMARY KEY | key_id text | sealed bytea | created_at timestamptz | updated_at timestamptz
 * `sealed` = format version (1 byte) | IV (12) | GCM tag (16) | AES-256-GCM ciphertext of the credential's JSON.
 * The key id (sha256 prefix of CREDENTIAL_STORE_KEY, as in the file store) and the credential id are
 * authenticated data: a row cannot be edited, or copied under another id, unnoticed, and a wrong key is
 * reported as WRONG_KEY. Nothing secret is stored in clear.
 *
 * Concurrency: every mutation is one transaction that first takes a transaction-scoped advisory lock
 * on the id (so two workers creating the same new id serialize too), reads the row `FOR UPDATE`,
 * applies the model rule and writes. `recordClaimedToken` therefore returns 'stored' exactly once for
 * a token, whichever worker (process, machine) calls it, and the COMMIT (synchronous by default) has made
 * it durable before the call returns.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { keyIdOf, KEY_BYTES } from '../codec/keys';
import { CredentialStoreError } from './errors';
import { assertCredentialId } from './ids';
import { applyClaimedToken, applyPut, parseClaimGrant, parseNewCredential, parseStoredCredential, summarize } from './model';
import type { ClaimGrant, CredentialStore, CredentialSummary, NewCredential, RecordClaimResult, StoredCredential } from './types';

export interface PostgresCredentialStoreOptions {
  /** postgres://user:password@host:5432/database (ignored when `pool` is given). */
  connectionString?: string;
  /** An existing pool (the store then does not end it on close()). */
  pool?: Pool;
  /** Extra pool settings (max connections, ssl, ...). */
  poolConfig?: PoolConfig;
  /** 32 bytes, AES-256: the same CREDENTIAL_STORE_KEY as the file store. */
  key: Buffer;
  /** Table name, default `opentrain_credentials` (lower-case letters, digits, _). */
  table?: string;
}

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const TABLE_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
/** Advisory lock key namespace for schema creation (any fixed 64-bit number). */
const SCHEMA_LOCK = '7242018840911';

interface Row {
  id: string;
  key_id: string;
  sealed: Buffer;
}

export class PostgresCredentialStore implements CredentialStore {
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly key: Buffer;
  private readonly keyId: string;
  private readonly table: string;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresCredentialStoreOptions) {
    if (!Buffer.isBuffer(options.key) || options.key.length !== KEY_BYTES) {
      throw new CredentialStoreError('INVALID', `PostgresCredentialStore needs a ${KEY_BYTES}-byte key`);
    }
    const table = options.table ?? 'opentrain_credentials';
    if (!TABLE_PATTERN.test(table)) throw new CredentialStoreError('INVALID', 'PostgresCredentialStore table: expected lower-case letters, digits and _');
    if (!options.pool && !options.connectionString) throw new CredentialStoreError('INVALID', 'PostgresCredentialStore needs a connectionString or a pool');
    this.key = Buffer.from(options.key);
    this.keyId = keyIdOf(this.key);
    this.table = table;
    this.ownsPool = !options.pool;
    this.pool = options.pool ?? new Pool({ max: 5, ...options.poolConfig, connectionString: options.connectionString });
    // An idle client losing its connection (database restart) emits 'error' on the pool; without a
    // listener that would crash the worker. The pool replaces the client; the next query reconnects.
    if (this.ownsPool) this.pool.on('error', () => undefined);
  }

  async put(input: NewCredential): Promise<StoredCredential> {
    const credential = parseNewCredential(input);
    return this.mutate(credential.id, async (client, existing) => {
      const next = applyPut(existing, credential, new Date().toISOString());
      if (next !== existing) await this.write(client, next);
      return next;
    });
  }

  async get(id: string): Promise<StoredCredential | undefined> {
    assertCredentialId(id);
    await this.ensureSchema();
    const { rows } = await this.pool.query<Row>(`SELECT id, key_id, sealed FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] && this.open(rows[0]);
  }

  async recordClaimedToken(id: string, input: ClaimGrant): Promise<RecordClaimResult> {
    assertCredentialId(id);
    const grant = parseClaimGrant(input);
    return this.mutate(id, async (client, existing) => {
      if (!existing) throw new CredentialStoreError('NOT_FOUND', `Credential ${id} not found`);
      const { changed, ...result } = applyClaimedToken(existing, grant, new Date().toISOString());
      if (changed) await this.write(client, result.credential);
      return result;
    });
  }

  async delete(id: string): Promise<void> {
    assertCredentialId(id);
    await this.ensureSchema();
    await this.pool.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
  }

  async list(): Promise<CredentialSummary[]> {
    await this.ensureSchema();
    const { rows } = await this.pool.query<Row>(`SELECT id, key_id, sealed FROM ${this.table} ORDER BY created_at, id`);
    return rows.map((row) => summarize(this.open(row)));
  }

  /** Ends the pool when the store created it. */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  // --- transactions --------------------------------------------------------------------------

  /** Runs fn in a transaction holding the id's advisory lock and its row lock, with the current record. */
  private async mutate<T>(id: string, fn: (client: PoolClient, existing: StoredCredential | undefined) => Promise<T>): Promise<T> {
    await this.ensureSchema();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${this.table}:${id}`]);
      const { rows } = await client.query<Row>(`SELECT id, key_id, sealed FROM ${this.table} WHERE id = $1 FOR UPDATE`, [id]);
      const result = await fn(client, rows[0] && this.open(rows[0]));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true; // the connection is gone: do not return it to the pool
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async write(client: PoolClient, credential: StoredCredential): Promise<void> {
    await client.query(
      `INSERT INTO ${this.table} (id, key_id, sealed, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET key_id = EXCLUDED.key_id, sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at`,
      [credential.id, this.keyId, this.seal(credential), credential.createdAt, credential.updatedAt],
    );
  }

  private ensureSchema(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        // Two workers starting together would race on CREATE TABLE IF NOT EXISTS (a unique violation in
        // the catalog): serialize them.
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${this.table} (
             id text PRIMARY KEY,
             key_id text NOT NULL,
             sealed bytea NOT NULL,
             created_at timestamptz NOT NULL,
             updated_at timestamptz NOT NULL
           )`,
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      this.ready = undefined; // let the next call try again (database not up yet)
      throw error;
    });
    return this.ready;
  }

  // --- encryption ----------------------------------------------------------------------------

  private aad(keyId: string, id: string): Buffer {
    return Buffer.from(`opentrain-credential\0${FORMAT_VERSION}\0${keyId}\0${id}`, 'utf8');
  }

  private seal(credential: StoredCredential): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(this.aad(this.keyId, credential.id));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(credential), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), ciphertext]);
  }

  private open(row: Row): StoredCredential {
    const corrupt = (why: string) => new CredentialStoreError('CORRUPT', `Credential ${row.id} is unreadable: ${why}`);
    if (row.key_id !== this.keyId) {
      throw new CredentialStoreError(
        'WRONG_KEY',
        `Credential ${row.id} was encrypted with key id ${row.key_id}, but this store's key has id ${this.keyId}: the configured key is not the one the store was written with`,
      );
    }
    const bytes = row.sealed;
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES) throw corrupt('row is truncated');
    if (bytes[0] !== FORMAT_VERSION) throw corrupt(`unsupported format version ${bytes[0]}`);
    let plaintext: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(this.aad(row.key_id, row.id));
      decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
      plaintext = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw corrupt('authentication failed (row corrupted, tampered with, or copied from another id)');
    }
    let value: unknown;
    try {
      value = JSON.parse(plaintext);
    } catch {
      throw corrupt('decrypted content is not JSON'); // JSON.parse errors quote the input: never pass them on
    }
    const credential = parseStoredCredential(value, row.id);
    if (credential.id !== row.id) throw corrupt('the row holds a different id');
    return credential;
  }
}
