/**
 * Bearer authentication with the API_KEY. The key is compared in constant time: both sides are hashed
 * to equal-length SHA-256 digests and compared with crypto.timingSafeEqual, so neither the key's length
 * nor a matching prefix shows in the response time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { ApiError } from './errors';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** True when `header` is `Bearer <apiKey>`; timing does not depend on where the two differ. */
export function bearerMatches(header: string | undefined, apiKey: string): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  // Compare even when nothing was presented, so a missing header takes as long as a wrong one.
  return timingSafeEqual(digest(presented), digest(apiKey)) && presented !== '';
}

const unauthorized = (message: string) =>
  new ApiError(401, 'UNAUTHORIZED', message, [{ field: 'authorization', message: 'must be "Bearer <API_KEY>"' }], { 'www-authenticate': 'Bearer' });

function checkApiKey(request: FastifyRequest, apiKey: string): void {
  if (!bearerMatches(request.headers.authorization, apiKey)) {
    throw unauthorized(request.headers.authorization ? 'The API key is wrong' : 'Send the API key: Authorization: Bearer <API_KEY>');
  }
}

/** onRequest hook: the request must carry the API key. */
export function requireApiKey(apiKey: string): onRequestHookHandler {
  return async (request) => checkApiKey(request, apiKey);
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address === 'localhost' || /^(::ffff:)?127\./.test(address);
}

/**
 * onRequest hook for the codec routes. The Temporal Web UI that `temporal server start-dev` serves has no
 * way to send our key, so a codec request without one is accepted when all of these hold:
 *   - the API listens on a loopback address (nobody off this machine can reach it at all),
 *   - the connection comes from a loopback address,
 *   - the browser says the request comes from one of the configured UI origins (a page on another origin,
 *     including a DNS-rebinding one, carries its own Origin and is refused).
 * Anything else needs the bearer key, like the rest of the API (the Temporal CLI sends it with --codec-auth).
 */
export function requireApiKeyOrLocalUi(app: FastifyInstance, apiKey: string, uiOrigins: string[]): onRequestHookHandler {
  const listensOnLoopback = () => isLoopback((app.server.address() as AddressInfo | null)?.address);
  return async (request) => {
    if (request.method === 'OPTIONS') return; // CORS preflight: browsers never send credentials with it
    if (!request.headers.authorization && isLocalUi(request, uiOrigins) && listensOnLoopback()) return;
    checkApiKey(request, apiKey);
  };
}

function isLocalUi(request: FastifyRequest, uiOrigins: string[]): boolean {
  const origin = request.headers.origin;
  return typeof origin === 'string' && uiOrigins.includes(origin) && isLoopback(request.socket.remoteAddress);
}
