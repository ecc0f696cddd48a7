/**
 * Event store write throughput, measured in one run on a temp dir:
 *   (a) raw better-sqlite3: the rows SqliteEventStore writes, batched per transaction (the ceiling);
 *   (b) durable appends through SqliteEventStore, 1 sequential appender and 64 concurrent ones;
 *   (c) the 64-appender rate as a share of (a), against the goal of at least 40 %.
 * Each run is repeated (the three interleaved, each on a fresh file) and the median is reported: fsync
 * times on shared machines vary a lot from one second to the next.
 * Usage: npm run bench:store -- [--events N] [--single N] [--raw N] [--batch N] [--repeat N]
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ExpectedRevision, NewEvent } from '../src/eventstore/port.js';
import { canonicalJson } from '../src/eventstore/hash.js';
import { SqliteEventStore } from '../src/eventstore/sqlite.js';
import { type Figure, type RawRow, figure, machine, rawInserts } from './lib.js';

const GOAL = 0.4;
const APPENDERS = 64;

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    single: { type: 'string', default: '2000' },
    // Same count as the 64-appender run unless given: the index depth, and so the cost per row, depends on it.
    raw: { type: 'string' },
    batch: { type: 'string', default: '500' },
    repeat: { type: 'string', default: '3' },
  },
});
const count = (name: keyof typeof values) => {
  const n = Number(values[name] ?? values.events);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const opts = {
  events: count('events'), single: count('single'), raw: count('raw'), batch: count('batch'), repeat: count('repeat'),
};

/** A periodic progress report on a task, about 400 bytes of data as JSON plus the usual metadata. */
function progressReported(taskId: string, i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'TaskProgressReported',
    data: {
      schemaVersion: 1,
      taskId,
      period: '2025-W23',
      unit: 'BCA-C06',
      indicator: { code: 'DVC-TT-01', target: 80, actual: 40 + (i % 40), unitOfMeasure: '%' },
      progressPercent: i % 101,
      status: i % 7 === 0 ? 'at_risk' : 'on_track',
      note: 'Đã tích hợp 12/15 thủ tục hành chính lên Cổng Dịch vụ công quốc gia; 3 thủ tục chờ cấp tài khoản kết nối.',
      basis: [{ kind: 'document', ref: 'CV-1234/BCA-C06' }],
    },
    metadata: {
      actor: { userId: randomUUID(), role: 'focal_point', unit: 'BCA-C06' },
      occurredAt: new Date(Date.UTC(2025, 5, 2, 3, 0, i % 60)).toISOString(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
    },
  };
}

/** `perStream` events for each of `streams` task streams, in the order one appender per stream makes them. */
function workload(streams: number, perStream: number): { stream: string; events: NewEvent[] }[] {
  return Array.from({ length: streams }, () => {
    const stream = `task-${randomUUID()}`;
    return { stream, events: Array.from({ length: perStream }, (_, i) => progressReported(stream, i)) };
  });
}

/**
 * The adapter creates its own table; the raw run (bench/lib.ts) reuses that shape. Rows go in the
 * order 64 appenders produce them (round robin over the streams), as in the adapter run.
 */
function rawInsertsOf(file: string, total: number, batch: number): Promise<Figure> {
  const perStream = Math.ceil(total / APPENDERS);
  const work = workload(APPENDERS, perStream);
  const recordedAt = new Date().toISOString();
  const rows: RawRow[] = Array.from({ length: perStream }, (_, revision) => work.map(({ stream, events }) => ({ stream, revision, e: events[revision]! })))
    .flat()
    .slice(0, total)
    .map(({ stream, revision, e }) => ({
      id: e.id, stream, revision, type: e.type, data: canonicalJson(e.data), metadata: canonicalJson(e.metadata ?? {}), recorded_at: recordedAt,
    }));
  return rawInserts(file, rows, batch);
}

