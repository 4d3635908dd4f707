/**
 * A Temporal dev server for one benchmark variant, started from the project's installed CLI on free ports,
 * with Prometheus metrics on (the `action` counter and the `state_transition_count` histogram are read
 * before and after each measured batch).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SQLITE_PRAGMAS } from '../../scripts/temporal-binaries';
import { DevServer } from '../lib/dev-server';

/**
 * The storage variants every throughput figure is measured on.
 * - memory:        `temporal server start-dev` default (SQLite in memory)
 * - wal-normal:    a file with the project's SQLITE_PRAGMAS (scripts/temporal-binaries.ts, used by npm start)
 * - wal-off:       a file with the pragmas Temporal's TypeScript SDK uses in its nightly throughput CI
 *                  (temporalio/sdk-typescript .github/workflows/nightly-throughput-stress.yml:
 *                  `--sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=OFF`)
 * - file-default:  a file with no pragmas (rollback journal, synchronous=FULL)
 */
export const VARIANTS = {
  memory: { file: false, pragmas: [] as string[], label: 'in memory' },
  'wal-normal': { file: true, pragmas: SQLITE_PRAGMAS, label: 'file, WAL + synchronous=NORMAL (project)' },
  'wal-off': { file: true, pragmas: ['journal_mode=WAL', 'synchronous=OFF'], label: 'file, WAL + synchronous=OFF (SDK CI)' },
  'file-default': { file: true, pragmas: [] as string[], label: 'file, no pragmas' },
} as const;
export type VariantName = keyof typeof VARIANTS;

export interface BenchServer {
  variant: VariantName;
  address: string;
  pid: number;
  metricsUrl: string;
  dbFile: string | null;
  client: Client;
  connection: Connection;
  /** Sums of the server's counters for namespace `default`. */
  metrics(): Promise<ServerCounters>;
  stop(): Promise<void>;
}

export interface ServerCounters {
  /** `action` counter by action_type (frontend, namespace default). */
  actions: Record<string, number>;
  /** Number of persisted mutable-state updates (`state_transition_count` histogram count), namespace default. */
  stateTransitions: number;
}

export async function startBenchServer(variant: VariantName): Promise<BenchServer> {
  const spec = VARIANTS[variant];
  const dir = spec.file ? mkdtempSync(join(tmpdir(), `bench-temporal-${variant}-`)) : null;
  const dbFile = dir ? join(dir, 'temporal.db') : null;
  const server = await DevServer.start({
    ...(dbFile ? { dbFilename: dbFile, sqlitePragmas: spec.pragmas } : {}),
    metrics: true,
    logLevel: 'error',
    readyTimeoutMs: 60_000,
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const metricsUrl = server.metricsUrl as string;

  return {
    variant,
    address: server.address,
    pid: server.pid as number,
    metricsUrl,
    dbFile,
    client,
    connection,
    metrics: () => readCounters(metricsUrl),
    async stop() {
      await connection.close().catch(() => undefined);
      await server.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses the Prometheus text for the two counters the report uses. */
export async function readCounters(metricsUrl: string): Promise<ServerCounters> {
  const text = await (await fetch(metricsUrl)).text();
  const actions: Record<string, number> = {};
  let stateTransitions = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('action{')) {
      const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
      if (!/namespace="default"/.test(labels) || !/service_name="frontend"/.test(labels)) continue;
      const type = /action_type="([^"]*)"/.exec(labels)?.[1] ?? 'unknown';
      actions[type] = (actions[type] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    } else if (line.startsWith('state_transition_count_count{') && /namespace="default"/.test(line)) {
      stateTransitions += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return { actions, stateTransitions };
}

export function counterDelta(before: ServerCounters, after: ServerCounters): ServerCounters {
  const actions: Record<string, number> = {};
  for (const [type, value] of Object.entries(after.actions)) {
    const delta = value - (before.actions[type] ?? 0);
    if (delta !== 0) actions[type] = delta;
  }
  return { actions, stateTransitions: after.stateTransitions - before.stateTransitions };
}
