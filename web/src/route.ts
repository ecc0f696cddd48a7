/** Client-side routes (history API; the server falls back to index.html for these paths). */

export type Route =
  | { name: 'programme' }
  | { name: 'unit'; id: string }
  | { name: 'task'; id: string }
  | { name: 'compare' }
  | { name: 'search' }
  | { name: 'notFound' };

export const ROOT_UNIT = 'GOV';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function current(): { route: Route; params: URLSearchParams } {
  const params = new URLSearchParams(location.search);
  const path = location.pathname;
  const m = /^\/(unit|task)\/(.+)$/.exec(path);
  let route: Route;
  if (path === '/' || path === '/index.html') route = { name: 'programme' };
  else if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[2]!);
    } catch {
      id = m[2]!;
    }
    route = m[1] === 'unit' ? { name: 'unit', id } : { name: 'task', id };
  } else if (path === '/compare') route = { name: 'compare' };
  else if (path === '/search') route = { name: 'search' };
  else route = { name: 'notFound' };
  return { route, params };
}

/** The as-of date of every view (YYYY-MM-DD), or null for the current figures. */
export function asOf(): string | null {
  const v = new URLSearchParams(location.search).get('asOf');
  return v && DATE.test(v) ? v : null;
}

export const isDate = (v: string | null | undefined): v is string => !!v && DATE.test(v);

/** A link that keeps the as-of date unless `params` sets it (null removes a parameter). */
export function link(path: string, params: Record<string, string | null | undefined> = {}): string {
  const q = new URLSearchParams();
  const keep = asOf();
  if (keep && !('asOf' in params)) q.set('asOf', keep);
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

export const unitLink = (id: string) => link(`/unit/${encodeURIComponent(id)}`);
export const taskLink = (id: string) => link(`/task/${encodeURIComponent(id)}`);

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
