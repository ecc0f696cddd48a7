/**
 * A response micro-cache for GraphQL queries over HTTP (issue 14). Leaders send the same queries
 * again and again (a dashboard, a task page) and the read model changes only when an event is
 * applied: an answer computed once is sent again, byte for byte, to the same actor asking the same
 * thing while the read model has not moved and for at most TIENDO_QUERY_CACHE_MS (answers also
 * depend on the instant: OVERDUE, due soon, `asOf` echoes it). TIENDO_QUERY_CACHE_MS=0: off.
 *
 * A task's page (`task(id)` with its card and history, answer-scope.ts) lasts longer: until that
 * task, a task below it or a unit changes (task-changes.ts), or the date in Vietnam does — so it is
 * still served while other tasks are written, which is when a national server is busiest; once it
 * goes stale, a page that was read from here is asked again when writes pause (page-refresh.ts).
 *
 * Key: the media type negotiated from Accept, the whole actor (id, role, unit: visibility of
 * confidential tasks, `me`, what a role may read), operationName, the variables (keys sorted) and the
 * document's text. The entry's read-model position is checked on every lookup (response-cache.ts).
 *
 * Order: the lookup is a preHandler registered after hardening.ts (406, 401, 429, GET rules) and
 * min-position.ts (which has waited for X-Tiendo-Min-Position, so the position looked up is the
 * current one). A document's cost, depth and other validation verdicts depend only on the document
 * and variables, so a hit has the verdict its first answer had — and only answers without errors
 * are kept: queries only (never mutations, subscriptions, a body that is not one request), not a
 * document reading the webhook delivery log (it changes outside the read model), not when the
 * read model moved while the answer was computed. `Cache-Control: no-cache` computes afresh and
 * replaces the entry.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Kind, getOperationAST } from 'graphql';
import type { App } from '../app/app.js';
import type { Metrics } from '../ops/metrics.js';
import { nextDayStartMillis } from '../periods/dates.js';
import { taskPageScope } from './answer-scope.js';
import { documentHas } from './documents.js';
import { isRefresh, recipeOf, registerPageRefresh } from './page-refresh.js';
import { ResponseCache } from './response-cache.js';
import { TaskChanges } from './task-changes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** A query looked up and not found: what to keep its answer under, once it is known to be keepable. */
    queryCache?: Pending;
  }
}

interface Pending {
  key: string;
  operationName: string | undefined;
  variables: unknown;
  /** The tasks a task page's answer depends on (answer-scope.ts); null: on the whole read model. */
  tasks: string[] | null;
  position: string | null;
  /** When the answer began to be computed (ms): its age counts from then. */
  at: number;
  /** The operation is a query (set before execution, before its variables are costed). */
  query: boolean;
  /** A query whose document reads the read model only. */
  keepable: boolean;
  /** Executed without errors, the read model where it was when the lookup was made. */
  clean: boolean;
}

const GRAPHQL_PATH = /^\/graphql\/?(?:\?|$)/;
const NO_CACHE = /(?:^|,)\s*no-cache\s*(?:,|$)/i;
const MUTATION = /^\s*mutation\b/;

/** Fields answered from the webhook delivery log (webhooks.db), which changes without an event. */
const OUTSIDE_READ_MODEL = new Set(['deliveries', 'webhookDeliveries']);
const readsOutsideReadModel = documentHas(Kind.FIELD, (node) => OUTSIDE_READ_MODEL.has(node.name.value));

/** Variables nested deeper get no key (a recursion that deep would overflow the stack: test/e2e/fuzz): computed as usual. */
const MAX_DEPTH = 32;

/**
 * JSON with object keys sorted: the same variables (or actor) in any key order give the same text.
 * Undefined when nested deeper than MAX_DEPTH.
 */
export function canonical(value: unknown, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (depth >= MAX_DEPTH) return undefined;
  const o = value as Record<string, unknown>;
  const keys = Array.isArray(value) ? null : Object.keys(o).sort();
  const parts: string[] = [];
  for (const k of keys ?? (value as unknown[]).keys()) {
    const c = canonical(o[k as string], depth + 1);
    if (c === undefined) return undefined;
    parts.push(keys ? `${JSON.stringify(k)}:${c}` : c);
  }
  return keys ? `{${parts.join(',')}}` : `[${parts.join(',')}]`;
}

/** The request's document, operationName and variables (GET: query string; POST: JSON body), or undefined. */
function requestOf(req: FastifyRequest): { query: string; operationName: string | undefined; variables: unknown } | undefined {
  const source = req.method === 'GET' ? req.query : req.body;
  if (!source || typeof source !== 'object' || Array.isArray(source)) return undefined;
  const { query, operationName, variables } = source as Record<string, unknown>;
  if (typeof query !== 'string') return undefined;
  let vars = variables ?? null;
  if (req.method === 'GET' && typeof vars === 'string') {
    try {
      vars = JSON.parse(vars);
    } catch {
      return undefined; // mercurius refuses it
    }
  }
  return { query, operationName: typeof operationName === 'string' && operationName ? operationName : undefined, variables: vars };
}

