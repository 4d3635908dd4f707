/**
 * The production deployment files, checked without a Docker engine:
 *   - docker-compose.yml against the Compose specification's JSON schema (the copy pinned in the `dclint`
 *     package), raw and after interpolation with .env.example, plus dclint's own checks (no errors);
 *   - what docs/operations.md promises: services, pinned images, ports on loopback, healthchecks, restart
 *     policies, volumes, the worker's replicas / rate limit / stop timeout, the UI's codec endpoint;
 *   - every variable compose reads is documented in .env.example, and the app's variables pass loadConfig;
 *   - the namespace + search-attribute setup script, run for real (twice) against a Temporal dev server;
 *   - the Dockerfile's essentials (multi-stage, npm ci --omit=dev, prebuilt bundle, non-root USER).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ensureTemporalCli } from '../../scripts/temporal-binaries';
import { loadConfig } from '../../src/config';
import { SEARCH_ATTRIBUTES, searchAttributeCliArgs } from '../../src/workflows/search-attributes';
import { startDevServer } from '../helpers/temporal';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// Compose documents are loosely typed YAML; the assertions below are the type checks.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Service = Record<string, any>;
type ComposeFile = { name?: string; services: Record<string, Service>; volumes?: Record<string, unknown> } & Record<string, unknown>;

const composeText = read('docker-compose.yml');
const rawCompose = parseYaml(composeText, { merge: true }) as ComposeFile;

/** `NAME=value` lines of .env.example (commented-out lines are documented but unset). */
function envExample(): { values: Record<string, string>; documented: Set<string> } {
  const values: Record<string, string> = {};
  const documented = new Set<string>();
  for (const line of read('.env.example').split('\n')) {
    const set = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (set) values[set[1]!] = set[2]!;
    const mention = /^#?\s*([A-Z0-9_]+)=/.exec(line);
    if (mention) documented.add(mention[1]!);
  }
  return { values, documented };
}

/** Compose interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function interpolate<T>(value: T, env: Record<string, string>, missing: string[] = []): T {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name?: string, op?: string, arg?: string) => {
      if (match === '$$') return '$';
      const set = name! in env;
      const current = env[name!] ?? '';
      const empty = op?.startsWith(':') ? current === '' : !set;
      if (op?.endsWith('-')) return empty ? interpolate(arg ?? '', env, missing) : current;
      if (op?.endsWith('?')) {
        if (empty) missing.push(name!);
        return current;
      }
      return current;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env, missing)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, missing)])) as T;
  }
  return value;
}

/** .env.example with the required secrets filled in, as an operator would. */
function filledEnv(): Record<string, string> {
  const { values } = envExample();
  const key = Buffer.alloc(32, 3).toString('base64');
  return { ...values, API_KEY: 'k'.repeat(32), PAYLOAD_ENCRYPTION_KEY: key, CREDENTIAL_STORE_KEY: key, POSTGRES_PASSWORD: 'pgpass123', OPENTRAIN_DB_PASSWORD: 'otpass123' };
}

const compose = interpolate(rawCompose, filledEnv());
const services = compose.services;

