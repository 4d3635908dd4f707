/**
 * Child processes of a chaos run and what they print: the worker (tsx, killed with SIGKILL and started again)
 * and a sink that scans every printed line for OpenTrain tokens as it arrives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The project's own test pattern for a token in text (test/helpers/lifecycle.ts SECRET_PATTERN). */
export const SECRET_PATTERN = /ot_(pat|clm|cat)_[A-Za-z0-9]/;

export interface SecretHit {
  source: string;
  /** The line with every token-shaped run masked, so the report itself carries no secret. */
  masked: string;
  /** A token value in full (not a redacted preview such as `ot_pat_ab12…[redacted]`). */
  full: boolean;
}

export function maskTokens(text: string): string {
  return text.replace(/ot_(pat|clm|cat)_[A-Za-z0-9_-]*/g, 'ot_$1_<masked>');
}

/** Every token-shaped run in `text`; `full` when it is not a redacted preview. */
export function findSecrets(text: string): Array<{ full: boolean }> {
  const hits: Array<{ full: boolean }> = [];
  for (const match of text.matchAll(/ot_(pat|clm|cat)_([A-Za-z0-9_-]+)(…\[redacted\])?/g)) {
    hits.push({ full: match[3] === undefined });
  }
  return hits;
}

export class LogSink {
  readonly lines = new Map<string, number>();
  readonly hits: SecretHit[] = [];

  line(source: string, text: string): void {
    this.lines.set(source, (this.lines.get(source) ?? 0) + 1);
    if (!SECRET_PATTERN.test(text)) return;
    const found = findSecrets(text);
    this.hits.push({ source, masked: maskTokens(text).slice(0, 500), full: found.some((f) => f.full) });
  }

  /** A writable-like stream for pino/Fastify loggers. */
  stream(source: string): { write(chunk: string): void } {
    return { write: (chunk: string) => chunk.split('\n').filter((l) => l.trim()).forEach((l) => this.line(source, l)) };
  }
}

export interface WorkerEvent {
  at: number;
  event: 'started' | 'killed' | 'exited';
  pid?: number;
  detail?: string;
}

/** One worker process at a time; `kill()` is a SIGKILL; an exit nobody asked for is recorded and restarted. */
export class WorkerProcess {
  private child: ChildProcess | null = null;
  private wanted = false;
  private startsInFlight: Promise<void> | null = null;
  readonly events: WorkerEvent[] = [];
  unexpectedExits = 0;

  constructor(
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly sink: LogSink,
    private readonly log: (line: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the worker and waits for "worker ready" (bounded); retries a start that fails (e.g. server still down). */
  async start(timeoutMs = 180_000): Promise<void> {
    this.wanted = true;
    if (this.startsInFlight) return this.startsInFlight;
    this.startsInFlight = this.startLoop(timeoutMs).finally(() => (this.startsInFlight = null));
    return this.startsInFlight;
  }

  private async startLoop(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: Error | undefined;
    while (Date.now() < deadline && this.wanted) {
      try {
        await this.spawnOnce(Math.max(5_000, deadline - Date.now()));
        return;
      } catch (error) {
        lastError = error as Error;
        this.log(`worker did not start: ${lastError.message}; trying again`);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
    throw new Error(`worker did not start within ${timeoutMs} ms: ${lastError?.message ?? 'stopped'}`);
  }

  private spawnOnce(timeoutMs: number): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', this.entry], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.events.push({ at: Date.now(), event: 'started', pid: child.pid });
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        child.kill('SIGKILL');
        reject(new Error('no "worker ready" in time'));
      }, timeoutMs);
      for (const stream of ['stdout', 'stderr'] as const) {
        createInterface({ input: child[stream] }).on('line', (line) => {
          if (!line.trim()) return;
          this.sink.line(`worker ${stream}`, line);
          if (!ready && line.includes('worker ready')) {
            ready = true;
            clearTimeout(timer);
            resolve();
          }
        });
      }
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.events.push({ at: Date.now(), event: 'exited', pid: child.pid, detail: signal ?? `code ${code}` });
        if (!ready) return reject(new Error(`worker exited before it was ready (${signal ?? `code ${code}`})`));
        if (this.child === child && this.wanted && signal !== 'SIGKILL') {
          // Nobody asked for this exit: note it and bring the worker back.
          this.unexpectedExits += 1;
          this.log(`worker exited by itself (${signal ?? `code ${code}`}); restarting it`);
          void this.start().catch((error: Error) => this.log(`worker restart failed: ${error.message}`));
        }
      });
    });
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(): Promise<void> {
    this.wanted = false;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.events.push({ at: Date.now(), event: 'killed', pid: child.pid });
    child.kill('SIGKILL');
    await gone;
  }
}
