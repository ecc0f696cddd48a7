/**
 * The bench's phases that run in a process of their own (so that each has its own peak RSS and,
 * with --profile, its own CPU profile). `node --import tsx bench/phases.ts <phase> '<json args>'`
 * prints its result as the last line of stdout: `@@RESULT <json>`.
 *
 *   generate       the workload through the command path, then steady appends (generate.ts)
 *   rebuild        a raw scan + JSON.parse of the event table (the limit) and a projection rebuild
 *                  of every event into a fresh read model, through ProjectionRunner.rebuild
 *   asof           unitProgress's read model as of 10 instants spread over the history, each the first
 *                  call of a freshly started ProjectionRunner on a rebuilt read model (worst, median)
 *   store-appends  the peer's sample appended to tiendo's SqliteEventStore, 1 and 64 appenders,
 *                  then read back: tiendo's side of the peer comparison
 *   fold           the same read model (decode + tiendo's projections) rebuilt from the sample as
 *                  each store reads it back: tiendo's SqliteEventStore and the peer's file
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { decode } from '../src/events.js';
import type { RecordedEvent } from '../src/eventstore/port.js';
import { Views } from '../src/runner/views.js';
import type { ExpectedRevision } from '../src/eventstore/port.js';
import { READ_COLUMNS, SqliteEventStore } from '../src/eventstore/sqlite.js';
import { ProjectionRunner } from '../src/runner/runner.js';
import { generate } from './generate.js';
import { type Figure, figure, memory } from './lib.js';
import { HISTORY_END_MS, HISTORY_START_MS, pool } from './workload.js';

/**
 * The partitioned rebuild (TIENDO_REBUILD_PARTITIONS, src/runner/rebuild-partitioned.ts): a thread a
 * core of the machines this bench ran on; it is taken only when the audit log is kept.
 */
const PARTITIONED = { rebuildPartitions: 2, keepAuditLog: true };

