/**
 * What stands between the network and the GraphQL executor (issue 5):
 *
 *  - GraphQL-over-HTTP content negotiation: `application/graphql-response+json` (preferred, and
 *    assumed when the client sends no Accept) or `application/json`; 406 for anything else. The
 *    status codes follow the spec per media type (see `negotiatedErrorFormatter`).
 *  - GET (and HEAD) only for queries: anything else over GET is 405 with `Allow: GET, POST`.
 *  - Authentication of every /graphql request (Bearer JWT, HS256 or a JWKS, see auth/tokens.ts).
 *  - A rate limit per token subject (per IP for requests without a valid token).
 *  - Validation rules against hostile documents: depth, cost, aliases, directives, historical
 *    replays (asOf), introspection in production; a parser token limit; a body size limit.
 *    Batched queries are off (a JSON array body is not a GraphQL-over-HTTP request).
 *
 * server.ts wires it in with `hardening(config)` (options for fastify and mercurius) and
 * `registerHardening(server, app)` (hooks), before mercurius is registered.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type ASTVisitor, type DocumentNode, type FragmentDefinitionNode, GraphQLError, type GraphQLSchema, Kind,
  NoSchemaIntrospectionCustomRule, type ValidationContext, type ValidationRule, getOperationAST, getVariableValues, parse,
  validate, visit,
} from 'graphql';
import type { App } from '../app/app.js';
import { type TokenVerifier, createVerifier } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { ErrorCode, TiendoError } from '../errors.js';
import { documentHas } from './documents.js';
import { isRefresh } from './page-refresh.js';

/** The limits, in one place. Generous for every query the API's users make; tight for abuse. */
export const LIMITS = {
  /** Nesting of selections. `tasks { edges { node { history { edges { node { actor { unit { parent { id } } } } } } } } }` is 10. */
  depth: 12,
  /** graphql-armor's cost: objects 2, scalars 1, ×1.5 a level, × `first` (a literal, or a variable's value: refuseCostlyVariables). */
  cost: 20_000,
  aliases: 20,
  directives: 10,
  /** Fields that replay history to an instant (an `asOf` read; `compare` counts two). */
  replays: 4,
  /** Tokens the parser reads before giving up (a 3,321-commune delegation written inline is ≈ 40,000). */
  tokens: 50_000,
  /** Bytes of a request body. */
  bodyLimit: 1024 * 1024,
  /** Bytes of one WebSocket message (a subscription document and its variables); larger: closed with 1009. */
  wsMessage: 64 * 1024,
  /** The rate-limit window; the count per window is TIENDO_RATE_LIMIT. */
  rateWindowMs: 60_000,
} as const;

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const JSON_MEDIA = 'application/json';
export type ResponseMediaType = typeof GRAPHQL_RESPONSE_JSON | typeof JSON_MEDIA;

declare module 'fastify' {
  interface FastifyRequest {
    /** The media type the response will use, from the Accept header (GraphQL-over-HTTP). */
    responseType?: ResponseMediaType;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Content negotiation                                                                          */
/* ------------------------------------------------------------------------------------------ */

interface MediaRange { type: string; subtype: string; q: number; index: number }

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  header.split(',').forEach((part, index) => {
    const [range, ...params] = part.trim().split(';');
    const [type, subtype] = (range ?? '').trim().toLowerCase().split('/');
    if (!type || !subtype) return;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim().toLowerCase());
      if (k === 'q') q = Number.isFinite(Number(v)) ? Math.min(1, Math.max(0, Number(v))) : 0;
    }
    ranges.push({ type, subtype, q, index });
  });
  return ranges;
}

/**
 * The response media type for an Accept header, or null when it allows neither GraphQL type
 * (406). No header: application/graphql-response+json (the spec's default since 2025-01-01).
 * Among types the client accepts with the same quality, the one it names more specifically
 * (then earlier) wins; for wildcards the server prefers application/graphql-response+json.
 */
