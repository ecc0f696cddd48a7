import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import mercurius from 'mercurius';
import type { Logger } from 'pino';
import type { App } from '../app/app.js';
import { verifyBearer } from '../auth/tokens.js';
import { ErrorCode, TiendoError } from '../errors.js';
import type { Actor } from '../shared/schemas.js';
import { errorBody, formatExecution } from './errors.js';
import { type Ctx, source } from './nodes.js';
import { inspectionResolvers } from './resolvers/inspections.js';
import { mutationResolvers, recordMutationResolvers } from './resolvers/mutations.js';
import { obstacleResolvers } from './resolvers/obstacles.js';
import { progressResolvers } from './resolvers/progress.js';
import { reportResolvers } from './resolvers/reports.js';
import { actorNode, basisResolvers, taskResolvers } from './resolvers/tasks.js';
import { unitResolvers } from './resolvers/units.js';
import { DateScalar, DateTimeScalar } from './scalars.js';

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
  const production = app.config.NODE_ENV === 'production';
  const server = Fastify({ loggerInstance: log as FastifyBaseLogger, bodyLimit: 1024 * 1024, genReqId: () => randomUUID(), logController: new LogController({ disableRequestLogging: true }) });

  server.get('/health', async (_req, reply) => {
    const { runner } = app;
    const body = { status: runner.caughtUp ? 'ok' : 'catching up', store: app.store.name, position: runner.views.position, unreadableEvents: runner.unreadable };
    return reply.code(runner.caughtUp ? 200 : 503).send(body);
  });

  // Every operation needs a token; /health, /graphiql and the dashboard's static files do not.
  server.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/graphql')) return;
    try {
      req.actor = await verifyBearer(req.headers.authorization, app.secret);
    } catch (error) {
      const message = error instanceof TiendoError ? error.message : 'a valid Bearer token is required';
      return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody(ErrorCode.UNAUTHENTICATED, message));
    }
  });

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

  await server.register(mercurius, {
    schema: readFileSync(schemaFile, 'utf8'),
    resolvers: mergeResolvers(
      { Date: DateScalar, DateTime: DateTimeScalar } as unknown as ResolverMap,
      unitResolvers, taskResolvers, basisResolvers, progressResolvers, obstacleResolvers, inspectionResolvers, reportResolvers,
      mutationResolvers, recordMutationResolvers,
      { Query: { me: (_: unknown, __: unknown, ctx: Ctx) => actorNode({ ...ctx.actor }, source(ctx.tiendo.runner.views, ctx.now, false)) } },
    ) as never,
    context: (req): Ctx => ({ tiendo: app, actor: req.actor!, now: new Date().toISOString(), requestId: req.id }),
    graphiql: !production,
    ide: false,
    allowBatchedQueries: false,
    errorFormatter: (execution) => formatExecution(execution, server.log) as never,
  });

  return server;
}