/** `load`'s figure with the CPU time it took, every thread of the process counted. */
async function withCpu(load: () => Promise<Figure>): Promise<Figure & { cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const measured = await load();
  const cpu = process.cpuUsage(cpu0);
  return { ...measured, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
}


/** Every row of the event table in position order, each data and metadata JSON.parse'd: the limit of a rebuild. */
export function rawScan(file: string): Figure {
  const db = new Database(file, { readonly: true });
  const stmt = db.prepare<[], { data: string; metadata: string }>(`SELECT ${READ_COLUMNS} FROM events ORDER BY position`);
  let n = 0;
  let sink = 0;
  const t0 = performance.now();
  for (const r of stmt.iterate()) {
    const data = JSON.parse(r.data) as unknown;
    const metadata = JSON.parse(r.metadata) as unknown;
    if (data && metadata) sink++;
    n++;
  }
  const ms = performance.now() - t0;
  db.close();
  if (sink < 0) throw new Error('unreachable');
  return figure(n, ms);
}

export interface RebuildResult {
  scan: Figure;
  scans: Figure[];
  rebuild: Figure;
  /**
   * The same rebuild without the snapshots `asOf` starts from: what folding the events and writing
   * the read model once costs, apart from keeping the read model's history.
   */
  withoutSnapshots: Figure;
  /**
   * The same rebuild with its snapshots taken by the rebuild's own thread (TIENDO_REBUILD_SNAPSHOT_THREAD=0):
   * what the snapshot thread (src/runner/rebuild-snapshots.ts) gains, in the same run. Absent in results before it.
   */
  inOneThread?: Figure;
  /** A runner started on no read model, until ready: what a server start after a projection change does (src/runner/runner.ts). */
  fromNothing?: Figure;
  /**
   * The same rebuild on a read model whose audit log is whole and of this version (TIENDO_REBUILD_KEEP_AUDIT):
   * a projection change that leaves the audit log's alone. Absent in results before it.
   */
  keepingAudit?: Figure;
  /**
   * The same, keeping the audit log and taking no snapshots: the events read, decoded, folded into the
   * views and the rows written, nothing else — the floor of today's fold, which the audit log and the
   * snapshots add to. Absent in results before 2026-12-05.
   */
  viewsAlone?: Figure;
  /**
   * The rebuild partitioned by stream over two threads (TIENDO_REBUILD_PARTITIONS=2, the audit log kept:
   * src/runner/rebuild-partitioned.ts), without the snapshots and with them (`withSnapshots`, to set
   * beside `keepingAudit`). CPU time of all threads. Absent in results before 2026-12-05; in session
   * 19's, a design of the bench's own (no audit log, the rows left in each thread's file).
   */
  partitioned?: { viewsAlone: Figure & { cpuMs: number }; withSnapshots: Figure & { cpuMs: number } };
  /** CPU time of the rebuild (user + system, its snapshot thread's included), ms. */
  rebuildCpuMs: number;
  memory: { peakRssBytes: number | null };
}

export async function rebuildPhase(opts: { dataDir: string; log?: (l: string) => void }): Promise<RebuildResult> {
  const file = join(opts.dataDir, 'events.db');
  const scans = [rawScan(file)];
  opts.log?.(`  rebuild: raw scan ${scans[0]!.perSecond} events/s`);
  const tmp = mkdtempSync(join(tmpdir(), 'tiendo-bench-views-'));
  const store = new SqliteEventStore(file);
  let last = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const rebuild = await timedLoad(store, join(tmp, 'views.db'), { rebuild: (done) => {
    const now = performance.now();
    if (now - last > 5000) {
      last = now;
      opts.log?.(`  rebuild: ${done} events, ${Math.round(done / ((now - t0) / 1000))} events/s`);
    }
  } });
  const cpu = process.cpuUsage(cpu0);
  // The process's high-water mark before the rebuilds below add their own read models to it.
  const peakRssBytes = memory().peakRssBytes;
  const withoutSnapshots = await timedLoad(store, join(tmp, 'bare.db'), { rebuild: () => {} }, { snapshotEvery: Infinity });
  opts.log?.(`  rebuild without snapshots: ${withoutSnapshots.perSecond} events/s`);
  const inOneThread = await timedLoad(store, join(tmp, 'one-thread.db'), { rebuild: () => {} }, { snapshotThread: false });
  opts.log?.(`  rebuild with its snapshots in its own thread: ${inOneThread.perSecond} events/s`);
  const fromNothing = await timedLoad(store, join(tmp, 'from-nothing.db'), { start: rebuild.events }, {}, true);
  opts.log?.(`  a start on no read model, until caught up: ${fromNothing.perSecond} events/s`);
  const viewsAlone = await timedLoad(store, join(tmp, 'from-nothing.db'), { rebuild: () => {} }, { keepAuditLog: true, snapshotEvery: Infinity }, true);
  opts.log?.(`  rebuild of the views alone (the audit log kept, no snapshots): ${viewsAlone.perSecond} events/s`);
  // Before keepingAudit, which removes the file: each of these keeps its audit log whole for the next.
  const partitioned = {
    viewsAlone: await withCpu(() => timedLoad(store, join(tmp, 'from-nothing.db'), { rebuild: () => {} }, { ...PARTITIONED, snapshotEvery: Infinity }, true)),
    withSnapshots: await withCpu(() => timedLoad(store, join(tmp, 'from-nothing.db'), { rebuild: () => {} }, PARTITIONED, true)),
  };
  opts.log?.(`  rebuild partitioned by stream over ${PARTITIONED.rebuildPartitions} threads (TIENDO_REBUILD_PARTITIONS, the audit log kept): the views alone ${partitioned.viewsAlone.perSecond} events/s, with their snapshots ${partitioned.withSnapshots.perSecond} events/s`);
  const keepingAudit = await timedLoad(store, join(tmp, 'from-nothing.db'), { rebuild: () => {} }, { keepAuditLog: true });
  opts.log?.(`  rebuild keeping the audit log: ${keepingAudit.perSecond} events/s`);
  await store.dispose();
  rmSync(tmp, { recursive: true, force: true });
  scans.push(rawScan(file));
  // The faster scan is the limit: the stricter ratio.
  const scan = scans.reduce((a, b) => (a.perSecond >= b.perSecond ? a : b));
  return { scan, scans, rebuild, withoutSnapshots, inOneThread, fromNothing, keepingAudit, viewsAlone, partitioned, rebuildCpuMs: Math.round((cpu.user + cpu.system) / 1000), memory: { peakRssBytes } };
}

/**
 * A rebuild, or a start on no read model until caught up (`start`: the events it will apply), into a
 * read model of its own, timed. Nothing of it outlives the call but its file when `keepFile`: a read
 * model left reachable (hundreds of MiB at a million events) made every later one's collections
 * slower (session 8: the third of four measured 58 s, 51 s alone).
 */
async function timedLoad(
  store: SqliteEventStore, file: string, how: { rebuild: (done: number) => void } | { start: number },
  options: ConstructorParameters<typeof ProjectionRunner>[4] = {}, keepFile = false,
): Promise<Figure> {
  const runner = new ProjectionRunner(store, file, undefined, undefined, options);
  const t0 = performance.now();
  let events: number;
  if ('rebuild' in how) events = await runner.rebuild(how.rebuild);
  else {
    runner.start();
    await runner.ready;
    events = how.start;
  }
  const measured = figure(events, performance.now() - t0);
  await runner.stop();
  if (!keepFile) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  return measured;
}

/** The instants asOf is measured at: 10, spread evenly over the three years of history. */
export function asOfInstants(): string[] {
  return Array.from({ length: 10 }, (_, i) => new Date(HISTORY_START_MS + ((HISTORY_END_MS - HISTORY_START_MS) * (i + 0.5)) / 10).toISOString());
}

export interface AsOfResult { byInstant: { at: string; ms: number }[]; worstMs: number; medianMs: number }

/** Worst and median of first-call times (ms). */
export function asOfSummary(byInstant: { at: string; ms: number }[]): AsOfResult {
  const sorted = byInstant.map((x) => x.ms).sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { byInstant, worstMs: sorted[sorted.length - 1]!, medianMs: Math.round(median) };
}

/**
 * asOf at each instant on a read model rebuilt with its snapshots (the rebuild not timed), each
 * timed on a ProjectionRunner just started on it: nothing cached, as after a server start.
 */
export async function asOfPhase(opts: { dataDir: string; log?: (l: string) => void }): Promise<AsOfResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'tiendo-bench-asof-'));
  const store = new SqliteEventStore(join(opts.dataDir, 'events.db'));
  try {
    const file = join(tmp, 'views.db');
    const built = new ProjectionRunner(store, file);
    await built.rebuild();
    await built.stop();
    const byInstant: { at: string; ms: number }[] = [];
    for (const at of asOfInstants()) {
      const runner = new ProjectionRunner(store, file);
      runner.start();
      await runner.ready;
      const t0 = performance.now();
      const views = await runner.asOf(at);
      byInstant.push({ at, ms: Math.round(performance.now() - t0) });
      opts.log?.(`  asOf ${at}: ${byInstant.at(-1)!.ms} ms (${views.tasks.size} tasks)`);
      await runner.stop();
    }
    return asOfSummary(byInstant);
  } finally {
    await store.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface SampleEvent { stream: string; type: string; data: unknown; metadata: unknown }

export function readSample(file: string): SampleEvent[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SampleEvent);
}

