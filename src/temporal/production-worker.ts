/**
 * Assembles the production worker from the configuration: connection (plain, API key or mTLS), codec,
 * prebuilt workflow bundle, activities with the configured credential store, tuning and rate limit.
 * `close()` releases what the worker does not own (credential store pool, connection) after run() returns.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { createDataConverter } from '../codec';
import type { Config } from '../config';
import { createCredentialStoreFromEnv } from '../credentials';
import { connectWorker } from './connection';
import { productionWorkerOptions } from './worker-options';
import { workflowSource } from './workflow-source';

export interface ProductionWorker {
  worker: Worker;
  close(): Promise<void>;
}

export async function createProductionWorker(config: Config, logger: Logger): Promise<ProductionWorker> {
  const dataConverter = createDataConverter(config.payloadEncryption);
  const encrypted = Boolean(dataConverter.payloadCodecs?.length);
  const source = workflowSource({
    encrypted,
    onStale: (path) => logger.warn({ bundle: path }, 'Prebuilt workflow bundle is older than the sources; bundling from source instead'),
  });
  const store = createCredentialStoreFromEnv(config.credentialStore);
  const connection: NativeConnection = await connectWorker(config);
  const options = productionWorkerOptions(config.worker);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...source,
    activities: createActivities({
      store,
      baseUrl: config.opentrain.baseUrl ?? `http://127.0.0.1:${config.sandboxPort}`,
      configuredToken: config.opentrain.token,
      // Below the claim poll's 20 s start-to-close, so a hung request fails as a timeout the retry policy sees.
      timeoutMs: 15_000,
    }),
    dataConverter,
    ...options,
  });
  logger.info(
    {
      address: config.temporal.address,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      auth: config.temporal.tls ? 'mtls' : config.temporal.apiKey ? 'api-key' : 'none',
      workflowCode: 'workflowBundle' in source ? source.workflowBundle.codePath : 'bundled from source',
      payloadEncryption: encrypted,
      credentialStore: config.credentialStore.CREDENTIAL_STORE_URL ? 'postgres' : 'file',
      metrics: config.metrics.bindAddress ? `http://${config.metrics.bindAddress}/metrics` : 'off',
      ...options,
    },
    'Worker ready',
  );
  return {
    worker,
    async close() {
      await (store as { close?: () => Promise<void> }).close?.();
      await connection.close();
    },
  };
}
