import { badInput } from '../errors.js';

export const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

export const encodeCursor = (key: string) => Buffer.from(`c:${key}`, 'utf8').toString('base64url');

export function decodeCursor(cursor: string | null | undefined): string | undefined {
  if (cursor == null) return undefined;
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!raw.startsWith('c:')) throw badInput('after is not a cursor this API gave out');
  return raw.slice(2);
}

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`);
  return first;
}

/**
 * A Relay connection over items already in cursor order; `key` gives each item's cursor key.
 * Keys sort oldest first; with `newestFirst` the items run the other way, and `after` a cursor
 * means older than it.
 */
export function connection<T, N>(
  items: T[], key: (t: T) => string, node: (t: T) => N, args: { first?: number | null; after?: string | null }, newestFirst = false,
) {
  const first = pageSize(args.first);
  const after = decodeCursor(args.after);
  const beyond = (k: string) => (newestFirst ? k < after! : k > after!);
  const start = after === undefined ? 0 : items.findIndex((t) => beyond(key(t)));
  const from = start < 0 ? items.length : start;
  const page = items.slice(from, from + first);
  const edges = page.map((t) => ({ node: node(t), cursor: encodeCursor(key(t)) }));
  return {
    edges,
    pageInfo: { hasNextPage: from + first < items.length, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null },
    totalCount: items.length,
  };
}
