/**
 * Installs schemathesis (property-based API testing from an OpenAPI document) into a project-local venv,
 * `.tools/schemathesis-venv`, and returns the path of its `schemathesis` command. Idempotent: a venv that
 * already has the pinned version is used as it is. Run alone: `npx tsx scripts/ensure-schemathesis.ts`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLS_DIR } from './temporal-binaries';

export const SCHEMATHESIS_VERSION = '4.32.5';
export const SCHEMATHESIS_VENV = join(TOOLS_DIR, 'schemathesis-venv');

const bin = (name: string) => join(SCHEMATHESIS_VENV, process.platform === 'win32' ? 'Scripts' : 'bin', `${name}${process.platform === 'win32' ? '.exe' : ''}`);

function run(command: string, args: string[], what: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000 });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
  }
  return result.stdout;
}

function installedVersion(): string | undefined {
  if (!existsSync(bin('python'))) return undefined;
  const probe = spawnSync(bin('python'), ['-c', 'import importlib.metadata as m; print(m.version("schemathesis"))'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

export function ensureSchemathesis(log: (line: string) => void = () => {}): string {
  if (installedVersion() === SCHEMATHESIS_VERSION && existsSync(bin('schemathesis'))) return bin('schemathesis');
  const python = process.env.PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
  log(`Installing schemathesis ${SCHEMATHESIS_VERSION} into ${SCHEMATHESIS_VENV} ...`);
  // A venv left half-made by an interrupted run is rebuilt from scratch.
  if (existsSync(SCHEMATHESIS_VENV) && !existsSync(bin('python'))) rmSync(SCHEMATHESIS_VENV, { recursive: true, force: true });
  if (!existsSync(bin('python'))) run(python, ['-m', 'venv', SCHEMATHESIS_VENV], `${python} -m venv (needs Python 3.9+ with venv)`);
  run(bin('python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], 'pip install schemathesis');
  if (installedVersion() !== SCHEMATHESIS_VERSION) throw new Error(`schemathesis ${SCHEMATHESIS_VERSION} is not importable from ${SCHEMATHESIS_VENV} after installing it`);
  return bin('schemathesis');
}

if (require.main === module) {
  try {
    console.log(ensureSchemathesis((line) => console.log(line)));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
