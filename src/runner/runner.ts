import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { HistoryEntry } from '../../projections/history.js';
import type { EventStore, RecordedEvent, Subscription } from '../eventstore/port.js';
import { type DomainEnvelope, decode } from '../events.js';
import { type Applied, type Row, Views } from './views.js';

/** Bump when a projection changes shape or meaning: the read model is then rebuilt at start. */
export const PROJECTION_VERSION = '4';
const FLUSH_EVERY = 1000;
/**
 * Once caught up, the read model is written at most this often (and every FLUSH_EVERY events):
 * a transaction per group commit cost the writer as much as the appends (bench/README.md). Reads
 * use the in-memory views; a crash replays from the last checkpoint written, rows and checkpoint
 * being written together.
 */
const FLUSH_DELAY_MS = 200;
const ASOF_CACHE = 8;
const REPLAY_PAGE = 5000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (kind TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS history (
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  at TEXT NOT NULL,
  commitment INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS history_task ON history (task_id, revision);
CREATE INDEX IF NOT EXISTS history_commitment ON history (commitment, at);
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
  private sub: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private dirty = new Map<string, Row>();
  private newHistory: HistoryEntry[] = [];
  private pending = 0;
  private waiters: { position: string; resolve: () => void }[] = [];
  private asOfCache: { at: string; views: Views }[] = [];
  private checkpoint: string | null = null;
  caughtUp = false;
  unreadable = 0;
  readonly ready: Promise<void>;
  private markReady!: () => void;

  /** `decodeEvent`: how stored events are read (the default registry's decode; a test's own upcasters). */
  constructor(
    private readonly store: EventStore, file: string, private readonly log?: Logger,
    private readonly decodeEvent: (r: RecordedEvent) => DomainEnvelope = decode,
  ) {
    super();
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // The read model can always be rebuilt from the events; NORMAL keeps it consistent, only less durable.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
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
      if (!notice) continue;
      this.dropStaleAsOf(notice.event.meta.occurredAt);
      if (this.pending >= FLUSH_EVERY) this.flush();
      this.resolveWaiters();
      this.emit('applied', notice);
    }
  }

  private applyRecorded(r: RecordedEvent): AppliedNotice | null {
    let event: DomainEnvelope;
    try {
      event = this.decodeEvent(r);
    } catch (error) {
      // Validated on write, so this means tampering or a missing upcaster: say so, keep serving.
      this.unreadable++;
      this.log?.error({ err: error, position: r.position }, 'unreadable event skipped by projections');
      this.views.position = r.position;
      this.pending++;
      return null;
    }
    const applied = this.views.apply(event);
    if (applied.row) this.dirty.set(`${applied.row.kind}:${applied.row.id}`, applied.row);
    if (applied.history) this.newHistory.push(applied.history);
    if (applied.notification) this.dirty.set(`notification:${applied.notification.id}`, applied.notification);
    this.pending++;
    return { ...applied, event };
  }

  private readonly persist = () => {
    const putRow = this.db.prepare('INSERT OR REPLACE INTO rows (kind, id, json) VALUES (?, ?, ?)');
    const putHistory = this.db.prepare('INSERT OR REPLACE INTO history (task_id, revision, at, commitment, json) VALUES (?, ?, ?, ?, ?)');
    const putMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    return this.db.transaction(() => {
      for (const r of this.dirty.values()) putRow.run(r.kind, r.id, JSON.stringify(r.value));
      for (const h of this.newHistory) putHistory.run(h.taskId, h.revision, h.at, h.commitment ? 1 : 0, JSON.stringify(h));
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
    this.newHistory = [];
    this.pending = 0;
  }

  private wipe(): void {
    this.db.exec('DELETE FROM rows; DELETE FROM history; DELETE FROM meta;');
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
      const timer = setTimeout(() => reject(new Error(`read model did not reach ${position} in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ position, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  /**
   * The read model as it stood at `at` (by when events occurred), built by replaying the same
   * projections. Recent replays are cached until an event that occurred before them arrives.
   */
  async asOf(at: string): Promise<Views> {
    if (this.views.lastOccurredAt === null || at >= this.views.lastOccurredAt) return this.views;
    const hit = this.asOfCache.find((c) => c.at === at);
    if (hit) return hit.views;
    const views = new Views();
    for (let from: string = 'start'; ;) {
      const page = await this.store.readAll({ fromPosition: from, maxCount: REPLAY_PAGE });
      if (page.length === 0) break;
      for (const r of page) {
        const occurredAt = (r.metadata as { occurredAt?: string } | null)?.occurredAt;
        if (occurredAt && occurredAt <= at) {
          try {
            views.apply(this.decodeEvent(r));
          } catch {
            // Counted and logged by the live runner; a replay skips it the same way.
          }
        }
      }
      from = page[page.length - 1]!.position;
    }
    this.asOfCache.unshift({ at, views });
    this.asOfCache.length = Math.min(this.asOfCache.length, ASOF_CACHE);
    return views;
  }

  private dropStaleAsOf(occurredAt: string): void {
    if (this.asOfCache.length) this.asOfCache = this.asOfCache.filter((c) => occurredAt > c.at);
  }

  /** History is read from SQLite: write what is pending first, so a reader sees every event the views hold. */
  private flushHistory(): void {
    if (this.newHistory.length > 0 && this.db.open) this.flush();
  }

  history(taskId: string, opts: { until?: string; first: number; after?: number }): HistoryPage {
    this.flushHistory();
    const until = opts.until ?? '9999';
    const after = opts.after ?? -1;
    const rows = this.db.prepare<[string, string, number, number], { json: string; revision: number }>(
      'SELECT json, revision FROM history WHERE task_id = ? AND at <= ? AND revision > ? ORDER BY revision LIMIT ?',
    ).all(taskId, until, after, opts.first + 1);
    const total = this.db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM history WHERE task_id = ? AND at <= ?')
      .get(taskId, until)!.n;
    const page = rows.slice(0, opts.first);
    return {
      entries: page.map((r) => JSON.parse(r.json)), cursors: page.map((r) => String(r.revision)),
      hasNextPage: rows.length > opts.first, totalCount: total,
    };
  }

  /** Commitment changes in a window, oldest first, for the caller to filter by unit and visibility. */
  commitmentChanges(from: string, to: string): { seq: number; entry: HistoryEntry }[] {
    this.flushHistory();
    return this.db.prepare<[string, string], { json: string; seq: number }>(
      'SELECT json, seq FROM history WHERE commitment = 1 AND at >= ? AND at <= ? ORDER BY at, seq',
    ).all(from, to).map((r) => ({ seq: r.seq, entry: JSON.parse(r.json) }));
  }

  /** Applies every event from the start into a fresh read model, reporting progress. */
  async rebuild(onProgress?: (done: number) => void): Promise<number> {
    await this.stop(false);
    this.wipe();
    this.views = new Views();
    this.checkpoint = null;
    this.dirty.clear();
    this.newHistory = [];
    let done = 0;
    for (let from: string = 'start'; ;) {
      const page = await this.store.readAll({ fromPosition: from, maxCount: REPLAY_PAGE });
      if (page.length === 0) break;
      for (const r of page) this.applyRecorded(r);
      done += page.length;
      from = page[page.length - 1]!.position;
      this.flush();
      onProgress?.(done);
    }
    return done;
  }

  /** Stops following the store; `close` also closes the read-model database. */
  async stop(close = true): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.sub?.stop();
    await this.loop;
    this.sub = undefined;
    if (this.db.open) this.flush();
    if (close && this.db.open) this.db.close();
  }
}
