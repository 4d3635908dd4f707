/**
 * The benchmark's worker, run as a child process so that its memory (VmRSS) and CPU are its own.
 * Real activities (createActivities) against the sandbox, an encrypted file credential store in a
 * temporary folder, the production worker tuning (productionWorkerOptions with the configuration's
 * defaults) unless the bench passes overrides. Talks to the parent over IPC: `ready`, then `gc`/`stop`.
 */
import { rmSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { loadConfig } from '../../src/config';
import { FileCredentialStore } from '../../src/credentials';
import { productionWorkerOptions } from '../../src/temporal/worker-options';

export interface BenchWorkerConfig {
  address: string;
  taskQueue: string;
  sandboxUrl: string;
  storeDir: string;
  bundlePath: string;
  /** Overrides of the production worker options (e.g. maxCachedWorkflows). */
  options: Partial<WorkerOptions>;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '{}') as BenchWorkerConfig;
  // Activity failures the lifecycle expects (claim polls, the token swap) are logged at WARN: keep the bench output readable.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: config.address });
  const store = new FileCredentialStore({ dir: config.storeDir, key: Buffer.alloc(32, 7) });
  // The configuration's defaults only (no environment): what `npm run worker` runs with out of the box.
  const defaults = productionWorkerOptions(loadConfig({}).worker);
  const options = { ...defaults, ...config.options };
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    activities: {
      ...createActivities({ store, baseUrl: config.sandboxUrl, timeoutMs: 15_000 }),
      async noop() {},
    },
    ...options,
  });
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ type: 'gc-done' });
    }
    if (message?.type === 'stop') worker.shutdown();
  });
  const running = worker.run();
  process.send?.({ type: 'ready', options });
  await running;
  await connection.close();
  rmSync(config.storeDir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((error: Error) => {
  console.error(`bench worker failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
