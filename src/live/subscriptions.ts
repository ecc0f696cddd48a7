import type { FastifyInstance } from 'fastify';
import { type DocumentNode, GraphQLError, type GraphQLResolveInfo, type GraphQLSchema, Kind, specifiedRules, validate } from 'graphql';
import { decodeJwt } from 'jose';
import type { WebSocket } from 'ws';
import type { HistoryEntry } from '../../projections/history.js';
import type { App } from '../app/app.js';
import { ErrorCode, TiendoError, alreadyExists, notFound, unauthenticated } from '../errors.js';
import { hardening, refuseCostlyVariables, verifierFor } from '../api/hardening.js';
import { type Ctx, actorNode, canSee, source, taskNode } from '../api/nodes.js';
import { progressResolvers } from '../api/resolvers/progress.js';
import type { Metrics } from '../ops/metrics.js';
import type { Actor } from '../shared/schemas.js';
import type { FeedOptions, LiveFeed, Select } from './feed.js';
import { concerns, taskOf } from './scope.js';
import { LiveSession } from './session.js';
import { CloseCode, closeSocket } from './sockets.js';

/**
 * A subscription's context: mercurius' (request, pubsub …, `id`: the subscribe message's id)
 * with tiendo's Ctx merged in by `subscriptionOptions` (tiendo, requestId, now) and onConnect
 * (actor, session).
 */
type LiveCtx = Ctx & { session?: LiveSession; id?: string };

/** The catalogue's error as GraphQL sends it over the socket (extensions.code, reason). */
function gqlError(error: TiendoError): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, ...(error.reason ? { reason: error.reason } : {}) } });
}

function actorOf(ctx: LiveCtx): Actor {
  if (!ctx.actor) throw gqlError(unauthenticated());
  return ctx.actor;
}

/**
 * A subscription costed with its variables: validation (validateSubscriptions) cannot see them,
 * and mercurius' subscription hooks are not given them (hardening.ts, refuseCostlyVariables).
 */
function costed(info: GraphQLResolveInfo): void {
  try {
    refuseCostlyVariables(info.schema, { kind: Kind.DOCUMENT, definitions: [info.operation, ...Object.values(info.fragments)] }, info.variableValues);
  } catch (error) {
    const original = error instanceof GraphQLError ? error.originalError : undefined;
    throw original instanceof TiendoError ? gqlError(original) : error;
  }
}

/** Subscriptions resolve against the live views at the moment each update goes out. */
function refresh(ctx: LiveCtx): LiveCtx {
  ctx.now = new Date().toISOString();
  return ctx;
}

/**
 * The token from a connection_init payload: `{ authorization: 'Bearer …' }`, `{ token }`, or
 * mercurius' `{ headers: { authorization } }`.
 */
export function authorizationOf(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  const headers = (p.headers && typeof p.headers === 'object' ? p.headers : {}) as Record<string, unknown>;
  const auth = p.authorization ?? p.Authorization ?? headers.authorization ?? headers.Authorization;
  if (typeof auth === 'string') return auth;
  if (typeof p.token === 'string') return /^Bearer\s/i.test(p.token) ? p.token : `Bearer ${p.token}`;
  return undefined;
}

/**
 * The Subscription resolvers (issue 10). Each one checks, when it starts, that what it watches
 * exists and may be seen (NOT_FOUND otherwise: a confidential task one may not see does not
 * exist for one), then filters every batch of applied events by the same visibility rule the
 * queries use.
 */
