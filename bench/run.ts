/**
 * `npm run bench -- [--events N]`: tiendo at national scale, each figure against a limit measured
 * in the same run on the same machine, checked against the bars of DESIGN §5.
 *
 *   1. generate (own process): the national workload (workload.ts) through the command path with
 *      64 clients into a fresh data directory, then steady appends: 1 client, 64 clients, each
 *      event timed to durable and then to visible in the read model;
 *   2. the limit of appends: the same rows inserted raw with better-sqlite3, 500 a transaction;
 *   3. rebuild (own process): a projection rebuild of every event, against a raw scan + JSON.parse;
 *   4. the real server (bin/tiendo.js serve, own process) on that directory, under autocannon with
 *      64 connections: `{ __typename }` (the limit), task, unitProgress of the province with most
 *      communes, programmeDashboard, reportProgress mutations (the response cache on, as users get it;
 *      each query's share of cache hits, and its rate uncached, with Cache-Control: no-cache, in a
 *      short load next to it); unitProgress(asOf) at 10 instants
 *      spread over the history, the first (uncached) call of each; a page of auditLog, unfiltered and filtered, on one
 *      connection; the server's peak RSS;
 *   5. the peer, @event-driven-io/emmett-sqlite (bench/peer/), and tiendo's SqliteEventStore on the
 *      same sample of the workload's events: 1 appender, 64 appenders, read back.
 *
 *   6. with --replicas N (N ≥ 2): N-1 more servers on the same events.db, each with its own read model
 *      (TIENDO_VIEWS_DIR), and the same query loads spread over all N against the first alone; then the
 *      fixed-rate open loops served by all N, at the one-server run's rate and at half of the trivial
 *      maximum over all N.
 *
 * Prints a table and writes bench/results/latest.json.
 * Options: --events N (1,000,000) --seed S (6) --duration SECONDS per HTTP load (3 below 200,000
 * events, else 10) --peer-events N --profile (CPU profiles of every process into
 * bench/results/profiles/) --keep (keep the data directory) --out FILE --replicas N (1)
 * Environment: TIENDO_BENCH_SERVER_ARGS, node's own arguments for the server (e.g. --trace-gc).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { GenerateResult } from './generate.js';
import { BenchServer, type Gql, type LoadFigure, NO_CACHE, type OpenLoopFigure, gql, leaderToken, load, loadSpread, openLoad } from './http.js';
import { type Figure, eventRows, machine, mib, quantile, rawInserts } from './lib.js';
import { type FoldResult, type RebuildResult, type StoreAppendsResult, asOfInstants, asOfSummary } from './phases.js';
import { HISTORY_END_MS, HISTORY_START_MS } from './workload.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '6' },
    duration: { type: 'string' },
    'peer-events': { type: 'string' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
    replicas: { type: 'string', default: '1' },
  },
});
const int = (name: string, v: string | undefined, min = 1) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
};
const EVENTS = int('events', values.events, 1000);
// Only a full run replaces the committed bench/results/latest.json; a smaller one writes beside it, in a folder of its size.
const OUT = values.out ?? join(here, 'results', ...(EVENTS === 1_000_000 ? [] : [`events-${EVENTS}`]), 'latest.json');
const SEED = int('seed', values.seed, 0);
const DURATION = int('duration', values.duration ?? (EVENTS >= 200_000 ? '10' : '3'));
const CLIENTS = 64;
const REPLICAS = int('replicas', values.replicas);
const PEER_EVENTS = int('peer-events', values['peer-events'] ?? String(Math.min(10_000, Math.max(1000, Math.round(EVENTS / 50)))));
const PEER_SINGLE = Math.min(PEER_EVENTS, Math.max(500, Math.round(PEER_EVENTS / 4)));
const profileDir = values.profile ? join(here, 'results', 'profiles') : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });

const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
/**
 * Each fixed-rate loop is preceded by this much of the same loop, not counted. The first open loop of
 * a process began with a backlog of 300–600 ms (max 80–125 ms) that later ones did not have, with a
 * one-second delay before the schedule too (probe, session 12): a first-time cost (code not yet
 * optimised), not the server's steady state. At ~12,000 req/s it alone was 3–6 % of the requests.
 */
const OPEN_WARMUP_SECONDS = 1;
/** What a measured load also says of the server (`counted`): its response cache's share of the answers (null: no queries counted), its full collections. */
type Counted = {
  cacheHitRatio: number | null; fullCollections: number;
  /** The server's event loop, how late it ran during the load (10 ms resolution: an idle loop reads about 10 ms). Absent before session 19. */
  eventLoopDelay?: { p99Ms: number; maxMs: number };
};
/** An open loop measured after OPEN_WARMUP_SECONDS of the same loop, not counted. */
const openLoadWarmed: typeof openLoad = async (url, token, bodies, opts) => {
  await openLoad(url, token, bodies, { ...opts, seconds: OPEN_WARMUP_SECONDS });
  return openLoad(url, token, bodies, opts);
};
/** The server's own event loop during a load: whether a stall the client saw was the server's. */
const serverLoop = (f: Counted) => (f.eventLoopDelay ? `the server's event loop late by p99 ${f.eventLoopDelay.p99Ms} ms, max ${f.eventLoopDelay.maxMs} ms (10 ms resolution)` : '');
/** An open loop's tail in a few words: one long run of slow windows is a backlog (a stall, or the machine short of the rate for a while). */
const tailShape = (f: OpenLoopFigure) => (f.slowWindows === 0 ? 'no request over 20 ms'
  : `${f.slowWindows} windows of 100 ms with a request over 20 ms, the longest run ${f.longestSlowRunMs} ms, the worst at ${(f.worstWindows[0]!.atMs / 1000).toFixed(1)} s (max ${f.worstWindows[0]!.maxMs} ms)`);

