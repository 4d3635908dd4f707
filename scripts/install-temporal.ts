/** `npm run setup:temporal`: installs (or finds) the Temporal CLI and the time-skipping test server. */
import { ensureTemporalCli, ensureTestServer } from './temporal-binaries';

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  console.log(`temporal:             ${await ensureTemporalCli(log)}`);
  console.log(`temporal-test-server: ${await ensureTestServer(log)}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
