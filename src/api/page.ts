/**
 * The page for people: `GET /` serves a small static page (src/api/page/: HTML, CSS and one ES module,
 * no build step) that drives lifecycles through this same API with the key the person types in.
 *
 *   GET /                 index.html
 *   GET /page/<file>      the page's assets (a fixed list; nothing else on disk is reachable)
 *
 * The routes are open (the page holds no data; every call it makes carries the key) and hidden from
 * /openapi.json. A strict Content-Security-Policy allows only this origin's script, style and API calls.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from './errors';

const PAGE_DIR = join(__dirname, 'page');

/** The only files served, with their types. */
const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Small files that change with the code: always revalidate, never serve a stale page after an upgrade.
  'cache-control': 'no-cache',
};

async function send(reply: FastifyReply, file: string, type: string): Promise<FastifyReply> {
  const body = await readFile(join(PAGE_DIR, file));
  return reply.headers(SECURITY_HEADERS).type(type).send(body);
}

export async function pageRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => send(reply, 'index.html', 'text/html; charset=utf-8'));
  app.get<{ Params: { file: string } }>('/page/:file', { schema: { hide: true } }, async (request, reply) => {
    const { file } = request.params;
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) throw new ApiError(404, 'ROUTE_NOT_FOUND', `No page asset ${JSON.stringify(file)}`);
    return send(reply, file, type);
  });
}
