/**
 * Where /metrics is served and to whom (issue 16).
 *
 *  - TIENDO_METRICS_TOKEN set: only a request with `Authorization: Bearer <token>` is answered
 *    (401 otherwise).
 *  - In production (or when TIENDO_METRICS_HOST is set) /metrics is not on the API's port: a
 *    listener of its own serves it on TIENDO_METRICS_HOST (default 127.0.0.1: this machine only)
 *    and TIENDO_METRICS_PORT (default 9464). A separate port, not a check of the client's address:
 *    behind a reverse proxy on the same machine every client would look local.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteHandlerMethod } from 'fastify';
import type { Logger } from 'pino';
import { errorBody } from '../api/errors.js';
import type { Config } from '../config.js';
import { ErrorCode } from '../errors.js';
import type { Metrics } from './metrics.js';

const DEFAULT_PORT = 9464;

/** The metrics listener's address, or undefined when /metrics is served on the API's own port. */
export function metricsBinding(config: Config): { host: string; port: number } | undefined {
  if (config.NODE_ENV !== 'production' && config.TIENDO_METRICS_HOST === undefined) return undefined;
  return { host: config.TIENDO_METRICS_HOST ?? '127.0.0.1', port: config.TIENDO_METRICS_PORT ?? DEFAULT_PORT };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** GET /metrics in Prometheus' text format; with a token configured, for its bearer only. */
export function metricsHandler(metrics: Metrics, token: string | undefined): RouteHandlerMethod {
  // Compared as digests: equal lengths for timingSafeEqual, and nothing learnt from the time taken.
  const expected = token ? digest(token) : undefined;
  return async (req, reply) => {
    if (expected) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), expected)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"')
          .send(errorBody(ErrorCode.UNAUTHENTICATED, 'the metrics token is required: Authorization: Bearer <TIENDO_METRICS_TOKEN>'));
      }
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/** Starts the metrics listener; it fails loudly (the port is taken, the host is not this machine's). */
export async function listenMetrics(metrics: Metrics, config: Config, log: Logger, binding: { host: string; port: number }): Promise<FastifyInstance> {
  const server = Fastify({ loggerInstance: log.child({ listener: 'metrics' }) as FastifyBaseLogger, disableRequestLogging: true });
  server.get('/metrics', metricsHandler(metrics, config.TIENDO_METRICS_TOKEN));
  await server.listen(binding);
  const address = server.server.address();
  log.info({ metrics: typeof address === 'object' && address ? `${address.address}:${address.port}` : binding }, 'metrics listening');
  return server;
}