async function appenders(file: string, streams: number, total: number): Promise<Figure> {
  const store = new SqliteEventStore(file);
  const perStream = Math.ceil(total / streams);
  const work = workload(streams, perStream);
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(work.map(async ({ stream, events }) => {
    let expected: ExpectedRevision = 'no_stream';
    for (const e of events) {
      const t = performance.now();
      expected = (await store.append(stream, [e], expected)).nextExpectedRevision;
      latencies.push(performance.now() - t);
    }
  }));
  const ms = performance.now() - t0;
  await store.dispose();
  return figure(streams * perStream, ms, latencies);
}

const dir = mkdtempSync(join(tmpdir(), 'tiendo-bench-store-'));
try {
  const sample = progressReported('task-00000000-0000-4000-8000-000000000000', 1);
  const bytes = { data: Buffer.byteLength(JSON.stringify(sample.data)), metadata: Buffer.byteLength(JSON.stringify(sample.metadata)) };
  const host = machine();
  const sqliteVersion = host.sqlite;

  console.log(`event store write bench: ${host.cores} × ${host.cpu}, Node ${host.node}, SQLite ${sqliteVersion}`);
  console.log(`payload ${bytes.data} B data + ${bytes.metadata} B metadata (JSON); temp dir ${dir}\n`);

  const runs: { raw: Figure; rawGroupSized: Figure; single: Figure; concurrent: Figure }[] = [];
  for (let r = 0; r < opts.repeat; r++) {
    runs.push({
      raw: await rawInsertsOf(join(dir, `raw-${r}.db`), opts.raw, opts.batch),
      // Reference: commits no larger than the adapter's group commit can be with 64 appends in flight.
      rawGroupSized: await rawInsertsOf(join(dir, `raw-${APPENDERS}-${r}.db`), opts.raw, APPENDERS),
      single: await appenders(join(dir, `single-${r}.db`), 1, opts.single),
      concurrent: await appenders(join(dir, `concurrent-${r}.db`), APPENDERS, opts.events),
    });
  }
  const median = (pick: (run: (typeof runs)[number]) => Figure) =>
    runs.map(pick).sort((x, y) => x.perSecond - y.perSecond)[Math.floor(runs.length / 2)]!;
  const raw = median((run) => run.raw);
  const rawGroupSized = median((run) => run.rawGroupSized);
  const one = median((run) => run.single);
  const many = median((run) => run.concurrent);
  const ratio = many.perSecond / raw.perSecond;
  const ratios = runs.map((run) => run.concurrent.perSecond / run.raw.perSecond);

  const rows: [string, Figure][] = [
    [`(a) raw better-sqlite3, ${opts.batch} rows per transaction`, raw],
    [`    reference: raw, ${APPENDERS} rows per transaction`, rawGroupSized],
    ['(b) SqliteEventStore, 1 appender', one],
    [`(b) SqliteEventStore, ${APPENDERS} concurrent appenders`, many],
  ];
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(`${'run'.padEnd(48)}${pad('events', 8)}${pad('seconds', 9)}${pad('events/s', 10)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}`);
  for (const [label, f] of rows) {
    console.log(`${label.padEnd(48)}${pad(f.events, 8)}${pad(f.seconds.toFixed(2), 9)}${pad(f.perSecond, 10)}${pad(f.p50Ms ?? '', 8)}${pad(f.p99Ms ?? '', 8)}`);
  }
  const verdict = ratio >= GOAL ? 'meets' : 'misses';
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log(`(medians of ${opts.repeat} runs)`);
  console.log(`\n(c) ${APPENDERS} appenders / raw = ${pct(ratio)} — ${verdict} the goal of ≥ ${pct(GOAL)}`
    + ` (per run: ${ratios.map(pct).join(', ')})`);

  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'store-latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({
    date: new Date().toISOString(),
    machine: { cpu: host.cpu, cores: host.cores, memoryBytes: host.memoryBytes, node: host.node, sqlite: sqliteVersion },
    options: opts,
    payloadBytes: bytes,
    median: { raw, rawGroupSized, single: one, concurrent: { appenders: APPENDERS, ...many } },
    ratio: {
      concurrentToRaw: Math.round(ratio * 1000) / 1000, goal: GOAL, met: ratio >= GOAL,
      perRun: ratios.map((x) => Math.round(x * 1000) / 1000),
    },
    runs,
  }, null, 2)}\n`);
  console.log(`written ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
