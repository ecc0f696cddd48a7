/** GraphQL over HTTP with the Bearer token kept in sessionStorage (this tab only). */

const TOKEN_KEY = 'tiendo.token';
/** The position of this tab's last write: later requests ask the replica that answers to have reached it. */
const POSITION_KEY = 'tiendo.position';

export const session = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly status: number) {
    super(message);
  }
}

/** Raised (as an event) when the server refuses the token; the app goes back to sign-in. */
export const SIGNED_OUT = 'tiendo:signed-out';

export interface GqlBody<T> { data?: T | null; errors?: { message: string; extensions?: { code?: string; reason?: string; retryAfter?: number } }[] }

/** A mutation's payloads carry the `position` it wrote: kept, and the cached answers (older than it) dropped. */
function noteWrites(data: unknown): void {
  for (const payload of Object.values((data ?? {}) as Record<string, unknown>)) {
    const position = (payload as { position?: unknown } | null)?.position;
    if (typeof position === 'string') {
      sessionStorage.setItem(POSITION_KEY, position);
      cache.clear();
    }
  }
}

// A short-lived cache: going back, switching language or redrawing does not refetch.
const TTL_MS = 60_000;
const cache = new Map<string, { at: number; data: unknown }>();

export function clearCache(): void {
  cache.clear();
}

/**
 * One GraphQL request: the HTTP status and the parsed body (a body that is not JSON reads as an error).
 * With `minPosition`, the replica that answers must have reached it (X-Tiendo-Min-Position, read-your-writes
 * behind a load balancer); a 503 from one still catching up is retried once after its hint.
 */
export async function post<T>(query: string, variables: Record<string, unknown>, token: string | null, signal?: AbortSignal, minPosition?: string | null): Promise<{ status: number; body: GqlBody<T> }> {
  const send = () => fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9',
      ...(token ? { authorization: `Bearer ${token}` } : {}), ...(minPosition ? { 'x-tiendo-min-position': minPosition } : {}),
    },
    body: JSON.stringify({ query, variables }),
    ...(signal ? { signal } : {}),
  });
  let res = await send();
  if (res.status === 503 && minPosition) {
    const hint = Number(res.headers.get('retry-after')) || 1;
    await new Promise((r) => setTimeout(r, hint * 1000));
    res = await send();
  }
  try {
    return { status: res.status, body: (await res.json()) as GqlBody<T> };
  } catch {
    return { status: res.status, body: { errors: [{ message: `HTTP ${res.status}`, extensions: { code: res.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL' } }] } };
  }
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  const token = session.get();
  const key = `${token}\n${query}\n${JSON.stringify(variables)}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.data as T;

  const { status, body } = await post<T>(query, variables, token, signal, sessionStorage.getItem(POSITION_KEY));
  const first = body.errors?.[0];
  const code = first?.extensions?.code;
  if (status === 401 || code === 'UNAUTHENTICATED') {
    session.clear();
    cache.clear();
    window.dispatchEvent(new CustomEvent(SIGNED_OUT));
    throw new ApiError(first?.message ?? 'unauthenticated', 'UNAUTHENTICATED', status);
  }
  if (first || !body.data) throw new ApiError(first?.message ?? `HTTP ${status}`, code, status);
  if (/^\s*mutation\b/.test(query)) {
    noteWrites(body.data);
    return body.data;
  }
  if (cache.size > 200) cache.clear();
  cache.set(key, { at: Date.now(), data: body.data });
  return body.data;
}

/** The end of a Vietnam calendar day as an instant: what "as of 31/12/2023" means. */
export const endOfDay = (date: string): string => `${date}T23:59:59.999+07:00`;
