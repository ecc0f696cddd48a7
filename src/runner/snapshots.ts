import { promisify } from 'node:util';
import { constants, createInflateRaw, deflateRaw } from 'node:zlib';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { type Row, Views } from './views.js';
import type { ReadModel } from './read-model.js';
import { RowLines, isChange, rowLine, wholeLine } from './snapshot-lines.js';
import { type SnapshotRow, everyRowText } from './views-writer.js';
import { TimeSlice } from '../shared/time-slice.js';

/**
 * Every this many events the runner keeps a snapshot of the read model, so that `asOf` replays
 * from the nearest one instead of from the first event (at a million events a full replay took
 * tens of seconds). Most snapshots are deltas: the rows changed since the previous snapshot, each
 * as the fields that changed (snapshot-lines.ts); every FULL_EVERY-th holds every row whole.
 * Re-encoding and compressing the whole read model at every snapshot was about half of a rebuild
 * (bench/README.md); a restore reads one full snapshot and the deltas after it, newest first, and
 * parses each row's newest whole line and the changes after it.
 */
export const SNAPSHOT_EVERY = 5000;
export const FULL_EVERY = 10;

/**
 * `base`: the seq of the full snapshot a delta builds on (its own seq for a full one). `rows`: lines
 * joined by newlines, deflated: a full snapshot's each a whole row, a delta's a whole row or the
 * fields of a row that changed since the snapshot before (snapshot-lines.ts).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (
  seq INTEGER PRIMARY KEY,
  base INTEGER NOT NULL,
  position TEXT NOT NULL,
  last_occurred_at TEXT NOT NULL,
  rows BLOB NOT NULL
);
`;
const deflateRawAsync = promisify(deflateRaw);
const WHOLE = { level: 1 };
const PIECE = { level: 1, finishFlush: constants.Z_SYNC_FLUSH };
/** What ends a snapshot put together from pieces (Snapshots' `piece`): an empty final block. */
export const LAST_BLOCK = Buffer.from([0x03, 0x00]);
/** A restore inflates a snapshot this much at a time, on the thread pool. */
const INFLATE_CHUNK = 1 << 20;

/**
 * Calls `onLine` with each line of a deflated snapshot, inflated a chunk at a time on the thread pool.
 * Inflated in one piece, a full snapshot at a million events (50 MB) held the event loop 100–200 ms,
 * zlib's asynchronous form as long again (it puts its output together in one copy on this thread).
 */
async function eachLine(blob: Buffer, onLine: (text: Buffer, start: number, end: number) => void, slice: TimeSlice): Promise<void> {
  const inflate = createInflateRaw({ chunkSize: INFLATE_CHUNK });
  inflate.end(blob);
  let carry: Buffer | null = null;
  for await (const chunk of inflate as AsyncIterable<Buffer>) {
    let start = 0;
    if (carry) {
      const end = chunk.indexOf(10);
      if (end < 0) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      // A line across two chunks: copied into one buffer of its own.
      const text = Buffer.concat([carry, chunk.subarray(0, end)]);
      onLine(text, 0, text.length);
      carry = null;
      start = end + 1;
    }
    for (let end = chunk.indexOf(10, start); end >= 0; end = chunk.indexOf(10, start)) {
      onLine(chunk, start, end);
      start = end + 1;
    }
    if (start < chunk.length) carry = chunk.subarray(start);
    if (slice.due()) await slice.pass();
  }
  // A full snapshot put together by SQLite has no newline after its last line.
  if (carry) onLine(carry, 0, carry.length);
}

/** The snapshots table in `db`: the read model's, or the file of a rebuild's snapshot thread (rebuild-snapshots.ts). */
export function createSnapshotsTable(db: Database.Database): void {
  db.exec(SCHEMA);
}

/** What a snapshot keeps of a row (Snapshots.kept). */
interface KeptRow {
  /** Its value at the last snapshot taken: the next delta holds its change from it (snapshot-lines.ts). */
  value: object;
  /** During a rebuild, its whole line, if that is up to date. */
  line: Buffer | null;
  /** During a rebuild, the row, if a delta holds its change and not it: encoded whole only when the next full snapshot needs it. */
  stale: Row | null;
}