export function negotiate(accept: string | undefined): ResponseMediaType | null {
  if (!accept || !accept.trim()) return GRAPHQL_RESPONSE_JSON;
  const ranges = parseAccept(accept);
  let best: { type: ResponseMediaType; q: number; specificity: number; index: number } | null = null;
  for (const type of [GRAPHQL_RESPONSE_JSON, JSON_MEDIA] as const) {
    const [t, s] = type.split('/') as [string, string];
    let match: { q: number; specificity: number; index: number } | null = null;
    for (const r of ranges) {
      const specificity = r.type === t && r.subtype === s ? 3 : r.type === t && r.subtype === '*' ? 2 : r.type === '*' && r.subtype === '*' ? 1 : 0;
      if (specificity && (!match || specificity > match.specificity)) match = { q: r.q, specificity, index: r.index };
    }
    if (!match || match.q <= 0) continue;
    if (!best || match.q > best.q || (match.q === best.q && (match.specificity > best.specificity
      || (match.specificity === best.specificity && match.index < best.index)))) {
      best = { type, ...match };
    }
  }
  return best?.type ?? null;
}

/* ------------------------------------------------------------------------------------------ */
/* Validation rules                                                                             */
/* ------------------------------------------------------------------------------------------ */

/** A refusal as a GraphQL error carrying the catalogue's code and a reason a program can test. */
function refusal(message: string, reason: string): GraphQLError {
  return new GraphQLError(message, { originalError: new TiendoError(ErrorCode.BAD_USER_INPUT, message, reason) });
}

/**
 * graphql-armor refuses by throwing at the operation's start, before the expensive standard
 * rules (overlapping fields) walk a hostile document: keep that, but with a plain message
 * (armor prefixes "Syntax Error:") and a reason.
 */
const rejectWith = (reason: string) => ({
  propagateOnRejection: true,
  onReject: [(_ctx: ValidationContext | null, error: GraphQLError) => {
    throw refusal(error.message.replace(/^Syntax Error: /, ''), reason);
  }],
});

/**
 * Historical reads replay the event log up to an instant (≈ 1 s at 1 M events): a document
 * may ask for at most `n` of them. Any field of Query with an `asOf` argument counts one
 * (a variable counts, whatever its value), `compare` two.
 */
export function maxReplaysRule(n: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let replays = 0;
    return {
      Field(node) {
        if (context.getParentType()?.name !== context.getSchema().getQueryType()?.name) return;
        if (node.name.value === 'compare') replays += 2;
        else if (node.arguments?.some((a) => a.name.value === 'asOf' && a.value.kind !== Kind.NULL)) replays += 1;
      },
      Document: {
        leave() {
          if (replays > n) context.reportError(refusal(`at most ${n} historical reads (asOf, compare counts two) in one request, found ${replays}`, 'TOO_MANY_REPLAYS'));
        },
      },
    };
  };
}

const costRule = () => costLimitRule({ maxCost: LIMITS.cost, ignoreIntrospection: true, ...rejectWith('QUERY_TOO_COSTLY') }) as unknown as ValidationRule;

