/**
 * Cross-process exclusive lock on a file path: whoever creates `<path>` with O_EXCL holds it.
 *
 * Stale-lock recovery: a lock is stale when its holder (pid, recorded in the file) is dead on this
 * host, or when it is older than `staleMs` (a holder on another host, a reused pid, a hang —
 * real holders keep it for milliseconds). Breaking a stale lock is itself serialised through a
 * second O_EXCL file (`<path>.break`) and re-checks the lock under it, so two waiters that both
 * saw the same stale lock cannot also delete the fresh lock a third process took in between.
 */
import { randomUUID } from 'node:crypto';
import { link, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** Give up after this long (default 40 s: longer than staleMs, so a hung holder is outlasted). */
  timeoutMs?: number;
  /** A lock older than this is considered abandoned (default 30 s). */
  staleMs?: number;
  /** Used in the timeout error, e.g. 'credential cred_x'. */
  description?: string;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

const BREAKER_STALE_MS = 5_000;

export async function withFileLock<T>(path: string, options: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  const release = await acquire(path, options);
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function acquire(path: string, options: FileLockOptions): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 40_000;
  const staleMs = options.staleMs ?? 30_000;
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID() };
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (await tryCreateWithContent(path, owner)) {
      return () => releaseIfOwned(path, owner.token);
    }
    const observed = await inspect(path, staleMs);
    if (observed?.stale) {
      await breakStale(path, observed.content, staleMs);
      continue;
    }
    if (Date.now() > deadline) {
      throw new LockTimeoutError(`Timed out after ${timeoutMs} ms waiting for the lock on ${options.description ?? path}`);
    }
    // Short, jittered back-off: holders keep the lock for a few milliseconds.
    await sleep(Math.min(50, 2 + attempt) * (0.5 + Math.random()));
  }
}

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/**
 * Creates the lock with its owner record already inside: written to a private temp file, then
 * hard-linked into place (link fails with EEXIST like O_EXCL). A holder killed at any instant
 * therefore never leaves an empty lock whose owner cannot be checked.
 */
async function tryCreateWithContent(path: string, owner: LockOwner): Promise<boolean> {
  const temp = `${path}.${owner.token}.tmp`;
  await writeFile(temp, JSON.stringify(owner), { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  } finally {
    await unlink(temp).catch(ignoreMissing);
  }
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

/** undefined when the lock vanished meanwhile (just retry). */
async function inspect(path: string, staleMs: number): Promise<{ stale: boolean; content: string } | undefined> {
  let content: string;
  let mtimeMs: number;
  try {
    [content, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  if (Date.now() - mtimeMs > staleMs) return { stale: true, content };
  const holder = parseOwner(content);
  if (holder && holder.host === hostname() && !processAlive(holder.pid)) return { stale: true, content };
  return { stale: false, content };
}

async function breakStale(path: string, staleContent: string, staleMs: number): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await tryCreate(breaker, String(process.pid)))) {
    // Someone else is breaking it; a breaker left by a crashed process is removed after a while.
    try {
      const { mtimeMs } = await stat(breaker);
      if (Date.now() - mtimeMs > BREAKER_STALE_MS) await unlink(breaker).catch(ignoreMissing);
    } catch (error) {
      ignoreMissing(error);
    }
    await sleep(2);
    return;
  }
  try {
    // Re-check under the breaker: only delete the very lock we judged stale.
    const now = await inspect(path, staleMs);
    if (now?.stale && now.content === staleContent) await unlink(path).catch(ignoreMissing);
  } finally {
    await unlink(breaker).catch(ignoreMissing);
  }
}

async function releaseIfOwned(path: string, token: string): Promise<void> {
  try {
    // If our lock was judged stale and broken (we hung past staleMs), the file is now someone else's.
    if (parseOwner(await readFile(path, 'utf8'))?.token === token) await unlink(path);
  } catch (error) {
    ignoreMissing(error);
  }
}

function parseOwner(content: string): LockOwner | undefined {
  try {
    const value = JSON.parse(content) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') return value as LockOwner;
  } catch {
    // unknown format: only the age rule applies
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isCode(error, 'ESRCH'); // EPERM: alive, owned by another user
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function ignoreMissing(error: unknown): void {
  if (!isCode(error, 'ENOENT')) throw error;
}