export class Snapshots {
  /** The latest snapshot taken: its seq, the full one it builds on, and how many deltas since that one. */
  private last: { seq: number; base: number; deltas: number } | null = null;
  /** The snapshot being compressed and written, if any: one at a time, awaited before closing. */
  private writing: Promise<void> = Promise.resolve();
  /** Whether a snapshot is being compressed and written now. */
  private busy = false;
  /** A snapshot was not written: the next one is full, so that no delta builds on a missing one. */
  private lost = false;
  /**
   * What is kept of each row changed since a start or a wipe (one entry a row, looked up once per
   * snapshot it changed in). A row not here is written whole by the next delta.
   */
  private readonly kept = new Map<string, KeptRow>();
  /**
   * During a rebuild nothing is written to `rows` until the end: every row's whole line is kept (in
   * `kept`), and full snapshots are put together from them.
   */
  private staged = false;

  /** Where a snapshot goes: the read model's file, or `elsewhere`. */
  private readonly write: (snapshot: SnapshotRow) => void;

  /**
   * `elsewhere`: where snapshots go instead of the read model's file (a rebuild's snapshot thread writes
   * to the rebuilt one's). `piece`: each is one partition's piece of a snapshot (rebuild-partitioned.ts),
   * deflated to be continued by the next piece: ended by a sync flush, not a final block. Raw deflate
   * pieces so ended, put one after another and closed by an empty final block, are one deflate stream.
   */
  constructor(
    private readonly model: ReadModel, readonly every: number, private readonly log?: Logger,
    private readonly elsewhere?: (snapshot: SnapshotRow) => void, private readonly piece = false,
  ) {
    this.write = elsewhere ?? ((snapshot) => model.putSnapshot(snapshot));
    createSnapshotsTable(model.db);
  }

