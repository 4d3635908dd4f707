/**
 * A real `temporal server start-dev` child for benchmarks and chaos runs: in memory or on a SQLite file in a
 * folder the caller owns (with the WAL pragmas `npm start` uses, unless told otherwise), the project's search
 * attributes, no Web UI, on fixed free ports so it can be killed and started again on the same address (its
 * SQLite file keeps the state).
 *
 * Shared by bench/chaos.ts and bench/bench.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import { freePort } from '../../scripts/free-port';
import { ensureTemporalCli, SQLITE_PRAGMAS } from '../../scripts/temporal-binaries';
import { searchAttributeCliArgs } from '../../src/workflows/search-attributes';

export interface DevServerOptions {
  /** The SQLite file; without one the server keeps its state in memory. */
  dbFilename?: string;
  /** Pragmas for the file (default SQLITE_PRAGMAS). */
  sqlitePragmas?: readonly string[];
  port?: number;
  /** Serve Prometheus metrics on a free port (see `metricsUrl`). */
  metrics?: boolean;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Every line the server prints (stdout and stderr), e.g. for secret scans. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Bound on waiting for the frontend to answer after a (re)start. */
  readyTimeoutMs?: number;
}

export class DevServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** The last lines the server printed, for the error when it does not start. */
  private readonly tail: string[] = [];
  readonly address: string;
  readonly metricsUrl: string | null;
  /** How many times the process was started (1 after start()). */
  starts = 0;

  private constructor(
    private readonly cli: string,
    readonly port: number,
    private readonly ports: { http: number; metrics: number | null },
    private readonly options: DevServerOptions,
  ) {
    this.address = `127.0.0.1:${port}`;
    this.metricsUrl = ports.metrics === null ? null : `http://127.0.0.1:${ports.metrics}/metrics`;
  }

  static async start(options: DevServerOptions): Promise<DevServer> {
    // Every port is our own free one, so several servers (and an `npm start` stack) run side by side.
    const ports = { http: await freePort(), metrics: options.metrics ? await freePort() : null };
    const server = new DevServer(await ensureTemporalCli(), options.port ?? (await freePort()), ports, options);
    await server.launch();
    return server;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process (again) and waits until the frontend answers getSystemInfo. */
  async launch(): Promise<void> {
    if (this.running) throw new Error('the Temporal dev server is already running');
    const args = [
      'server', 'start-dev',
      '--ip', '127.0.0.1',
      '--port', String(this.port),
      '--http-port', String(this.ports.http),
      ...(this.ports.metrics === null ? [] : ['--metrics-port', String(this.ports.metrics)]),
      '--headless',
      '--namespace', this.options.namespace ?? 'default',
      ...(this.options.dbFilename
        ? ['--db-filename', this.options.dbFilename, ...(this.options.sqlitePragmas ?? SQLITE_PRAGMAS).flatMap((pragma) => ['--sqlite-pragma', pragma])]
        : []),
      ...searchAttributeCliArgs(),
      '--log-level', this.options.logLevel ?? 'warn',
    ];
    const child = spawn(this.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts += 1;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream] }).on('line', (line) => {
        if (!line.trim()) return;
        this.tail.push(line);
        if (this.tail.length > 20) this.tail.shift();
        this.options.onLine?.(line, stream);
      });
    }
    await this.waitReady(this.options.readyTimeoutMs ?? 90_000);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`the Temporal dev server exited while starting (${this.child?.exitCode ?? this.child?.signalCode}):\n${this.tail.join('\n')}`);
      }
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 2_000 });
        try {
          await connection.withDeadline(Date.now() + 3_000, () => connection.workflowService.getSystemInfo({}));
          await connection.withDeadline(Date.now() + 3_000, () =>
            connection.workflowService.describeNamespace({ namespace: this.options.namespace ?? 'default' }),
          );
          return;
        } finally {
          await connection.close().catch(() => undefined);
        }
      } catch (error) {
        last = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    throw new Error(`the Temporal dev server did not answer within ${timeoutMs} ms: ${(last as Error | undefined)?.message ?? ''}`);
  }

  /** SIGKILL, as a crash: no shutdown, the SQLite file is left as it is. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
