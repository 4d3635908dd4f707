/**
 * Where the worker gets its workflow code: the bundle prebuilt at image build (fast start, what production
 * runs) when it exists, else bundled from source at start-up (development).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const PREBUILT_BUNDLE = resolve(__dirname, '../../dist/workflow-bundle.js');

export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const prebuilt = process.env.WORKFLOW_BUNDLE_PATH ?? PREBUILT_BUNDLE;
  return existsSync(prebuilt) ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath: require.resolve('../workflows') };
}