export interface AppendersResult { events: number; failed: number; firstError: string | null; figure: Figure }

/** The sample appended to a fresh SqliteEventStore by `appenders` appenders (one stream each at a time, in order). */
async function storeAppenders(file: string, sample: SampleEvent[], appenders: number): Promise<AppendersResult> {
  const store = new SqliteEventStore(file);
  const streams = new Map<string, SampleEvent[]>();
  for (const e of sample) {
    const s = streams.get(e.stream);
    if (s) s.push(e);
    else streams.set(e.stream, [e]);
  }
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  if (appenders === 1) {
    const expected = new Map<string, number>();
    for (const e of sample) {
      const t = performance.now();
      const exp: ExpectedRevision = expected.get(e.stream) ?? 'no_stream';
      const r = await store.append(e.stream, [{ id: randomUUID(), type: e.type, data: e.data, metadata: e.metadata }], exp);
      expected.set(e.stream, r.nextExpectedRevision);
      latencies.push(performance.now() - t);
    }
  } else {
    await pool([...streams.values()], appenders, async (events) => {
      let exp: ExpectedRevision = 'no_stream';
      for (const e of events) {
        const t = performance.now();
        try {
          exp = (await store.append(e.stream, [{ id: randomUUID(), type: e.type, data: e.data, metadata: e.metadata }], exp)).nextExpectedRevision;
          latencies.push(performance.now() - t);
        } catch (error) {
          failed++;
          firstError ??= (error as Error).message;
          return;
        }
      }
    });
  }
  const ms = performance.now() - t0;
  await store.dispose();
  return { events: latencies.length, failed, firstError, figure: figure(latencies.length, ms, latencies) };
}

