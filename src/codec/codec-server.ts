/**
 * Request handlers for the codec endpoints the Temporal Web UI and CLI call
 * (POST /codec/encode and /codec/decode, mounted by the backend API). Both take and return
 *   { payloads: [{ metadata: { <key>: <base64> }, data: <base64> }] }
 * They are plain functions so the HTTP layer owns routing, auth and CORS.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

/** A request body the handlers cannot use; the HTTP layer answers it with `statusCode`. */
export class CodecRequestError extends Error {
  override readonly name = 'CodecRequestError';
  readonly statusCode = 400;
}

// Standard base64 (what the UI and CLI send); empty is valid (e.g. binary/null payloads).
const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'must be base64');

const jsonPayloadSchema = z.object({
  metadata: z.record(z.string(), base64).nullish(),
  data: base64.nullish(),
});

export const codecBodySchema = z.object({ payloads: z.array(jsonPayloadSchema) });

export interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}
export interface CodecBody {
  payloads: JsonPayload[];
}

export async function encodePayloadsJson(body: unknown, codec: PayloadCodec): Promise<CodecBody> {
  return toJson(await codec.encode(fromJson(body)));
}

export async function decodePayloadsJson(body: unknown, codec: PayloadCodec): Promise<CodecBody> {
  return toJson(await codec.decode(fromJson(body)));
}

function fromJson(body: unknown): Payload[] {
  // Accept a raw JSON string too, in case the HTTP layer did not parse the body.
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      throw new CodecRequestError('Invalid codec request: body is not valid JSON');
    }
  }
  const parsed = codecBodySchema.safeParse(body);
  if (!parsed.success) {
    // Name the paths and the rule only: values may be sensitive payload data.
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`);
    throw new CodecRequestError(`Invalid codec request: expected { payloads: [{ metadata: { key: base64 }, data: base64 }] } (${issues.join('; ')})`);
  }
  return parsed.data.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  }));
}

function toJson(payloads: Payload[]): CodecBody {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
