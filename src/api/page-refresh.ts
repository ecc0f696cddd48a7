/**
 * Task pages computed again after their task changed, before anyone asks (TIENDO_QUERY_CACHE_REFRESH).
 * A task's page lasts in the response cache until that task (or one below it, or a unit) changes
 * (query-cache.ts); the first leader to open it after a burst of progress reports then waits for
 * it to be computed, and at national scale a burst leaves hundreds of pages to compute at once:
 * every request behind them waits too (bench/README.md: the task page's open-loop tail). Here,
 * once the read model has been still for a moment, each page that was served from the cache at
 * least once and has gone stale is asked again, as its first asker asked it (same document,
 * variables, token and Accept), with `Cache-Control: no-cache`: the whole request path runs —
 * authentication, the actor's visibility, the cost checks — and the answer replaces the entry.
 * A token that has expired since is refused (401) and the entry is not kept, as for anyone.
 *
 * Not rate limited (the refresh is the server's work, not the token's requests; a secret header
 * only this process knows marks it) and not counted as a miss.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionRunner } from '../runner/runner.js';
import type { Metrics } from '../ops/metrics.js';
import type { ResponseCache, StillTrue } from './response-cache.js';

/** How a kept answer was asked: enough to ask it again. */
export interface Recipe {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

const REFRESH_HEADER = 'x-tiendo-refresh';
/** Known to this process only: a client cannot pass its requests off as refreshes. */
const REFRESH_TOKEN = randomBytes(24).toString('hex');

/** Whether `req` is this process's own refresh of a page. */
export function isRefresh(req: FastifyRequest): boolean {
  return req.headers[REFRESH_HEADER] === REFRESH_TOKEN;
}

/** The recipe of a GraphQL request over HTTP, or undefined for one that cannot be asked again as it was. */
export function recipeOf(req: FastifyRequest): Recipe | undefined {
  const { authorization, accept } = req.headers;
  if (typeof authorization !== 'string') return undefined;
  const headers: Record<string, string> = { authorization, ...(typeof accept === 'string' ? { accept } : {}) };
  if (req.method === 'GET') return { method: 'GET', url: req.url, headers };
  if (req.method !== 'POST' || !req.body || typeof req.body !== 'object') return undefined;
  return { method: 'POST', url: req.url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(req.body) };
}

/** How long the read model must stay still before stale pages are refreshed. */
const STILL_MS = 250;
/** Pages refreshed per still moment at most: a bound on the CPU this takes from requests. */
const PER_MOMENT = 100;

export function registerPageRefresh(
  server: FastifyInstance, runner: Pick<ProjectionRunner, 'views'>, cache: ResponseCache, stillTrue: StillTrue, metrics: Metrics,
): void {
  let lastPosition = runner.views.position;
  let scannedAt: string | null | undefined;
  let running = false;
  const timer = setInterval(() => {
    const position = runner.views.position;
    if (running || position !== lastPosition) {
      lastPosition = position;
      return;
    }
    // Still since the last tick: refresh once per position (a later move scans again).
    if (scannedAt === position) return;
    const stale = cache.staleLasting(position, Date.now(), stillTrue, PER_MOMENT);
    if (stale.length < PER_MOMENT) scannedAt = position;
    if (stale.length === 0) return;
    running = true;
    void (async () => {
      for (const recipe of stale as Recipe[]) {
        // A write arrived: its burst comes first; the next still moment picks up what is left.
        if (runner.views.position !== position) break;
        const res = await server.inject({
          method: recipe.method, url: recipe.url, payload: recipe.payload,
          headers: { ...recipe.headers, 'cache-control': 'no-cache', [REFRESH_HEADER]: REFRESH_TOKEN },
        }).catch(() => undefined);
        if (res) metrics.queryCacheRefreshes.inc({ outcome: res.statusCode === 200 ? 'refreshed' : 'refused' });
      }
    })().finally(() => {
      running = false;
    });
  }, STILL_MS);
  timer.unref();
  server.addHook('onClose', async () => clearInterval(timer));
}
