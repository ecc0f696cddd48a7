import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '../errors.js';
import { errorBody } from './errors.js';

/** Seconds a shed request is told to wait before it tries again (Retry-After). */
const RETRY_AFTER_S = 1;

/**
 * Load shedding per connection. node parses every HTTP/1.1 request a client pipelines on one
 * connection as soon as it arrives and hands each to the server at once, whether the ones before it
 * were answered or not: a client sending faster than the server answers would pile requests up in
 * memory without bound. Beyond `limit` requests in flight on one connection, a request is answered
 * at once — 503, Retry-After, UNAVAILABLE with reason OVERLOADED — before it costs anything
 * (token, parse, execution). Browsers and proxies send one request at a time per connection and
 * never meet the bound. WebSocket upgrades are not counted.
 */
export function registerLoadShedding(server: FastifyInstance, limit: number): void {
  const inFlight = new WeakMap<Socket, number>();
  server.addHook('onRequest', (req, reply, done) => {
    const socket = req.raw.socket;
    if (req.headers.upgrade || !socket) return done();
    const n = (inFlight.get(socket) ?? 0) + 1;
    if (n > limit) {
      reply.code(503).header('retry-after', RETRY_AFTER_S).send(errorBody(ErrorCode.UNAVAILABLE,
        `more than ${limit} requests in flight on this connection: send one after another's answer, or retry later`,
        { reason: 'OVERLOADED', retryAfter: RETRY_AFTER_S }));
      return;
    }
    inFlight.set(socket, n);
    // 'close': answered and written, or the connection lost.
    reply.raw.once('close', () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
    done();
  });
}
