import type { FastifyInstance } from 'fastify';
import type { App } from '../app/app.js';
import { ErrorCode } from '../errors.js';
import { errorBody } from './errors.js';

export const MIN_POSITION_HEADER = 'x-tiendo-min-position';

/** /graphql or /graphql/, with or without a query string. */
const GRAPHQL_PATH = /^\/graphql\/?(?:\?|$)/;

/**
 * Read-your-writes across replicas: a request carrying `X-Tiendo-Min-Position` (the `position` a
 * mutation returned, on whichever replica) is answered only once this replica's read model has
 * applied that position; after TIENDO_MIN_POSITION_WAIT_MS it is refused with UNAVAILABLE and a
 * retryAfter hint, never answered from an older read model. Runs after the token is checked.
 * Before the read model's first catch-up every GraphQL request is UNAVAILABLE the same way.
 */
export function registerMinPosition(server: FastifyInstance, app: Pick<App, 'config' | 'store' | 'runner'>): void {
  const waitMs = app.config.TIENDO_MIN_POSITION_WAIT_MS;
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  server.addHook('preHandler', async (req, reply) => {
    if (req.headers.upgrade || !GRAPHQL_PATH.test(req.url)) return;
    // A replica (re)started behind a load balancer listens before its read model has caught up with the
    // store: until then it answers nothing from a partial read model (/health/ready says the same).
    if (!app.runner.caughtUp) {
      return reply.code(503).header('retry-after', retryAfter).send(errorBody(ErrorCode.UNAVAILABLE,
        'this replica is still catching up with the event store: retry', { reason: 'CATCHING_UP', retryAfter }));
    }
    const given = req.headers[MIN_POSITION_HEADER];
    if (given === undefined) return;
    const position = typeof given === 'string' ? given.trim() : undefined;
    let valid = !!position;
    try {
      if (position) app.store.comparePositions(position, position);
    } catch {
      valid = false;
    }
    if (!valid) {
      return reply.code(400).send(errorBody(ErrorCode.BAD_USER_INPUT,
        `${MIN_POSITION_HEADER} must be one position this store gave (a mutation's \`position\`), e.g. "1234"`, { reason: 'INVALID_INPUT' }));
    }
    try {
      await app.runner.waitFor(position!, waitMs);
    } catch {
      const at = app.runner.views.position;
      return reply.code(503).header('retry-after', retryAfter).send(errorBody(ErrorCode.UNAVAILABLE,
        `this replica's read model is at ${at ?? 'no event yet'}, not yet at ${position} after ${waitMs} ms: retry`,
        { reason: 'BEHIND_MIN_POSITION', retryAfter, position: at }));
    }
  });
}
