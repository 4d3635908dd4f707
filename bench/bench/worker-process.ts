/** Starts bench/bench/worker.ts as a child process (tsx, like `npm run worker`) and waits until it polls. */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import type { BenchWorkerConfig } from './worker';

export interface WorkerProcess {
  pid: number;
  taskQueue: string;
  /** The options the worker runs with (production defaults plus overrides). */
  options: Record<string, unknown>;
  gc(): Promise<void>;
  stop(): Promise<void>;
}

export interface ProcessSettings {
  nodeFlags?: string[];
  env?: Record<string, string>;
}

let counter = 0;

export async function startWorkerProcess(input: {
  address: string;
  sandboxUrl: string;
  bundlePath: string;
  options?: Partial<WorkerOptions>;
  /** Process settings beside the worker options: Node flags and environment (e.g. MALLOC_ARENA_MAX). */
  process?: ProcessSettings;
}): Promise<WorkerProcess> {
  counter += 1;
  const taskQueue = `bench-${process.pid}-${counter}-${Date.now().toString(36)}`;
  const config: BenchWorkerConfig = {
    address: input.address,
    taskQueue,
    sandboxUrl: input.sandboxUrl,
    storeDir: mkdtempSync(join(tmpdir(), 'bench-store-')),
    bundlePath: input.bundlePath,
    options: input.options ?? {},
  };
  const child: ChildProcess = fork(join(__dirname, 'worker.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(input.process?.nodeFlags ?? [])],
    env: { ...process.env, ...input.process?.env, BENCH_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const options = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench worker did not start in 120 s')), 120_000);
    child.on('message', (message: { type?: string; options?: Record<string, unknown> }) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve(message.options ?? {});
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bench worker exited with ${code} before it was ready`));
    });
  });
  return {
    pid: child.pid as number,
    taskQueue,
    options,
    gc: () =>
      new Promise<void>((resolve) => {
        const onMessage = (message: { type?: string }) => {
          if (message?.type === 'gc-done') {
            child.off('message', onMessage);
            resolve();
          }
        };
        child.on('message', onMessage);
        child.send({ type: 'gc' });
      }),
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
