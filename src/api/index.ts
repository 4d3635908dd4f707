/**
 * The backend API (product contract §6): HTTP + JSON in front of the jobLifecycle workflows.
 *
 *   GET  /healthz, GET /openapi.json                      open
 *   /v1/lifecycles...                                      bearer API_KEY
 *   POST /codec/encode, /codec/decode (+ CORS for the UI)   bearer API_KEY, or the local Web UI (see auth.ts)
 *   GET  /                                                 left free for the page for people
 *
 * Request schemas are zod; they validate, and the same schemas generate /openapi.json.
 */
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createJsonSchemaTransform, createJsonSchemaTransformObject, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireApiKey } from './auth';
import { codecRoutes } from './codec-routes';
import { installErrorHandlers } from './errors';
import { lifecycleRoutes } from './lifecycles';
import { pageRoutes } from './page';
import type { z } from 'zod';
import { apiSchemas, healthSchema, openApiDocumentSchema } from './schemas';
import { zodValidatorCompiler } from './validation';

export { ApiError } from './errors';

export interface ApiOptions {
  client: Client;
  taskQueue: string;
  /** Bearer key for every route but /healthz, /openapi.json and /. */
  apiKey: string;
  /** Payload codec for /codec/*; identity when absent (no PAYLOAD_ENCRYPTION_KEY). */
  codec?: PayloadCodec;
  /** Origins of the Temporal Web UI allowed to call /codec/* from a browser. */
  uiOrigin?: string | string[];
  /** Fastify/pino logger settings; silent when absent. The Authorization header is always redacted. */
  logger?: FastifyServerOptions['logger'];
  /** Largest request body in bytes (codec routes allow more); bigger bodies get 413. */
  bodyLimit?: number;
}

export const DEFAULT_UI_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
export const DEFAULT_BODY_LIMIT = 256 * 1024;

export function buildApi(options: ApiOptions): FastifyInstance {
  if (!options.apiKey) throw new Error('buildApi: apiKey is required');
  const uiOrigins = options.uiOrigin === undefined ? DEFAULT_UI_ORIGINS : [options.uiOrigin].flat();

  const app = Fastify({
    logger: withRedaction(options.logger),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: () => randomUUID(),
    // Lifecycle ids may be up to 200 characters; anything much longer is not ours.
    routerOptions: { maxParamLength: 500 },
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  // JSON only: Fastify's built-in text/plain parser would hand string bodies to the validators.
  app.removeContentTypeParser('text/plain');

  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'OpenTrain orchestrator API',
        version: '0.1.0',
        description: 'Start and drive OpenTrain job lifecycles (Temporal workflows). Errors: { error: { code, message, fields: [{ field, message }] } }.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_KEY' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'lifecycles', description: 'jobLifecycle workflows' },
        { name: 'codec', description: 'Codec server for the Temporal Web UI and CLI' },
        { name: 'meta', description: 'Health and this document' },
      ],
    },
    transform: createJsonSchemaTransform({ schemaRegistry: apiSchemas }),
    transformObject: createJsonSchemaTransformObject({ schemaRegistry: apiSchemas }),
  });

  // Routes are registered as plugins so that @fastify/swagger (registered first) sees every one of them.
  void app.register(async (scope) => openRoutes(scope, options.client, () => app.swagger()));
  // ---------------------------------------------------------------- authenticated routes
  void app.register(async (scope) => {
    scope.addHook('onRequest', requireApiKey(options.apiKey));
    // A POST without any body (no content-type) counts as `{}`: POST /confirm, /approve-publish and /cancel
    // need none. (Fastify hands validators `null` for "no body"; a JSON `null` body keeps its content-type and is refused.)
    scope.addHook('preValidation', async (request) => {
      if ((request.body === null || request.body === undefined) && request.headers['content-type'] === undefined) request.body = {};
    });
    await lifecycleRoutes(scope, { client: options.client, taskQueue: options.taskQueue, pageTokenSecret: options.apiKey });
  });
  void app.register(codecRoutes, { prefix: '/codec', codec: options.codec, apiKey: options.apiKey, uiOrigins });
  void app.register(pageRoutes);

  return app;
}

/** /healthz and /openapi.json: no key needed (load balancers and tooling call them). */
async function openRoutes(scope: FastifyInstance, client: Client, document: () => unknown): Promise<void> {
  const api = scope.withTypeProvider<ZodTypeProvider>();
  const meta = { tags: ['meta'], security: [] };
  api.get('/healthz', {
    schema: { ...meta, operationId: 'health', summary: 'Whether Temporal is reachable', response: { 200: healthSchema, 503: healthSchema } },
    handler: async (_request, reply) => {
      const namespace = client.options.namespace;
      try {
        await client.connection.withDeadline(Date.now() + 3_000, () => client.workflowService.getSystemInfo({}));
        return { status: 'ok' as const, temporal: { reachable: true, namespace } };
      } catch {
        return reply.code(503).send({ status: 'unavailable' as const, temporal: { reachable: false, namespace } });
      }
    },
  });
  api.get('/openapi.json', {
    schema: { ...meta, operationId: 'openapi', summary: 'This OpenAPI 3 document', response: { 200: openApiDocumentSchema } },
    handler: async () => document() as z.output<typeof openApiDocumentSchema>,
  });
}

/** Never log the bearer key, whatever the logger settings. */
function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = logger === true ? {} : logger;
  return { ...base, redact: { paths: ['req.headers.authorization', 'headers.authorization', 'request.headers.authorization'], censor: '[redacted]' } };
}
