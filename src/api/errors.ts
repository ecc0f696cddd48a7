import type { GraphQLError } from 'graphql';
import type { FastifyBaseLogger } from 'fastify';
import { ErrorCode, TiendoError, unavailable } from '../errors.js';
import { StoreUnavailableError } from '../eventstore/errors.js';

interface FormattedError { message: string; locations?: unknown; path?: unknown; extensions: Record<string, unknown> }

const KNOWN = new Set<string>(Object.values(ErrorCode));

/**
 * Every error leaves with a code from the catalogue and without a stack or an internal message.
 * Errors tiendo did not expect are logged in full and reach the client as INTERNAL.
 */
export function formatError(error: GraphQLError, log?: FastifyBaseLogger): FormattedError {
  const base = { ...(error.locations ? { locations: error.locations } : {}), ...(error.path ? { path: error.path } : {}) };
  let original = error.originalError;
  // Another replica held the embedded store's write lock too long, or the cluster is electing a leader.
  if (original instanceof StoreUnavailableError) {
    original = unavailable('the event store did not take the write just now: retry with the same clientMutationId (a retry never writes twice)', 'STORE_UNAVAILABLE', 1);
  }
  if (original instanceof TiendoError) {
    return {
      message: original.message, ...base,
      extensions: { code: original.code, ...(original.reason ? { reason: original.reason } : {}), ...(original.details ? { details: original.details } : {}) },
    };
  }
  const code = (error.extensions?.code ?? (original as GraphQLError | undefined)?.extensions?.code) as string | undefined;
  if (code && KNOWN.has(code)) return { message: error.message, ...base, extensions: { code } };
  const status = (original as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // fastify's own refusals: malformed JSON, a wrong content type, a body too large.
    return { message: original!.message, ...base, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if (!original || original.name === 'GraphQLError') {
    // Parse and validation errors, and bad variables: the request itself is wrong.
    return { message: error.message, ...base, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  log?.error({ err: original }, 'unexpected error in a resolver');
  return { message: 'internal error', ...base, extensions: { code: ErrorCode.INTERNAL } };
}

/** An error body in the GraphQL shape for failures outside execution (auth, malformed JSON). */
export const errorBody = (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) =>
  ({ errors: [{ message, extensions: { code, ...extensions } }] });

interface MercuriusExecution { data?: unknown; errors: readonly GraphQLError[]; statusCode?: number }

/**
 * mercurius' errorFormatter: flattens its validation wrapper (MER_ERR_GQL_VALIDATION carries the
 * real errors in `errors`), maps each to the catalogue, and picks the status code the
 * GraphQL-over-HTTP spec names: 200 once execution started, 4xx for a request that never ran.
 */
export function formatExecution(execution: MercuriusExecution, log?: FastifyBaseLogger) {
  const flat = execution.errors.flatMap((e) => {
    const inner = (e.originalError as { errors?: unknown } | undefined)?.errors;
    return Array.isArray(inner) ? (inner as GraphQLError[]) : [e];
  });
  const errors = flat.map((e) => formatError(e, log));
  let statusCode = 200;
  if (execution.data == null) {
    const single = execution.errors.length === 1 ? (execution.errors[0]!.originalError as { statusCode?: unknown } | undefined)?.statusCode : undefined;
    if (typeof single === 'number') statusCode = single;
    else if (typeof execution.statusCode === 'number') statusCode = execution.statusCode;
    else if (errors.every((e) => !e.path)) statusCode = 400;
    if (errors.some((e) => e.extensions.code === ErrorCode.INTERNAL)) statusCode = 500;
  }
  return { statusCode, response: { data: execution.data ?? null, errors } };
}
