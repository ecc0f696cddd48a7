/**
 * Issue 10 in one place: live updates (GraphQL subscriptions), reminders, webhooks and
 * operations (/metrics, /health/live, /health/ready, request and correlation ids in logs).
 *
 * server.ts calls `registerOperations` before hardening and mercurius (routes and hooks; it
 * returns the resolvers and mercurius' `subscription` option) and `registerGraphqlOperations`
 * after mercurius (its hooks). serve.ts calls `startReminders` once the read model caught up.
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import { type DocumentNode, getOperationAST } from 'graphql';
import type { Logger } from 'pino';
import { isRefresh } from '../api/page-refresh.js';
import type { App } from '../app/app.js';
import { LiveFeed } from '../live/feed.js';
import { subscriptionOptions, subscriptionResolvers, validateSubscriptions } from '../live/subscriptions.js';
import { notificationResolvers } from '../reminders/resolvers.js';
import { ReminderScheduler } from '../reminders/scheduler.js';
import { WebhookCommands } from '../webhooks/commands.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { webhookResolvers } from '../webhooks/resolvers.js';
import { Metrics } from './metrics.js';
import { metricsBinding, metricsHandler } from './metrics-endpoint.js';
import { lazyChild } from './request-logger.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's X-Correlation-Id when it is a sensible one, else the request id. */
    correlationId?: string;
    /** The GraphQL operation, once parsed: for metrics and logs. */
    gqlOperation?: { name: string | null; type: string };
  }
}

/** What issue 10 keeps per running app. */
export interface Ops {
  metrics: Metrics;
  feed: LiveFeed;
  dispatcher: WebhookDispatcher;
  webhookCommands: WebhookCommands;
  /** The key webhook secrets derive from. */
  webhookKey: Uint8Array | string;
  scheduler?: ReminderScheduler;
}

const bundles = new WeakMap<App, Ops>();

/** The app's Ops, made on first use: metrics on the store and the runner, the live feed, the webhook dispatcher. */
export function opsOf(app: App, log?: Logger | FastifyInstance['log']): Ops {
  let ops = bundles.get(app);
  if (ops) return ops;
  const logger = log as Logger | undefined;
  const metrics = new Metrics();
  metrics.instrumentStore(app.store);
  metrics.watchProjection(app.store, app.runner);
  const c = app.config;
  const webhookKey = c.TIENDO_WEBHOOK_KEY ?? app.secret;
  const dispatcher = new WebhookDispatcher({
    runner: app.runner, store: app.store, file: join(app.viewsDir, 'webhooks.db'), key: webhookKey,
    maxAttempts: c.TIENDO_WEBHOOK_MAX_ATTEMPTS, backoffMs: c.TIENDO_WEBHOOK_BACKOFF_MS, timeoutMs: c.TIENDO_WEBHOOK_TIMEOUT_MS,
    leaseMs: c.TIENDO_WEBHOOK_LEASE_MS,
    privateNetworks: c.TIENDO_WEBHOOK_PRIVATE_NETWORKS,
    enabled: c.TIENDO_WEBHOOKS, log: logger, onOutcome: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
  });
  dispatcher.start();
  ops = {
    metrics, dispatcher, webhookKey,
    feed: new LiveFeed(app.runner, (error) => logger?.error({ err: error }, 'live update failed')),
    webhookCommands: new WebhookCommands(app.store, () => app.runner.views),
  };
  bundles.set(app, ops);
  return ops;
}

const CORRELATION_ID = /^[A-Za-z0-9._:\-]{1,100}$/;
/** The client's X-Correlation-Id when it is a sensible one, else the request id. */
const correlationIdOf = (given: string | string[] | undefined, requestId: string) =>
  (typeof given === 'string' && CORRELATION_ID.test(given) ? given : requestId);

/**
 * fastify's childLoggerFactory (server.ts): every request's logger carries its request and
 * correlation ids. One child, made only if the request logs (request-logger.ts), not a second
 * one in a hook: a pino child per request costs a small request a few percent of its CPU.
 */
export const requestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options, raw) {
  return lazyChild(logger, () => ({ ...bindings, correlationId: correlationIdOf(raw.headers['x-correlation-id'], String(bindings.reqId)) }), options);
};
/** /graphql or /graphql/, with or without a query string (a test, not a split: it runs in several hooks of every request). */
const GRAPHQL_PATH = /^\/graphql\/?(?:\?|$)/;
const isGraphql = (req: FastifyRequest) => GRAPHQL_PATH.test(req.url);

/**
 * Before hardening and mercurius: the health and metrics routes, request and correlation ids on
 * every response (on its logger: `requestLogger`), request metrics. Returns what mercurius needs.
 */