/** The rules mercurius adds to graphql's own: limits, and no introspection in production. */
export function validationRules(production: boolean): ValidationRule[] {
  const rules: ValidationRule[] = [
    maxDepthRule({ n: LIMITS.depth, ignoreIntrospection: true, ...rejectWith('QUERY_TOO_DEEP') }) as unknown as ValidationRule,
    costRule(),
    maxAliasesRule({ n: LIMITS.aliases, ...rejectWith('TOO_MANY_ALIASES') }) as unknown as ValidationRule,
    maxDirectivesRule({ n: LIMITS.directives, ...rejectWith('TOO_MANY_DIRECTIVES') }) as unknown as ValidationRule,
    maxReplaysRule(LIMITS.replays),
  ];
  if (production) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

/** The page-size arguments graphql-armor's cost multiplies by. */
const PAGE_ARGS = new Set(['first', 'last']);
/** Whether a page size in a document is a variable (costed with its value by registerVariableCost). */
const hasVariablePage = documentHas(Kind.ARGUMENT, (node) => PAGE_ARGS.has(node.name.value) && node.value.kind === Kind.VARIABLE);

/**
 * graphql-armor's cost multiplies by a literal `first: 100` but not by `first: $n`: validation
 * sees no variables (and mercurius validates a document once, whatever its variables). So, before
 * execution, each operation whose page sizes are variables is costed again with their values
 * written in (defaults included), by the same rule: `first: $n` with n = 10,000 is refused as
 * `first: 10000` is. Throws the refusal (BAD_USER_INPUT, QUERY_TOO_COSTLY). Variables that do not
 * coerce are left to execution, which refuses them.
 */
export function refuseCostlyVariables(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined): void {
  if (!hasVariablePage(document)) return;
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  for (const operation of document.definitions) {
    if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
    const values = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    if (values.errors) continue;
    const coerced = values.coerced;
    const written = visit({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] } as DocumentNode, {
      Argument(node) {
        if (!PAGE_ARGS.has(node.name.value) || node.value.kind !== Kind.VARIABLE) return undefined;
        const value = coerced[node.value.name.value];
        return Number.isInteger(value) ? { ...node, value: { kind: Kind.INT, value: String(value) } } : undefined;
      },
    });
    // The rule throws its refusal (propagateOnRejection); other rules' errors were reported at validation.
    validate(schema, written, [costRule()]);
  }
}

/** After mercurius is registered: every query and mutation is costed with its variables before it runs. */
export function registerVariableCost(server: FastifyInstance): void {
  server.graphql.addHook('preExecution', async (schema, document, _context, variables) => {
    refuseCostlyVariables(schema, document, variables);
  });
}

/* ------------------------------------------------------------------------------------------ */
/* Status codes                                                                                 */
/* ------------------------------------------------------------------------------------------ */

interface Execution { data?: unknown; errors: readonly GraphQLError[]; statusCode?: number }
interface Formatted { statusCode: number; response: { data?: unknown; errors: { message: string; extensions?: Record<string, unknown> }[] } }

/**
 * A GraphQL request error on a well-formed GraphQL-over-HTTP request: the document did not
 * parse or validate, the operation could not be chosen, the variables did not coerce. Not:
 * malformed JSON, a body that is not a request (fastify/mercurius request checks), a method.
 */
function isRequestError(execution: Execution): boolean {
  return execution.errors.length > 0 && execution.errors.every((e) => {
    const original = e.originalError as (Error & { code?: string; errors?: unknown[]; statusCode?: number }) | undefined;
    if (!original) return true;
    if (original instanceof TiendoError || original.name === 'GraphQLError') return !e.path;
    if (original.code === 'MER_ERR_GQL_VALIDATION' && Array.isArray(original.errors)) {
      return original.errors.every((inner) => (inner as Error | undefined)?.name === 'GraphQLError');
    }
    return false;
  });
}

/**
 * Wraps the error formatter so status codes follow GraphQL-over-HTTP for the negotiated type:
 *  - execution started (the response has `data`, null or not): 200, either type;
 *  - a request error before execution: no `data` entry; 400 with
 *    application/graphql-response+json, 200 with application/json (well-formed request);
 *  - a request that is not well-formed (malformed JSON, wrong shape), a method not allowed,
 *    a body too large: the formatter's 4xx, either type.
 * In production, "Did you mean …?" suggestions are dropped: they spell out the schema.
 */
