/**
 * `npm run sandbox`: starts the OpenTrain sandbox from the environment and runs until SIGINT/SIGTERM.
 */
import { z } from 'zod';
import { startSandbox } from './index';

const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.string().trim().regex(/^\d+$/, `must be a whole number`).transform(Number).pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const Env = z.object({
  SANDBOX_PORT: wholeNumber(0, 65_535).default(4010),
  SANDBOX_HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  SANDBOX_STATE_FILE: z.string().trim().min(1, 'must not be empty').optional(),
  SANDBOX_PUBLIC_BASE_URL: z.url('must be an absolute URL').optional(),
  SANDBOX_CLAIM_ATTEMPT_TTL_SEC: wholeNumber(1).optional(),
  SANDBOX_CLAIM_WINDOW_SEC: wholeNumber(1).optional(),
  SANDBOX_POLL_INTERVAL_SEC: wholeNumber(1).optional(),
  SANDBOX_RATE_LIMIT_PER_MINUTE: wholeNumber(1).optional(),
});

export function readSandboxEnv(env: NodeJS.ProcessEnv): z.infer<typeof Env> {
  // An empty variable counts as unset, as in most shells' `VAR= cmd` idiom.
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('SANDBOX_') && v !== ''));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message} (got ${JSON.stringify(present[String(i.path[0])])})`);
    throw new Error(`Invalid sandbox configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

async function main(): Promise<void> {
  let env: z.infer<typeof Env>;
  try {
    env = readSandboxEnv(process.env);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const sandbox = await startSandbox({
    host: env.SANDBOX_HOST,
    port: env.SANDBOX_PORT,
    publicBaseUrl: env.SANDBOX_PUBLIC_BASE_URL,
    stateFile: env.SANDBOX_STATE_FILE,
    claimAttemptTtlSec: env.SANDBOX_CLAIM_ATTEMPT_TTL_SEC,
    claimWindowSec: env.SANDBOX_CLAIM_WINDOW_SEC,
    pollIntervalSec: env.SANDBOX_POLL_INTERVAL_SEC,
    rateLimitPerMinute: env.SANDBOX_RATE_LIMIT_PER_MINUTE ?? null,
  });
  console.log(`OpenTrain sandbox listening on ${sandbox.url}`);
  console.log(`  verification pages: ${sandbox.url}/claim   control routes: ${sandbox.url}/__sandbox/state`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`OpenTrain sandbox stopping (${signal})`);
    sandbox.close().then(() => process.exit(0), (err: unknown) => {
      console.error('OpenTrain sandbox failed to stop cleanly:', err);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error('OpenTrain sandbox failed to start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
