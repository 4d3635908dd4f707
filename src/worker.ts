/**
 * The worker: runs jobLifecycle workflows and their OpenTrain activities on the `opentrain` task queue.
 * JSON logs on stdout, optional Prometheus metrics, graceful shutdown on SIGINT/SIGTERM (running
 * activities get WORKER_SHUTDOWN_GRACE_SECONDS to finish). Assembly lives in src/temporal/.
 */
import { loadConfig } from './config';
import { createLogger } from './temporal/logging';
import { createProductionWorker } from './temporal/production-worker';
import { installRuntime } from './temporal/runtime';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  installRuntime(config, logger);
  const { worker, close } = await createProductionWorker(config, logger);
  await worker.run(); // returns after SIGINT/SIGTERM, once running tasks are done (or the grace time is over)
  await close();
  logger.info('Worker stopped');
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
