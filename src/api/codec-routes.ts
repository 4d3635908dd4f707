/**
 * The codec server the Temporal Web UI and CLI use to show decoded payloads (product contract §5):
 *   POST /codec/encode, POST /codec/decode   { payloads: [{ metadata: { key: base64 }, data: base64 }] } both ways
 * With no PAYLOAD_ENCRYPTION_KEY the codec is the identity: payloads come back as they were sent.
 */
import cors from '@fastify/cors';
import type { PayloadCodec } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CodecRequestError, PayloadDecryptionError, decodePayloadsJson, encodePayloadsJson } from '../codec';
import { requireApiKeyOrLocalUi } from './auth';
import { ApiError } from './errors';
import { codecRequestSchema, codecResponseSchema, errorResponseSchema } from './schemas';

export interface CodecRoutesOptions {
  codec?: PayloadCodec;
  apiKey: string;
  uiOrigins: string[];
}

const identityCodec: PayloadCodec = { encode: async (payloads) => payloads, decode: async (payloads) => payloads };

/** The UI decodes whole histories in one request; Temporal allows payloads of up to 2 MB each. */
const CODEC_BODY_LIMIT = 16 * 1024 * 1024;

const errors = Object.fromEntries([400, 401, 413, 415, 422, 500].map((status) => [status, errorResponseSchema]));

/** Registered with prefix /codec, in its own scope: CORS and the UI exemption apply to these routes only. */
export async function codecRoutes(app: FastifyInstance, { codec = identityCodec, apiKey, uiOrigins }: CodecRoutesOptions): Promise<void> {
  await app.register(cors, {
    origin: uiOrigins,
    methods: ['POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    // The UI's "include cross-origin credentials" switch needs this; origins are an explicit list, never *.
    credentials: true,
    maxAge: 600,
  });
  // Registered after CORS, so a 401 still carries the CORS headers and the UI can show why.
  app.addHook('onRequest', requireApiKeyOrLocalUi(app, apiKey, uiOrigins));

  const api = app.withTypeProvider<ZodTypeProvider>();
  const route = (name: 'encode' | 'decode', transform: typeof encodePayloadsJson) =>
    api.post(`/${name}`, {
      bodyLimit: CODEC_BODY_LIMIT,
      schema: {
        tags: ['codec'],
        operationId: `codec${name === 'encode' ? 'Encode' : 'Decode'}`,
        summary: `${name === 'encode' ? 'Encode' : 'Decode'} payloads (codec server for the Temporal Web UI and CLI)`,
        body: codecRequestSchema,
        response: { 200: codecResponseSchema, ...errors },
      },
      handler: async (request) => {
        try {
          return await transform(request.body, codec);
        } catch (error) {
          if (error instanceof CodecRequestError) throw new ApiError(400, 'INVALID_REQUEST', error.message, [{ field: 'payloads', message: 'must be { metadata: { key: base64 }, data: base64 } objects' }]);
          if (error instanceof PayloadDecryptionError) {
            // Say which rule failed, never anything about the payload's content.
            throw new ApiError(422, `PAYLOAD_${error.code}`, `A payload could not be decoded: ${error.code.toLowerCase().replace(/_/g, ' ')}`, [{ field: 'payloads', message: error.message }]);
          }
          throw error;
        }
      },
    });
  route('encode', encodePayloadsJson);
  route('decode', decodePayloadsJson);
}
