/**
 * The real server (bin/tiendo.js serve) as a child process on the generated data directory, and
 * load against it with autocannon (64 connections): the trivial query `{ __typename }` (the limit),
 * task, unitProgress and programmeDashboard queries, reportProgress mutations; one timed
 * unitProgress(asOf) in the middle of the history; the server's peak RSS. The server's response
 * cache (src/api/query-cache.ts) is on, as users get it; `NO_CACHE` headers ask it to compute afresh,
 * and `counters` reads its cache hits and misses and its full collections from /metrics.
 */
import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import { type Socket, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { mintToken } from '../src/auth/tokens.js';
import { freePort } from '../test/support/server.js';
import { memory, quantile } from './lib.js';

const root = new URL('..', import.meta.url).pathname;
export const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

export interface LoadFigure {
  connections: number;
  seconds: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Of the queries in the load, the share answered from the response cache (/metrics before and after). */
  cacheHitRatio?: number | null;
  /** Full garbage collections the server ran during the load (absent before 2026-12-05). */
  fullCollections?: number;
}

/** The standard request header that makes the response cache compute the answer afresh. */
export const NO_CACHE = { 'cache-control': 'no-cache' };

export class BenchServer {
  output = '';
  /** From spawn to /health 200 (the read model caught up). */
  startMs = 0;
  /** From spawn to the integrity monitor's first walk of the hash chain done (when the server has one). */
  integrityMs: number | null = null;
  /** From spawn to the store being still (the reminder scheduler's first pass done). */
  settledMs = 0;
  /**
   * The server's RSS sampled every 250 ms, and what the bench was doing: where its peak came from;
   * and at the end of each phase its RSS and high-water mark (VmHWM) as /proc/<pid>/status says.
   */
  private phase = 'starting';
  readonly rss: { phase: string; maxBytes: number; endBytes?: number; hwmBytes?: number }[] = [];
  private sampler: NodeJS.Timeout | undefined;
  private constructor(readonly child: ChildProcess, readonly url: string, readonly metricsUrl: string) {
    this.sampler = setInterval(() => this.sample(), 250);
    this.sampler.unref();
  }

  private sample(): (typeof this.rss)[number] {
    const { rssBytes, peakRssBytes } = memory(this.child.pid!);
    let last = this.rss[this.rss.length - 1];
    if (!last || last.phase !== this.phase) this.rss.push((last = { phase: this.phase, maxBytes: 0 }));
    last.maxBytes = Math.max(last.maxBytes, rssBytes ?? 0);
    last.endBytes = rssBytes ?? undefined;
    last.hwmBytes = peakRssBytes ?? undefined;
    return last;
  }

  /** Names what the bench does from now on, for the RSS samples; the phase before ends with a sample. */
  mark(phase: string): void {
    if (this.child.exitCode === null) this.sample();
    this.phase = phase;
  }

  /** Starts `tiendo serve` on `dataDir` and waits for /health to answer 200 (read model caught up). */
  static async start(dataDir: string, opts: { profileDir?: string; env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<BenchServer> {
    const port = await freePort();
    // A port of its own for /metrics (production), known to the bench: the response cache's counters.
    const metricsPort = Number(opts.env?.TIENDO_METRICS_PORT ?? await freePort());
    const t0 = performance.now();
    const child = spawn(process.execPath, [
      // A folder of its own: tsx's loader thread writes a profile too (the larger file is the main thread's).
      ...(opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(opts.profileDir, 'server')] : []),
      // Node's own arguments for the server, to look inside it (e.g. --trace-gc, which NODE_OPTIONS refuses).
      ...(process.env.TIENDO_BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? []), ...(opts.nodeArgs ?? []),
      join(root, 'bin/tiendo.js'), 'serve',
    ], {
      cwd: root,
      env: {
        ...process.env, PORT: String(port), HOST: '127.0.0.1', TIENDO_DATA: dataDir, TIENDO_DEMO: '0', TIENDO_AUTH_SECRET: SECRET,
        // The bench measures throughput, not the limiter: one token sends every request.
        TIENDO_RATE_LIMIT: '1000000000', LOG_LEVEL: 'warn', NODE_ENV: 'production', TIENDO_METRICS_PORT: String(metricsPort), ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new BenchServer(child, `http://127.0.0.1:${port}`, `http://127.0.0.1:${metricsPort}/metrics`);
    child.stdout!.on('data', (d: Buffer) => (server.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (server.output += d.toString()));
    const deadline = Date.now() + 600_000;
    let lastPosition: string | null | undefined;
    let stillSince = 0;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${server.output}`);
      try {
        const res = await fetch(`${server.url}/health`);
        if (res.status === 200) {
          server.startMs ||= performance.now() - t0;
          if (server.integrityMs === null) server.mark('checking the hash chain');
          // The server's first full check of the hash chain runs in the background: measure after it.
          const health = (await res.json()) as { integrity?: { status?: string }; position?: string | null };
          const integrity = health.integrity?.status;
          if (integrity !== 'pending') {
            if (integrity && server.integrityMs === null) server.integrityMs = performance.now() - t0;
            server.mark('waiting for the reminder pass');
            // The reminder scheduler's first pass appends its notices (thousands on a history that just
            // ended): measure once the store has been still for three seconds.
            if (health.position === lastPosition) {
              if (performance.now() - stillSince >= 3000) {
                server.settledMs = performance.now() - t0;
                return server;
              }
            } else {
              lastPosition = health.position ?? null;
              stillSince = performance.now();
            }
          }
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, server.startMs ? 500 : 100));
    }
    throw new Error(`server did not become healthy:\n${server.output}`);
  }

  memory() {
    return memory(this.child.pid!);
  }

  /**
   * The response cache's hits and misses, and the full (mark-compact) collections the server has run:
   * a full collection's marking in the middle of a fixed-rate loop is what its misses of the latency
   * bar lined up with (bench/README.md, sessions 12 and 17). And how late the server's event loop ran
   * since the last read (prom-client resets that histogram at each): a stall of the server shows there,
   * one of the machine or of the load generator does not.
   */
  async counters(): Promise<{ hits: number; misses: number; fullCollections: number; eventLoopDelay: { p99Ms: number; maxMs: number } }> {
    const text = await (await fetch(this.metricsUrl)).text();
    const read = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? 0);
    const ms = (name: string) => Math.round(read(name) * 10_000) / 10;
    return {
      hits: read('tiendo_query_cache_hits_total'), misses: read('tiendo_query_cache_misses_total'),
      fullCollections: read('tiendo_nodejs_gc_duration_seconds_count\\{kind="major"\\}'),
      eventLoopDelay: { p99Ms: ms('tiendo_nodejs_eventloop_lag_p99_seconds'), maxMs: ms('tiendo_nodejs_eventloop_lag_max_seconds') },
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

export const leaderToken = () => mintToken(new TextEncoder().encode(SECRET), { id: 'bench-leader', role: 'leader', unit: 'GOV' }, '2h');

export interface Gql { query: string; variables?: Record<string, unknown> }

/** One request, checked: throws on an HTTP error or a GraphQL error. */
export async function gql<T = unknown>(url: string, token: string, body: Gql, headers: Record<string, string> = {}): Promise<{ data: T; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data?: T; errors?: unknown[] };
  const ms = performance.now() - t0;
  if (res.status !== 200 || json.errors?.length || !json.data) throw new Error(`GraphQL request failed (HTTP ${res.status}): ${JSON.stringify(json.errors ?? json).slice(0, 500)}`);
  return { data: json.data, ms };
}

/**
 * `connections` keep-alive connections sending `bodies` round robin for `seconds`. The first body
 * is sent once beforehand and checked (an error answer would measure the error path).
 */
export async function load(url: string, token: string, bodies: Gql[], opts: { connections: number; seconds: number; amount?: number; headers?: Record<string, string> }): Promise<LoadFigure> {
  await gql(url, token, bodies[0]!, opts.headers);
  const payloads = bodies.map((b) => JSON.stringify(b));
  let i = 0;
  const result = await autocannon({
    url: `${url}/graphql`,
    connections: opts.connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.seconds }),
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...opts.headers },
    requests: [{
      method: 'POST',
      setupRequest: (req: Record<string, unknown>) => ({ ...req, body: payloads[i++ % payloads.length] }),
    }],
  });
  return {
    connections: opts.connections, seconds: opts.amount ? result.duration : opts.seconds, requests: result.requests.total,
    perSecond: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts,
  };
}

/**
 * The same load spread over several replicas at once (`--replicas N`): `connections` in all, split
 * evenly, one autocannon per replica running together; the rates add up, the latencies are the
 * worst replica's.
 */
export async function loadSpread(urls: string[], token: string, bodies: Gql[], opts: { connections: number; seconds: number }): Promise<LoadFigure & { perReplica: number[] }> {
  const each = Math.max(1, Math.floor(opts.connections / urls.length));
  const figures = await Promise.all(urls.map((url) => load(url, token, bodies, { connections: each, seconds: opts.seconds })));
  const sum = (f: (x: LoadFigure) => number) => figures.reduce((s, x) => s + f(x), 0);
  return {
    connections: each * urls.length, seconds: opts.seconds, requests: sum((x) => x.requests), perSecond: sum((x) => x.perSecond),
    p50Ms: Math.max(...figures.map((x) => x.p50Ms)), p99Ms: Math.max(...figures.map((x) => x.p99Ms)),
    non2xx: sum((x) => x.non2xx), errors: sum((x) => x.errors), perReplica: figures.map((x) => x.perSecond),
  };
}

export interface OpenLoopFigure {
  /** The rate asked for, and the rate answered over the run (below it when the server fell behind). */
  rate: number;
  perSecond: number;
  connections: number;
  seconds: number;
  requests: number;
  /** Latency from each request's scheduled send time to its answer (coordinated omission included). */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Requests sent more than 1 ms after they were due (all connections busy, or the client itself behind). */
  lateSends: number;
  /** When the slowest request was due, ms after the first: to line its stall up with the server's log. */
  slowestDueMs: number;
  /**
   * The tail's shape: the 100 ms windows (by due time) holding a request slower than 20 ms (the
   * fixed-rate bar), the longest unbroken run of them (a stall or a dip in capacity: latency that
   * climbs for as long as the machine falls short of the rate, then drains), and the worst three.
   * One long run is a backlog; many short ones are a tail spread over the run. Absent before 2026-12-04.
   */
  slowWindows: number;
  longestSlowRunMs: number;
  worstWindows: { atMs: number; maxMs: number; slow: number }[];
  /** Still unanswered when the run was cut (see GRACE_MS): their latency is counted up to the cut. */
  unanswered: number;
  non2xx: number;
  errors: number;
}

/**
 * Open-loop load: request i is due at t0 + i / rate whatever the answers before it did, over at most
 * `connections` keep-alive connections, one request in flight on each (a request due while all are
 * busy waits for the first free one), and its latency is counted from when it was due, not from when
 * it went out — so a stall of the server shows in every request it held back (no coordinated
 * omission). autocannon's `overallRate` is not that: it sends each connection's quota per second in a
 * burst and times each request from its actual send (its HdrHistogram correction assumes 1 ms spacing
 * whatever the rate). Raw sockets and prepared request bytes, as autocannon does: node:http's client
 * costs so much CPU per request that on two cores it, not the server, made the tail.
 */
/** The open loop's tail, in windows of due time: a request slower than the fixed-rate bar marks its window. */
const WINDOW_MS = 100;
const SLOW_MS = 20;

/** The tail's shape (OpenLoopFigure.slowWindows …) from each request's latency and due time (ms from the first). */
export function tailOf(latencies: ArrayLike<number>, dueMs: (i: number) => number): Pick<OpenLoopFigure, 'slowWindows' | 'longestSlowRunMs' | 'worstWindows'> {
  const windows = new Map<number, { atMs: number; maxMs: number; slow: number }>();
  for (let i = 0; i < latencies.length; i++) {
    if (latencies[i]! <= SLOW_MS) continue;
    const w = Math.floor(dueMs(i) / WINDOW_MS);
    const e = windows.get(w) ?? { atMs: w * WINDOW_MS, maxMs: 0, slow: 0 };
    e.slow++;
    e.maxMs = Math.max(e.maxMs, Math.round(latencies[i]! * 10) / 10);
    windows.set(w, e);
  }
  let longestRun = 0;
  for (const w of windows.keys()) {
    if (windows.has(w - 1)) continue;
    let end = w;
    while (windows.has(end + 1)) end++;
    longestRun = Math.max(longestRun, end - w + 1);
  }
  return { slowWindows: windows.size, longestSlowRunMs: longestRun * WINDOW_MS, worstWindows: [...windows.values()].sort((a, b) => b.maxMs - a.maxMs).slice(0, 3) };
}

export async function openLoad(url: string | readonly string[], token: string, bodies: Gql[], opts: { rate: number; seconds: number; connections: number }): Promise<OpenLoopFigure> {
  // Several urls (replicas): connection i goes to urls[i % n], one schedule for all.
  const urls = typeof url === 'string' ? [url] : url;
  for (const u of urls) await gql(u, token, bodies[0]!);
  const targets = urls.map((u) => new URL(u));
  const target = targets[0]!;
  const requests = bodies.map((b) => {
    const body = Buffer.from(JSON.stringify(b));
    return Buffer.concat([Buffer.from(`POST /graphql HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\n`
      + `authorization: Bearer ${token}\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n`), body]);
  });
  const total = Math.max(1, Math.round(opts.rate * opts.seconds));
  const latencies = new Float64Array(total);
  const dueAt = (i: number) => t0 + (i * 1000) / opts.rate;
  let t0 = 0;
  let next = 0;
  let done = 0;
  let late = 0;
  let non2xx = 0;
  let errors = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  interface Conn { socket: Socket; busy: number; buf: Buffer }
  const idle: Conn[] = [];
  let alive = opts.connections;
  let closing = false;
  const answered = (i: number, outcome: 'ok' | 'non2xx' | 'error') => {
    latencies[i] = performance.now() - dueAt(i);
    if (outcome === 'non2xx') non2xx++;
    if (outcome === 'error') errors++;
    if (++done === total) finish();
  };
  const send = (c: Conn) => {
    const i = next++;
    if (performance.now() - dueAt(i) > 1) late++;
    c.busy = i;
    c.socket.write(requests[i % requests.length]!);
  };
  /** Sends every request that is due on the idle connections; the rest wait for the next tick or answer. */
  const pump = () => {
    const now = performance.now();
    while (next < total && idle.length > 0 && dueAt(next) <= now) send(idle.pop()!);
  };
  const connect = (to: URL) => new Promise<Conn>((resolve, reject) => {
    const socket = netConnect({ host: to.hostname, port: Number(to.port) }, () => resolve(c));
    const c: Conn = { socket, busy: -1, buf: Buffer.alloc(0) };
    socket.setNoDelay(true);
    socket.on('error', (e) => {
      if (closing) return;
      if (t0 === 0) return reject(e);
      // A connection lost: its request failed; with none left, so did every request not yet sent.
      if (c.busy >= 0) answered(c.busy, 'error');
      c.busy = -1;
      const at = idle.indexOf(c);
      if (at >= 0) idle.splice(at, 1);
      if (--alive === 0) while (next < total) answered(next++, 'error');
    });
    socket.on('data', (chunk: Buffer) => {
      c.buf = c.buf.length ? Buffer.concat([c.buf, chunk]) : chunk;
      // One response per request, each with a content-length (fastify's JSON answers).
      for (;;) {
        const head = c.buf.indexOf('\r\n\r\n');
        if (head < 0) return;
        const text = c.buf.toString('latin1', 0, head);
        const length = Number(/content-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
        if (c.buf.length < head + 4 + length) return;
        c.buf = c.buf.subarray(head + 4 + length);
        const i = c.busy;
        c.busy = -1;
        answered(i, text.startsWith('HTTP/1.1 200') ? 'ok' : 'non2xx');
        idle.push(c);
        pump();
      }
    });
  });
  const conns = await Promise.all(Array.from({ length: opts.connections }, (_, i) => connect(targets[i % targets.length]!)));
  idle.push(...conns);
  t0 = performance.now() + 5;
  const tick = () => {
    pump();
    // Not after the cut: a server that fell behind leaves requests unsent, and a tick rescheduled for
    // them would spin (and hold the process open) through every later phase.
    if (next < total && !closing) setTimeout(tick, Math.max(0, Math.min(1, dueAt(next) - performance.now())));
  };
  setTimeout(tick, 5);
  // A server slower than the rate falls ever further behind: the run ends GRACE_MS after the last
  // request was due, and what is unanswered then counts with the latency it has reached (a floor).
  const GRACE_MS = 5000;
  const cut = setTimeout(finish, opts.seconds * 1000 + GRACE_MS + 5);
  await finished;
  clearTimeout(cut);
  const seconds = (performance.now() - t0) / 1000;
  const unanswered = total - done;
  closing = true;
  for (let i = 0; i < total; i++) if (latencies[i] === 0) latencies[i] = performance.now() - dueAt(i);
  for (const c of conns) c.socket.destroy();
  let slowest = 0;
  for (let i = 1; i < total; i++) if (latencies[i]! > latencies[slowest]!) slowest = i;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const ms = (x: number) => Math.round(x * 10) / 10;
  return {
    rate: opts.rate, perSecond: Math.round((total - unanswered) / seconds), connections: opts.connections, seconds: Math.round(seconds * 100) / 100, requests: total,
    p50Ms: ms(quantile(sorted, 0.5)), p99Ms: ms(quantile(sorted, 0.99)), p999Ms: ms(quantile(sorted, 0.999)), maxMs: ms(sorted.at(-1)!),
    lateSends: late, slowestDueMs: Math.round(dueAt(slowest) - t0), ...tailOf(latencies, (i) => dueAt(i) - t0), unanswered, non2xx, errors,
  };
}
