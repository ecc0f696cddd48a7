import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { HistoryEntry } from '../../projections/history.js';
import type { RecordedEvent } from '../eventstore/port.js';
import type { DomainEnvelope } from '../events.js';
import { type Applied, type Row, Views } from './views.js';
import { AuditTable } from './audit-table.js';
import { type FlushBatch, type SnapshotRow, ViewsWriter, applyWrite, writeFlush } from './views-writer.js';

/** Bump when a projection changes shape or meaning: the read model is then rebuilt at start. */
export const PROJECTION_VERSION = '9';
/**
 * The audit log's own version: bump it (with PROJECTION_VERSION) when projections/audit.ts or
 * audit-table.ts change, or what the log reads of the views (a task's lead unit, a unit's parent).
 * A rebuild that keeps the log (`keepAuditLog`) keeps it only while this is unchanged.
 */
export const AUDIT_VERSION = '1';
/** Events are also counted in blocks of this many, each with the earliest instant its events occurred at (see as-of.ts). */
export const BLOCK = 1000;
/** The instant a stored event says it occurred at, if it says one: what blocks and asOf go by (an unreadable event's too). */
export const occurredAtOf = (r: RecordedEvent): string | undefined => {
  const at = (r.metadata as { occurredAt?: unknown } | null)?.occurredAt;
  return typeof at === 'string' ? at : undefined;
};
/**
 * Before PROJECTION_VERSION 6 a history row was written per task event (half of a rebuild's writes);
 * a task's history is now its stream, folded on request. Dropped when the read model is rebuilt.
 */