function validator() {
  const schema = JSON.parse(readFileSync(join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json'), 'utf8'));
  delete schema.$schema; // draft-07, under an https URL ajv does not know by that name
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema, raw and interpolated', () => {
    const validate = validator();
    for (const [label, document] of [['raw', rawCompose], ['interpolated with .env.example', compose]] as const) {
      const ok = validate(document);
      assert.ok(ok, `${label}: ${JSON.stringify(validate.errors, null, 2)}`);
    }
    // The validator is real: a broken file is rejected.
    assert.equal(validate({ services: { bad: { image: 'x', ports: 5 } } }), false);
    assert.equal(validate({ services: { bad: { image: 'x', restart_policy: 'always' } } }), false, 'unknown keys are rejected');
  });

  it('passes dclint with no errors', async () => {
    const bin = join(dirname(require.resolve('dclint/package.json')), 'bin', 'dclint.cjs');
    const { stdout } = await run(process.execPath, [bin, '-f', 'json', join(ROOT, 'docker-compose.yml')]).catch((error: { stdout: string }) => error);
    const results = JSON.parse(stdout) as Array<{ messages: Array<{ type: string; rule: string; message: string }> }>;
    const errors = results.flatMap((r) => r.messages).filter((m) => m.type === 'error');
    assert.deepEqual(errors, []);
  });

  it('needs exactly the required variables of .env.example, and documents every variable it reads', () => {
    const missing: string[] = [];
    interpolate(rawCompose, {}, missing);
    assert.deepEqual(
      [...new Set(missing)].sort(),
      ['API_KEY', 'CREDENTIAL_STORE_KEY', 'OPENTRAIN_API_BASE_URL', 'OPENTRAIN_DB_PASSWORD', 'PAYLOAD_ENCRYPTION_KEY', 'POSTGRES_PASSWORD'],
    );
    const required = read('.env.example').split('# --- optional')[0]!;
    for (const name of new Set(missing)) assert.match(required, new RegExp(`^${name}=`, 'm'), `${name} is listed as required`);

    const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    const { documented } = envExample();
    for (const name of used) assert.ok(documented.has(name), `${name} is documented in .env.example`);
  });

  it('declares the documented services, with pinned images, restart policies and healthchecks', () => {
    assert.deepEqual(Object.keys(services).sort(), ['api', 'postgresql', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
    for (const [name, service] of Object.entries(services)) {
      assert.ok(service.image, `${name} has an image`);
      assert.match(service.image, /^[^:]+:(?!latest$)[\w.-]+$/, `${name}: image ${service.image} is pinned`);
      assert.ok(service.restart, `${name} has a restart policy`);
    }
    const longRunning = Object.entries(services).filter(([, s]) => s.restart === 'unless-stopped');
    assert.deepEqual(longRunning.map(([n]) => n).sort(), ['api', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
    for (const [name, service] of longRunning) {
      assert.ok(Array.isArray(service.healthcheck?.test) && service.healthcheck.test.length > 1, `${name} has a healthcheck`);
    }
    for (const oneShot of ['temporal-schema', 'temporal-setup']) assert.match(services[oneShot]!.restart, /^on-failure/);
    assert.match(services.temporal!.image, /^temporalio\/server:/);
    assert.match(services['temporal-ui']!.image, /^temporalio\/ui:/);
    assert.match(services['temporal-setup']!.image, /^temporalio\/admin-tools:/);
  });

  it('orders start-up with health and completion conditions', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, spec] of Object.entries((service.depends_on ?? {}) as Record<string, { condition: string }>)) {
        assert.ok(services[dependency], `${name} depends on an existing service ${dependency}`);
        const expected = ['temporal-schema', 'temporal-setup'].includes(dependency) ? 'service_completed_successfully' : 'service_healthy';
        assert.equal(spec.condition, expected, `${name} -> ${dependency}`);
      }
    }
    assert.ok(services.temporal!.depends_on['temporal-schema']);
    assert.ok(services.worker!.depends_on['temporal-setup']);
    assert.ok(services.api!.depends_on['temporal-setup']);
  });

  it('uses PostgreSQL for Temporal and the credential store, with a named volume and existing mounted files', () => {
    const pgEnv = services.postgresql!.environment;
    assert.ok(services.postgresql!.volumes.includes('postgres-data:/var/lib/postgresql/data'));
    assert.ok(compose.volumes && 'postgres-data' in compose.volumes);
    assert.equal(services.temporal!.environment.DB, 'postgres12');
    assert.equal(services.temporal!.environment.POSTGRES_SEEDS, 'postgresql');
    assert.equal(pgEnv.OPENTRAIN_DB_PASSWORD, 'otpass123');
    for (const name of ['worker', 'api']) {
      assert.equal(services[name]!.environment.CREDENTIAL_STORE_URL, 'postgres://opentrain:otpass123@postgresql:5432/opentrain');
    }
    for (const [name, service] of Object.entries(services)) {
      for (const volume of (service.volumes ?? []) as string[]) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) assert.ok(existsSync(join(ROOT, source)), `${name} mounts ${source}, which exists`);
      }
    }
    const dynamicConfig = services.temporal!.environment.DYNAMIC_CONFIG_FILE_PATH as string;
    assert.ok(existsSync(join(ROOT, 'deploy/temporal/dynamicconfig', dynamicConfig.split('/').pop()!)));
  });

  it('publishes ports on loopback only: API 3000, UI 8080, Temporal 7233; worker metrics inside the network', () => {
    assert.deepEqual(services.api!.ports, ['127.0.0.1:3000:3000']);
    assert.deepEqual(services['temporal-ui']!.ports, ['127.0.0.1:8080:8080']);
    assert.deepEqual(services.temporal!.ports, ['127.0.0.1:7233:7233']);
    assert.equal(services.worker!.ports, undefined, 'replicas cannot share a host port');
    assert.deepEqual(services.worker!.expose, ['9464']);
    assert.equal(services.worker!.environment.METRICS_BIND_ADDRESS, '0.0.0.0:9464');
    assert.match(services.worker!.healthcheck.test.join(' '), /9464\/metrics/);
    assert.match(services.api!.healthcheck.test.join(' '), /3000\/healthz/);
  });

  it('runs 2 worker replicas and the API from the project image, configured for production', () => {
    const { worker, api } = services as Record<string, Service>;
    assert.equal(worker!.deploy.replicas, 2);
    for (const service of [worker!, api!]) {
      assert.equal(service.build.context, '.');
      assert.equal(service.build.dockerfile, 'Dockerfile');
      assert.equal(service.init, true, 'an init process forwards signals and reaps children');
    }
    assert.equal(worker!.image, api!.image, 'one image');
    assert.deepEqual(worker!.command, ['node', '--import', 'tsx', 'src/worker.ts']);
    assert.deepEqual(api!.command, ['node', '--import', 'tsx', 'src/api/main.ts']);
    assert.equal(api!.environment.API_HOST, '0.0.0.0');

    // The environment is what the processes accept.
    const config = loadConfig(worker!.environment);
    assert.equal(config.temporal.address, 'temporal:7233');
    assert.equal(config.temporal.namespace, 'opentrain');
    assert.equal(config.worker.maxRequestsPerSecond, 1);
    assert.equal(config.metrics.bindAddress, '0.0.0.0:9464');
    assert.ok(config.credentialStore.CREDENTIAL_STORE_URL?.startsWith('postgres://'));
    assert.ok(config.payloadEncryption.PAYLOAD_ENCRYPTION_KEY);
    loadConfig(api!.environment);

    // SIGKILL must not come before running activities have had their grace time (+15 s force margin).
    const stopSeconds = Number(/^(\d+)s$/.exec(worker!.stop_grace_period)?.[1]);
    assert.ok(stopSeconds > config.worker.shutdownGraceSeconds + 15, `stop_grace_period ${worker!.stop_grace_period}`);
  });

  it('wires the Web UI to the API codec endpoint', () => {
    const ui = services['temporal-ui']!;
    assert.equal(ui.environment.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(ui.environment.TEMPORAL_CODEC_ENDPOINT, 'http://localhost:3000/codec');
    assert.equal(ui.environment.TEMPORAL_DEFAULT_NAMESPACE, 'opentrain');
  });

  it('registers the five search attributes of the product contract', () => {
    const setup = services['temporal-setup']!;
    assert.deepEqual(setup.command, ['/deploy/setup-namespace.sh']);
    const declared = (setup.environment.OPENTRAIN_SEARCH_ATTRIBUTES as string).split(/\s+/).filter(Boolean);
    const expected = searchAttributeCliArgs().filter((arg) => arg !== '--search-attribute');
    assert.deepEqual(declared, expected);
    assert.deepEqual(expected, ['OpenTrainStage=Keyword', 'OpenTrainJobId=Keyword', 'OpenTrainExternalId=Keyword', 'OpenTrainMissingFields=Int', 'OpenTrainClaimState=Keyword']);
  });
});

