/**
 * Finds a Chromium for the browser tests (and for people taking screenshots), installing Debian's
 * `chromium` package when none is there and this is a Debian machine where we run as root.
 *
 * Routes, in order:
 *   1. CHROMIUM_PATH, when set (it must run, or this fails naming the variable);
 *   2. /usr/bin/chromium, then chromium, chromium-browser, google-chrome, google-chrome-stable on PATH;
 *   3. on Debian as root: `apt-get update` + `apt-get install -y --no-install-recommends chromium`.
 * Quick and idempotent when a browser is present (one `--version` probe, cached per process). Never
 * downloads a browser build of its own (playwright-core is used with `executablePath`).
 *
 *   npx tsx scripts/ensure-chromium.ts     prints the path, installing when needed
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const CANDIDATE_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Flags for headless Chromium in tests and containers (no GPU, no sandbox as root, no network chatter). */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function version(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error || probe.status !== 0) return undefined;
  return probe.stdout.trim() || 'unknown version';
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The first runnable browser among the usual places, without installing anything. */
export function findChromium(): string | undefined {
  const candidates = ['/usr/bin/chromium', ...CANDIDATE_NAMES.map(onPath)].filter((p): p is string => Boolean(p));
  return candidates.find((path) => version(path) !== undefined);
}

function isDebian(): boolean {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^ID=debian$/m.test(release) || /^ID_LIKE=.*\bdebian\b/m.test(release);
  } catch {
    return existsSync('/etc/debian_version');
  }
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function run(command: string, args: string[], log: (line: string) => void): void {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 900_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error || result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})${tail ? `:\n${tail}` : ''}`);
  }
}

let cached: string | undefined;

/** The absolute path of a runnable Chromium; installs Debian's package when possible; otherwise throws saying what to do. */
export function ensureChromium(log: (line: string) => void = (line) => console.error(line)): string {
  if (cached) return cached;
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    if (version(explicit) === undefined) throw new Error(`CHROMIUM_PATH=${explicit} is not a runnable Chromium (\`${explicit} --version\` failed)`);
    return (cached = resolve(explicit));
  }
  const found = findChromium();
  if (found) return (cached = found);

  if (process.platform !== 'linux' || !isDebian() || !isRoot()) {
    throw new Error(
      'No Chromium found (looked at /usr/bin/chromium and for chromium, chromium-browser, google-chrome on PATH). ' +
        'Install one (Debian/Ubuntu: `sudo apt-get install chromium`; elsewhere Chrome or Chromium) ' +
        'or set CHROMIUM_PATH=/path/to/chromium.',
    );
  }
  log('No Chromium found; installing Debian\'s chromium package ...');
  try {
    run('apt-get', ['update'], log);
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', 'chromium'], log);
  } catch (error) {
    throw new Error(`Could not install Chromium with apt-get: ${(error as Error).message}\nInstall it yourself or set CHROMIUM_PATH.`, { cause: error });
  }
  const installed = findChromium();
  if (!installed) throw new Error('apt-get installed chromium, but no runnable /usr/bin/chromium was found afterwards; set CHROMIUM_PATH.');
  log(`Chromium installed: ${installed} (${version(installed)})`);
  return (cached = installed);
}

if (require.main === module) {
  try {
    const path = ensureChromium();
    console.log(`${path} (${version(path)})`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
