import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { DateTime } from 'luxon';
import { isoDate } from '../shared/schemas.js';

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !isoDate.safeParse(value).success) {
    throw invalid(`Date must be a real calendar date YYYY-MM-DD, got ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  return value;
}

/** Instants must carry an offset (a bare local time would take the server's zone); stored in UTC. */
function parseDateTime(value: unknown): string {
  const ok = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[^\s]*(Z|z|[+-]\d{2}:?\d{2})$/.test(value);
  const dt = ok ? DateTime.fromISO(value as string, { setZone: true }) : null;
  if (!dt?.isValid) throw invalid(`DateTime must be an ISO-8601 instant with an offset, got ${JSON.stringify(value)?.slice(0, 40)}`);
  return dt.toUTC().toISO()!;
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'A calendar date YYYY-MM-DD, read in Asia/Ho_Chi_Minh',
  serialize: (v) => v,
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 instant',
  serialize: (v) => v,
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});