export function negotiatedErrorFormatter(inner: (execution: Execution) => Formatted, production: boolean) {
  return (execution: Execution, context: { reply?: FastifyReply } | undefined): Formatted => {
    const out = inner(execution);
    if (production) {
      for (const e of out.response.errors) e.message = e.message.replace(/ Did you mean .*\?$/, '');
    }
    if (execution.data !== undefined) return { statusCode: 200, response: out.response };
    const { data: _none, ...response } = out.response;
    const type = context?.reply?.request.responseType ?? GRAPHQL_RESPONSE_JSON;
    let statusCode = out.statusCode;
    if (isRequestError(execution)) statusCode = type === JSON_MEDIA ? 200 : 400;
    return { statusCode, response };
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Options and hooks                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** The options server.ts hands to fastify and mercurius. */
export function hardening(config: Config) {
  const production = config.NODE_ENV === 'production';
  return {
    production,
    bodyLimit: LIMITS.bodyLimit,
    graphiql: !production,
    validationRules: validationRules(production),
    /** mercurius' `graphql` option: the parser's token limit; no "Did you mean …?" in production. */
    // (graphql 16.15 reads hideSuggestions; mercurius' types predate it.)
    graphql: { parseOptions: { maxTokens: LIMITS.tokens }, validateOptions: { hideSuggestions: production } as object as { maxErrors?: number } },
    errorFormatter: (inner: (execution: Execution) => Formatted) => negotiatedErrorFormatter(inner, production),
  };
}

/** /graphql or /graphql/, with or without a query string (a test, not a split: it runs in several hooks of every request). */
const GRAPHQL_PATH = /^\/graphql\/?(?:\?|$)/;
const isGraphql = (req: FastifyRequest) => GRAPHQL_PATH.test(req.url);

const body = (message: string, code: ErrorCode, reason: string) => ({ errors: [{ message, extensions: { code, reason } }] });

/** The verifier this configuration asks for: a JWKS when TIENDO_JWKS_URL is set, else the HS256 secret. */
export function verifierFor(app: Pick<App, 'config' | 'secret'>): TokenVerifier {
  const c = app.config;
  return createVerifier({ secret: app.secret, jwksUrl: c.TIENDO_JWKS_URL, issuer: c.TIENDO_JWT_ISSUER, audience: c.TIENDO_JWT_AUDIENCE });
}

/**
 * A count as a header's text, made without V8's number-to-string cache. node turns a number header
 * into text with that cache, which lives in the old generation: every count it had not seen (a
 * token's `remaining` is a new one on each request) became a string promoted out of the young
 * generation. At a fixed rate of task pages that was two thirds of what the old generation grew by,
 * and so of how often a full collection's marking took the second core (bench/README.md, session 17).
 */
const headerNumber = (n: number): string => n.toFixed(0);

/**
 * Registers the request hooks for /graphql, in this order: negotiate the media type (406),
 * read the token, count the request against its subject's (else its IP's) rate limit (429),
 * refuse a missing or bad token (401; 503 when the JWKS cannot be fetched), refuse a GET that
 * is not a query (405). /health,
 * /graphiql and static files pass untouched.
 */
export async function registerHardening(server: FastifyInstance, app: Pick<App, 'config' | 'secret'>): Promise<void> {
  const verify = verifierFor(app);
  if (app.config.TIENDO_JWKS_URL && app.config.TIENDO_AUTH_SECRET) {
    server.log.warn('TIENDO_JWKS_URL is set: tokens are verified against it only, TIENDO_AUTH_SECRET is not accepted for verification');
  }

  await server.register(rateLimit, { global: false });
  const limiter = server.createRateLimit({
    max: app.config.TIENDO_RATE_LIMIT,
    timeWindow: LIMITS.rateWindowMs,
    keyGenerator: (req) => (req.actor ? `sub:${req.actor.id}` : `ip:${req.ip}`),
  });
  // One hook for the four steps: a hook more is a promise and a turn of fastify's hook runner on every request.
  server.addHook('onRequest', async (req, reply) => {
    if (!isGraphql(req) || req.headers.upgrade) return;
    const type = negotiate(req.headers.accept);
    if (!type) {
      return reply.code(406).type(`${JSON_MEDIA}; charset=utf-8`).send(body(
        `cannot answer in any type the Accept header allows: use ${GRAPHQL_RESPONSE_JSON} or ${JSON_MEDIA}`,
        ErrorCode.BAD_USER_INPUT, 'NOT_ACCEPTABLE'));
    }
    req.responseType = type;
    let authError: TiendoError | undefined;
    try {
      req.actor = await verify(req.headers.authorization);
    } catch (error) {
      authError = error instanceof TiendoError ? error : new TiendoError(ErrorCode.UNAUTHENTICATED, 'a valid Bearer token is required', 'UNAUTHENTICATED');
    }

    // Counted before a bad token is refused, so that guessing tokens is rate limited too (per IP).
    // The server's own refresh of a task page (page-refresh.ts) is its work, not the token's request.
    const limit = isRefresh(req) ? { isAllowed: true } as const : await limiter(req);
    if (!limit.isAllowed) {
      reply.header('x-ratelimit-limit', headerNumber(limit.max)).header('x-ratelimit-remaining', headerNumber(limit.remaining))
        .header('x-ratelimit-reset', headerNumber(limit.ttlInSeconds));
      if (limit.isExceeded) {
        return reply.code(429).header('retry-after', limit.ttlInSeconds).send(body(
          `rate limit of ${limit.max} requests a minute exceeded; retry in ${limit.ttlInSeconds} s`, ErrorCode.BAD_USER_INPUT, 'RATE_LIMITED'));
      }
    }
    if (authError?.code === ErrorCode.INTERNAL) {
      req.log.warn({ reason: authError.reason }, authError.message);
      return reply.code(503).header('retry-after', 30).send(body(authError.message, ErrorCode.INTERNAL, authError.reason ?? 'INTERNAL'));
    }
    if (authError) {
      const presented = /^Bearer\s/i.test(req.headers.authorization ?? '');
      return reply.code(401).header('www-authenticate', presented ? 'Bearer error="invalid_token"' : 'Bearer')
        .send(body(authError.message, ErrorCode.UNAUTHENTICATED, authError.reason ?? 'UNAUTHENTICATED'));
    }
  });

  // GET is for queries only (GraphQL-over-HTTP: a mutation over GET is 405, whatever else is wrong).
  // HEAD too: fastify answers HEAD with the GET route, and mercurius' own check looks for 'GET' only.
  server.addHook('preHandler', async (req, reply) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isGraphql(req) || req.headers.upgrade) return;
    const { query, operationName } = (req.query ?? {}) as { query?: unknown; operationName?: unknown };
    if (typeof query !== 'string') return;
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: LIMITS.tokens });
    } catch {
      return; // mercurius reports the syntax error
    }
    const name = typeof operationName === 'string' && operationName !== '' ? operationName : undefined;
    const operation = getOperationAST(document, name);
    if (!operation) {
      const message = name ? `the document has no operation named "${name}"` : 'the document has several operations: name one with operationName';
      return reply.code(req.responseType === JSON_MEDIA ? 200 : 400).send(body(message, ErrorCode.BAD_USER_INPUT, 'INVALID_INPUT'));
    }
    if (operation.operation !== 'query') {
      return reply.code(405).header('allow', 'GET, POST').send(body(
        `a ${operation.operation} cannot be sent with GET: use POST`, ErrorCode.BAD_USER_INPUT, 'METHOD_NOT_ALLOWED'));
    }
  });

  // Every /graphql response says which of the two media types it is, with its charset.
  server.addHook('onSend', async (req, reply, payload) => {
    if (!isGraphql(req) || !req.responseType) return payload;
    const current = String(reply.getHeader('content-type') ?? '');
    if (current === '' || current.startsWith(JSON_MEDIA)) reply.header('content-type', `${req.responseType}; charset=utf-8`);
    if (reply.statusCode === 405) reply.header('allow', 'GET, POST');
    return payload;
  });
}
