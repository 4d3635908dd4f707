/**
 * Ephemeral Temporal servers for tests, started from the project's installed binaries (never the SDK's
 * download) on free ports, so the suite also passes while an `npm start` stack holds the default ports.
 */
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment, type ClientOptionsForTestEnv } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ensureTemporalCli, ensureTestServer } from '../../scripts/temporal-binaries';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';

let runtimeInstalled = false;
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN') });
}

/** A real dev server (SQLite in memory) with the project's search attributes registered. */
export async function startDevServer(
  options: { client?: ClientOptionsForTestEnv; dbFilename?: string } = {},
): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: await ensureTemporalCli() },
      searchAttributes: [...SEARCH_ATTRIBUTES],
      dbFilename: options.dbFilename,
      extraArgs: ['--log-level', 'error'],
    },
    client: options.client,
  });
}

/** The time-skipping test server, for tests where hours of durable timers must pass in seconds. */
export async function startTimeSkippingServer(
  client?: ClientOptionsForTestEnv,
): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: await ensureTestServer() } },
    client,
  });
  // The time-skipping server has no start flag for search attributes: register them like a real cluster.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type] as temporal.api.enums.v1.IndexedValueType])),
  });
  return env;
}

const INDEXED_VALUE_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/**
 * Bundles workflow code once per test process; re-bundling per test is slow. With encryption on, the
 * failure converter that encrypts failure messages must be bundled in too.
 */
export function workflowBundle(
  options: { workflowsPath?: string; failureConverterPath?: string } = {},
): Promise<WorkflowBundleWithSourceMap> {
  const workflowsPath = options.workflowsPath ?? require.resolve('../../src/workflows');
  const cacheKey = `${workflowsPath}|${options.failureConverterPath ?? ''}`;
  let bundle = bundles.get(cacheKey);
  if (!bundle) {
    quietRuntime();
    bundle = bundleWorkflowCode({ workflowsPath, failureConverterPath: options.failureConverterPath, logger: new DefaultLogger('WARN') });
    bundles.set(cacheKey, bundle);
  }
  return bundle;
}

let queueCounter = 0;
export function uniqueTaskQueue(prefix = 'test'): string {
  queueCounter += 1;
  return `${prefix}-${process.pid}-${queueCounter}-${Date.now().toString(36)}`;
}
