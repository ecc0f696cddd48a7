import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { HistoryEntry } from '../../projections/history.js';
import type { EventStore, RecordedEvent, Subscription } from '../eventstore/port.js';
import { type DomainEnvelope, decode } from '../events.js';
import { taskStream } from '../tasks/events.js';
import { type Applied, type Row, Views } from './views.js';
import { type AuditPage, type AuditQuery, AuditTable } from './audit-table.js';
import { TaskHistories } from './task-histories.js';

/** Bump when a projection changes shape or meaning: the read model is then rebuilt at start. */
export const PROJECTION_VERSION = '7';
const FLUSH_EVERY = 1000;
/**
 * Once caught up, the read model is written at most this often (and every FLUSH_EVERY events):
 * a transaction per group commit cost the writer as much as the appends (bench/README.md). Reads
 * use the in-memory views; a crash replays from the last checkpoint written, rows and checkpoint
 * being written together.
 */
const FLUSH_DELAY_MS = 200;
/** Replays kept (most recently used first): at a million events each holds a national read model, ~130 MB. */
const ASOF_CACHE = 4;
const REPLAY_PAGE = 5000;
/**
 * Every this many events the runner keeps a snapshot of the read model (its rows, as the `rows`
 * table holds them, compressed), so that `asOf` replays from the nearest one instead of from the
 * first event: at a million events a full replay took tens of seconds (bench/README.md).
 */
export const SNAPSHOT_EVERY = 10_000;
/**
 * Before PROJECTION_VERSION 6 a history row was written per task event (half of a rebuild's writes);
 * a task's history is now its stream, folded on request. Dropped when the read model is rebuilt.
 */
