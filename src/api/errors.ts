import type { GraphQLError } from 'graphql';
import type { FastifyBaseLogger } from 'fastify';
import { ErrorCode, TiendoError } from '../errors.js';

interface FormattedError { message: string; locations?: unknown; path?: unknown; extensions: Record<string, unknown> }

const KNOWN = new Set<string>(Object.values(ErrorCode));

/**
 * Every error leaves with a code from the catalogue and without a stack or an internal message.
 * Errors tiendo did not expect are logged in full and reach the client as INTERNAL.
 */
export function formatError(error: GraphQLError, log?: FastifyBaseLogger): FormattedError {
  const base = { ...(error.locations ? { locations: error.locations } : {}), ...(error.path ? { path: error.path } : {}) };
  const original = error.originalError;
  if (original instanceof TiendoError) {
    return {
      message: original.message, ...base,
      extensions: { code: original.code, ...(original.reason ? { reason: original.reason } : {}), ...(original.details ? { details: original.details } : {}) },
    };
  }
  const code = (error.extensions?.code ?? (original as GraphQLError | undefined)?.extensions?.code) as string | undefined;
  if (code && KNOWN.has(code)) return { message: error.message, ...base, extensions: { code } };
  if (!original || original.name === 'GraphQLError') {
    // Parse and validation errors, and bad variables: the request itself is wrong.
    return { message: error.message, ...base, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  log?.error({ err: original }, 'unexpected error in a resolver');
  return { message: 'internal error', ...base, extensions: { code: ErrorCode.INTERNAL } };
}

/** An error body in the GraphQL shape for failures outside execution (auth, malformed JSON). */
export const errorBody = (code: ErrorCode, message: string) => ({ errors: [{ message, extensions: { code } }] });
