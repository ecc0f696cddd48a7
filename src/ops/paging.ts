import { decodeCursor, encodeCursor, pageSize } from '../api/connection.js';

/**
 * A Relay connection over items sorted newest first by a string key that sorts oldest first
 * (an ISO instant and an id, a zero-padded sequence): `after` a cursor means older than it.
 */
export function newestFirst<T, N>(items: T[], key: (t: T) => string, node: (t: T) => N, args: { first?: number | null; after?: string | null }) {
  const first = pageSize(args.first);
  const after = decodeCursor(args.after);
  const start = after === undefined ? 0 : items.findIndex((t) => key(t) < after);
  const from = start < 0 ? items.length : start;
  const page = items.slice(from, from + first);
  const edges = page.map((t) => ({ node: node(t), cursor: encodeCursor(key(t)) }));
  return {
    edges,
    pageInfo: { hasNextPage: from + first < items.length, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null },
    totalCount: items.length,
  };
}
