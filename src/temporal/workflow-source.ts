/**
 * Where the worker gets its workflow code: the bundle prebuilt at image build (fast start, what production
 * runs) when it exists and is not older than the sources, else bundled from source at start-up (development).
 *
 * Two bundles are prebuilt (scripts/build-workflow-bundle.ts), because a prebuilt bundle carries its
 * failure converter and the worker cannot change it afterwards:
 *   dist/workflow-bundle.js            payload encryption off
 *   dist/workflow-bundle.encrypted.js  with the codec's failure converter (failure messages encrypted)
 * WORKFLOW_BUNDLE_PATH forces one file (it must match the encryption setting).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const BUNDLE_DIR = resolve(__dirname, '../../dist');
export const PREBUILT_BUNDLE = join(BUNDLE_DIR, 'workflow-bundle.js');
export const PREBUILT_ENCRYPTED_BUNDLE = join(BUNDLE_DIR, 'workflow-bundle.encrypted.js');
const SOURCE_DIR = resolve(__dirname, '..');

export type WorkflowSource = { workflowBundle: { codePath: string } } | { workflowsPath: string };

/** Newest modification time of the TypeScript sources (a bundle older than this is stale). */
function newestSourceMtime(dir = SOURCE_DIR): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function workflowSource(options: { encrypted?: boolean; onStale?: (bundlePath: string) => void } = {}): WorkflowSource {
  const forced = process.env.WORKFLOW_BUNDLE_PATH;
  if (forced) return { workflowBundle: { codePath: resolve(forced) } };
  const prebuilt = options.encrypted ? PREBUILT_ENCRYPTED_BUNDLE : PREBUILT_BUNDLE;
  if (existsSync(prebuilt)) {
    if (statSync(prebuilt).mtimeMs >= newestSourceMtime()) return { workflowBundle: { codePath: prebuilt } };
    options.onStale?.(prebuilt);
  }
  return { workflowsPath: require.resolve('../workflows') };
}