const LEGACY_TABLES = ['history'];
const deflateRawAsync = promisify(deflateRaw);
/** Events are also counted in blocks of this many, each with the earliest instant its events occurred at (see asOf). */
const BLOCK = 1000;

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
CREATE TABLE IF NOT EXISTS snapshots (
  seq INTEGER PRIMARY KEY,
  position TEXT NOT NULL,
  last_occurred_at TEXT NOT NULL,
  rows BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (
  last_seq INTEGER PRIMARY KEY,
  after_position TEXT,
  last_position TEXT NOT NULL,
  min_occurred_at TEXT NOT NULL
);
`;

export interface HistoryPage { entries: HistoryEntry[]; cursors: string[]; hasNextPage: boolean; totalCount: number }

export interface AppliedNotice extends Applied { event: DomainEnvelope }

/**
 * Feeds the projections from the store's global order and keeps their rows and the checkpoint
 * in one SQLite transaction, so a crash never applies an event twice or loses one. The only
 * part of the read side that does I/O.
 */
export class ProjectionRunner extends EventEmitter<{ applied: [AppliedNotice]; caughtUp: [] }> {
  views = new Views();
  private readonly db: Database.Database;
  private readonly audit: AuditTable;
  private sub: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private dirty = new Map<string, Row>();
  /** History entries of commitment events not yet written (commitmentChanges reads them from SQLite). */
  private newCommitments: HistoryEntry[] = [];
  private pending = 0;
  private waiters: { position: string; resolve: () => void }[] = [];
  private asOfCache: { at: string; views: Views }[] = [];
  /** Tasks' histories, folded once per task and extended (src/runner/task-histories.ts). */
  private readonly histories = new TaskHistories((taskId, fromRevision, upToRevision) =>
    this.events(taskStream(taskId), { fromRevision, upToRevision }));
  private checkpoint: string | null = null;
  /** Events applied since the read model was started from nothing: snapshots and late events are numbered by it. */
  private seq = 0;
  /** The latest snapshot: its seq and how far in time it reaches. */
  private lastSnapshot: { seq: number; lastOccurredAt: string } | null = null;
  /**
   * During a rebuild, nothing is written until the end (a crash leaves no checkpoint, so the next start
   * rebuilds again): each row's snapshot line is kept here, encoded again only when the row changed
   * since the last snapshot (`stale`), and snapshots are put together from them. Writing every changed
   * row at every snapshot, to have SQLite put the snapshot together, was half of a rebuild: a page
   * written per row (bench/README.md).
   */
  private staged: { lines: Map<string, Buffer>; stale: Set<string> } | null = null;
  /** The snapshot being compressed and written, if any: one at a time, awaited before closing. */
  private snapshotWrite: Promise<void> = Promise.resolve();
  /** The block being counted: the position before its first event and the earliest instant so far. */
  private block: { afterPosition: string | null; minOccurredAt: string } = { afterPosition: null, minOccurredAt: '9999' };
  /** Blocks complete, not yet written. */
  private newBlocks: { lastSeq: number; afterPosition: string | null; lastPosition: string; minOccurredAt: string }[] = [];
  private readonly snapshotEvery: number;
  caughtUp = false;
  unreadable = 0;
  readonly ready: Promise<void>;
  private markReady!: () => void;

  /**
   * `decodeEvent`: how stored events are read (the default registry's decode; a test's own upcasters).
   * `snapshotEvery`: events between snapshots of the read model (SNAPSHOT_EVERY; Infinity: none).
   */
  constructor(
    private readonly store: EventStore, file: string, private readonly log?: Logger,
    private readonly decodeEvent: (r: RecordedEvent) => DomainEnvelope = decode,
    options: { snapshotEvery?: number } = {},
  ) {
    super();
    this.snapshotEvery = options.snapshotEvery ?? SNAPSHOT_EVERY;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // The read model can always be rebuilt from the events; NORMAL keeps it consistent, only less durable.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.audit = new AuditTable(this.db);
    this.ready = new Promise((r) => (this.markReady = r));
  }

  /** Loads the persisted rows (or starts over when the projections changed) and follows the store. */
  start(): void {
    const meta = (key: string) => this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
    if (meta('projectionVersion') !== PROJECTION_VERSION) {
      this.log?.info({ from: meta('projectionVersion') ?? null, to: PROJECTION_VERSION }, 'projections changed: rebuilding read model');
      this.wipe();
    } else {
      // Units first: other rows' indexes do not depend on them, but a reader may as soon as they load.
      for (const r of this.db.prepare<[], { kind: Row['kind']; id: string; json: string }>("SELECT kind, id, json FROM rows ORDER BY kind = 'unit' DESC").all()) {
        this.views.load({ kind: r.kind, id: r.id, value: JSON.parse(r.json) } as Row);
      }
      this.checkpoint = meta('checkpoint') ?? null;
      this.views.position = this.checkpoint;
      this.views.lastOccurredAt = meta('lastOccurredAt') ?? null;
      this.seq = Number(meta('seq') ?? 0);
      this.block = { afterPosition: meta('blockAfter') ?? null, minOccurredAt: meta('blockMin') ?? '9999' };
      const last = this.db.prepare<[number], { seq: number; last_occurred_at: string }>(
        'SELECT seq, last_occurred_at FROM snapshots WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(this.seq);
      this.lastSnapshot = last ? { seq: last.seq, lastOccurredAt: last.last_occurred_at } : null;
    }
    this.sub = this.store.subscribe({ fromPosition: this.checkpoint ?? 'start' });
    this.loop = this.follow(this.sub);
  }

  private async follow(sub: Subscription): Promise<void> {
    for await (const item of sub) {
      if (item.kind === 'caughtUp') {
        if (this.caughtUp) this.flushSoon();
        else this.flush();
        if (!this.caughtUp) {
          this.caughtUp = true;
          this.markReady();
          this.emit('caughtUp');
        }
        continue;
      }
      const notice = this.applyRecorded(item.event);
      if (notice) {
        this.dropStaleAsOf(notice.event.meta.occurredAt);
        if (this.pending >= FLUSH_EVERY) this.flush();
        this.resolveWaiters();
        this.emit('applied', notice);
      }
      // After the waiters: they need not wait for the snapshot.
      if (this.snapshotDue()) await this.snapshot();
    }
  }

  private applyRecorded(r: RecordedEvent): AppliedNotice | null {
    this.seq++;
    const occurredAt = (r.metadata as { occurredAt?: unknown } | null)?.occurredAt;
    if (typeof occurredAt === 'string' && occurredAt < this.block.minOccurredAt) this.block.minOccurredAt = occurredAt;
    if (this.seq % BLOCK === 0) {
      this.newBlocks.push({ lastSeq: this.seq, ...this.block, lastPosition: r.position });
      this.block = { afterPosition: r.position, minOccurredAt: '9999' };
    }
    let event: DomainEnvelope;
    try {
      event = this.decodeEvent(r);
    } catch (error) {
      // Validated on write, so this means tampering or a missing upcaster: say so, keep serving.
      this.unreadable++;
      this.log?.error({ err: error, position: r.position }, 'unreadable event skipped by projections');
      this.views.position = r.position;
      this.audit.add(r, this.seq, this.views);
      this.pending++;
      return null;
    }
    const applied = this.views.apply(event);
    this.audit.add(r, this.seq, this.views);
    if (applied.row) this.markDirty(applied.row);
    if (applied.history) this.newCommitments.push(applied.history);
    if (applied.notification) this.markDirty(applied.notification);
    this.pending++;
    return { ...applied, event };
  }

  private markDirty(row: Row): void {
    const key = `${row.kind}:${row.id}`;
    this.dirty.set(key, row);
    this.staged?.stale.add(key);
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
  private persistTx: ReturnType<ProjectionRunner['persist']> | undefined;

  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  private flushSoon(): void {
    if (this.flushTimer || (this.pending === 0 && this.views.position === this.checkpoint)) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.db.open) this.flush();
    }, FLUSH_DELAY_MS);
    this.flushTimer.unref?.();
  }

  /** Rows and checkpoint in one transaction: exactly-once effect across crashes. */
  private flush(): void {
    if (this.pending === 0 && this.views.position === this.checkpoint) return;
    (this.persistTx ??= this.persist())();
    this.checkpoint = this.views.position;
    this.dirty.clear();
    this.newCommitments = [];
    this.newBlocks = [];
    this.pending = 0;
  }

  private snapshotDue(): boolean {
    return this.seq - (this.lastSnapshot?.seq ?? 0) >= this.snapshotEvery && !!this.views.position && !!this.views.lastOccurredAt;
  }

  /**
   * Every `snapshotEvery` events: the rows as persisted (what a restart loads), compressed, with
   * the position and the reach in time of the read model they make. The same rows, the same Views:
   * live, rebuild and asOf share one implementation.
   */
  private async snapshot(): Promise<void> {
    const rows = this.staged ? this.stagedRows(this.staged) : this.persistedRows();
    const taken = { seq: this.seq, position: this.views.position!, lastOccurredAt: this.views.lastOccurredAt! };
    this.lastSnapshot = taken;
    // Compressed on libuv's thread pool while events go on being applied (it stalled the event loop
    // for a few hundred milliseconds at a million events); one at a time, to bound the memory held.
    await this.snapshotWrite;
    this.snapshotWrite = deflateRawAsync(rows ?? Buffer.alloc(0), { level: 1 }).then((blob) => {
      if (!this.db.open) return;
      this.db.prepare('INSERT OR REPLACE INTO snapshots (seq, position, last_occurred_at, rows) VALUES (?, ?, ?, ?)')
        .run(taken.seq, taken.position, taken.lastOccurredAt, blob);
    }, (error: unknown) => this.log?.error({ err: error, seq: taken.seq }, 'snapshot of the read model not written; asOf replays from an earlier one'));
  }

  /**
   * The rows as written: a line of JSON [kind, id, row] per row, each but the last ending in a comma,
   * put together by SQLite as bytes (no row passes through JavaScript).
   */
  private persistedRows(): Buffer | null {
    this.flush();
    return this.db.prepare<[], { rows: Buffer | null }>(
      "SELECT CAST(group_concat('[' || json_quote(kind) || ',' || json_quote(id) || ',' || json || ']', ',' || char(10)) AS BLOB) AS rows FROM rows").get()!.rows;
  }

  /** The same lines from a rebuild's staged rows (the JSON of each as persistedRows has it). */
  private stagedRows(staged: NonNullable<ProjectionRunner['staged']>): Buffer {
    for (const key of staged.stale) {
      const r = this.dirty.get(key)!;
      staged.lines.set(key, Buffer.from(`[${JSON.stringify(r.kind)},${JSON.stringify(r.id)},${JSON.stringify(r.value)}]`));
    }
    staged.stale.clear();
    const separator = Buffer.from(',\n');
    const parts: Buffer[] = [];
    for (const line of staged.lines.values()) parts.push(line, separator);
    parts.pop();
    return Buffer.concat(parts);
  }

  /** The read model a snapshot holds, loaded as start() loads the rows. */
  private restore(snapshot: { position: string; last_occurred_at: string; rows: Buffer }): Views {
    const views = new Views(false);
    // A megabyte of lines at a time (JSON text has no raw newline): never the whole read model as one string.
    const text = inflateRawSync(snapshot.rows);
    const later: Row[] = [];
    for (let start = 0; start < text.length;) {
      const newline = text.indexOf(10, Math.min(start + 1_000_000, text.length));
      const end = newline < 0 ? text.length : newline;
      const chunk = text.toString('utf8', start, end);
      const rows = JSON.parse(`[${chunk.endsWith(',') ? chunk.slice(0, -1) : chunk}]`) as [Row['kind'], string, unknown][];
      for (const [kind, id, value] of rows) {
        if (kind === 'unit') views.load({ kind, id, value } as Row);
        else later.push({ kind, id, value } as Row);
      }
      start = end + 1;
    }
    for (const row of later) views.load(row);
    views.position = snapshot.position;
    views.lastOccurredAt = snapshot.last_occurred_at;
    return views;
  }

  private wipe(): void {
    for (const table of LEGACY_TABLES) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.db.exec('DELETE FROM rows; DELETE FROM commitments; DELETE FROM meta; DELETE FROM snapshots; DELETE FROM blocks;');
    this.audit.wipe();
    this.seq = 0;
    this.lastSnapshot = null;
    this.block = { afterPosition: null, minOccurredAt: '9999' };
    this.newBlocks = [];
  }

  private resolveWaiters(): void {
    const at = this.views.position;
    if (!at || this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (this.store.comparePositions(w.position, at) > 0) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once the views reflect the event at `position` (read-your-writes). */
  waitFor(position: string, timeoutMs = 10_000): Promise<void> {
    const at = this.views.position;
    if (at && this.store.comparePositions(position, at) <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { position, resolve: () => { clearTimeout(timer); resolve(); } };
      const timer = setTimeout(() => {
        // Gone from the list: a request that gave up (X-Tiendo-Min-Position) leaves nothing behind.
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`read model did not reach ${position} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * The read model as it stood at `at` (by when events occurred), built by replaying the same
   * projections: every event that occurred by `at`, in the store's order. It starts from the latest
   * snapshot that reaches no later than `at` (every event before it occurred by then) and replays,
   * of the events after it, those that occurred by `at`: read block by block, skipping every block
   * whose events all occurred later, then those the runner has not counted in a block yet. Recent
   * replays are cached until an event that occurred before them arrives.
   */
  async asOf(at: string): Promise<Views> {
    if (this.views.lastOccurredAt === null || at >= this.views.lastOccurredAt) return this.views;
    const hit = this.asOfCache.find((c) => c.at === at);
    if (hit) {
      this.asOfCache = [hit, ...this.asOfCache.filter((c) => c !== hit)];
      return hit.views;
    }
    if (this.db.open) this.flush();
    const snapshot = this.db.prepare<[string], { seq: number; position: string; last_occurred_at: string; rows: Buffer }>(
      'SELECT seq, position, last_occurred_at, rows FROM snapshots WHERE last_occurred_at <= ? ORDER BY seq DESC LIMIT 1').get(at);
    const views = snapshot ? this.restore(snapshot) : new Views(false);
    const from = snapshot?.seq ?? 0;
    const replay = (r: RecordedEvent) => {
      const occurredAt = (r.metadata as { occurredAt?: string } | null)?.occurredAt;
      if (occurredAt && occurredAt <= at) {
        try {
          views.apply(this.decodeEvent(r));
        } catch {
          // Counted and logged by the live runner; a replay skips it the same way.
        }
      }
    };
    const blocks = this.db.prepare<[number, string], { last_seq: number; after_position: string | null }>(
      'SELECT last_seq, after_position FROM blocks WHERE last_seq > ? AND min_occurred_at <= ? ORDER BY last_seq').all(from, at);
    for (const b of blocks) {
      const page = await this.store.readAll({ fromPosition: b.after_position ?? 'start', maxCount: BLOCK });
      // Block by block the events keep their order; those up to the snapshot are in it already.
      page.forEach((r, i) => {
        if (b.last_seq - BLOCK + 1 + i > from) replay(r);
      });
    }
    // After the last block written: every event, counted or not yet (the store may be ahead of the runner).
    const last = this.db.prepare<[], { last_seq: number; last_position: string }>('SELECT last_seq, last_position FROM blocks ORDER BY last_seq DESC LIMIT 1').get();
    for (let pos = last && last.last_seq > from ? last.last_position : (snapshot?.position ?? 'start'); ;) {
      const page = await this.store.readAll({ fromPosition: pos, maxCount: REPLAY_PAGE });
      for (const r of page) replay(r);
      if (page.length < REPLAY_PAGE) break;
      pos = page[page.length - 1]!.position;
    }
    this.asOfCache.unshift({ at, views });
    this.asOfCache.length = Math.min(this.asOfCache.length, ASOF_CACHE);
    return views;
  }

  private dropStaleAsOf(occurredAt: string): void {
    if (this.asOfCache.length) this.asOfCache = this.asOfCache.filter((c) => occurredAt > c.at);
  }

  /**
   * A stream's events as the projections read them: decoded (an unreadable one skipped, as the
   * views skip it), up to revision `upToRevision` and, when `until` is given, only those that
   * occurred by then (as an asOf replay applies them).
   */
  async events(stream: string, opts: { until?: string; fromRevision?: number; upToRevision?: number } = {}): Promise<DomainEnvelope[]> {
    const upTo = opts.upToRevision ?? Number.MAX_SAFE_INTEGER;
    const out: DomainEnvelope[] = [];
    for (const r of await this.store.readStream(stream, opts.fromRevision ? { fromRevision: opts.fromRevision } : {})) {
      if (r.revision > upTo) break;
      let e: DomainEnvelope;
      try {
        e = this.decodeEvent(r);
      } catch {
        continue; // counted and logged by the live runner; the views skip it the same way
      }
      if (!opts.until || e.meta.occurredAt <= opts.until) out.push(e);
    }
    return out;
  }

  /**
   * A task's history: its stream folded by the same projection as the views, an entry per event
   * with the fields it changed; entries up to `until` (occurredAt) and `upToRevision` (the version
   * the caller shows, so history and task agree), paged by revision.
   */
  async history(taskId: string, opts: { until?: string; upToRevision?: number; first: number; after?: number }): Promise<HistoryPage> {
    const all = await this.histories.entries(taskId, opts.upToRevision);
    const until = opts.until;
    const entries = until ? all.filter((h) => h.at <= until) : all;
    const rest = entries.filter((h) => h.revision > (opts.after ?? -1));
    const page = rest.slice(0, opts.first);
    return { entries: page, cursors: page.map((h) => String(h.revision)), hasNextPage: rest.length > opts.first, totalCount: entries.length };
  }

  /** Commitment changes in a window, oldest first, for the caller to filter by unit and visibility. */
  commitmentChanges(from: string, to: string): { seq: number; entry: HistoryEntry }[] {
    // Read from SQLite: write what is pending first, so a reader sees every event the views hold.
    if (this.newCommitments.length > 0 && this.db.open) this.flush();
    return this.db.prepare<[string, string], { json: string; seq: number }>(
      'SELECT json, seq FROM commitments WHERE at >= ? AND at <= ? ORDER BY at, seq',
    ).all(from, to).map((r) => ({ seq: r.seq, entry: JSON.parse(r.json) }));
  }

  /** A page of the audit log (src/runner/audit-table.ts), every event the views hold included. */
  auditLog(query: AuditQuery): AuditPage {
    if (this.audit.hasPending && this.db.open) this.flush();
    return this.audit.page(query);
  }

  /** Applies every event from the start into a fresh read model, reporting progress. */
  async rebuild(onProgress?: (done: number) => void): Promise<number> {
    await this.stop(false);
    this.wipe();
    this.views = new Views();
    this.checkpoint = null;
    this.dirty.clear();
    this.newCommitments = [];
    this.staged = { lines: new Map(), stale: new Set() };
    let done = 0;
    try {
      for (let from: string = 'start'; ;) {
        const page = await this.store.readAll({ fromPosition: from, maxCount: REPLAY_PAGE });
        if (page.length === 0) break;
        for (const r of page) {
          this.applyRecorded(r);
          if (this.snapshotDue()) await this.snapshot();
        }
        done += page.length;
        from = page[page.length - 1]!.position;
        onProgress?.(done);
      }
    } finally {
      this.staged = null;
    }
    // Every row, the checkpoint and the blocks in one transaction.
    this.flush();
    await this.snapshotWrite;
    return done;
  }

  /** Stops following the store; `close` also closes the read-model database. */
  async stop(close = true): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.sub?.stop();
    await this.loop;
    this.sub = undefined;
    await this.snapshotWrite;
    if (this.db.open) this.flush();
    if (close && this.db.open) this.db.close();
  }
}
