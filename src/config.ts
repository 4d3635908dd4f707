/**
 * The one place that reads the environment (product contract §3). Every process calls `loadConfig()`
 * at start; a wrong value stops it with a message naming the variable and the rule it broke.
 */
import { z } from 'zod';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const port = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(fallback));
const base64Key32 = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
);
const httpUrl = z.preprocess(
  emptyToUndefined,
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://app.opentrain.ai' })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
);

const positiveInt = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').default(fallback));
const hostPort = z.preprocess(
  emptyToUndefined,
  z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:9464 (0.0.0.0:9464 to expose it)').optional(),
);

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. localhost:7233').default('localhost:7233'),
  ),
  TEMPORAL_NAMESPACE: z.preprocess(emptyToUndefined, z.string().min(1).default('default')),
  TEMPORAL_TASK_QUEUE: z.preprocess(emptyToUndefined, z.string().min(1).default('opentrain')),
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  OPENTRAIN_API_BASE_URL: httpUrl,
  OT_API_BASE_URL: httpUrl,
  OT_API_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().startsWith('ot_pat_', 'must be an OpenTrain personal token (ot_pat_...)').optional(),
  ),
  OPENTRAIN_API_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().startsWith('ot_pat_', 'must be an OpenTrain personal token (ot_pat_...)').optional(),
  ),
  API_PORT: port(3000),
  API_HOST: z.preprocess(emptyToUndefined, z.string().min(1).default('127.0.0.1')),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_UI_ORIGIN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((value) => value.split(',').every((origin) => /^https?:\/\/[^/\s]+$/.test(origin.trim())), 'must be comma-separated origins like http://localhost:8233')
      .optional(),
  ),
  API_KEY: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  PAYLOAD_ENCRYPTION_KEY: base64Key32,
  PAYLOAD_ENCRYPTION_OLD_KEYS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(
        (value) => value.split(',').every((key) => Buffer.from(key.trim(), 'base64').length === 32),
        'must be a comma-separated list of 32-byte base64 keys',
      )
      .optional(),
  ),
  CREDENTIAL_STORE_DIR: z.preprocess(emptyToUndefined, z.string().default('.data/credentials')),
  CREDENTIAL_STORE_KEY: base64Key32,
  SANDBOX_PORT: port(4010),
  CREDENTIAL_STORE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a PostgreSQL URL, postgres://user:password@host:5432/database')
      .optional(),
  ),
  OPENTRAIN_MAX_REQUESTS_PER_SECOND: z.preprocess(
    emptyToUndefined,
    z.coerce.number().positive('must be a positive number of requests per second (e.g. 1 or 0.5)').optional(),
  ),
  METRICS_BIND_ADDRESS: hostPort,
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(20),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int('must be a whole number').min(2, 'must be at least 2 (workflow caching needs two slots)').default(10),
  ),
  WORKER_MAX_CACHED_WORKFLOWS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int('must be a whole number').min(0, 'must be 0 or more').default(500),
  ),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().min(0, 'must be 0 or more seconds').default(30),
  ),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  ),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    tls?: { cert: string; key: string };
  };
  opentrain: {
    /** Undefined when no real OpenTrain is configured: `npm start` then runs the sandbox. */
    baseUrl?: string;
    /** An existing (claimed) token: lifecycles then skip registration and claim. Never logged. */
    token?: string;
  };
  api: {
    host: string;
    port: number;
    key?: string;
    /** Origins of the Temporal Web UI that may call the codec endpoints from a browser. */
    uiOrigins: string[];
  };
  /** Port of the dev server's Web UI that `npm start` runs. */
  uiPort: number;
  /** Codec settings, in the form `createDataConverter` reads. */
  payloadEncryption: { PAYLOAD_ENCRYPTION_KEY?: string; PAYLOAD_ENCRYPTION_OLD_KEYS?: string };
  /** Credential store settings, in the form `createCredentialStoreFromEnv` reads. */
  credentialStore: { CREDENTIAL_STORE_DIR: string; CREDENTIAL_STORE_KEY?: string; CREDENTIAL_STORE_URL?: string };
  sandboxPort: number;
  /** Worker tuning for production (docs/operations.md explains each value). */
  worker: {
    /** Task-queue-wide cap (all replicas together) on activity starts; every activity is one OpenTrain request. */
    maxRequestsPerSecond?: number;
    maxConcurrentActivities: number;
    maxConcurrentWorkflowTasks: number;
    maxCachedWorkflows: number;
    shutdownGraceSeconds: number;
  };
  /** Prometheus endpoint of the worker's metrics; undefined = off. */
  metrics: { bindAddress?: string };
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${String(issue.path[0])}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  if (Boolean(e.TEMPORAL_TLS_CERT) !== Boolean(e.TEMPORAL_TLS_KEY)) {
    throw new ConfigError('Invalid configuration:\n  TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both (mTLS) or neither');
  }
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY ? { cert: e.TEMPORAL_TLS_CERT, key: e.TEMPORAL_TLS_KEY } : undefined,
    },
    opentrain: {
      baseUrl: e.OPENTRAIN_API_BASE_URL ?? e.OT_API_BASE_URL,
      token: e.OT_API_TOKEN ?? e.OPENTRAIN_API_TOKEN,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      key: e.API_KEY,
      uiOrigins: e.TEMPORAL_UI_ORIGIN
        ? e.TEMPORAL_UI_ORIGIN.split(',').map((origin) => origin.trim())
        : [`http://localhost:${e.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`],
    },
    uiPort: e.TEMPORAL_UI_PORT,
    payloadEncryption: { PAYLOAD_ENCRYPTION_KEY: e.PAYLOAD_ENCRYPTION_KEY, PAYLOAD_ENCRYPTION_OLD_KEYS: e.PAYLOAD_ENCRYPTION_OLD_KEYS },
    credentialStore: {
      CREDENTIAL_STORE_DIR: e.CREDENTIAL_STORE_DIR,
      CREDENTIAL_STORE_KEY: e.CREDENTIAL_STORE_KEY,
      CREDENTIAL_STORE_URL: e.CREDENTIAL_STORE_URL,
    },
    sandboxPort: e.SANDBOX_PORT,
    worker: {
      maxRequestsPerSecond: e.OPENTRAIN_MAX_REQUESTS_PER_SECOND,
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
    },
    metrics: { bindAddress: e.METRICS_BIND_ADDRESS },
    logLevel: e.LOG_LEVEL,
  };
}