const LEGACY_TABLES = ['history'];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (kind TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS commitments (
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  at TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS commitments_task ON commitments (task_id, revision);
CREATE INDEX IF NOT EXISTS commitments_at ON commitments (at);
CREATE TABLE IF NOT EXISTS blocks (
  last_seq INTEGER PRIMARY KEY,
  after_position TEXT,
  last_position TEXT NOT NULL,
  min_occurred_at TEXT NOT NULL
);
`;

export interface AppliedNotice extends Applied { event: DomainEnvelope }

interface Block { afterPosition: string | null; minOccurredAt: string }

/** What `adopt` takes: every row, commitment change and block of the events up to `seq`, at `position`. */
export interface Folded {
  rows: Row[];
  commitments: HistoryEntry[];
  seq: number;
  position: string | null;
  lastOccurredAt: string | null;
  unreadable: number;
  /** Blocks complete, and the one being counted. */
  blocks: (Block & { lastSeq: number; lastPosition: string })[];
  block: Block;
}

/**
 * A kept audit log (TIENDO_REBUILD_KEEP_AUDIT) that is not of the store's history: the load stops, writing no
 * checkpoint; the wipe took the log's meta with it, so the next start, or `rebuild` at once (runner.ts), files it anew.
 */
export class AuditLogMismatchError extends Error {
  override name = 'AuditLogMismatchError';
}

export const rowKey = (row: Row) => `${row.kind}:${row.id}`;

/**
 * The read model and its SQLite file: the one fold of stored events into the views (live catch-up,
 * rebuild and every asOf replay go through `Views.apply`; this adds what is persisted with it: rows,
 * commitment entries, blocks, the audit log and the checkpoint, written together).
 */
export class ReadModel {
  views: Views;
  readonly db: Database.Database;
  readonly audit: AuditTable;
  /** Rows changed since the last flush, to be written. */
  readonly dirty = new Map<string, Row>();
  /** Rows changed since the last snapshot (snapshots.ts writes them as a delta). */
  readonly sinceSnapshot = new Map<string, Row>();
  /** Whether `sinceSnapshot` is kept: not while a load's snapshots are taken by a thread of their own (bulkLoad). */
  private tracksSnapshots = true;
  /** History entries of commitment events not yet written (commitmentChanges reads them from SQLite). */
  newCommitments: HistoryEntry[] = [];
  pending = 0;
  checkpoint: string | null = null;
  /** Events applied since the read model was started from nothing: snapshots and blocks are numbered by it. */
  seq = 0;
  unreadable = 0;
  /** The block being counted: the position before its first event and the earliest instant so far. */
  private block: Block = { afterPosition: null, minOccurredAt: '9999' };
  /** Blocks complete, not yet written. */
  private newBlocks: Folded['blocks'] = [];
  /** The writer thread (views-writer.ts), when flushes are written off this one. */
  private readonly writer: ViewsWriter | undefined;
  /** TIENDO_REBUILD_KEEP_AUDIT: a wipe keeps the audit log when its own version is unchanged (keptAuditLog). */
  private readonly keepAuditLog: boolean;
  /**
   * The audit log kept by the last wipe: it holds every event up to `seq`, the last one of `stream`
   * at `revision`. Events up to there are not filed again; the store's event `seq` must be that one
   * (the same history).
   */
  private auditKept: { seq: number; stream: string; revision: number } | null = null;
  /** Events the audit log held when the last wipe kept it (0: filed anew), for the operator (`tiendo rebuild`). */
  keptAuditEvents = 0;
  /**
   * A rebuild (rebuild.ts): every row of the views is new, so none is tracked in `dirty` and the
   * flush at its end writes them all from the views.
   */
  private bulk = false;

  /** The read model keeps an audit log (AuditTable): all but a rebuild's snapshot thread, which folds only to take snapshots. */
  private readonly auditLog: boolean;
  private readonly history: boolean;
  readonly follower: boolean;

  /**
   * `follower`: the file is written by another thread (the projection worker, worker.ts): this one
   * reads it (restore, asOf's snapshots and blocks) and never writes.
   * `writerThread`: live flushes and snapshots are written by a thread of their own (views-writer.ts).
   * `auditLog` (default true): false, no event is added to the audit log (rebuild-snapshots-thread.ts).
   * `history` (default true): false, no commitment's history entry is worked out or kept (a fold that
   * only takes snapshots: rebuild-snapshots-thread.ts).
   * `keepAuditLog` (default false here, on in the app: TIENDO_REBUILD_KEEP_AUDIT): a rebuild or a load after a
   * projection change keeps the audit log when AUDIT_VERSION is unchanged, and files only the events after its checkpoint.
   */
  constructor(
    file: string, readonly decodeEvent: (r: RecordedEvent) => DomainEnvelope, private readonly log?: Logger,
    options: { follower?: boolean; writerThread?: boolean; auditLog?: boolean; keepAuditLog?: boolean; history?: boolean } = {},
  ) {
    const { follower = false, writerThread = false, auditLog = true, keepAuditLog = false, history = true } = options;
    this.follower = follower;
    this.auditLog = auditLog;
    this.history = history;
    this.views = new Views(history);
    this.keepAuditLog = keepAuditLog && auditLog;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // The read model can always be rebuilt from the events; NORMAL keeps it consistent, only less durable.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
    if (writerThread && !follower && file !== ':memory:') this.writer = new ViewsWriter(file, log);
    this.audit = new AuditTable(this.db, this.writer);
  }

  meta(key: string): string | undefined {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
  }

  /** Loads the persisted rows; false when the projections changed and the read model was wiped. */
  load(): boolean {
    if (this.restore()) return true;
    this.log?.info({ from: this.meta('projectionVersion') ?? null, to: PROJECTION_VERSION }, 'projections changed: rebuilding read model');
    this.wipe();
    return false;
  }

  /** The persisted rows and checkpoint into the views; false (nothing read) when the projections changed. */
  restore(): boolean {
    if (this.meta('projectionVersion') !== PROJECTION_VERSION) return false;
    // Units first: other rows' indexes do not depend on them, but a reader may as soon as they load.
    for (const r of this.db.prepare<[], { kind: Row['kind']; id: string; json: string }>("SELECT kind, id, json FROM rows ORDER BY kind = 'unit' DESC").all()) {
      this.views.load({ kind: r.kind, id: r.id, value: JSON.parse(r.json) } as Row);
    }
    this.checkpoint = this.meta('checkpoint') ?? null;
    this.views.position = this.checkpoint;
    this.views.lastOccurredAt = this.meta('lastOccurredAt') ?? null;
    this.seq = Number(this.meta('seq') ?? 0);
    this.block = { afterPosition: this.meta('blockAfter') ?? null, minOccurredAt: this.meta('blockMin') ?? '9999' };
    return true;
  }

  /** One stored event through the projections (and the audit log, which records unreadable ones too). */
  apply(r: RecordedEvent): AppliedNotice | null {
    this.seq++;
    const occurredAt = occurredAtOf(r);
    if (occurredAt !== undefined && occurredAt < this.block.minOccurredAt) this.block.minOccurredAt = occurredAt;
    if (this.seq % BLOCK === 0) {
      this.newBlocks.push({ lastSeq: this.seq, ...this.block, lastPosition: r.position });
      this.block = { afterPosition: r.position, minOccurredAt: '9999' };
    }
    this.pending++;
    let event: DomainEnvelope;
    let applied: Applied;
    try {
      event = this.decodeEvent(r);
      applied = this.views.apply(event);
    } catch (error) {
      // Validated on write, so this means tampering or a missing upcaster: say so, keep serving.
      this.unreadable++;
      this.log?.error({ err: error, position: r.position }, 'unreadable event skipped by projections');
      this.views.position = r.position;
      if (this.auditLog) this.file(r);
      return null;
    }
    if (this.auditLog) this.file(r);
    if (applied.row) this.markDirty(applied.row);
    if (applied.history) this.newCommitments.push(applied.history);
    if (applied.notification) this.markDirty(applied.notification);
    // `applied` is the views' new object for this event: the notice is it, not a copy.
    const notice = applied as AppliedNotice;
    notice.event = event;
    return notice;
  }

  /** The event into the audit log, unless a kept log holds it already. */
  private file(r: RecordedEvent): void {
    const kept = this.auditKept;
    if (kept && this.seq <= kept.seq) {
      if (this.seq < kept.seq) return;
      if (r.stream !== kept.stream || r.revision !== kept.revision) {
        throw new AuditLogMismatchError(`the audit log kept ends with event ${kept.seq} at ${kept.stream}@${kept.revision}, the store's event ${kept.seq} is ${r.stream}@${r.revision}: it is filed anew by the next start or rebuild`);
      }
      this.auditKept = null;
      return;
    }
    this.audit.add(r, this.seq, this.views);
  }

  private markDirty(row: Row): void {
    // Outside a load both maps are kept (bulkLoad(false) tracks snapshots again).
    if (this.bulk && !this.tracksSnapshots) return;
    const key = rowKey(row);
    if (!this.bulk) this.dirty.set(key, row);
    this.sinceSnapshot.set(key, row);
  }

  /**
   * The fold of a partitioned rebuild (rebuild-partitioned.ts), after a wipe that kept the audit log up
   * to its last event: taken as this model's own, as if it had applied every event. `bulkLoad(false)`
   * and `flush` then write it as they write a rebuild's.
   */
  adopt(folded: Folded): void {
    if (this.auditKept?.seq !== folded.seq) throw new Error(`a partitioned rebuild of ${folded.seq} events needs the audit log kept up to them`);
    this.auditKept = null;
    // Units first, as `restore` loads them.
    for (const row of folded.rows) if (row.kind === 'unit') this.views.load(row);
    for (const row of folded.rows) if (row.kind !== 'unit') this.views.load(row);
    this.views.position = folded.position;
    this.views.lastOccurredAt = folded.lastOccurredAt;
    this.seq = folded.seq;
    this.pending = folded.seq;
    this.unreadable += folded.unreadable;
    this.newCommitments = folded.commitments;
    this.newBlocks = folded.blocks;
    this.block = folded.block;
  }

  /**
   * A load from nothing starts (`true`, after wipe: a rebuild, or a live catch-up from nothing) or has
   * applied its last event (`false`, before its flush). `snapshotsHere` false: its snapshots are taken
   * by a thread of their own (rebuild-snapshots.ts), and the rows they would need are not tracked.
   */
  bulkLoad(on: boolean, snapshotsHere = true): void {
    this.bulk = on;
    this.tracksSnapshots = !on || snapshotsHere;
    // A kept log is added to row by row, its indexes in place.
    if (!on || !this.auditKept) this.audit.bulkLoad(on);
    if (!on) for (const row of this.views.rows()) this.dirty.set(rowKey(row), row);
  }

  /** After a load's last event: a kept audit log must have been reached, or it is of another history (nothing is flushed then). */
  checkAuditKept(): void {
    if (this.auditKept) {
      throw new AuditLogMismatchError(`the audit log kept holds ${this.auditKept.seq} events, the store ${this.seq}: it is filed anew by the next start or rebuild`);
    }
  }

  /** What a flush writes; the audit log's part only when `audit` (otherwise AuditTable.write writes it). */
  private batch(audit: boolean): FlushBatch {
    const meta: [string, string][] = [['seq', String(this.seq)]];
    if (this.block.afterPosition) meta.push(['blockAfter', this.block.afterPosition]);
    meta.push(['blockMin', this.block.minOccurredAt]);
    if (this.views.position) meta.push(['checkpoint', this.views.position]);
    if (this.views.lastOccurredAt) meta.push(['lastOccurredAt', this.views.lastOccurredAt]);
    meta.push(['projectionVersion', PROJECTION_VERSION]);
    if (this.auditLog) meta.push(['auditVersion', AUDIT_VERSION]);
    return {
      rows: [...this.dirty.values()].map((r) => [r.kind, r.id, JSON.stringify(r.value)]),
      commitments: this.newCommitments.map((h) => [h.taskId, h.revision, h.at, JSON.stringify(h)]),
      blocks: this.newBlocks.map((b) => [b.lastSeq, b.afterPosition, b.lastPosition, b.minOccurredAt]),
      audit: audit ? this.audit.collect() : null,
      meta,
    };
  }

  /**
   * Rows and checkpoint in one transaction: exactly-once effect across crashes. Posted to the
   * writer thread when there is one (`threaded`).
   */
  flush(): void {
    // In a load from nothing the rows are not tracked: a checkpoint now would stand for rows never written.
    // A kept audit log not yet reached holds events the checkpoint would not stand for.
    if (this.follower || this.bulk || this.auditKept || !this.db.open || (this.pending === 0 && this.views.position === this.checkpoint && !this.audit.hasPending)) return;
    if (this.threaded) this.writer!.post({ type: 'flush', batch: this.batch(true) });
    else {
      const batch = this.batch(false);
      this.exclusive(() => this.db.transaction(() => {
        this.audit.write();
        writeFlush(this.db, batch);
      })());
    }
    this.checkpoint = this.views.position;
    this.dirty.clear();
    this.newCommitments = [];
    this.newBlocks = [];
    this.pending = 0;
  }

  /** Whether a live flush is written by the writer thread. */
  get writesElsewhere(): boolean {
    return this.writer !== undefined;
  }

  /** Whether writes go to the writer thread now: not a rebuild's, whose load is written at its end by this thread. */
  private get threaded(): boolean {
    return this.writer !== undefined && !this.bulk && !this.audit.loading;
  }

  /** Flushes (unless `flush` is false), then blocks until everything posted is written: before views.db is read here. */
  settle(flush = true): void {
    if (flush) this.flush();
    this.writer?.drain();
  }

  /** As `settle`, waiting without blocking this thread (but for what was posted meanwhile). */
  async written(flush = true): Promise<void> {
    if (flush) this.flush();
    await this.writer?.written();
    this.settle(flush);
  }

  /** `write` run on this thread's connection once what was posted is written: never two writers at once. */
  exclusive<T>(write: () => T): T {
    this.writer?.drain();
    return write();
  }

  /** A snapshot of the views (snapshots.ts), written after what was posted before it. */
  putSnapshot(snapshot: SnapshotRow): void {
    if (!this.db.open) return;
    const blob = snapshot.rows;
    // Handed over when the blob owns its memory (not a slice of Buffer's shared pool); it is not read here again.
    const own = blob.byteOffset === 0 && blob.byteLength === blob.buffer.byteLength && blob.buffer instanceof ArrayBuffer;
    if (this.threaded) this.writer!.post({ type: 'snapshot', snapshot }, own ? [blob.buffer as ArrayBuffer] : []);
    else this.exclusive(() => applyWrite(this.db, { type: 'snapshot', snapshot }));
  }

  /**
   * A full snapshot of the rows as they stand, put together and written by the writer thread after
   * this flush (views-writer.ts); resolves once written. Null without a writer thread.
   */
  postFullSnapshot(snapshot: Omit<SnapshotRow, 'rows'>): Promise<void> | null {
    if (!this.threaded || !this.db.open) return null;
    this.flush();
    this.writer!.post({ type: 'fullSnapshot', snapshot });
    return this.writer!.written();
  }

  /** Writes what is pending and closes the file (the writer thread too). */
  close(): void {
    if (!this.db.open) return;
    this.flush();
    this.writer?.close();
    this.db.close();
  }

  /**
   * The audit log a wipe may keep (`keepAuditLog`): written by this version of its projection, up to
   * the last flush's event (meta as it left it: every flush writes the log with it).
   */
  keptAuditLog(): { seq: number; stream: string; revision: number } | null {
    if (!this.keepAuditLog || this.meta('auditVersion') !== AUDIT_VERSION) return null;
    const seq = Number(this.meta('seq') ?? 0);
    const last = seq > 0 ? this.audit.at(seq) : undefined;
    return last ? { seq, ...last } : null;
  }

  /** Starts over from nothing: every table emptied, old ones dropped; the audit log kept if it can be (keptAuditLog). */
  wipe(): void {
    this.writer?.drain();
    this.auditKept = this.keptAuditLog();
    this.keptAuditEvents = this.auditKept?.seq ?? 0;
    if (this.auditKept) this.log?.info({ events: this.auditKept.seq }, 'audit log kept: its projection did not change');
    for (const table of LEGACY_TABLES) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.db.exec('DELETE FROM rows; DELETE FROM commitments; DELETE FROM meta; DELETE FROM blocks;');
    if (!this.auditKept) this.audit.wipe();
    this.views = new Views(this.history);
    this.checkpoint = null;
    this.dirty.clear();
    this.sinceSnapshot.clear();
    this.newCommitments = [];
    this.pending = 0;
    this.seq = 0;
    this.block = { afterPosition: null, minOccurredAt: '9999' };
    this.newBlocks = [];
  }
}
