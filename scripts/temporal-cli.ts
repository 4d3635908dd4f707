/**
 * `npm run temporal -- <args>`: the project's Temporal CLI with any arguments.
 * Without an explicit --address it talks to the server in TEMPORAL_ADDRESS (default localhost:7233),
 * which is where `npm start` runs the dev server.
 */
import { spawn } from 'node:child_process';
import { ensureTemporalCli } from './temporal-binaries';

async function main(): Promise<void> {
  const cli = await ensureTemporalCli((line) => console.error(line));
  const child = spawn(cli, process.argv.slice(2), { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