describe('deploy/temporal/setup-namespace.sh on a real Temporal server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startDevServer();
  });
  after(async () => {
    await env?.teardown();
  });

  it('creates the namespace and registers the search attributes; a second run changes nothing', { timeout: 120_000 }, async () => {
    const cli = await ensureTemporalCli();
    const namespace = `opentrain-setup-${process.pid}`;
    const setupEnv = {
      ...process.env,
      PATH: `${dirname(cli)}:${process.env.PATH}`,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_NAMESPACE_RETENTION: '3d',
      OPENTRAIN_SEARCH_ATTRIBUTES: services['temporal-setup']!.environment.OPENTRAIN_SEARCH_ATTRIBUTES,
    };
    const script = join(ROOT, 'deploy/temporal/setup-namespace.sh');
    const first = await run('sh', [script], { env: setupEnv, timeout: 100_000 });
    assert.match(first.stdout, new RegExp(`namespace ${namespace} created`));
    const second = await run('sh', [script], { env: setupEnv, timeout: 60_000 });
    assert.match(second.stdout, new RegExp(`namespace ${namespace} exists`));
    assert.doesNotMatch(second.stdout, /registered/);

    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace });
    const described = await env.connection.workflowService.describeNamespace({ namespace });
    assert.equal(Number(described.config?.workflowExecutionRetentionTtl?.seconds), 3 * 24 * 3600);
    const typeName = (n: number) => ({ 2: 'Keyword', 3: 'Int' })[n];
    for (const key of SEARCH_ATTRIBUTES) {
      const registered = customAttributes?.[key.name];
      assert.ok(registered !== undefined, `${key.name} is registered`);
      assert.equal(typeName(registered), key.type === 'KEYWORD' ? 'Keyword' : 'Int', key.name);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1).map((body) => ({ header: body.split('\n')[0]!, body }));
  const final = stages[stages.length - 1]!;

  it('is multi-stage from a pinned Node image', () => {
    assert.ok(stages.length >= 3, `${stages.length} stages`);
    for (const stage of stages) assert.match(stage.header, / AS [a-z-]+$/, `named stage: ${stage.header}`);
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    assert.match(base ?? '', /^node:20\.\d+\.\d+-[a-z]+(-slim)?$/, 'pinned to an exact Node 20 release');
    assert.ok(stages.every((s) => s.header.startsWith('${NODE_IMAGE}')));
  });

  it('installs production dependencies with npm ci --omit=dev, and only those reach the runtime image', () => {
    const deps = stages.find((s) => /npm ci --omit=dev/.test(s.body));
    assert.ok(deps, 'a stage runs npm ci --omit=dev');
    const depsName = / AS ([a-z-]+)$/.exec(deps.header)![1];
    assert.match(final.body, new RegExp(`COPY --from=${depsName} /app/node_modules`));
    assert.doesNotMatch(final.body, /npm (ci|install)/, 'the runtime stage installs nothing itself');
  });

  it('prebuilds the workflow bundle and runs as a non-root user', () => {
    assert.match(dockerfile, /RUN node --import tsx scripts\/build-workflow-bundle\.ts --out dist/);
    assert.match(final.body, /COPY --from=build \/app\/dist \.\/dist/);
    const users = [...final.body.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    assert.ok(users.length > 0, 'USER is set');
    assert.ok(!['root', '0'].includes(users[users.length - 1]!), 'the last USER is not root');
    assert.match(final.body, /^CMD \["node", "--import", "tsx", "src\/worker\.ts"\]$/m);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.env', '.data', '.tools', 'dist', '.git']) assert.ok(ignored.includes(entry), entry);
    assert.ok(ignored.includes('!.env.example'));
  });
});