export interface StoreAppendsResult { single: AppendersResult; concurrent: AppendersResult; readBack: { byStream: Figure; all: Figure } }

export async function storeAppendsPhase(opts: { sampleFile: string; singleCount: number }): Promise<StoreAppendsResult> {
  const sample = readSample(opts.sampleFile);
  const tmp = mkdtempSync(join(tmpdir(), 'tiendo-bench-store-'));
  try {
    const single = await storeAppenders(join(tmp, 'single.db'), sample.slice(0, opts.singleCount), 1);
    const concurrent = await storeAppenders(join(tmp, 'concurrent.db'), sample, 64);
    // Read back what the 64 appenders wrote: stream by stream, then the whole log in order.
    const store = new SqliteEventStore(join(tmp, 'concurrent.db'));
    const streams = [...new Set(sample.map((e) => e.stream))];
    let n = 0;
    let t0 = performance.now();
    for (const s of streams) n += (await store.readStream(s)).length;
    const byStream = figure(n, performance.now() - t0);
    n = 0;
    t0 = performance.now();
    for (let from = 'start'; ;) {
      const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
      if (page.length === 0) break;
      n += page.length;
      from = page[page.length - 1]!.position;
    }
    const all = figure(n, performance.now() - t0);
    await store.dispose();
    return { single, concurrent, readBack: { byStream, all } };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface FoldResult { tiendo: Figure; peer: Figure | null; peerError: string | null }

/**
 * A rebuild on each store, like for like: every event of the sample read back through the store's
 * own API, decoded and folded by tiendo's projections (in memory; the runner's SQLite writes are
 * measured by the rebuild phase). The peer has no projections of tiendo's read model, so this is
 * how its store would feed them.
 */
export async function foldPhase(opts: { sampleFile: string; peerFile: string | null }): Promise<FoldResult> {
  const sample = readSample(opts.sampleFile);
  const tmp = mkdtempSync(join(tmpdir(), 'tiendo-bench-fold-'));
  try {
    const store = new SqliteEventStore(join(tmp, 'events.db'));
    const streams = new Map<string, SampleEvent[]>();
    for (const e of sample) streams.set(e.stream, [...(streams.get(e.stream) ?? []), e]);
    await pool([...streams], 64, async ([stream, events]) => {
      await store.append(stream, events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: e.metadata })), 'no_stream');
    });
    const foldTiendo = async () => {
      const views = new Views();
      let n = 0;
      const t0 = performance.now();
      for (let from = 'start'; ;) {
        const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
        if (page.length === 0) break;
        for (const r of page) {
          try {
            views.apply(decode(r));
          } catch {
            // as the runner: skipped
          }
        }
        n += page.length;
        from = page[page.length - 1]!.position;
      }
      return figure(n, performance.now() - t0);
    };
    let foldPeer: (() => Promise<Figure>) | null = null;
    let close = () => {};
    let peerError: string | null = opts.peerFile ? null : 'peer not run';
    if (opts.peerFile) {
      try {
        const require = createRequire(join(new URL('.', import.meta.url).pathname, 'peer', 'package.json'));
        const emmett = await import(pathToFileURL(require.resolve('@event-driven-io/emmett-sqlite')).href) as {
          sqliteConnection(o: { fileName: string }): { close(): void };
          readMessagesBatch(c: unknown, o: { after: bigint; batchSize: number }): Promise<{
            currentGlobalPosition: bigint; areEventsLeft: boolean;
            messages: { type: string; data: unknown; metadata: Record<string, unknown> & { messageId: string; streamName: string; streamPosition: bigint; globalPosition: bigint } }[];
          }>;
        };
        const connection = emmett.sqliteConnection({ fileName: opts.peerFile });
        close = () => connection.close();
        foldPeer = async () => {
          const views = new Views();
          let n = 0;
          const t0 = performance.now();
          for (let after = 0n; ;) {
            const batch = await emmett.readMessagesBatch(connection, { after, batchSize: 1000 });
            for (const m of batch.messages) {
              const r: RecordedEvent = {
                id: m.metadata.messageId, stream: m.metadata.streamName, revision: Number(m.metadata.streamPosition) - 1,
                position: String(m.metadata.globalPosition), type: m.type, data: m.data, metadata: m.metadata, recordedAt: '',
              };
              try {
                views.apply(decode(r));
              } catch {
                // as the runner: skipped
              }
            }
            n += batch.messages.length;
            after = batch.currentGlobalPosition;
            if (!batch.areEventsLeft) break;
          }
          return figure(n, performance.now() - t0);
        };
      } catch (error) {
        peerError = String((error as Error).message ?? error);
      }
    }
    // Once each to warm up, then in turns; the better of two runs each.
    const best = (a: Figure, b: Figure) => (a.perSecond >= b.perSecond ? a : b);
    await foldTiendo();
    if (foldPeer) await foldPeer().catch(() => undefined);
    let tiendo = await foldTiendo();
    let peer: Figure | null = null;
    try {
      if (foldPeer) peer = await foldPeer();
      tiendo = best(tiendo, await foldTiendo());
      if (foldPeer) peer = best(peer!, await foldPeer());
    } catch (error) {
      peerError = String((error as Error).message ?? error);
    }
    close();
    await store.dispose();
    return { tiendo, peer, peerError };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] && new URL(import.meta.url).pathname === process.argv[1];
if (isMain) {
  const [name, json] = process.argv.slice(2);
  const args = JSON.parse(json ?? '{}') as Record<string, unknown>;
  const log = (l: string) => process.stderr.write(`${l}\n`);
  let result: unknown;
  switch (name) {
    case 'generate':
      result = await generate({ ...(args as unknown as Parameters<typeof generate>[0]), log });
      break;
    case 'rebuild':
      result = await rebuildPhase({ dataDir: String(args.dataDir), log });
      break;
    case 'asof':
      result = await asOfPhase({ dataDir: String(args.dataDir), log });
      break;
    case 'store-appends':
      result = await storeAppendsPhase(args as unknown as Parameters<typeof storeAppendsPhase>[0]);
      break;
    case 'fold':
      result = await foldPhase(args as unknown as Parameters<typeof foldPhase>[0]);
      break;
    default:
      throw new Error(`unknown phase ${name}`);
  }
  process.stdout.write(`\n@@RESULT ${JSON.stringify(result)}\n`);
}