export function subscriptionResolvers(app: App, feed: LiveFeed, metrics: Metrics) {
  /** A feed subscription counted in the metrics and owned by the socket's session (which ends it with the socket). */
  const live = <T>(field: string, ctx: LiveCtx, select: Select<T>, options: FeedOptions = {}): AsyncIterableIterator<T> => {
    const { session, id = '' } = ctx;
    metrics.subscriptions.inc({ field });
    const iterator: AsyncIterableIterator<T> = feed.subscribe(select, {
      ...options,
      onClose: () => {
        metrics.subscriptions.dec({ field });
        session?.stopped(id, iterator);
      },
    });
    if (session && !session.start(id, iterator)) {
      void iterator.return?.();
      throw gqlError(session.open ? alreadyExists('subscription', id) : unauthenticated('the connection has closed'));
    }
    return iterator;
  };
  const views = () => app.runner.views;

  return {
    Subscription: {
      taskChanged: {
        subscribe: (_: unknown, args: { id: string }, ctx: LiveCtx, info: GraphQLResolveInfo) => {
          const actor = actorOf(ctx);
          costed(info);
          const task = views().tasks.get(args.id);
          if (!task || !canSee(actor, views())(task)) throw gqlError(notFound('TASK', args.id));
          return live('taskChanged', ctx, (batch) => {
            const v = views();
            const see = canSee(actor, v);
            return batch.some((n) => n.task?.after.id === args.id && see(n.task.after)) ? [args.id] : [];
          }, { coalesce: true });
        },
        resolve: (id: string, _: unknown, ctx: LiveCtx) => {
          const v = views();
          const task = v.tasks.get(id);
          if (!task || !canSee(actorOf(ctx), v)(task)) throw gqlError(notFound('TASK', id));
          return taskNode(task, source(v, refresh(ctx).now, false));
        },
      },
      unitProgressChanged: {
        subscribe: (_: unknown, args: { unitId: string }, ctx: LiveCtx, info: GraphQLResolveInfo) => {
          const actor = actorOf(ctx);
          costed(info);
          if (!views().units.has(args.unitId)) throw gqlError(notFound('UNIT', args.unitId));
          return live('unitProgressChanged', ctx, (batch) => {
            const v = views();
            const see = canSee(actor, v);
            return batch.some((n) => {
              const task = taskOf(n, v);
              // A change to a task one may not see is no signal either.
              return (!task || see(task)) && concerns(n, v, args.unitId);
            }) ? [args.unitId] : [];
          }, { coalesce: true });
        },
        resolve: (unitId: string, _: unknown, ctx: LiveCtx) =>
          progressResolvers.Query.unitProgress(undefined, { unitId }, refresh(ctx)),
      },
      commitmentChanged: {
        subscribe: (_: unknown, args: { unitId: string }, ctx: LiveCtx, info: GraphQLResolveInfo) => {
          const actor = actorOf(ctx);
          costed(info);
          if (!views().units.has(args.unitId)) throw gqlError(notFound('UNIT', args.unitId));
          return live('commitmentChanged', ctx, (batch) => {
            const v = views();
            const see = canSee(actor, v);
            return batch.filter((n) => n.history?.commitment && see(n.task!.after)
              && n.history.leadUnitIds.some((u) => v.isWithin(u, args.unitId))).map((n) => n.history!);
          });
        },
        resolve: (entry: HistoryEntry, _: unknown, ctx: LiveCtx) => {
          const v = views();
          const src = source(v, refresh(ctx).now, false);
          const task = v.tasks.get(entry.taskId)!;
          return {
            at: entry.at, kind: entry.kind, changes: entry.changes, reason: entry.reason, basis: entry.basis,
            actor: actorNode(entry.actor, src), task: taskNode(task, src),
          };
        },
      },
    },
  };
}

/** When the token in an Authorization header (verified already) expires, in ms since the epoch. */
function expiryOf(authorization: string): number {
  const { exp } = decodeJwt(authorization.replace(/^Bearer\s+/i, '').trim());
  return (exp ?? 0) * 1000;
}

/**
 * mercurius' `subscription` option: graphql-ws (graphql-transport-ws) and the legacy protocol on
 * /graphql, messages checked first (sockets.ts). The connection is authenticated in
 * connection_init with the same verifier as HTTP: without a valid token it is closed with 4401
 * (Unauthorized, and the reason); with one it lasts until the token expires (session.ts, 4403).
 */
export function subscriptionOptions(app: App, metrics: Metrics, log: FastifyInstance['log']) {
  const verify = verifierFor(app);
  const sessions = new WeakMap<WebSocket, LiveSession>();
  return {
    keepAlive: 30_000,
    context: (_socket: unknown, request: { id: string }) => ({ tiendo: app, requestId: request.id, correlationId: request.id, now: new Date().toISOString() }),
    // A plain function: mercurius calls it as a method of the connection, whose `socket` it is.
    onConnect: async function onConnect(this: { socket: WebSocket }, data: { payload?: unknown }) {
      const { socket } = this;
      // Once per socket (sockets.ts refuses a second connection_init; this is mercurius' connectionInit extension).
      if (sessions.has(socket)) return false;
      const authorization = authorizationOf(data?.payload);
      let actor: Actor;
      try {
        actor = await verify(authorization);
      } catch (error) {
        const message = error instanceof TiendoError ? error.message : 'a valid Bearer token is required';
        log.info({ reason: message }, 'subscription connection refused');
        closeSocket(socket, CloseCode.Unauthorized, `Unauthorized: ${message}`);
        return false;
      }
      if (socket.readyState !== socket.OPEN) return false; // the client left while the token was checked
      const session = new LiveSession(socket, expiryOf(authorization!), metrics);
      sessions.set(socket, session);
      return { actor, session };
    },
  };
}

/**
 * graphql-js' subscribe() does not validate: run the standard rules and hardening's limits
 * (depth, cost, aliases …) on every subscription document before it starts.
 */
export function validateSubscriptions(server: FastifyInstance, app: App): void {
  const rules = [...specifiedRules, ...hardening(app.config).validationRules];
  server.graphql.addHook('preSubscriptionExecution', async (schema: GraphQLSchema, document: DocumentNode) => {
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, document, rules);
    } catch (error) {
      errors = [error instanceof GraphQLError ? error : new GraphQLError(String((error as Error)?.message ?? error))];
    }
    if (errors.length === 0) return;
    const first = errors[0]!;
    const original = first.originalError;
    const reason = original instanceof TiendoError ? original.reason : 'INVALID_INPUT';
    throw new GraphQLError(first.message, { extensions: { code: ErrorCode.BAD_USER_INPUT, reason } });
  });
}