/** Runs a phase of bench/phases.ts in its own process; its stderr is shown, its result parsed. */
function phase<T>(name: string, args: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      // A folder per phase: tsx's loader thread writes a profile too (the larger file is the main thread's).
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name)] : []),
      '--import', 'tsx', join(here, 'phases.ts'), name, JSON.stringify(args),
    ], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code !== 0 || !line) reject(new Error(`phase ${name} failed (exit ${code}):\n${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice('@@RESULT '.length)) as T);
    });
  });
}

interface PeerResult {
  variant: string;
  package: Record<string, string>;
  single: { events: number; failed: number; firstError: string | null; figure: Figure } | null;
  concurrent: { events: number; failed: number; firstError: string | null; figure: Figure } | null;
  readBack: { byStream: Figure; all: Figure } | null;
  error: string | null;
}

function runPeer(sampleFile: string, dir: string, variant: 'default' | 'shared'): Promise<PeerResult> {
  const peerDir = join(here, 'peer');
  if (!existsSync(join(peerDir, 'node_modules', '@event-driven-io', 'emmett-sqlite'))) {
    return Promise.resolve({
      variant, package: {}, single: null, concurrent: null, readBack: null,
      error: 'not installed: npm install --prefix bench/peer --legacy-peer-deps (see bench/README.md)',
    });
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(peerDir, 'peer.mjs'), JSON.stringify({ sampleFile, dir, singleCount: PEER_SINGLE, variant, deadlineMs: variant === "default" ? (EVENTS >= 200_000 ? 60_000 : 15_000) : 120_000 })], {
      cwd: peerDir, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (line) resolve(JSON.parse(line.slice('@@RESULT '.length)) as PeerResult);
      else resolve({ variant, package: {}, single: null, concurrent: null, readBack: null, error: `peer exited with ${code}: ${err.slice(-1500)}` });
    });
  });
}

/** Events in the store after `position` (the server's own: reminder notices), read before the mutations add theirs. */
async function eventsSince(file: string, position: number): Promise<number> {
  let n = 0;
  for (const _ of eventRows(file, position)) n++;
  return n;
}

/**
 * Phase 6 (--replicas N): N-1 more servers on the same events.db, each with its own read model, and
 * each query load run against the first server alone and then spread over all N at once, with the
 * same connections in all. On one machine the replicas share its cores with each other and with
 * the load generator: the figure shows the shape (correct answers from every replica, what a second
 * process adds or costs here), not what N machines would serve.
 */
async function replicaPhase(first: BenchServer, token: string, loads: Record<'trivial' | 'task' | 'unitProgress', Gql[]>, opts: { connections: number; seconds: number }, writes: Gql[], oneServerRate: number) {
  log(`[${elapsed()}] 6/6 ${REPLICAS} replicas on one events.db: query loads on one replica, then spread over all`);
  const others: BenchServer[] = [];
  try {
    for (let i = 1; i < REPLICAS; i++) {
      others.push(await BenchServer.start(dataDir, { env: { TIENDO_VIEWS_DIR: mkdtempSync(join(work, `replica-${i}-`)) } }));
    }
    const urls = [first.url, ...others.map((o) => o.url)];
    const out: Record<string, { one: LoadFigure; spread: LoadFigure & { perReplica: number[] }; ratio: number; rounds: { one: number; spread: number }[] }> = {};
    for (const [name, bodies] of Object.entries(loads)) {
      // A replica just started is cold (JIT, caches): each is warmed up with the same load first.
      for (const url of urls) await load(url, token, bodies, { connections: 8, seconds: 1 });
      // Two rounds, one and all taking turns (this machine is shared: a single run moves a lot); the better of each.
      const rounds: { one: LoadFigure; spread: LoadFigure & { perReplica: number[] } }[] = [];
      for (let r = 0; r < 2; r++) rounds.push({ one: await load(first.url, token, bodies, opts), spread: await loadSpread(urls, token, bodies, opts) });
      const one = rounds.map((r) => r.one).sort((x, y) => y.perSecond - x.perSecond)[0]!;
      const spread = rounds.map((r) => r.spread).sort((x, y) => y.perSecond - x.perSecond)[0]!;
      out[name] = {
        one, spread, ratio: Math.round((spread.perSecond / Math.max(1, one.perSecond)) * 100) / 100,
        rounds: rounds.map((r) => ({ one: r.one.perSecond, spread: r.spread.perSecond })),
      };
      log(`  ${name.padEnd(14)} 1 replica ${one.perSecond} req/s (p99 ${one.p99Ms} ms); ${REPLICAS} replicas ${spread.perSecond} req/s (p99 ${spread.p99Ms} ms; ${spread.perReplica.join(' + ')}); rounds ${out[name].rounds.map((x) => `${x.one}/${x.spread}`).join(', ')}`);
    }
    // The fixed-rate latency bar served by all N: at the one-server run's rate (the same load), and at
    // half of the trivial maximum spread over all N (the bar's own rule, for this topology).
    const openAt = async (rate: number) => {
      const figures = {} as Record<keyof typeof loads, OpenLoopFigure>;
      for (const name of ['trivial', 'task', 'unitProgress'] as const) {
        const f = figures[name] = await openLoadWarmed(urls, token, loads[name], { rate, seconds: opts.seconds, connections: opts.connections });
        log(`  ${`${name} @ ${rate}/s over ${REPLICAS}`.padEnd(30)} p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  p99.9 ${f.p999Ms} ms  max ${f.maxMs} ms  (late sends ${f.lateSends}); ${tailShape(f)}`);
      }
      return { rate, ...figures };
    };
    const fixed = { sameRate: await openAt(oneServerRate), ownRate: await openAt(Math.max(1, Math.round(out.trivial!.spread.perSecond / 2))) };
    const visibility = writes.length ? await crossReplicaVisibility(first.url, others[0]!.url, token, writes) : null;
    if (visibility) {
      log(`  a write on one replica read on another with X-Tiendo-Min-Position: p50 ${visibility.withHeader.p50Ms} ms, p99 ${visibility.withHeader.p99Ms} ms`
        + ` (the same read once there: p50 ${visibility.caughtUp.p50Ms} ms, p99 ${visibility.caughtUp.p99Ms} ms; ${visibility.writes} writes)`);
    }
    return { count: REPLICAS, startupMs: others.map((o) => Math.round(o.startMs)), loads: out, fixed, visibility };
  } finally {
    for (const o of others) await o.stop();
  }
}

/**
 * How soon a write acknowledged by one replica can be read on another: one write at a time on the
 * first, then at once `{ __typename }` on the second with X-Tiendo-Min-Position (it waits for its
 * read model to apply the write), then the same request again (no wait left: the HTTP round trip
 * alone). The first minus the second is the cross-process lag (PRAGMA data_version, then the runner).
 */
async function crossReplicaVisibility(writer: string, reader: string, token: string, writes: Gql[], n = Math.min(300, writes.length)) {
  const withHeader: number[] = [];
  const caughtUp: number[] = [];
  for (let i = 0; i < n; i++) {
    const { data } = await gql<Record<string, { position: string }>>(writer, token, writes[i]!);
    const headers = { 'x-tiendo-min-position': Object.values(data)[0]!.position };
    withHeader.push((await gql(reader, token, { query: '{ __typename }' }, headers)).ms);
    caughtUp.push((await gql(reader, token, { query: '{ __typename }' }, headers)).ms);
  }
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50Ms: Math.round(quantile(sorted, 0.5) * 10) / 10, p99Ms: Math.round(quantile(sorted, 0.99) * 10) / 10, maxMs: Math.round(sorted.at(-1)! * 10) / 10 };
  };
  return { writes: n, withHeader: stats(withHeader), caughtUp: stats(caughtUp) };
}

/* ------------------------------------------------------------------------------------------ */

const host = machine();
const date = new Date().toISOString();
const dataDir = mkdtempSync(join(tmpdir(), 'tiendo-bench-'));
const work = mkdtempSync(join(tmpdir(), 'tiendo-bench-work-'));
log(`tiendo bench: ${EVENTS} events, seed ${SEED}; ${host.cores} × ${host.cpu}, ${mib(host.memoryBytes)} MiB, Node ${host.node}, SQLite ${host.sqlite}`);
log(`data ${dataDir}${profileDir ? `; CPU profiles in ${profileDir}` : ''}`);

try {
  // 1. The workload through the command path, then steady appends.
  log(`[${elapsed()}] 1/5 generating the national workload through the command path (${CLIENTS} clients)`);
  const gen = await phase<GenerateResult>('generate', {
    dataDir, events: EVENTS, seed: SEED, concurrency: CLIENTS,
    single: Math.min(2000, Math.max(200, Math.round(EVENTS / 100))), concurrent: Math.min(50_000, Math.max(2000, Math.round(EVENTS / 20))),
  });
  const eventsFile = join(dataDir, 'events.db');

  // 2. The limit of appends: the same rows, raw.
  log(`[${elapsed()}] 2/5 raw batched inserts of the same rows`);
  const raw = {
    all: await rawInserts(join(work, 'raw-all.db'), eventRows(eventsFile, 0, gen.run.events), 500),
    // The steady appends went into a store of the generated size: so do their raw inserts (a copy cut back to where they began).
    single: await rawInserts(join(work, 'raw-single.db'), eventRows(eventsFile, gen.single.fromPosition, gen.single.toPosition), 500,
      { file: eventsFile, position: gen.single.fromPosition }),
    concurrent: await rawInserts(join(work, 'raw-concurrent.db'), eventRows(eventsFile, gen.concurrent.fromPosition, gen.concurrent.toPosition), 500,
      { file: eventsFile, position: gen.concurrent.fromPosition }),
    // Reference: commits no larger than a group commit can be with 64 clients.
    concurrent64: await rawInserts(join(work, 'raw-concurrent-64.db'), eventRows(eventsFile, gen.concurrent.fromPosition, gen.concurrent.toPosition), CLIENTS,
      { file: eventsFile, position: gen.concurrent.fromPosition }),
  };
  for (const f of ['raw-all.db', 'raw-single.db', 'raw-concurrent.db', 'raw-concurrent-64.db']) {
    for (const x of ['', '-wal', '-shm']) rmSync(join(work, f + x), { force: true });
  }

  // 3. Rebuild against a raw scan.
  log(`[${elapsed()}] 3/5 projection rebuild of every event vs a raw scan`);
  const rebuild = await phase<RebuildResult>('rebuild', { dataDir });

  // 4. The peer and tiendo's store on the same sample: the middle of the history.
  log(`[${elapsed()}] 4/5 the peer (emmett-sqlite) and tiendo's store on the same ${PEER_EVENTS} events`);
  const sampleFile = join(work, 'sample.jsonl');
  const from = Math.max(0, Math.floor(gen.run.events / 2) - Math.floor(PEER_EVENTS / 2));
  const lines: string[] = [];
  for (const r of eventRows(eventsFile, from, from + PEER_EVENTS)) {
    lines.push(JSON.stringify({ stream: r.stream, type: r.type, data: JSON.parse(String(r.data)), metadata: JSON.parse(String(r.metadata)) }));
  }
  writeFileSync(sampleFile, `${lines.join('\n')}\n`);
  // Both sides fsync every commit: on a shared machine single runs vary a lot, so tiendo's store and
  // the peer in its working set-up take turns, three rounds, and the medians are compared. The
  // peer's default set-up (a connection per operation) runs once: it is slower, and stalls.
  const rounds: { tiendo: StoreAppendsResult; shared: PeerResult }[] = [];
  for (let r = 0; r < 3; r++) {
    for (const f of ['peer-shared-single.db', 'peer-shared-concurrent.db']) rmSync(join(work, f), { force: true });
    rounds.push({ tiendo: await phase<StoreAppendsResult>('store-appends', { sampleFile, singleCount: PEER_SINGLE }), shared: await runPeer(sampleFile, work, 'shared') });
  }
  // The last round's peer file, read back into tiendo's projections as tiendo's own store is.
  const peerFile = join(work, 'peer-shared-concurrent.db');
  const fold = await phase<FoldResult>('fold', { sampleFile, peerFile: existsSync(peerFile) && rounds.at(-1)!.shared.concurrent ? peerFile : null });
  log(`  rebuilt from each store through tiendo's projections: tiendo ${fold.tiendo.perSecond}/s, peer ${fold.peer?.perSecond ?? '—'}/s${fold.peerError ? ` (${fold.peerError})` : ''}`);
  const mid = <T>(xs: T[], by: (x: T) => number): T => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;
  const tiendoStore: StoreAppendsResult = {
    single: mid(rounds.map((r) => r.tiendo.single), (x) => x.figure.perSecond),
    concurrent: mid(rounds.map((r) => r.tiendo.concurrent), (x) => x.figure.perSecond),
    readBack: { byStream: mid(rounds.map((r) => r.tiendo.readBack.byStream), (x) => x.perSecond), all: mid(rounds.map((r) => r.tiendo.readBack.all), (x) => x.perSecond) },
  };
  const sharedRuns = rounds.map((r) => r.shared);
  const pickFig = (p: PeerResult, k: 'single' | 'concurrent') => p[k]?.figure.perSecond ?? 0;
  const shared: PeerResult = {
    ...sharedRuns[0]!,
    single: mid(sharedRuns, (p) => pickFig(p, 'single')).single,
    concurrent: mid(sharedRuns, (p) => pickFig(p, 'concurrent')).concurrent,
    readBack: mid(sharedRuns, (p) => p.readBack?.all.perSecond ?? 0).readBack,
    error: sharedRuns.map((p) => p.error).find(Boolean) ?? null,
  };
  const peers = { default: await runPeer(sampleFile, work, 'default'), shared };
  const peerRounds = rounds.map((r) => ({
    tiendo: { single: r.tiendo.single.figure.perSecond, concurrent: r.tiendo.concurrent.figure.perSecond, readBack: r.tiendo.readBack.all.perSecond },
    peerShared: { single: pickFig(r.shared, 'single'), concurrent: pickFig(r.shared, 'concurrent'), readBack: r.shared.readBack?.all.perSecond ?? 0 },
  }));
  for (const p of Object.values(peers)) {
    log(`  peer (${p.variant} connection${p.variant === 'shared' ? ', medians of 3' : ''}): 1 appender ${p.single?.figure.perSecond ?? '—'}/s (${p.single?.failed ?? '—'} failed), `
      + `64 appenders ${p.concurrent?.figure.perSecond ?? '—'}/s (${p.concurrent?.failed ?? '—'} failed), read back ${p.readBack?.all.perSecond ?? '—'}/s${p.error ? `; ${p.error.split('\n')[0]}` : ''}`);
  }
  log(`  tiendo store (medians of 3): 1 appender ${tiendoStore.single.figure.perSecond}/s, 64 appenders ${tiendoStore.concurrent.figure.perSecond}/s, read back ${tiendoStore.readBack.all.perSecond}/s`);
  /** The peer's best of its two set-ups, figure by figure: tiendo must beat that. */
  const best = (pick: (p: PeerResult) => number | undefined) => Math.max(0, ...Object.values(peers).map((p) => pick(p) ?? 0));
  const peer = {
    installed: Object.values(peers).some((p) => Object.keys(p.package).length > 0),
    single: best((p) => p.single?.figure.perSecond), concurrent: best((p) => p.concurrent?.figure.perSecond), readBack: best((p) => p.readBack?.all.perSecond),
  };

  // 5. The real server over HTTP.
  log(`[${elapsed()}] 5/5 the server over HTTP (autocannon, ${CLIENTS} connections, ${DURATION} s a run)`);
  const server = await BenchServer.start(dataDir, { profileDir });
  let http;
  try {
    const remindersAppended = await eventsSince(eventsFile, gen.concurrent.toPosition);
    const token = await leaderToken();
    const url = server.url;
    const trivialBody: Gql[] = [{ query: '{ __typename }' }];
    const opts = { connections: CLIENTS, seconds: DURATION };
    const mid = new Date(HISTORY_START_MS + (HISTORY_END_MS - HISTORY_START_MS) / 2).toISOString();
    const progressQuery = `query($u: ID!, $at: DateTime) { unitProgress(unitId: $u, asOf: $at) {
      unit { id name } asOf totalTasks byStatus { status count } onTimeRate openObstacles openFindings
      overdue { id deadline } indicators { code target actual } } }`;
    // unitProgress(asOf) first, on a quiet server, at 10 instants spread over the history: each the
    // first call for its instant (nothing of it cached); then the last one again, cached.
    server.mark('unitProgress(asOf)');
    const asOfCalls: { at: string; ms: number }[] = [];
    for (const at of asOfInstants()) {
      const call = await gql(url, token, { query: progressQuery, variables: { u: gen.sample.province, at } }, NO_CACHE);
      asOfCalls.push({ at, ms: Math.round(call.ms) });
    }
    // (The server's asOf read models cached, not its response cache: that would answer without replaying anything.)
    const asOfCached = await gql(url, token, { query: progressQuery, variables: { u: gen.sample.province, at: asOfCalls.at(-1)!.at } }, NO_CACHE);
    const asOfFirst = asOfSummary(asOfCalls);
    log(`  unitProgress(asOf), first calls at 10 instants: worst ${asOfFirst.worstMs} ms, median ${asOfFirst.medianMs} ms (${asOfCalls.map((c) => c.ms).join(', ')}); cached ${asOfCached.ms.toFixed(0)} ms`);

    const taskBodies: Gql[] = gen.sample.tasks.map((id) => ({
      // As a leader opens a task: its card and the first page of its history.
      query: `query($id: ID!) { task(id: $id) { id title deadline status progress version lead { id name } indicators { code target actual }
        history(first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { at kind actor { id role } changes { field from to } reason } } } } }`,
      variables: { id },
    }));
    // The progress card of a province with its communes: counts, rates, indicators (its overdue tasks are a list: tasks(filter)).
    const summaryQuery = `query($u: ID!) { unitProgress(unitId: $u) {
      unit { id name } asOf totalTasks byStatus { status count } onTimeRate openObstacles openFindings indicators { code target actual } } }`;
    const progressBodies: Gql[] = [{ query: summaryQuery, variables: { u: gen.sample.province } }];
    const dashboardBodies: Gql[] = [{
      query: '{ programmeDashboard { asOf ministries { unit { id name } totalTasks overdue onTimeRate openObstacles } provinces { unit { id name } totalTasks overdue onTimeRate openObstacles } } }',
    }];
    let m = 0;
    const mutationBodies: Gql[] = gen.sample.openTasks.map((t) => ({
      query: 'mutation($input: ReportProgressInput!) { reportProgress(input: $input) { position task { id progress version } } }',
      variables: { input: { taskId: t.id, percent: 50 + (m++ % 50), note: 'Cập nhật tiến độ qua API: đã hoàn thành rà soát trong tuần' } },
    }));
    /**
     * Runs `measure` and gives the share of its queries the response cache answered (null: no queries
     * counted) and the server's full collections meanwhile.
     */
    const counted = async <T>(measure: () => Promise<T>): Promise<T & Counted> => {
      const before = await server.counters();
      const f = await measure();
      const after = await server.counters();
      const hits = after.hits - before.hits;
      const all = hits + after.misses - before.misses;
      return {
        ...f, cacheHitRatio: all ? Math.round((hits / all) * 1000) / 1000 : null, fullCollections: after.fullCollections - before.fullCollections,
        eventLoopDelay: after.eventLoopDelay,
      };
    };
    const hitsShown = (f: { cacheHitRatio?: number | null }) => (f.cacheHitRatio == null ? '' : `  cache hits ${(f.cacheHitRatio * 100).toFixed(1)} %`);
    const run = async (label: string, bodies: Gql[], headers?: Record<string, string>): Promise<LoadFigure> => {
      server.mark(label);
      const f = await counted(() => load(url, token, bodies, { ...opts, ...(headers ? { headers, seconds: UNCACHED_SECONDS } : {}) }));
      log(`  ${label.padEnd(20)} ${String(f.perSecond).padStart(7)} req/s  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms${hitsShown(f)}${f.non2xx || f.errors ? `  non-2xx ${f.non2xx}, errors ${f.errors}` : ''}`);
      return f;
    };
    // The same query computed every time (Cache-Control: no-cache): a detail next to its bar, in a short load.
    const UNCACHED_SECONDS = Math.min(DURATION, 3);
    const uncached = (label: string, bodies: Gql[]) => run(`${label}, uncached`, bodies, NO_CACHE);
    // The limit is measured between the others, so that it sees the same machine they do.
    const trivial1 = await run('{ __typename }', trivialBody);
    const trivialUncached = await uncached('{ __typename }', trivialBody);
    const task = await run('task', taskBodies);
    const taskUncached = await uncached('task', taskBodies);
    const unitProgress = await run('unitProgress', progressBodies);
    const unitProgressUncached = await uncached('unitProgress', progressBodies);
    const trivial2 = await run('{ __typename }', trivialBody);
    const dashboard = await run('programmeDashboard', dashboardBodies);
    const dashboardUncached = await uncached('programmeDashboard', dashboardBodies);
    // The first command on a stream in a process reads and folds the whole stream; later ones only
    // what was written since (src/app/run-command.ts). Every task of the sample is touched once first
    // (its figure kept), then the mutations are measured as a server that has been running sees them.
    server.mark('reportProgress, first touch');
    const mutationFirstTouch = mutationBodies.length ? await load(url, token, mutationBodies, { ...opts, amount: mutationBodies.length }) : null;
    if (mutationFirstTouch) log(`  reportProgress, each task's first: ${mutationFirstTouch.perSecond} req/s  p50 ${mutationFirstTouch.p50Ms} ms  p99 ${mutationFirstTouch.p99Ms} ms`);
    const mutation = mutationBodies.length ? await run('reportProgress', mutationBodies) : null;
    const trivial3 = await run('{ __typename }', trivialBody);
    // The latency bar as targets state it: an open loop at a fixed rate, half of the trivial query's
    // best rate in this run, latency from each request's scheduled send (no coordinated omission).
    const fixedRate = Math.max(1, Math.round(Math.max(trivial1.perSecond, trivial2.perSecond, trivial3.perSecond) / 2));
    const open = async (label: string, bodies: Gql[]): Promise<OpenLoopFigure & Counted> => {
      server.mark(`${label}, ${fixedRate} req/s open loop`);
      const f = await counted(() => openLoadWarmed(url, token, bodies, { rate: fixedRate, seconds: DURATION, connections: CLIENTS }));
      log(`  ${`${label} @ ${fixedRate}/s`.padEnd(20)} ${String(f.perSecond).padStart(7)} req/s  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  p99.9 ${f.p999Ms} ms  max ${f.maxMs} ms`
        + `  (late sends ${f.lateSends}${f.unanswered ? `, unanswered at the cut ${f.unanswered}` : ''}${f.non2xx || f.errors ? `, non-2xx ${f.non2xx}, errors ${f.errors}` : ''})${hitsShown(f)}\n    ${tailShape(f)}; full collections ${f.fullCollections}; ${serverLoop(f)}`);
      return f;
    };
    const fixed = { rate: fixedRate, trivial: await open('{ __typename }', trivialBody), task: await open('task', taskBodies), unitProgress: await open('unitProgress', progressBodies) };
    // Service time, without 64 requests queued ahead: one connection, computed each time.
    const single = { connections: 1, seconds: Math.min(DURATION, 3), headers: NO_CACHE };
    server.mark('one connection');
    const taskAlone = await load(url, token, taskBodies, single);
    const unitProgressAlone = await load(url, token, progressBodies, single);
    log(`  one connection: task p50 ${taskAlone.p50Ms} ms, p99 ${taskAlone.p99Ms} ms; unitProgress p50 ${unitProgressAlone.p50Ms} ms, p99 ${unitProgressAlone.p99Ms} ms`);
    // auditLog (issue 16): a page of 50 from its read model, the whole log (GOV) and filtered (the
    // province, progress reports, a month from mid-history); one connection: a page's service time.
    const auditQuery = `query($u: ID, $k: [String!], $from: DateTime, $to: DateTime) {
      auditLog(unitId: $u, actions: $k, from: $from, to: $to, first: 50) { pageInfo { hasNextPage endCursor }
        edges { cursor node { id at recordedAt action stream actor { id role } units { id } requestId reason } } } }`;
    const monthLater = new Date(Date.parse(mid) + 30 * 86_400_000).toISOString();
    const auditFilteredBody = { query: auditQuery, variables: { u: gen.sample.province, k: ['ProgressReported'], from: mid, to: monthLater } };
    const auditFilteredRows = (await gql<{ auditLog: { edges: unknown[] } }>(url, token, auditFilteredBody, NO_CACHE)).data.auditLog.edges.length;
    server.mark('auditLog');
    const auditUnfiltered = await load(url, token, [{ query: auditQuery }], single);
    const auditFiltered = await load(url, token, [auditFilteredBody], single);
    log(`  auditLog page: unfiltered p50 ${auditUnfiltered.p50Ms} ms, p99 ${auditUnfiltered.p99Ms} ms; filtered (${auditFilteredRows} rows) p50 ${auditFiltered.p50Ms} ms, p99 ${auditFiltered.p99Ms} ms`);
    // Figures are computed once per read-model position and day: the first read after a write pays for them.
    const cold = await gql(url, token, progressBodies[0]!, NO_CACHE);
    const coldFull = await gql(url, token, { query: progressQuery, variables: { u: gen.sample.province } }, NO_CACHE);
    const replicas = REPLICAS > 1 ? await replicaPhase(server, token, { task: taskBodies, unitProgress: progressBodies, trivial: trivialBody }, opts, mutationBodies, fixedRate) : null;
    const trivials = [trivial1, trivial2, trivial3];
    const mean = (f: (t: LoadFigure) => number) => trivials.reduce((s, t) => s + f(t), 0) / trivials.length;
    const trivial = {
      ...trivial1, perSecond: Math.round(mean((t) => t.perSecond)), runs: trivials.map((t) => t.perSecond),
      cacheHitRatio: Math.round(mean((t) => t.cacheHitRatio ?? 0) * 1000) / 1000,
    };
    server.mark('done'); // the last phase's end sample
    http = {
      startupMs: Math.round(server.startMs), integrityCheckedMs: server.integrityMs === null ? null : Math.round(server.integrityMs),
      settledMs: Math.round(server.settledMs), remindersAppended, province: gen.sample.province, provinceTasks: gen.sample.provinceTasks,
      trivial, task, unitProgress, dashboard, mutation, mutationFirstTouch, fixed, oneConnection: { task: taskAlone, unitProgress: unitProgressAlone },
      uncached: { seconds: UNCACHED_SECONDS, trivial: trivialUncached, task: taskUncached, unitProgress: unitProgressUncached, dashboard: dashboardUncached },
      unitProgressAfterWriteMs: Math.round(cold.ms * 10) / 10, unitProgressWithOverdueMs: Math.round(coldFull.ms * 10) / 10,
      asOf: { ...asOfFirst, cachedMs: Math.round(asOfCached.ms) },
      auditLog: { unfiltered: auditUnfiltered, filtered: auditFiltered, filter: auditFilteredBody.variables, filteredRows: auditFilteredRows },
      memory: { ...server.memory(), byPhase: server.rss.map((r) => ({ phase: r.phase, maxMiB: mib(r.maxBytes), endMiB: mib(r.endBytes), hwmMiB: mib(r.hwmBytes) })) },
      replicas,
    };
  } finally {
    await server.stop();
  }

  /* ---------------------------------------------------------------------------------------- */
  /* Bars (DESIGN §5)                                                                         */
  /* ---------------------------------------------------------------------------------------- */
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  /** A query bar's detail: its cache hits, and the same query computed every time (no-cache) against the same limit. */
  const cacheDetail = (cached: LoadFigure, uncached: LoadFigure) => `; cache hits ${pct(cached.cacheHitRatio ?? 0)}; uncached (Cache-Control: no-cache, ${http.uncached.seconds} s) `
    + `${uncached.perSecond} req/s = ${pct(ratio(uncached.perSecond, http.trivial.perSecond))} (p99 ${uncached.p99Ms} ms)`;
  const openDetail = (f: OpenLoopFigure & Counted) => `; cache hits ${pct(f.cacheHitRatio ?? 0)}; ${tailShape(f)}; full collections during it ${f.fullCollections}; ${serverLoop(f)}`;
  const GiB = 1024 ** 3;
  const bars = [
    {
      what: 'durable appends through the command path, 64 clients', bar: '≥ 40 % of raw batched inserts of the same rows',
      value: ratio(gen.concurrent.perSecond, raw.concurrent.perSecond), goal: 0.4, show: pct,
      detail: `${gen.concurrent.perSecond} vs ${raw.concurrent.perSecond} events/s`,
    },
    {
      what: 'mutations over HTTP, 64 connections', bar: '≥ 25 % of `{ __typename }`',
      value: http.mutation ? ratio(http.mutation.perSecond, http.trivial.perSecond) : 0, goal: 0.25, show: pct,
      detail: `${http.mutation?.perSecond ?? 0} vs ${http.trivial.perSecond} req/s (the limit answered from the response cache; computed each time: ${http.uncached.trivial.perSecond} req/s)`,
    },
    {
      what: 'task query (with a page of history) over HTTP: rate', bar: '≥ 50 % of `{ __typename }`',
      value: ratio(http.task.perSecond, http.trivial.perSecond), goal: 0.5, show: pct,
      detail: `${http.task.perSecond} vs ${http.trivial.perSecond} req/s${cacheDetail(http.task, http.uncached.task)}`,
    },
    {
      what: `task query: p99 at a fixed ${http.fixed.rate} req/s (half the trivial maximum), open loop`, bar: '≤ 20 ms', value: http.fixed.task.p99Ms, goal: 20, lower: true,
      show: (x: number) => `${x} ms`,
      detail: `p99.9 ${http.fixed.task.p999Ms} ms, p50 ${http.fixed.task.p50Ms} ms; \`{ __typename }\` at that rate p99 ${http.fixed.trivial.p99Ms} ms; closed loop (64 connections) p99 ${http.task.p99Ms} ms (\`{ __typename }\` ${http.trivial.p99Ms} ms); one connection (uncached) p99 ${http.oneConnection.task.p99Ms} ms${openDetail(http.fixed.task)}`,
    },
    {
      what: `unitProgress (province ${http.province}, ${http.provinceTasks} tasks): rate`, bar: '≥ 50 % of `{ __typename }`',
      value: ratio(http.unitProgress.perSecond, http.trivial.perSecond), goal: 0.5, show: pct,
      detail: `${http.unitProgress.perSecond} vs ${http.trivial.perSecond} req/s${cacheDetail(http.unitProgress, http.uncached.unitProgress)}`,
    },
    {
      what: `unitProgress: p99 at a fixed ${http.fixed.rate} req/s (half the trivial maximum), open loop`, bar: '≤ 20 ms', value: http.fixed.unitProgress.p99Ms, goal: 20, lower: true,
      show: (x: number) => `${x} ms`,
      detail: `p99.9 ${http.fixed.unitProgress.p999Ms} ms, p50 ${http.fixed.unitProgress.p50Ms} ms; closed loop (64 connections) p99 ${http.unitProgress.p99Ms} ms; one connection (uncached) p99 ${http.oneConnection.unitProgress.p99Ms} ms${openDetail(http.fixed.unitProgress)}`,
    },
    {
      what: 'programmeDashboard (ministries and provinces) over HTTP: rate', bar: '≥ 50 % of `{ __typename }`',
      value: ratio(http.dashboard.perSecond, http.trivial.perSecond), goal: 0.5, show: pct,
      detail: `${http.dashboard.perSecond} vs ${http.trivial.perSecond} req/s; p50 ${http.dashboard.p50Ms} ms, p99 ${http.dashboard.p99Ms} ms${cacheDetail(http.dashboard, http.uncached.dashboard)}`,
    },
    {
      what: 'projection rebuild of every event', bar: '≥ 40 % of raw scan + JSON.parse',
      value: ratio(rebuild.rebuild.perSecond, rebuild.scan.perSecond), goal: 0.4, show: pct,
      detail: `${rebuild.rebuild.perSecond} vs ${rebuild.scan.perSecond} events/s; without the snapshots for asOf ${rebuild.withoutSnapshots.perSecond}/s (${pct(ratio(rebuild.withoutSnapshots.perSecond, rebuild.scan.perSecond))})${rebuild.inOneThread ? `; with them taken by the rebuild's own thread ${rebuild.inOneThread.perSecond}/s (${pct(ratio(rebuild.inOneThread.perSecond, rebuild.scan.perSecond))})` : ''}${rebuild.keepingAudit ? `; keeping the audit log, in one thread (TIENDO_REBUILD_PARTITIONS=1) ${rebuild.keepingAudit.perSecond}/s (${pct(ratio(rebuild.keepingAudit.perSecond, rebuild.scan.perSecond))})` : ''}${rebuild.viewsAlone ? `; the views alone (audit log kept, no snapshots) ${rebuild.viewsAlone.perSecond}/s (${pct(ratio(rebuild.viewsAlone.perSecond, rebuild.scan.perSecond))})` : ''}${rebuild.partitioned ? `; partitioned over two threads (what tiendo rebuild does by default on two cores, the audit log kept): the views alone ${pct(ratio(rebuild.partitioned.viewsAlone.perSecond, rebuild.scan.perSecond))}, with their snapshots ${pct(ratio(rebuild.partitioned.withSnapshots.perSecond, rebuild.scan.perSecond))}` : ''}`,
    },
    {
      what: 'append → visible in a view, under load (64 clients)', bar: 'p99 ≤ 50 ms',
      value: gen.concurrent.visible.p99Ms, goal: 50, lower: true, show: (x: number) => `${x} ms`, detail: `p50 ${gen.concurrent.visible.p50Ms} ms`,
    },
    {
      what: `unitProgress(asOf), first call at 10 instants over the history (worst), ${gen.run.events} events`, bar: '≤ 1 s',
      value: http.asOf.worstMs, goal: 1000, lower: true, show: (x: number) => `${x} ms`, detail: `median ${http.asOf.medianMs} ms; cached ${http.asOf.cachedMs} ms`,
    },
    {
      what: 'auditLog, a page of 50, the whole log: p99 (one connection)', bar: '≤ 100 ms', value: http.auditLog.unfiltered.p99Ms, goal: 100, lower: true,
      show: (x: number) => `${x} ms`, detail: `p50 ${http.auditLog.unfiltered.p50Ms} ms`,
    },
    {
      what: 'auditLog, a page of 50, filtered: p99 (one connection)', bar: '≤ 100 ms', value: http.auditLog.filtered.p99Ms, goal: 100, lower: true,
      show: (x: number) => `${x} ms`, detail: `p50 ${http.auditLog.filtered.p50Ms} ms; province ${http.province}, ProgressReported, a month: ${http.auditLog.filteredRows} rows`,
    },
    {
      what: `server peak RSS, ${gen.run.events} events`, bar: '≤ 1 GiB',
      value: http.memory.peakRssBytes ?? Infinity, goal: GiB, lower: true, show: (x: number) => `${mib(x)} MiB`,
      detail: `generator ${mib(gen.memory.peakRssBytes)} MiB, rebuild ${mib(rebuild.memory.peakRssBytes)} MiB`,
    },
    {
      what: 'peer: appends, 1 appender (same events)', bar: 'tiendo ahead',
      value: peer.installed ? ratio(tiendoStore.single.figure.perSecond, Math.max(1, peer.single)) : NaN, goal: 1, strict: true,
      show: (x: number) => (Number.isNaN(x) ? 'peer not installed' : `${x.toFixed(2)} ×`),
      detail: `${tiendoStore.single.figure.perSecond} vs ${peer.single} events/s (peer's best set-up)`,
    },
    {
      what: 'peer: appends, 64 appenders (same events)', bar: 'tiendo ahead',
      value: peer.installed ? ratio(tiendoStore.concurrent.figure.perSecond, Math.max(1, peer.concurrent)) : NaN, goal: 1, strict: true,
      show: (x: number) => (Number.isNaN(x) ? 'peer not installed' : `${x.toFixed(2)} ×`),
      detail: `${tiendoStore.concurrent.figure.perSecond} vs ${peer.concurrent} events/s (peer's best set-up; default set-up: ${peers.default.concurrent ? `${peers.default.concurrent.failed} of ${PEER_EVENTS} appends failed` : `stopped by ${peers.default.error?.split(': ').slice(1).join(': ') ?? 'an error'}`})`,
    },
    {
      what: 'peer: rebuild (the same events, read back and folded by tiendo\'s projections)', bar: 'tiendo ahead',
      value: fold.peer ? ratio(fold.tiendo.perSecond, Math.max(1, fold.peer.perSecond)) : NaN, goal: 1, strict: true,
      show: (x: number) => (Number.isNaN(x) ? 'peer not run' : `${x.toFixed(2)} ×`),
      detail: `${fold.tiendo.perSecond} vs ${fold.peer?.perSecond ?? '—'} events/s; tiendo's full rebuild (with its SQLite read model) ${rebuild.rebuild.perSecond}/s, the peer's bare read back ${peer.readBack}/s`,
    },
  ].map((b) => {
    // NaN: not measured (the peer not installed) — neither pass nor fail.
    const pass = Number.isNaN(b.value) ? null
      : b.lower ? b.value <= b.goal : (b as { strict?: boolean }).strict ? b.value > b.goal : b.value >= b.goal;
    return {
      what: b.what, bar: b.bar, figure: b.show(b.value), value: Number.isFinite(b.value) ? b.value : null, goal: b.goal,
      // How the goal reads (bench/summary.ts judges several runs with them).
      lower: b.lower === true, strict: (b as { strict?: boolean }).strict === true, detail: b.detail, pass,
    };
  });

  const results = {
    date, machine: host,
    options: { events: EVENTS, seed: SEED, clients: CLIENTS, httpSeconds: DURATION, peerEvents: PEER_EVENTS, peerSingle: PEER_SINGLE, replicas: REPLICAS },
    workload: { ...gen.run.shape, generated: gen.run.events, commands: gen.run.commands, byKind: gen.run.byKind, views: gen.views },
    appends: {
      generation: { ...gen.run.figure, barrierSeconds: Math.round(gen.run.barrierMs) / 1000, rawSameRows: raw.all, ratio: ratio(gen.run.figure.perSecond, raw.all.perSecond) },
      single: { ...gen.single, rawSameRows: raw.single, ratio: ratio(gen.single.perSecond, raw.single.perSecond) },
      concurrent: {
        ...gen.concurrent, rawSameRows: raw.concurrent, ratio: ratio(gen.concurrent.perSecond, raw.concurrent.perSecond),
        rawSameRowsIn64RowCommits: raw.concurrent64, ratioTo64RowCommits: ratio(gen.concurrent.perSecond, raw.concurrent64.perSecond),
      },
    },
    rebuild,
    http,
    peer: { sampleEvents: PEER_EVENTS, singleEvents: PEER_SINGLE, emmettSqlite: peers, best: peer, tiendoStore, rounds: peerRounds, fold },
    memory: { serverPeakRssBytes: http.memory.peakRssBytes, generatorPeakRssBytes: gen.memory.peakRssBytes, rebuildPeakRssBytes: rebuild.memory.peakRssBytes },
    bars,
    passed: bars.filter((b) => b.pass === true).length,
    failed: bars.filter((b) => b.pass === false).length,
    seconds: Math.round(performance.now() - started) / 1000,
  };

  /* ---------------------------------------------------------------------------------------- */
  const rows: [string, string, string][] = [
    ['generation: national workload, 64 clients', `${gen.run.figure.perSecond} events/s (${gen.run.events} events, ${gen.run.commands} commands, ${gen.run.figure.seconds} s)`, `raw same rows ${raw.all.perSecond}/s → ${pct(results.appends.generation.ratio)}`],
    ['steady appends, 1 client', `${gen.single.perSecond} events/s, p50 ${gen.single.p50Ms} ms, p99 ${gen.single.p99Ms} ms`, `raw ${raw.single.perSecond}/s → ${pct(results.appends.single.ratio)}; visible p99 ${gen.single.visible.p99Ms} ms`],
    ['steady appends, 64 clients', `${gen.concurrent.perSecond} events/s, p50 ${gen.concurrent.p50Ms} ms, p99 ${gen.concurrent.p99Ms} ms`, `raw ${raw.concurrent.perSecond}/s → ${pct(results.appends.concurrent.ratio)}; raw in 64-row commits ${raw.concurrent64.perSecond}/s; visible p50 ${gen.concurrent.visible.p50Ms} ms, p99 ${gen.concurrent.visible.p99Ms} ms`],
    ...([['{ __typename } (limit)', http.trivial, http.uncached.trivial], ['task (with history(first: 10))', http.task, http.uncached.task],
      [`unitProgress ${http.province}`, http.unitProgress, http.uncached.unitProgress], ['programmeDashboard', http.dashboard, http.uncached.dashboard]] as const)
      .map(([label, f, u]): [string, string, string] => [
        label, `${f.perSecond} req/s${f === http.trivial ? ` (runs ${http.trivial.runs.join(', ')})` : ''}`,
        `p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms; cache hits ${pct(f.cacheHitRatio ?? 0)}; uncached ${u.perSecond} req/s, p99 ${u.p99Ms} ms${f === http.unitProgress ? `; first read after a write ${http.unitProgressAfterWriteMs} ms` : ''}`,
      ]),
    ...(['trivial', 'task', 'unitProgress'] as const).map((k): [string, string, string] => [
      `${k === 'trivial' ? '{ __typename }' : k} at a fixed ${http.fixed.rate} req/s (open loop)`, `${http.fixed[k].perSecond} req/s answered`,
      `from the scheduled send: p50 ${http.fixed[k].p50Ms} ms, p99 ${http.fixed[k].p99Ms} ms, p99.9 ${http.fixed[k].p999Ms} ms, max ${http.fixed[k].maxMs} ms; cache hits ${pct(http.fixed[k].cacheHitRatio ?? 0)}`,
    ]),
    ['auditLog page, unfiltered / filtered', `p50 ${http.auditLog.unfiltered.p50Ms} / ${http.auditLog.filtered.p50Ms} ms`, `p99 ${http.auditLog.unfiltered.p99Ms} / ${http.auditLog.filtered.p99Ms} ms, one connection`],
    ['reportProgress mutation', `${http.mutation?.perSecond ?? '—'} req/s`, `p50 ${http.mutation?.p50Ms} ms, p99 ${http.mutation?.p99Ms} ms; each task's first: ${http.mutationFirstTouch?.perSecond ?? '—'} req/s`],
    ['rebuild', `${rebuild.rebuild.perSecond} events/s (${rebuild.rebuild.seconds} s)`, `raw scan ${rebuild.scan.perSecond}/s; without the snapshots for asOf ${rebuild.withoutSnapshots.perSecond}/s; snapshots in the rebuild's own thread ${rebuild.inOneThread?.perSecond ?? '—'}/s; a start on no read model (after a projection change) ${rebuild.fromNothing ? `${rebuild.fromNothing.seconds} s` : '—'}`],
    ['server start on the data', `${http.startupMs} ms`, `${http.integrityCheckedMs === null ? '' : `hash chain checked after ${http.integrityCheckedMs} ms; `}store still after ${http.settledMs} ms (reminder notices appended: ${http.remindersAppended})`],
    ...Object.values(peers).map((p): [string, string, string] => [
      `peer emmett-sqlite (${p.variant}), 1 / 64 appenders`, `${p.single?.figure.perSecond ?? '—'} / ${p.concurrent?.figure.perSecond ?? '—'} events/s`,
      `failed appends ${p.single?.failed ?? '—'} / ${p.concurrent?.failed ?? '—'}; read back ${p.readBack?.all.perSecond ?? '—'}/s${p.error ? `; ${p.error.split('\n')[0]!.slice(0, 90)}` : ''}`,
    ]),
    ...(http.replicas ? Object.entries(http.replicas.loads).map(([name, r]): [string, string, string] => [
      `${name}: 1 replica / ${REPLICAS} replicas`, `${r.one.perSecond} / ${r.spread.perSecond} req/s (× ${r.ratio})`,
      `p99 ${r.one.p99Ms} / ${r.spread.p99Ms} ms; per replica ${r.spread.perReplica.join(', ')}; ${host.cores} cores shared by the servers and the load generator`,
    ]) : []),
    ...(http.replicas ? Object.values(http.replicas.fixed).flatMap((f) => (['task', 'unitProgress'] as const).map((k): [string, string, string] => [
      `${k} at a fixed ${f.rate} req/s over ${REPLICAS} replicas`, `p99 ${f[k].p99Ms} ms, p99.9 ${f[k].p999Ms} ms`,
      `${f === http.replicas!.fixed.sameRate ? 'the one-server run\'s rate' : `half the trivial maximum over ${REPLICAS}`}; \`{ __typename }\` p99 ${f.trivial.p99Ms} ms; ${tailShape(f[k])}`,
    ])) : []),
    ...(http.replicas?.visibility ? [[
      'a write on one replica, read on another', `p50 ${http.replicas.visibility.withHeader.p50Ms} ms, p99 ${http.replicas.visibility.withHeader.p99Ms} ms (X-Tiendo-Min-Position)`,
      `the same read once there p50 ${http.replicas.visibility.caughtUp.p50Ms} ms, p99 ${http.replicas.visibility.caughtUp.p99Ms} ms; ${http.replicas.visibility.writes} writes one at a time`,
    ] as [string, string, string]] : []),
    ['tiendo store, 1 / 64 appenders', `${tiendoStore.single.figure.perSecond} / ${tiendoStore.concurrent.figure.perSecond} events/s`, `read back ${tiendoStore.readBack.all.perSecond}/s`],
    ['peak RSS: server / generator / rebuild', `${mib(http.memory.peakRssBytes)} / ${mib(gen.memory.peakRssBytes)} / ${mib(rebuild.memory.peakRssBytes)} MiB`,
      `server, highest RSS sampled while: ${http.memory.byPhase.map((p) => `${p.phase} ${p.maxMiB} (end ${p.endMiB}, VmHWM ${p.hwmMiB})`).join(', ')}`],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  console.log(`\ntiendo bench — ${gen.run.events} events, ${date}, ${host.cores} × ${host.cpu}, Node ${host.node}\n`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b}${c ? `  (${c})` : ''}`);
  const b0 = Math.max(...bars.map((b) => b.what.length));
  const b1 = Math.max(...bars.map((b) => b.bar.length));
  console.log(`\n${'bar (DESIGN §5)'.padEnd(b0)}  ${'goal'.padEnd(b1)}  figure      pass`);
  for (const b of bars) console.log(`${b.what.padEnd(b0)}  ${b.bar.padEnd(b1)}  ${b.figure.padEnd(10)}  ${b.pass === null ? 'n/a ' : b.pass ? 'PASS' : 'FAIL'}  ${b.detail}`);
  console.log(`\n${results.passed} passed, ${results.failed} failed; ${results.seconds} s`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  // Every run kept under its date as well: bench/summary.ts puts the last few side by side.
  const dated = join(dirname(OUT), `${date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(dated, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written ${OUT} and ${dated}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  else log(`data kept in ${dataDir}`);
}
