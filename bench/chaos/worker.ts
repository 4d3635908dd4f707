/**
 * The worker process the chaos run kills and restarts: the real workflow code (a prebuilt bundle, so a restart
 * takes seconds) and the real activities with an encrypted file credential store, configured by environment:
 *
 *   TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, WORKFLOW_BUNDLE (path of the bundled workflow code),
 *   CREDENTIAL_STORE_DIR, CREDENTIAL_STORE_KEY (base64, 32 bytes), OPENTRAIN_API_BASE_URL, WORKER_LOG_LEVEL.
 *
 * It logs with the SDK's plain DefaultLogger (no redaction layer of ours), so the run's secret scan sees what
 * the activities and the SDK themselves put into log lines. Prints "worker ready" once it polls.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { FileCredentialStore } from '../../src/credentials';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger((process.env.WORKER_LOG_LEVEL ?? 'INFO') as LogLevel) });
  const connection = await NativeConnection.connect({ address: required('TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection,
    taskQueue: required('TEMPORAL_TASK_QUEUE'),
    workflowBundle: { codePath: required('WORKFLOW_BUNDLE') },
    activities: createActivities({
      store: new FileCredentialStore({ dir: required('CREDENTIAL_STORE_DIR'), key: Buffer.from(required('CREDENTIAL_STORE_KEY'), 'base64') }),
      baseUrl: required('OPENTRAIN_API_BASE_URL'),
      timeoutMs: 10_000,
    }),
  });
  console.log('worker ready');
  await worker.run();
  await connection.close();
}

main().catch((error: Error) => {
  console.error(`worker failed: ${error.message}`);
  process.exit(1);
});
