/**
 * What the benches share: the machine they ran on, a figure (count, time, rate, latency
 * percentiles) and the ceiling every append figure is a share of — raw batched better-sqlite3
 * inserts of the same rows into the event table the adapter creates.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { GENESIS_HASH, eventHash } from '../src/eventstore/hash.js';
import { SqliteEventStore } from '../src/eventstore/sqlite.js';

export interface Machine { cpu: string | undefined; cores: number; memoryBytes: number; node: string; sqlite: string; platform: string }

export function machine(): Machine {
  const probe = new Database(':memory:');
  const sqlite = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  probe.close();
  return { cpu: cpus()[0]?.model.trim(), cores: cpus().length, memoryBytes: totalmem(), node: process.version, sqlite, platform: `${process.platform} ${process.arch}` };
}

export interface Figure { events: number; seconds: number; perSecond: number; p50Ms?: number; p99Ms?: number }

/** The q-quantile of numbers sorted ascending (nearest rank), rounded to 0.01. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
}

export function figure(events: number, ms: number, latencies?: number[]): Figure {
  const f: Figure = { events, seconds: Math.round(ms) / 1000, perSecond: Math.round(events / (ms / 1000)) };
  if (latencies) {
    latencies.sort((a, b) => a - b);
    f.p50Ms = quantile(latencies, 0.5);
    f.p99Ms = quantile(latencies, 0.99);
  }
  return f;
}

/** A row of the adapter's `events` table, by column name (position left out: SQLite assigns it). */
export type RawRow = Record<string, string | number | null>;

/**
 * The ceiling: `rows` inserted with raw better-sqlite3 statements, `batch` rows a transaction, in
 * WAL with synchronous=FULL, into a fresh `file` whose table the adapter itself created (so the
 * shape, indexes and constraints are the adapter's). Only the transactions are timed: `rows` may
 * be a lazy source (e.g. a read of another database), whose cost is not the writer's. The hash
 * chain is part of the rows tiendo writes, so it is part of the limit's work: each row's prev_hash
 * and hash are computed in the timed transaction as the adapter does (eventHash over the stored
 * canonical text), never copied from the source.
 * `base`: start from a copy of this event file cut back to `basePosition` events instead, so that
 * rows appended to a big store are compared with raw inserts into a table of the same size.
 */
export async function rawInserts(file: string, rows: Iterable<RawRow>, batch: number, base?: { file: string; position: number }): Promise<Figure> {
  if (base) {
    // SQLite's online backup: a consistent copy, WAL included.
    const source = new Database(base.file, { readonly: true });
    await source.backup(file);
    source.close();
    const cut = new Database(file);
    cut.prepare('DELETE FROM events WHERE position > ?').run(base.position);
    cut.close();
  } else {
    await new SqliteEventStore(file).dispose();
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  let insert: Database.Statement | undefined;
  let columns: string[] = [];
  let prev = (db.prepare('SELECT hash FROM events ORDER BY position DESC LIMIT 1').get() as { hash: string | null } | undefined)?.hash ?? GENESIS_HASH;
  const write = db.transaction((slice: RawRow[]) => {
    for (const row of slice) {
      const hash = eventHash(prev, {
        stream: String(row.stream), revision: Number(row.revision), type: String(row.type), id: String(row.id),
        recordedAt: String(row.recorded_at), dataCanonical: String(row.data), metadataCanonical: String(row.metadata),
      });
      insert!.run([...columns.map((c) => row[c] ?? null), prev, hash]);
      prev = hash;
    }
  });
  let ms = 0;
  let count = 0;
  let slice: RawRow[] = [];
  const flush = () => {
    if (slice.length === 0) return;
    if (!insert) {
      columns = Object.keys(slice[0]!).filter((c) => c !== 'position' && c !== 'prev_hash' && c !== 'hash');
      insert = db.prepare(`INSERT INTO events (${columns.join(', ')}, prev_hash, hash) VALUES (${columns.map(() => '?').join(', ')}, ?, ?)`);
    }
    const t0 = performance.now();
    write(slice);
    ms += performance.now() - t0;
    count += slice.length;
    slice = [];
  };
  for (const row of rows) {
    slice.push(row);
    if (slice.length >= batch) flush();
  }
  flush();
  db.close();
  return figure(count, ms);
}

/** Rows of an adapter's event file, in position order, as raw column values (a lazy read). */
export function* eventRows(file: string, fromPosition = 0, toPosition = Number.MAX_SAFE_INTEGER): Generator<RawRow> {
  const db = new Database(file, { readonly: true });
  try {
    const page = db.prepare<[number, number], RawRow & { position: number }>(
      'SELECT * FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT 1000');
    for (let from = fromPosition; ;) {
      const rows = page.all(from, toPosition);
      if (rows.length === 0) return;
      yield* rows;
      from = rows[rows.length - 1]!.position;
    }
  } finally {
    db.close();
  }
}

/** Peak and current resident set size of this process, from /proc (Linux), in bytes. */
export function memory(pid: number | 'self' = 'self'): { peakRssBytes: number | null; rssBytes: number | null } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) * 1024 : null;
    };
    return { peakRssBytes: kb('VmHWM'), rssBytes: kb('VmRSS') };
  } catch {
    return { peakRssBytes: pid === 'self' ? process.memoryUsage().rss : null, rssBytes: null };
  }
}

export const mib = (bytes: number | null | undefined) => (bytes == null ? null : Math.round(bytes / 1024 / 1024));

/**
 * A bar's name as several runs gave it (bench:summary): a figure in it that differs between runs is
 * shown for each, "at a fixed 9645 / 9145 / 7514 req/s", not as the last run's alone.
 */
export function barLabel(whats: string[]): string {
  const parts = whats.map((w) => w.split(/(\d[\d,.]*)/));
  return parts[0]!.map((p, i) => (i % 2 === 1 && parts.some((q) => q[i] !== p) ? parts.map((q) => q[i]).join(' / ') : p)).join('');
}