/** Before mercurius, after hardening and min-position: the lookup, and keeping a clean answer as it is sent. */
export function registerQueryCache(server: FastifyInstance, app: Pick<App, 'config' | 'runner' | 'store'>, metrics: Metrics): void {
  const ttlMs = app.config.TIENDO_QUERY_CACHE_MS;
  if (ttlMs === 0) return;
  const cache = new ResponseCache({
    ttlMs, maxBytes: app.config.TIENDO_QUERY_CACHE_MB * 1024 * 1024, onEvict: (n) => metrics.queryCacheEvictions.inc(n),
  });
  metrics.queryCacheBytes = () => cache.bytes;
  const changes = new TaskChanges(app.runner, (a, b) => app.store.comparePositions(a, b));
  const unchanged = changes.unchangedSince.bind(changes);
  server.addHook('onClose', async () => changes.close());
  const refreshing = app.config.TIENDO_QUERY_CACHE_REFRESH;
  if (refreshing) registerPageRefresh(server, app.runner, cache, unchanged, metrics);

  server.addHook('preHandler', async (req, reply) => {
    if ((req.method !== 'GET' && req.method !== 'POST') || req.headers.upgrade || !req.actor || !GRAPHQL_PATH.test(req.url)) return;
    const asked = requestOf(req);
    // A mutation is never kept: no key to make (a document that only starts otherwise is looked up and computed as usual).
    if (!asked || MUTATION.test(asked.query)) return;
    const key = canonical([req.responseType ?? '', req.actor, asked.operationName ?? '', asked.variables, asked.query]);
    if (key === undefined) return;
    const position = app.runner.views.position;
    const now = Date.now();
    const cacheControl = req.headers['cache-control'];
    if (!(typeof cacheControl === 'string' && NO_CACHE.test(cacheControl))) {
      const hit = cache.get(key, position, now, unchanged);
      if (hit) {
        metrics.queryCacheHits.inc();
        req.gqlOperation = hit.operation;
        return reply.code(200).header('content-type', hit.contentType).send(hit.body);
      }
    }
    req.queryCache = {
      key, operationName: asked.operationName, variables: asked.variables, tasks: null, position, at: now, query: false, keepable: false, clean: false,
    };
  });

  // Registered after hardening's onSend: the content type is final here.
  server.addHook('onSend', async (req, reply, payload) => {
    const pending = req.queryCache;
    if (!pending) return payload;
    // This process's own refresh of a page is not a miss.
    const refresh = isRefresh(req);
    if (!refresh && (pending.query || req.gqlOperation?.type === 'query')) metrics.queryCacheMisses.inc();
    const keep = pending.clean && reply.statusCode === 200 && app.runner.views.position === pending.position
      && (typeof payload === 'string' || Buffer.isBuffer(payload));
    if (!keep) return payload;
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload as Buffer;
    // A task page depends on the instant only through the date (status): it lasts until the date changes.
    cache.set(pending.key, pending.position, pending.at, {
      body, contentType: String(reply.getHeader('content-type')), operation: req.gqlOperation ?? { name: null, type: 'query' },
    }, pending.tasks ? {
      tasks: pending.tasks, until: nextDayStartMillis(pending.at), refreshed: refresh,
      // How it was asked, to ask it again once it goes stale (page-refresh.ts).
      ...(refreshing ? { recipe: recipeOf(req) } : {}),
    } : undefined);
    return body;
  });
}

interface GqlContext { reply?: { request: FastifyRequest } }

/**
 * After mercurius, before the variables' cost check (registerVariableCost, which may refuse): which
 * executions are queries of the read model, and which ended without errors.
 */
export function registerQueryCacheExecution(server: FastifyInstance, app: Pick<App, 'config' | 'runner'>): void {
  if (app.config.TIENDO_QUERY_CACHE_MS === 0) return;
  server.graphql.addHook('preExecution', async (schema, document, context) => {
    const pending = (context as GqlContext).reply?.request.queryCache;
    if (!pending) return;
    pending.query = getOperationAST(document, pending.operationName)?.operation === 'query';
    pending.keepable = pending.query && !readsOutsideReadModel(document);
    if (pending.keepable) pending.tasks = taskPageScope(schema, document, pending.operationName, pending.variables);
  });
  server.graphql.addHook('onResolution', async (execution, context) => {
    const pending = (context as GqlContext).reply?.request.queryCache;
    if (!pending) return;
    pending.clean = pending.keepable && !execution.errors?.length && app.runner.views.position === pending.position;
  });
}
