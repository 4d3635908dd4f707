/** Connections to Temporal from the configuration: plain (dev server), API key or mTLS (Temporal Cloud). */
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { createDataConverter } from '../codec';

function tlsOptions(config: Config['temporal']) {
  if (config.tls) {
    // A value is either the PEM itself or a path to it.
    const pem = (value: string) => Buffer.from(value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8'));
    return { clientCertPair: { crt: pem(config.tls.cert), key: pem(config.tls.key) } };
  }
  return config.apiKey ? true : undefined;
}

function connectionOptions(config: Config['temporal']): ConnectionOptions & NativeConnectionOptions {
  return { address: config.address, tls: tlsOptions(config), apiKey: config.apiKey };
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config.temporal));
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config.payloadEncryption),
  });
}

export function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config.temporal));
}
