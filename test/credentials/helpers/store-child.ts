/**
 * Child process for the file store's multi-process tests (run with `node --import tsx`).
 * Env: STORE_DIR, STORE_KEY (base64). Modes (argv[2]):
 *   write-loop <id>...        put() the ids round-robin forever, printing "wrote <n>" as it goes
 *   record-claim <id> <token-file>  wait for a line on stdin, then recordClaimedToken once; prints the outcome
 * Tokens are never printed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { FileCredentialStore } from '../../../src/credentials';

const store = new FileCredentialStore({ dir: process.env.STORE_DIR!, key: Buffer.from(process.env.STORE_KEY!, 'base64') });
const [mode, ...args] = process.argv.slice(2);

async function writeLoop(ids: string[]): Promise<never> {
  // Large-ish records (many scopes) widen the window in which a kill lands mid-write.
  const scopes = Array.from({ length: 100 }, (_, i) => `scope:${i}:${'x'.repeat(100)}`);
  for (let n = 1; ; n++) {
    const id = ids[n % ids.length]!;
    await store.put({ id, baseUrl: 'https://app.opentrain.ai', accessToken: `ot_pat_loop_${randomBytes(24).toString('hex')}`, scopes, claimed: false });
    if (n % 10 === 0) process.stdout.write(`wrote ${n}\n`);
  }
}

async function recordClaim(id: string, tokenFile: string): Promise<void> {
  const accessToken = readFileSync(tokenFile, 'utf8').trim();
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  const result = await store.recordClaimedToken(id, { accessToken, scopes: ['jobs:read'] });
  process.stdout.write(`${result.outcome}\n`);
  process.exit(0);
}

if (mode === 'write-loop') void writeLoop(args);
else if (mode === 'record-claim') void recordClaim(args[0]!, args[1]!);
else throw new Error(`unknown mode ${mode}`);
