import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ErrorCode } from '../errors.js';
import { errorBody } from './errors.js';

/** Where `vite build --config web/vite.config.ts` (run by `npm install` and `npm start`) writes the dashboard. */
export const dashboardDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths the dashboard never answers for, even when nothing else does. */
const RESERVED = /^\/(graphql|graphiql|health|metrics)(\/|$)/;

/** The field page for focal points (web/field.html), offline first; everything else is the dashboard's. */
const FIELD = /^\/field\/?$/;

/** The page loads only its own scripts and styles and talks only to this origin. */
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

function headers(reply: FastifyReply, path: string): void {
  if (/\.html(\.br|\.gz)?$/.test(path)) {
    reply.header('cache-control', 'no-cache');
    reply.header('content-security-policy', CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
  } else if (/field-sw\.js(\.br|\.gz)?$/.test(path)) {
    // The field page's service worker: checked on every visit, so that a new build reaches phones.
    reply.header('cache-control', 'no-cache');
  } else if (/[\\/]assets[\\/]/.test(path)) {
    // Vite puts a content hash in every asset name: cache for a year.
    reply.header('cache-control', 'public, max-age=31536000, immutable');
  } else {
    reply.header('cache-control', 'public, max-age=3600');
  }
  reply.header('x-content-type-options', 'nosniff');
}

/**
 * The leadership dashboard: the static files of web/dist at `/` (open; every GraphQL call the page
 * makes carries the user's Bearer token), and index.html for the client-side routes (/unit/…,
 * /task/…, /compare, /search), and field.html for /field. /graphql, /graphiql and /health keep
 * their own answers, and a path that names a file (or anything under them) that does not exist stays a 404.
 */
export async function registerDashboard(server: FastifyInstance, dir = dashboardDir): Promise<void> {
  const built = existsSync(join(dir, 'index.html'));
  const fieldBuilt = existsSync(join(dir, 'field.html'));
  if (built) {
    await server.register(fastifyStatic, {
      root: dir, prefix: '/', index: ['index.html'], wildcard: true, redirect: false, dotfiles: 'ignore',
      preCompressed: true, cacheControl: false, setHeaders: headers,
    });
  } else {
    server.log.warn('dashboard not built (web/dist missing): run `npm run build:web`');
    server.get('/', async (_req, reply) => reply.code(503).type('text/plain; charset=utf-8')
      .send('The tiendo dashboard is not built: run `npm run build:web` (needs the dev dependencies). The API is at /graphql.'));
  }

  server.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const page = built && (req.method === 'GET' || req.method === 'HEAD') && !RESERVED.test(path)
      && !path.startsWith('/assets/') && !/\.[A-Za-z0-9]+$/.test(path);
    if (page) return reply.sendFile(fieldBuilt && FIELD.test(path) ? 'field.html' : 'index.html');
    return reply.code(404).send(errorBody(ErrorCode.NOT_FOUND, `nothing at ${req.method} ${path.slice(0, 200)}`));
  });
}
