/**
 * `npm run api`: the backend API alone, configured by the environment (product contract §3).
 * Listens on API_HOST:API_PORT with the bearer key API_KEY; logs JSON (pino) with the Authorization header
 * redacted; SIGINT/SIGTERM close the server (in-flight requests finish) and the Temporal connection.
 */
import { createCodecFromEnv } from '../codec';
import { ConfigError, loadConfig } from '../config';
import { connectClient } from '../temporal/connection';
import { buildApi } from './index';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.api.key) {
    throw new ConfigError('Invalid configuration:\n  API_KEY: required for the backend API (npm start generates one into .data/local.env)');
  }
  const client = await connectClient(config);
  const app = buildApi({
    client,
    taskQueue: config.temporal.taskQueue,
    apiKey: config.api.key,
    codec: createCodecFromEnv(config.payloadEncryption),
    uiOrigin: config.api.uiOrigins,
    logger: { level: config.logLevel },
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    await app.close();
    await client.connection.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ host: config.api.host, port: config.api.port });
}

main().catch((error: Error) => {
  console.error(error instanceof ConfigError ? error.message : `API failed to start: ${error.message}`);
  process.exit(1);
});
