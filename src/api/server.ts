import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import mercurius from 'mercurius';
import type { Logger } from 'pino';
import { lastAnchorOf } from '../anchors/health.js';
import type { App } from '../app/app.js';
import { ErrorCode, TiendoError } from '../errors.js';
import type { Actor } from '../shared/schemas.js';
import { refuseJsonDocuments } from './documents.js';
import { registerDashboard } from './dashboard.js';
import { errorBody, formatExecution } from './errors.js';
import { hardening, registerHardening, registerVariableCost } from './hardening.js';
import { registerMinPosition } from './min-position.js';
import { registerLoadShedding } from './overload.js';
import { registerQueryCache, registerQueryCacheExecution } from './query-cache.js';
import { type Ctx, actorNode, actorResolvers, source } from './nodes.js';
import { auditResolvers } from './resolvers/audit.js';
import { inspectionResolvers } from './resolvers/inspections.js';
import { mutationResolvers, recordMutationResolvers } from './resolvers/mutations.js';
import { obstacleResolvers } from './resolvers/obstacles.js';
import { progressResolvers } from './resolvers/progress.js';
import { reportResolvers } from './resolvers/reports.js';
import { basisResolvers, taskResolvers } from './resolvers/tasks.js';
import { unitResolvers } from './resolvers/units.js';
import { whyResolvers } from './resolvers/why.js';
import { DateScalar, DateTimeScalar } from './scalars.js';
import { registerGraphqlOperations, registerOperations, requestLogger } from '../ops/wiring.js';
import { registerSockets } from '../live/sockets.js';

export const schemaFile = new URL('../../schemas/schema.graphql', import.meta.url);

declare module 'fastify' {
  interface FastifyRequest { actor?: Actor }
}

type ResolverMap = Record<string, Record<string, unknown>>;

function mergeResolvers(...maps: ResolverMap[]): ResolverMap {
  const out: ResolverMap = {};
  for (const m of maps) for (const [type, fields] of Object.entries(m)) out[type] = { ...out[type], ...fields };
  return out;
}

export async function buildServer(app: App, log: Logger): Promise<FastifyInstance> {
  const limits = hardening(app.config);
  const server = Fastify({ loggerInstance: log as FastifyBaseLogger, bodyLimit: limits.bodyLimit, genReqId: () => randomUUID(), childLoggerFactory: requestLogger, logController: new LogController({ disableRequestLogging: true }) });

  server.get('/health', async (_req, reply) => {
    const { runner } = app;
    const body = {
      status: runner.caughtUp ? 'ok' : 'catching up', store: app.store.name, position: runner.views.position, unreadableEvents: runner.unreadable,
      // The hash chain checked up to integrity.verifiedPosition; status 'tampered' names integrity.badEvent.
      integrity: app.integrity.status(),
      // The newest signed head of the store (src/anchors), to keep and check with `tiendo verify --anchors`.
      lastAnchor: lastAnchorOf(app),
    };
    return reply.code(runner.caughtUp ? 200 : 503).send(body);
  });

  // Before anything else a request costs: a connection's pipelined requests beyond the bound are shed (overload.ts).
  registerLoadShedding(server, app.config.TIENDO_MAX_IN_FLIGHT_PER_CONNECTION);

  // Issue 10: /health/live, /health/ready, /metrics, request and correlation ids; subscriptions, notifications, webhooks.
  const operations = await registerOperations(server, app);

  // Every operation needs a token (/health, /graphiql and the dashboard's static files do not); Accept, rate limit, GET: hardening.ts.
  await registerHardening(server, app);
  // Issue 15: X-Tiendo-Min-Position (read-your-writes across replicas), once the token is checked.
  registerMinPosition(server, app);
  // Issue 14: a query's answer sent again while the read model has not moved; after every check and wait above.
  registerQueryCache(server, app, operations.ops.metrics);

  // The GraphQL-over-HTTP spec says a server MUST accept "extensions": null; mercurius' body schema does not.
  server.addHook('preValidation', async (req) => {
    const body = req.body as Record<string, unknown> | undefined;
    if (req.method === 'POST' && body && typeof body === 'object' && body.extensions === null) delete body.extensions;
  });

  server.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) req.log.error({ err: error }, 'request failed');
    const code = status === 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_USER_INPUT;
    return reply.code(status).send(errorBody(code, status === 500 ? 'internal error' : error.message));
  });

  await registerSockets(server); // before mercurius, which uses it: the frame limit and the message check
  await server.register(mercurius, {
    schema: readFileSync(schemaFile, 'utf8'),
    resolvers: mergeResolvers(
      { Date: DateScalar, DateTime: DateTimeScalar } as unknown as ResolverMap,
      unitResolvers, taskResolvers, basisResolvers, progressResolvers, obstacleResolvers, inspectionResolvers, reportResolvers,
      mutationResolvers, recordMutationResolvers, auditResolvers, whyResolvers, actorResolvers,
      { Query: { me: (_: unknown, __: unknown, ctx: Ctx) => actorNode({ ...ctx.actor }, source(ctx.tiendo.runner.views, ctx.now, false)) } },
      ...operations.resolvers,
    ) as never,
    context: (req): Ctx => ({ tiendo: app, actor: req.actor!, now: new Date().toISOString(), requestId: req.id, correlationId: req.correlationId ?? req.id }),
    subscription: operations.subscription,
    graphiql: limits.graphiql,
    ide: false,
    allowBatchedQueries: false,
    // graphql-jit compiles a query once it has run this often, off the request path (mercurius' adaptive mode, whose compiled runs keep graphql-js' variable checks) and even under full load (eluThreshold 1).
    ...(app.config.TIENDO_GRAPHQL_JIT ? { jit: { minCount: app.config.TIENDO_GRAPHQL_JIT, eluThreshold: 1 } } : {}),
    validationRules: limits.validationRules,
    graphql: limits.graphql,
    errorFormatter: limits.errorFormatter((execution) => formatExecution(execution, server.log)) as never,
  });
  refuseJsonDocuments(server); // before any other preValidation hook: a query must be GraphQL text
  registerQueryCacheExecution(server, app); // before the cost check: a refused query counts as a miss
  registerVariableCost(server);
  registerGraphqlOperations(server, app);
  await registerDashboard(server);

  return server;
}
