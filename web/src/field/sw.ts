/**
 * The field page's service worker (served as /field-sw.js, scope /field): keeps the page and its
 * assets so that /field opens, and reloads, with no connection. The build writes the list of what
 * to keep into PRECACHE (web/vite.config.ts); a new build changes this file's bytes, so the
 * browser installs the new worker, which replaces the old cache. GraphQL calls are never touched:
 * the page queues its own writes (outbox.ts).
 */

// The webworker lib clashes with the dom lib the rest of web/src compiles with: the few types used here.
interface LifecycleEvent extends Event { waitUntil(work: Promise<unknown>): void }
interface FetchLikeEvent extends LifecycleEvent { request: Request; respondWith(response: Promise<Response>): void }
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: LifecycleEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchLikeEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}

declare const PRECACHE: string[];
declare const PRECACHE_VERSION: string;

const worker = self as unknown as WorkerScope;
const CACHE = `tiendo-field-${PRECACHE_VERSION}`;
const PAGE = '/field';

worker.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([PAGE, ...PRECACHE])).then(() => worker.skipWaiting()));
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('tiendo-field-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => worker.clients.claim()));
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== worker.location.origin) return;
  // Cache first: on a slow line the kept page answers at once; a new build arrives as a new worker.
  const key = request.mode === 'navigate' && (url.pathname === PAGE || url.pathname === `${PAGE}/`) ? PAGE : null;
  if (key === null && !PRECACHE.includes(url.pathname)) return;
  event.respondWith(caches.match(key ?? url.pathname, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
});
