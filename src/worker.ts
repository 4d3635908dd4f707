/** The worker: runs jobLifecycle workflows and their OpenTrain activities on the `opentrain` task queue. */
import { Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { createDataConverter } from './codec';
import { loadConfig } from './config';
import { createCredentialStoreFromEnv } from './credentials';
import { connectWorker } from './temporal/connection';
import { workflowSource } from './temporal/workflow-source';

async function main(): Promise<void> {
  const config = loadConfig();
  const worker = await Worker.create({
    connection: await connectWorker(config),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workflowSource(),
    activities: createActivities({
      store: createCredentialStoreFromEnv(config.credentialStore),
      baseUrl: config.opentrain.baseUrl ?? `http://127.0.0.1:${config.sandboxPort}`,
      configuredToken: config.opentrain.token,
    }),
    dataConverter: createDataConverter(config.payloadEncryption),
  });
  console.log(`Worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  await worker.run(); // returns after SIGINT/SIGTERM, once running tasks are done
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