export async function registerOperations(server: FastifyInstance, app: App) {
  const ops = opsOf(app, server.log);
  const { metrics } = ops;

  server.addHook('onRequest', async (req, reply) => {
    const correlationId = correlationIdOf(req.headers['x-correlation-id'], req.id);
    req.correlationId = correlationId;
    reply.header('x-request-id', req.id);
    reply.header('x-correlation-id', correlationId);
  });

  server.addHook('onResponse', async (req, reply) => {
    // The server's own refresh of a task page is not a client's request.
    if (!isGraphql(req) || req.headers.upgrade || isRefresh(req)) return;
    const op = req.gqlOperation;
    const operation = metrics.operationLabel(op?.name);
    const type = op?.type ?? 'unknown';
    metrics.requests.inc({ operation, type, status: `${Math.floor(reply.statusCode / 100)}xx` });
    metrics.latency.observe({ operation, type }, reply.elapsedTime / 1000);
    req.log.debug({ operation, type, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'graphql request');
  });

  // Liveness: the process answers. Readiness: the read model has caught up (as /health, which stays as it was).
  server.get('/health/live', async () => ({ status: 'live' }));
  server.get('/health/ready', async (_req, reply) => {
    const { runner } = app;
    return reply.code(runner.caughtUp ? 200 : 503).send({ status: runner.caughtUp ? 'ready' : 'catching up', position: runner.views.position });
  });
  // In production /metrics has a listener of its own (serve.ts); otherwise it is here.
  if (!metricsBinding(app.config)) server.get('/metrics', metricsHandler(metrics, app.config.TIENDO_METRICS_TOKEN));

  server.addHook('onClose', async () => {
    bundles.delete(app); // a server built again for this app starts afresh
    await ops.scheduler?.stop();
    ops.feed.close();
    await ops.dispatcher.close();
  });

  return {
    ops,
    resolvers: [
      subscriptionResolvers(app, ops.feed, metrics),
      notificationResolvers,
      webhookResolvers({ commands: ops.webhookCommands, dispatcher: ops.dispatcher, key: ops.webhookKey }),
    ] as Record<string, Record<string, unknown>>[],
    subscription: subscriptionOptions(app, metrics, server.log),
  };
}

interface GqlContext { reply?: { request: FastifyRequest } }

/** After mercurius: the operation's name and type for metrics, error codes, subscription validation. */
export function registerGraphqlOperations(server: FastifyInstance, app: App): void {
  const { metrics } = opsOf(app, server.log);
  const noteOperation = async (_schema: unknown, document: DocumentNode, context: GqlContext) => {
    const req = context.reply?.request;
    if (!req || req.gqlOperation) return;
    const given = (req.body as { operationName?: unknown } | undefined)?.operationName ?? (req.query as { operationName?: unknown } | undefined)?.operationName;
    const op = getOperationAST(document, typeof given === 'string' && given ? given : undefined);
    req.gqlOperation = { name: op?.name?.value ?? null, type: op?.operation ?? 'unknown' };
  };
  // preValidation runs only for documents not yet in mercurius' cache; preExecution for every one that executes.
  server.graphql.addHook('preValidation', noteOperation);
  server.graphql.addHook('preExecution', noteOperation);
  // By now the errors are formatted (errors.ts): the catalogue's code and reason are in extensions.
  server.graphql.addHook('onResolution', async (execution: { errors?: readonly { extensions?: { code?: unknown; reason?: unknown } }[] }) => {
    for (const e of execution.errors ?? []) {
      metrics.errors.inc({ code: typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL' });
      if (e.extensions?.reason === 'STALE_VERSION') metrics.conflicts.inc({ source: 'command' });
    }
  });
  validateSubscriptions(server, app);
}

/**
 * Starts the reminder scheduler (unless TIENDO_REMINDERS=0): one pass now (the read model has
 * caught up), then one every TIENDO_REMINDER_INTERVAL_MS. Stopped when the server closes.
 */
export function startReminders(app: App, log: Logger, clock: () => string = () => new Date().toISOString()): ReminderScheduler | undefined {
  if (!app.config.TIENDO_REMINDERS) return undefined;
  const ops = opsOf(app, log);
  const scheduler = new ReminderScheduler({
    store: app.store, views: () => app.runner.views, clock, log,
    dueRules: app.config.TIENDO_REPORT_DUE_DAYS, reportKinds: app.config.TIENDO_REMINDER_REPORT_KINDS,
    onOutcome: (kind, outcome) => ops.metrics.reminders.inc({ kind, outcome }),
  });
  ops.scheduler = scheduler;
  scheduler.runOnce().catch((error: unknown) => log.error({ err: error }, 'reminder pass failed'));
  scheduler.start(app.config.TIENDO_REMINDER_INTERVAL_MS);
  return scheduler;
}
