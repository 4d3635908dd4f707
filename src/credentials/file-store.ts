/**
 * Credential store on the local file system: one encrypted file per credential.
 *
 * File layout (`<dir>/<id>.cred`, mode 0600, dir 0700):
 *   'OTCS' | version (1 byte) | key id length (1 byte) | key id (ascii) | IV (12) | GCM tag (16) | ciphertext
 * The ciphertext is AES-256-GCM over the credential's JSON; the header and the credential id are
 * authenticated data, so a file cannot be edited or swapped for another id's file unnoticed.
 * The key id (sha256 prefix, as in the payload codec) lets a wrong key be reported as such.
 *
 * Writes are atomic (temp file in the same dir, fsync, rename, fsync dir): a reader sees the old or
 * the new file, never a torn one, even if the writer is killed. Mutations take a per-id lock:
 * a promise chain inside this process plus a lock file across processes, so several workers on one
 * machine may share the directory. Reads take no lock.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { keyIdOf, KEY_BYTES } from '../codec/keys';
import { CredentialStoreError } from './errors';
import { LockTimeoutError, withFileLock } from './file-lock';
import { assertCredentialId } from './ids';
import { applyClaimedToken, applyPut, parseClaimGrant, parseNewCredential, parseStoredCredential, summarize } from './model';
import type { ClaimGrant, CredentialStore, CredentialSummary, NewCredential, RecordClaimResult, StoredCredential } from './types';

export interface FileCredentialStoreOptions {
  dir: string;
  /** 32 bytes, AES-256. */
  key: Buffer;
  /** Lock tuning (tests); see file-lock.ts for the defaults. */
  lockTimeoutMs?: number;
  lockStaleMs?: number;
}

const MAGIC = Buffer.from('OTCS');
const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const EXTENSION = '.cred';
/** Temp files older than this were left by a killed writer. */
const ORPHAN_TEMP_MS = 10 * 60_000;

export class FileCredentialStore implements CredentialStore {
  private readonly dir: string;
  private readonly key: Buffer;
  private readonly keyId: string;
  private readonly lockOptions: { timeoutMs?: number; staleMs?: number };
  private readonly chains = new Map<string, Promise<void>>();
  private ready: Promise<void> | undefined;

  constructor(options: FileCredentialStoreOptions) {
    if (!Buffer.isBuffer(options.key) || options.key.length !== KEY_BYTES) {
      throw new CredentialStoreError('INVALID', `FileCredentialStore needs a ${KEY_BYTES}-byte key`);
    }
    this.dir = options.dir;
    this.key = Buffer.from(options.key);
    this.keyId = keyIdOf(this.key);
    this.lockOptions = { timeoutMs: options.lockTimeoutMs, staleMs: options.lockStaleMs };
  }

  async put(input: NewCredential): Promise<StoredCredential> {
    const credential = parseNewCredential(input);
    return this.mutate(credential.id, async () => {
      const existing = await this.read(credential.id);
      const next = applyPut(existing, credential, new Date().toISOString());
      if (next !== existing) await this.write(next);
      return next;
    });
  }

  async get(id: string): Promise<StoredCredential | undefined> {
    assertCredentialId(id);
    await this.ensureDir();
    return this.read(id);
  }

  async recordClaimedToken(id: string, input: ClaimGrant): Promise<RecordClaimResult> {
    assertCredentialId(id);
    const grant = parseClaimGrant(input);
    return this.mutate(id, async () => {
      const existing = await this.read(id);
      if (!existing) throw new CredentialStoreError('NOT_FOUND', `Credential ${id} not found`);
      const { changed, ...result } = applyClaimedToken(existing, grant, new Date().toISOString());
      // Durable (fsynced) before we return: the post-claim token is issued once, a crash must not lose it.
      if (changed) await this.write(result.credential);
      return result;
    });
  }

  async delete(id: string): Promise<void> {
    assertCredentialId(id);
    await this.mutate(id, async () => {
      try {
        await unlink(this.pathOf(id));
      } catch (error) {
        if (isCode(error, 'ENOENT')) return;
        throw error;
      }
      await fsyncDir(this.dir);
    });
  }

