import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { HistoryEntry } from '../../projections/history.js';
import type { RecordedEvent } from '../eventstore/port.js';
import type { DomainEnvelope } from '../events.js';
import { type Applied, type Row, Views } from './views.js';
import { AuditTable } from './audit-table.js';

/** Bump when a projection changes shape or meaning: the read model is then rebuilt at start. */
export const PROJECTION_VERSION = '9';
/** Events are also counted in blocks of this many, each with the earliest instant its events occurred at (see as-of.ts). */
export const BLOCK = 1000;
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

export const rowKey = (row: Row) => `${row.kind}:${row.id}`;

/**
 * The read model and its SQLite file: the one fold of stored events into the views (live catch-up,
 * rebuild and every asOf replay go through `Views.apply`; this adds what is persisted with it: rows,
 * commitment entries, blocks, the audit log and the checkpoint, written together).
 */
export class ReadModel {
  views = new Views();
  readonly db: Database.Database;
  readonly audit: AuditTable;
  /** Rows changed since the last flush, to be written. */
  readonly dirty = new Map<string, Row>();
  /** Rows changed since the last snapshot (snapshots.ts writes them as a delta). */
  readonly sinceSnapshot = new Map<string, Row>();
  /** History entries of commitment events not yet written (commitmentChanges reads them from SQLite). */
  newCommitments: HistoryEntry[] = [];
  pending = 0;
  checkpoint: string | null = null;
  /** Events applied since the read model was started from nothing: snapshots and blocks are numbered by it. */
  seq = 0;
  unreadable = 0;
  /** The block being counted: the position before its first event and the earliest instant so far. */
  private block: { afterPosition: string | null; minOccurredAt: string } = { afterPosition: null, minOccurredAt: '9999' };
  /** Blocks complete, not yet written. */
  private newBlocks: { lastSeq: number; afterPosition: string | null; lastPosition: string; minOccurredAt: string }[] = [];
  private persistTx: (() => void) | undefined;
  /**
   * A rebuild (rebuild.ts): every row of the views is new, so none is tracked in `dirty` and the
   * flush at its end writes them all from the views.
   */
  private bulk = false;

  /**
   * `follower`: the file is written by another thread (the projection worker, worker.ts): this one
   * reads it (restore, asOf's snapshots and blocks) and never writes.
   */
  constructor(
    file: string, readonly decodeEvent: (r: RecordedEvent) => DomainEnvelope, private readonly log?: Logger,
    readonly follower = false,
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // The read model can always be rebuilt from the events; NORMAL keeps it consistent, only less durable.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.audit = new AuditTable(this.db);
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
  apply(r: RecordedEvent, decodeEvent = this.decodeEvent): AppliedNotice | null {
    this.seq++;
    const occurredAt = (r.metadata as { occurredAt?: unknown } | null)?.occurredAt;
    if (typeof occurredAt === 'string' && occurredAt < this.block.minOccurredAt) this.block.minOccurredAt = occurredAt;
    if (this.seq % BLOCK === 0) {
      this.newBlocks.push({ lastSeq: this.seq, ...this.block, lastPosition: r.position });
      this.block = { afterPosition: r.position, minOccurredAt: '9999' };
    }
    this.pending++;
    let event: DomainEnvelope;
    let applied: Applied;
    try {
      event = decodeEvent(r);
      applied = this.views.apply(event);
    } catch (error) {
      // Validated on write, so this means tampering or a missing upcaster: say so, keep serving.
      this.unreadable++;
      this.log?.error({ err: error, position: r.position }, 'unreadable event skipped by projections');
      this.views.position = r.position;
      this.audit.add(r, this.seq, this.views);
      return null;
    }
    this.audit.add(r, this.seq, this.views);
    if (applied.row) this.markDirty(applied.row);
    if (applied.history) this.newCommitments.push(applied.history);
    if (applied.notification) this.markDirty(applied.notification);
    // `applied` is the views' new object for this event: the notice is it, not a copy.
    const notice = applied as AppliedNotice;
    notice.event = event;
    return notice;
  }

  private markDirty(row: Row): void {
    const key = rowKey(row);
    if (!this.bulk) this.dirty.set(key, row);
    this.sinceSnapshot.set(key, row);
  }

  /** A rebuild starts (`true`, after wipe) or has applied its last event (`false`, before its flush). */
  bulkLoad(on: boolean): void {
    this.bulk = on;
    this.audit.bulkLoad(on);
    if (!on) for (const row of this.views.rows()) this.dirty.set(rowKey(row), row);
  }

  private readonly persist = () => {
    const putRow = this.db.prepare('INSERT OR REPLACE INTO rows (kind, id, json) VALUES (?, ?, ?)');
    const putCommitment = this.db.prepare('INSERT OR REPLACE INTO commitments (task_id, revision, at, json) VALUES (?, ?, ?, ?)');
    const putMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    const putBlock = this.db.prepare('INSERT OR REPLACE INTO blocks (last_seq, after_position, last_position, min_occurred_at) VALUES (?, ?, ?, ?)');
    return this.db.transaction(() => {
      for (const r of this.dirty.values()) putRow.run(r.kind, r.id, JSON.stringify(r.value));
      for (const h of this.newCommitments) putCommitment.run(h.taskId, h.revision, h.at, JSON.stringify(h));
      for (const b of this.newBlocks) putBlock.run(b.lastSeq, b.afterPosition, b.lastPosition, b.minOccurredAt);
      this.audit.write();
      putMeta.run('seq', String(this.seq));
      if (this.block.afterPosition) putMeta.run('blockAfter', this.block.afterPosition);
      putMeta.run('blockMin', this.block.minOccurredAt);
      if (this.views.position) putMeta.run('checkpoint', this.views.position);
      if (this.views.lastOccurredAt) putMeta.run('lastOccurredAt', this.views.lastOccurredAt);
      putMeta.run('projectionVersion', PROJECTION_VERSION);
    });
  };

  /** Rows and checkpoint in one transaction: exactly-once effect across crashes. */
  flush(): void {
    if (this.follower || !this.db.open || (this.pending === 0 && this.views.position === this.checkpoint && !this.audit.hasPending)) return;
    (this.persistTx ??= this.persist())();
    this.checkpoint = this.views.position;
    this.dirty.clear();
    this.newCommitments = [];
    this.newBlocks = [];
    this.pending = 0;
  }

  /** Starts over from nothing: every table emptied, old ones dropped. */
  wipe(): void {
    for (const table of LEGACY_TABLES) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.db.exec('DELETE FROM rows; DELETE FROM commitments; DELETE FROM meta; DELETE FROM blocks;');
    this.audit.wipe();
    this.views = new Views();
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