  /** Picks up where the persisted snapshots stop (a restart). */
  resume(): void {
    const last = this.model.db.prepare<[number], { seq: number; base: number }>(
      'SELECT seq, base FROM snapshots WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(this.model.seq);
    this.last = last ? {
      ...last,
      deltas: this.model.db.prepare<[number, number], { n: number }>('SELECT count(*) AS n FROM snapshots WHERE base = ? AND seq > ?').get(last.base, last.base)!.n,
    } : null;
    // Rows changed between that snapshot and the checkpoint are in no delta: the next one is full.
    this.lost = !!last && last.seq < this.model.seq;
    this.kept.clear();
  }

  wipe(): void {
    this.model.exclusive(() => this.model.db.exec(`DROP TABLE IF EXISTS snapshots; ${SCHEMA}`));
    this.last = null;
    this.lost = false;
    this.kept.clear();
  }

  /** The snapshots another file holds (a rebuild's snapshot thread wrote them) copied in, then picked up as `resume` does. */
  copyFrom(file: string): void {
    const { db } = this.model;
    this.model.exclusive(() => {
      db.prepare('ATTACH DATABASE ? AS taken').run(file);
      try {
        db.exec(`INSERT OR REPLACE INTO snapshots (seq, base, position, last_occurred_at, rows)
          SELECT seq, base, position, last_occurred_at, rows FROM taken.snapshots`);
      } finally {
        db.exec('DETACH DATABASE taken');
      }
    });
    this.resume();
  }

  /** A rebuild keeps every row's line in memory (see `staged`); `false` at its end. */
  staging(on: boolean): void {
    this.staged = on;
    for (const kept of this.kept.values()) {
      kept.line = null;
      kept.stale = null;
    }
  }

  /** No snapshot being written: the live runner takes one only then, so that it never waits for one. */
  get idle(): boolean {
    return !this.busy;
  }

  due(): boolean {
    const views = this.model.views;
    return this.model.seq - (this.last?.seq ?? 0) >= this.every && !!views.position && !!views.lastOccurredAt;
  }

  /**
   * A snapshot of the read model as it stands: the rows changed since the last one, or every row.
   * `at`: the number, position and instant it is filed under, when not the model's own (a partition's
   * piece of the snapshot at a global position: rebuild-partition-thread.ts).
   */
  async take(at?: Pick<SnapshotRow, 'seq' | 'position' | 'lastOccurredAt'>): Promise<void> {
    const { model } = this;
    const changed: Buffer[] = [];
    // A full snapshot holds every row whole: its changed rows are not encoded here.
    const fullDue = this.fullDue();
    for (const [key, row] of model.sinceSnapshot) {
      let kept = this.kept.get(key);
      const l = fullDue ? null : rowLine(row, kept?.value);
      if (l) changed.push(l);
      if (kept) kept.value = row.value;
      else this.kept.set(key, (kept = { value: row.value, line: null, stale: null }));
      if (!this.staged) continue;
      // A rebuild keeps whole lines only: a row held as a change, or not encoded, is encoded whole
      // when a full snapshot needs it.
      if (l && !isChange(l)) {
        kept.line = l;
        kept.stale = null;
      } else kept.stale = row;
    }
    model.sinceSnapshot.clear();
    const taken = at ?? { seq: model.seq, position: model.views.position!, lastOccurredAt: model.views.lastOccurredAt! };
    // One compression at a time on the thread pool (bounds the memory held); its outcome decides below.
    await this.writing;
    // Also full when the snapshot before was lost meanwhile: the delta built above would build on it.
    const full = this.fullDue();
    const base = full ? taken.seq : this.last!.base;
    this.last = { seq: taken.seq, base, deltas: full ? 0 : this.last!.deltas + 1 };
    this.lost = false;
    this.busy = true;
    // A live full snapshot is put together by the read model's writer thread when it has one.
    const posted = full && !this.staged && !this.elsewhere ? this.model.postFullSnapshot({ ...taken, base }) : null;
    this.writing = (posted ?? deflateRawAsync(full ? this.everyRow() : Buffer.concat(changed), this.piece ? PIECE : WHOLE).then((blob) => {
      this.write({ ...taken, base, rows: blob });
    })).catch((error: unknown) => {
      this.lost = true;
      this.log?.error({ err: error, seq: taken.seq }, 'snapshot of the read model not written; asOf replays from an earlier one');
    }).finally(() => (this.busy = false));
  }

  private fullDue(): boolean {
    return !this.last || this.lost || this.last.deltas + 1 >= FULL_EVERY;
  }

  /** Resolves once the snapshot being written is. */
  settled(): Promise<void> {
    return this.writing;
  }

  /** Every row's line: a rebuild's kept lines, or the persisted rows put together by SQLite (no row passes through JavaScript). */
  private everyRow(): Buffer {
    if (this.staged) {
      const lines: Buffer[] = [];
      for (const kept of this.kept.values()) {
        if (kept.stale) {
          kept.line = wholeLine(kept.stale);
          kept.stale = null;
        }
        if (kept.line) lines.push(kept.line);
      }
      return Buffer.concat(lines);
    }
    this.model.settle();
    return everyRowText(this.model.db);
  }

  /**
   * The read model of the latest snapshot that reaches no later than `at` (every event before it
   * occurred by then), or null: its full snapshot and deltas read newest first, each row parsed once.
   * Put together in time slices, so that requests are answered meanwhile.
   */
  async restore(at: string, slice = new TimeSlice()): Promise<{ views: Views; seq: number } | null> {
    const latest = this.model.db.prepare<[string], { seq: number; base: number; position: string; last_occurred_at: string }>(
      'SELECT seq, base, position, last_occurred_at FROM snapshots WHERE last_occurred_at <= ? ORDER BY seq DESC LIMIT 1').get(at);
    if (!latest) return null;
    const chain = this.model.db.prepare<[number, number], { rows: Buffer }>(
      'SELECT rows FROM snapshots WHERE seq BETWEEN ? AND ? ORDER BY seq DESC').all(latest.base, latest.seq);
    const lines = new RowLines();
    for (const { rows } of chain) await eachLine(rows, (text, start, end) => lines.add(text, start, end), slice);
    const views = new Views(false);
    const later: Row[] = [];
    for (const row of lines.each()) {
      // Units first: the indexes of other rows may read them.
      if (row.kind === 'unit') views.load(row);
      else later.push(row);
      if (slice.due()) await slice.pass();
    }
    for (const row of later) {
      views.load(row);
      if (slice.due()) await slice.pass();
    }
    views.position = latest.position;
    views.lastOccurredAt = latest.last_occurred_at;
    return { views, seq: latest.seq };
  }
}
