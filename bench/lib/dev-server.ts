/**
 * A real `temporal server start-dev` child for benchmarks and chaos runs: SQLite file in a folder the caller
 * owns, the WAL pragmas `npm start` uses, the project's search attributes, no Web UI, on a fixed free port so
 * it can be killed and started again on the same address (its SQLite file keeps the state).
 *
 * Shared by bench/chaos.ts and bench/bench.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../../scripts/temporal-binaries';
import { searchAttributeCliArgs } from '../../src/workflows/search-attributes';

/** The same pragmas as scripts/start.ts (not imported: that module starts the stack when loaded). */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface DevServerOptions {
  dbFilename: string;
  port?: number;
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
  readonly address: string;
  /** How many times the process was started (1 after start()). */
  starts = 0;

  private constructor(private readonly cli: string, readonly port: number, private readonly options: DevServerOptions) {
    this.address = `127.0.0.1:${port}`;
  }

  static async start(options: DevServerOptions): Promise<DevServer> {
    const server = new DevServer(await ensureTemporalCli(), options.port ?? (await freePort()), options);
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
      '--headless',
      '--namespace', this.options.namespace ?? 'default',
      '--db-filename', this.options.dbFilename,
      ...SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]),
      ...searchAttributeCliArgs(),
      '--log-level', this.options.logLevel ?? 'warn',
    ];
    const child = spawn(this.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts += 1;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    for (const stream of ['stdout', 'stderr'] as const) {
      let rest = '';
      child[stream]?.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.options.onLine?.(line, stream);
      });
    }
    await this.waitReady(this.options.readyTimeoutMs ?? 90_000);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the Temporal dev server exited while starting (${this.child?.exitCode ?? this.child?.signalCode})`);
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