  async list(): Promise<CredentialSummary[]> {
    await this.ensureDir();
    const ids = (await readdir(this.dir)).filter((name) => name.endsWith(EXTENSION) && !name.startsWith('.')).map((name) => name.slice(0, -EXTENSION.length));
    const credentials = await Promise.all(ids.map((id) => this.read(id)));
    return credentials
      .filter((c): c is StoredCredential => c !== undefined) // deleted meanwhile
      .map(summarize)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  // --- locking -------------------------------------------------------------------------------

  /** Runs fn holding the id's lock: first in this process (promise chain), then across processes (lock file). */
  private async mutate<T>(id: string, fn: () => Promise<T>): Promise<T> {
    await this.ensureDir();
    const previous = this.chains.get(id) ?? Promise.resolve();
    let done!: () => void;
    const gate = new Promise<void>((resolve) => (done = resolve));
    const current = previous.then(() => gate);
    this.chains.set(id, current);
    await previous;
    try {
      return await withFileLock(join(this.dir, `${id}.lock`), { ...this.lockOptions, description: `credential ${id}` }, fn);
    } catch (error) {
      if (error instanceof LockTimeoutError) throw new CredentialStoreError('LOCK_TIMEOUT', error.message);
      throw error;
    } finally {
      done();
      if (this.chains.get(id) === current) this.chains.delete(id);
    }
  }

  // --- files ---------------------------------------------------------------------------------

  private pathOf(id: string): string {
    return join(this.dir, `${id}${EXTENSION}`);
  }

  private ensureDir(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // An existing directory may have been created looser (e.g. by hand): tighten it.
      if (((await stat(this.dir)).mode & 0o077) !== 0) await chmod(this.dir, 0o700);
      await this.removeOrphanTemps();
    })().catch((error: unknown) => {
      this.ready = undefined; // let the next call try again
      throw error;
    });
    return this.ready;
  }

  private async removeOrphanTemps(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.tmp')) continue;
      const path = join(this.dir, name);
      try {
        if (Date.now() - (await stat(path)).mtimeMs > ORPHAN_TEMP_MS) await unlink(path);
      } catch (error) {
        if (!isCode(error, 'ENOENT')) throw error;
      }
    }
  }

  private async read(id: string): Promise<StoredCredential | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(id));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw error;
    }
    const plaintext = this.decrypt(id, bytes);
    let value: unknown;
    try {
      value = JSON.parse(plaintext.toString('utf8'));
    } catch {
      // JSON.parse errors quote the input: never pass them on.
      throw new CredentialStoreError('CORRUPT', `Credential ${id} is unreadable: decrypted content is not JSON`);
    }
    const credential = parseStoredCredential(value, id);
    if (credential.id !== id) throw new CredentialStoreError('CORRUPT', `Credential file for ${id} holds a different id`);
    return credential;
  }

  private async write(credential: StoredCredential): Promise<void> {
    const target = this.pathOf(credential.id);
    const temp = join(this.dir, `.${credential.id}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      try {
        await handle.writeFile(this.encrypt(credential.id, Buffer.from(JSON.stringify(credential), 'utf8')));
        await handle.sync(); // contents on disk before the rename makes them visible
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await fsyncDir(this.dir); // and the rename itself survives a power loss
  }

  // --- encryption ----------------------------------------------------------------------------

  private header(keyId: string): Buffer {
    const id = Buffer.from(keyId, 'ascii');
    return Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION, id.length]), id]);
  }

  private encrypt(id: string, plaintext: Buffer): Buffer {
    const header = this.header(this.keyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.concat([header, Buffer.from(id, 'utf8')]));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
  }

  private decrypt(id: string, bytes: Buffer): Buffer {
    const corrupt = (why: string) => new CredentialStoreError('CORRUPT', `Credential ${id} is unreadable: ${why}`);
    if (bytes.length < MAGIC.length + 2 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt('not a credential store file');
    const version = bytes[MAGIC.length];
    if (version !== FORMAT_VERSION) throw corrupt(`unsupported format version ${version}`);
    const keyIdLength = bytes[MAGIC.length + 1] ?? 0;
    const headerLength = MAGIC.length + 2 + keyIdLength;
    if (bytes.length < headerLength + IV_BYTES + TAG_BYTES) throw corrupt('file is truncated');
    const keyId = bytes.subarray(MAGIC.length + 2, headerLength).toString('ascii');
    if (keyId !== this.keyId) {
      throw new CredentialStoreError(
        'WRONG_KEY',
        `Credential ${id} was encrypted with key id ${keyId}, but this store's key has id ${this.keyId}: the configured key is not the one the store was written with`,
      );
    }
    const iv = bytes.subarray(headerLength, headerLength + IV_BYTES);
    const tag = bytes.subarray(headerLength + IV_BYTES, headerLength + IV_BYTES + TAG_BYTES);
    const ciphertext = bytes.subarray(headerLength + IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAAD(Buffer.concat([this.header(keyId), Buffer.from(id, 'utf8')]));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw corrupt('authentication failed (file corrupted, tampered with, or renamed from another id)');
    }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
