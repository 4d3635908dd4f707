/**
 * The OpenTrain sandbox: a local HTTP server implementing /work/shared/opentrain-api.md with state,
 * for tests, demos and people without an account. See contract-choices.ts for every choice it makes
 * where the documentation is silent.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { BODY_LIMIT_BYTES, DEFAULTS } from './contract-choices';
import { createContext, type SandboxOptions } from './context';
import { installErrorHandlers } from './errors';
import { installPlumbing } from './plumbing';
import { registerAccountRoutes } from './routes/account';
import { registerAgentAuthRoutes } from './routes/agent-auth';
import { registerClaimPageRoutes } from './routes/claim-page';
import { registerControlRoutes } from './routes/control';
import { registerDraftRoutes } from './routes/drafts';
import { registerJobRoutes } from './routes/jobs';
import { registerProposalRoutes } from './routes/proposals';

export type { CallRecord, SandboxOptions } from './context';

export interface RunningSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
}

const SANDBOX_CONTEXT = Symbol.for('opentrain.sandbox.context');

function build(options: SandboxOptions): { app: FastifyInstance; ctx: ReturnType<typeof createContext> } {
  const ctx = createContext(options);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    // Clients that gave up on a slow answer leave idle keep-alive sockets; close() must not wait for them.
    forceCloseConnections: true,
    // Never log full URLs: /claim?token=ot_cat_... carries a credential.
    logController: new LogController({ disableRequestLogging: true }),
  });
  installErrorHandlers(app);
  installPlumbing(app, ctx);
  registerAgentAuthRoutes(app, ctx);
  registerClaimPageRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerDraftRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerProposalRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  (app as unknown as Record<symbol, unknown>)[SANDBOX_CONTEXT] = ctx;
  return { app, ctx };
}

/** The Fastify app without listening, for in-process use (`app.inject`). */
export function buildSandboxApp(options: SandboxOptions = {}): FastifyInstance {
  return build(options).app;
}

/** Starts the sandbox on host:port (port 0 = a free port) and resolves once it accepts requests. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? DEFAULTS.host;
  const { app, ctx } = build(options);
  await app.listen({ host, port: options.port ?? DEFAULTS.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? DEFAULTS.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!options.publicBaseUrl) ctx.setBaseUrl(url);
  // `url` is where the sandbox can be reached; publicBaseUrl (when set) only shapes returned URLs.
  return {
    url,
    port,
    close: async () => {
      await app.close();
      ctx.store.save();
    },
  };
}
