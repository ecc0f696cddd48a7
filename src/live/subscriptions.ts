import type { FastifyInstance } from 'fastify';
import { type DocumentNode, GraphQLError, type GraphQLSchema, specifiedRules, validate } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import type { HistoryEntry } from '../../projections/history.js';
import type { App } from '../app/app.js';
import { ErrorCode, TiendoError, notFound, unauthenticated } from '../errors.js';
import { hardening, verifierFor } from '../api/hardening.js';
import { type Ctx, canSee, source, taskNode } from '../api/nodes.js';
import { progressResolvers } from '../api/resolvers/progress.js';
import { actorNode } from '../api/resolvers/tasks.js';
import type { Metrics } from '../ops/metrics.js';
import type { Actor } from '../shared/schemas.js';
import type { LiveFeed } from './feed.js';
import { concerns, taskOf } from './scope.js';

/**
 * A subscription's context: mercurius' (request, pubsub …) with tiendo's Ctx merged in by
 * `subscriptionOptions` (tiendo, requestId, now) and onConnect (actor).
 */
type LiveCtx = Ctx;

/** The catalogue's error as GraphQL sends it over the socket (extensions.code, reason). */
function gqlError(error: TiendoError): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, ...(error.reason ? { reason: error.reason } : {}) } });
}

function actorOf(ctx: LiveCtx): Actor {
  if (!ctx.actor) throw gqlError(unauthenticated());
  return ctx.actor;
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
  const track = (field: string) => {
    metrics.subscriptions.inc({ field });
    return () => metrics.subscriptions.dec({ field });
  };
  const views = () => app.runner.views;

  return {
    Subscription: {
      taskChanged: {
        subscribe: (_: unknown, args: { id: string }, ctx: LiveCtx) => {
          const actor = actorOf(ctx);
          const task = views().tasks.get(args.id);
          if (!task || !canSee(actor, views())(task)) throw gqlError(notFound('TASK', args.id));
          return feed.subscribe((batch) => {
            const v = views();
            const see = canSee(actor, v);
            return batch.some((n) => n.task?.after.id === args.id && see(n.task.after)) ? [args.id] : [];
          }, { coalesce: true, onClose: track('taskChanged') });
        },
        resolve: (id: string, _: unknown, ctx: LiveCtx) => {
          const v = views();
          const task = v.tasks.get(id);
          if (!task || !canSee(actorOf(ctx), v)(task)) throw gqlError(notFound('TASK', id));
          return taskNode(task, source(v, refresh(ctx).now, false));
        },
      },
      unitProgressChanged: {
        subscribe: (_: unknown, args: { unitId: string }, ctx: LiveCtx) => {
          const actor = actorOf(ctx);
          if (!views().units.has(args.unitId)) throw gqlError(notFound('UNIT', args.unitId));
          return feed.subscribe((batch) => {
            const v = views();
            const see = canSee(actor, v);
            return batch.some((n) => {
              const task = taskOf(n, v);
              // A change to a task one may not see is no signal either.
              return (!task || see(task)) && concerns(n, v, args.unitId);
            }) ? [args.unitId] : [];
          }, { coalesce: true, onClose: track('unitProgressChanged') });
        },
        resolve: (unitId: string, _: unknown, ctx: LiveCtx) =>
          progressResolvers.Query.unitProgress(undefined, { unitId }, refresh(ctx)),
      },
      commitmentChanged: {
        subscribe: (_: unknown, args: { unitId: string }, ctx: LiveCtx) => {
          const actor = actorOf(ctx);
          if (!views().units.has(args.unitId)) throw gqlError(notFound('UNIT', args.unitId));
          return feed.subscribe((batch) => {
            const v = views();
            const see = canSee(actor, v);
            return batch.filter((n) => n.history?.commitment && see(n.task!.after)
              && n.history.leadUnitIds.some((u) => v.isWithin(u, args.unitId))).map((n) => n.history!);
          }, { onClose: track('commitmentChanged') });
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

/**
 * mercurius' `subscription` option: graphql-ws (graphql-transport-ws) and the legacy protocol on
 * /graphql. The connection is authenticated in connection_init with the same verifier as HTTP;
 * without a valid token it is closed (4403 Forbidden, after mercurius' connection_error).
 */
export function subscriptionOptions(app: App, metrics: Metrics, log: FastifyInstance['log']) {
  const verify = verifierFor(app);
  // mercurius may report one connection's end twice (a terminate message, then the socket's close).
  const counted = new WeakSet<object>();
  return {
    keepAlive: 30_000,
    context: (_socket: unknown, request: { id: string }) => ({ tiendo: app, requestId: request.id, correlationId: request.id, now: new Date().toISOString() }),
    // A plain function: mercurius calls it as a method of the connection, whose `socket` we close on refusal.
    onConnect: async function onConnect(this: { socket?: { close(code: number, reason: string): void } } | undefined, data: { payload?: unknown }) {
      try {
        const actor = await verify(authorizationOf(data?.payload));
        const connection = {};
        counted.add(connection);
        metrics.wsConnections.inc();
        return { actor, liveConnection: connection };
      } catch (error) {
        const message = error instanceof TiendoError ? error.message : 'a valid Bearer token is required';
        log.info({ reason: message }, 'subscription connection refused');
        try {
          this?.socket?.close(4403, `Forbidden: ${message}`.slice(0, 120));
        } catch {
          // mercurius closes it anyway
        }
        return false;
      }
    },
    onDisconnect: (context: MercuriusContext) => {
      const connection = (context as unknown as { liveConnection?: object } | undefined)?.liveConnection;
      if (connection && counted.delete(connection)) metrics.wsConnections.dec();
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
