import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { HistoryEntry } from '../../projections/history.js';
import { auditRecord } from '../../projections/audit.js';
import type { EventStore, RecordedEvent, Subscription } from '../eventstore/port.js';
import type { SqliteEventStore } from '../eventstore/sqlite.js';
import { type DomainEnvelope, decode, decodeOwn } from '../events.js';
import { taskStream } from '../tasks/events.js';
import { Views } from './views.js';
import type { AuditPage, AuditQuery, AuditRecordPage } from './audit-table.js';
import { type AppliedNotice, AuditLogMismatchError, ReadModel } from './read-model.js';
import { SNAPSHOT_EVERY, Snapshots } from './snapshots.js';
import { AsOf } from './as-of.js';
import { rebuild } from './rebuild.js';
import { type SnapshotThreadData, rebuildBesideSnapshotThread } from './rebuild-snapshots.js';
import { type PartitionPlan, planPartitions, rebuildPartitioned } from './rebuild-partitioned.js';
import { TaskHistories } from './task-histories.js';
import { type Batch, type RebuildReply, WorkerHost } from './worker-host.js';

export type { AppliedNotice } from './read-model.js';

const FLUSH_EVERY = 1000;
/**
 * Once caught up, the read model is written at most this often, between batches, or once this many
 * events are pending in a long backlog: a transaction per group commit cost the writer as much as the
 * appends (bench/README.md). Reads use the in-memory views; a crash replays from the last checkpoint
 * written, rows and checkpoint being written together. Written by its own thread (views-writer.ts),
 * less often: each flush rewrites the pages of every task row and audit index it touches, whatever
 * the number of events, so fewer, larger transactions cost less an event. 5 s / 50,000 events against
 * 1 s / 10,000: +20–25 % sustained appends through the command path and +8–11 % mutations at a
 * million events, the same peak RSS (bench/README.md, session 16); a crash replays at most 50,000
 * events (about a second). On the fold's own thread each flush stalls the event loop: kept short.
 */
const LIVE_FLUSH = {
  inThread: { delayMs: 200, events: 10 * FLUSH_EVERY },
  writerThread: { delayMs: 5000, events: 50 * FLUSH_EVERY },
};

export interface HistoryPage { entries: HistoryEntry[]; cursors: string[]; hasNextPage: boolean; totalCount: number }

/**
 * Live catch-up: feeds the projections from the store's global order and keeps their rows and the
 * checkpoint in one SQLite transaction, so a crash never applies an event twice or loses one. The
 * other modes have a file each: rebuild.ts, snapshots.ts, as-of.ts, over the one fold (read-model.ts).
 */
export class ProjectionRunner extends EventEmitter<{ applied: [AppliedNotice]; caughtUp: [] }> {
  private readonly model: ReadModel;
  private readonly snapshots: Snapshots;
  private readonly asOfViews: AsOf;
  /**
   * How every mode reads stored events (live, rebuild, asOf, a task's history): without a second zod
   * parse for tiendo's own store (decodeOwn: encode checked them on write, by this process or another
   * tiendo on the same file); with `decodeEvent` otherwise. One decode, so live views are what a rebuild makes.
   */
  private readonly decodeStored: (r: RecordedEvent) => DomainEnvelope;
  private sub: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private waiters: { position: string; resolve: () => void }[] = [];
  /** Tasks' histories, folded once per task and extended (src/runner/task-histories.ts). */
  private readonly histories = new TaskHistories((taskId, fromRevision, upToRevision) =>
    this.events(taskStream(taskId), { fromRevision, upToRevision }));
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** TIENDO_RUNNER_WORKER: the fold and its writes run in a worker thread (worker.ts); this thread's views load the rows it posts. */
  private readonly host: WorkerHost | undefined;
  private workerUnreadable = 0;
  private readonly snapshotThreads: boolean;
  private readonly rebuildPartitions: number;
  caughtUp = false;
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private failReady!: (error: unknown) => void;

  /**
   * `decodeEvent`: how stored events are read (the default registry's decode; a test's own upcasters).
   * `snapshotEvery`: events between snapshots of the read model (SNAPSHOT_EVERY; Infinity: none).
   * `worker`: run the live fold in a worker thread, when the store is a SQLite file and events are
   * decoded by the default registry (otherwise, EventStoreDB included, it stays in this thread).
   * `writerThread` (default true): otherwise, the read model's writes go to a thread of their own
   * (views-writer.ts) and the fold stays here.
   * `snapshotThread` (default true): a rebuild's snapshots are taken by a thread of their own
   * (rebuild-snapshots.ts) where they can be; false, by the rebuild's thread.
   * `keepAuditLog` (default false here; TIENDO_REBUILD_KEEP_AUDIT, on in the app): a rebuild, or a start after a
   * projection change, keeps the audit log when its own version is unchanged (ReadModel, AUDIT_VERSION).
   * `rebuildPartitions` (default 1 here; TIENDO_REBUILD_PARTITIONS, in the app the cores up to 4): a rebuild that keeps the audit log
   * folds in this many threads, each the streams of its own (rebuild-partitioned.ts), where it can.
   */
  constructor(
    private readonly store: EventStore, private readonly file: string, private readonly log?: Logger,
    decodeEvent: (r: RecordedEvent) => DomainEnvelope = decode,
    options: {
      snapshotEvery?: number; worker?: boolean; writerThread?: boolean; snapshotThread?: boolean; keepAuditLog?: boolean; rebuildPartitions?: number;
    } = {},
  ) {
    super();
    this.snapshotThreads = options.snapshotThread ?? true;
    this.rebuildPartitions = options.rebuildPartitions ?? 1;
    const sqlite = store.name === 'sqlite' ? store as SqliteEventStore : undefined;
    if (options.worker && !sqlite) log?.warn({ store: store.name }, 'TIENDO_RUNNER_WORKER applies to the SQLite store only: projections run in this thread');
    if (options.worker && sqlite && sqlite.file !== ':memory:' && file !== ':memory:' && decodeEvent === decode) {
      this.host = new WorkerHost({
        eventsFile: sqlite.file, viewsFile: file, snapshotEvery: options.snapshotEvery, keepAuditLog: options.keepAuditLog,
        rebuildPartitions: this.rebuildPartitions, logLevel: log?.level ?? 'silent',
      }, {
        batch: (b) => this.applyBatch(b),
        caughtUp: () => this.nowCaughtUp(),
      }, log);
      sqlite.onCommitted = () => this.host?.nudge();
    }
    this.decodeStored = decodeEvent === decode && store.name === 'sqlite' ? decodeOwn : decodeEvent;
    this.model = new ReadModel(file, this.decodeStored, log, {
      follower: this.host !== undefined, writerThread: options.writerThread ?? true, keepAuditLog: options.keepAuditLog,
    });
    this.snapshots = new Snapshots(this.model, options.snapshotEvery ?? SNAPSHOT_EVERY, log);
    this.asOfViews = new AsOf(this.model, this.snapshots, store);
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
  }

  get views(): Views {
    return this.model.views;
  }

  /** Events the audit log held when the last rebuild (in the worker too) or load from nothing (in this thread) kept it (TIENDO_REBUILD_KEEP_AUDIT); 0: filed anew. */
  get keptAuditEvents(): number {
    return this.model.keptAuditEvents;
  }

  get unreadable(): number {
    return this.host ? this.workerUnreadable : this.model.unreadable;
  }

  /** Loads the persisted rows (or starts over when the projections changed) and follows the store. */
  start(): void {
    if (this.host) {
      // Before the worker starts: nobody writes the file while this thread reads it. The worker
      // loads the same rows (or wipes them, and this thread starts empty as it does).
      this.model.restore();
      this.host.start();
      return;
    }
    const fromNothing = !this.model.load();
    if (fromNothing) this.snapshots.wipe();
    else this.snapshots.resume();
    this.sub = this.store.subscribe({ fromPosition: this.model.checkpoint ?? 'start' });
    this.loop = this.follow(this.sub, fromNothing);
    // A catch-up that fails (the read model not writable) rejects `ready` rather than leave it pending;
    // a failure once caught up stays an unhandled rejection, as loud as before.
    this.loop.catch((error: unknown) => {
      if (this.caughtUp) throw error;
      this.failReady(error);
    });
  }

  /**
   * `fromNothing` (a new read model, or the projections changed): the catch-up loads as a rebuild
   * does — events read back without a second zod parse, nothing written until it has caught up, the
   * audit log's indexes made once — with every event still `applied` on the way. A server started on
   * a million events after a projection change spent 80 s here (peak RSS 649 MiB), now 43 s (856 MiB).
   * Its snapshots are taken in this thread: a snapshot thread's second read model (rebuild-snapshots.ts)
   * would take it to 32 s but 1.2 GiB, past the server's memory bar (bench/README.md). Stopped before
   * it caught up, it writes no checkpoint, and the next start loads from nothing again.
   */
  private async follow(sub: Subscription, fromNothing: boolean): Promise<void> {
    let loading = fromNothing;
    if (loading) {
      this.snapshots.staging(true);
      this.model.bulkLoad(true);
    }
    for await (const item of sub) {
      if (item.kind === 'caughtUp') {
        if (loading) {
          this.model.checkAuditKept();
          loading = false;
          this.snapshots.staging(false);
          this.model.bulkLoad(false);
        }
        if (this.caughtUp) this.flushSoon();
        // Written before `ready`: a read model that cannot be written fails the start.
        else await this.model.written();
        this.nowCaughtUp();
        // Live, at the end of a batch: its events are visible before the snapshot is taken, and one still being written is not waited for.
        if (this.snapshots.due() && this.snapshots.idle) await this.snapshots.take();
        continue;
      }
      const notice = this.model.apply(item.event);
      if (notice) {
        this.asOfViews.dropStale(notice.event.meta.occurredAt);
        this.resolveWaiters();
        this.emit('applied', notice);
        // Live, the timer writes between batches (flushSoon); in the middle of one only a long backlog is written.
        if (!loading && this.model.pending >= (this.caughtUp ? this.liveFlush.events : FLUSH_EVERY)) this.model.flush();
      }
      if (!this.caughtUp && this.snapshots.due()) await this.snapshots.take();
    }
  }

  private nowCaughtUp(): void {
    if (this.caughtUp) return; // a restarted worker catching up again
    this.caughtUp = true;
    this.markReady();
    this.emit('caughtUp');
  }

  /**
   * A batch from the worker: its rows loaded through Views.load (the path that restores persisted
   * rows, indexes kept true), `applied` emitted per event as the in-thread runner does, and the
   * position moved before the waiters are looked at. Events at or before the position are skipped:
   * a restarted worker replays from its checkpoint, which may be behind what this thread applied.
   */
  private applyBatch(batch: Batch): void {
    const views = this.model.views;
    for (const n of batch.notices) {
      const { event, row, notification } = n;
      if (views.position !== null && this.store.comparePositions(event.position, views.position) <= 0) continue;
      const before = row?.kind === 'task' ? views.tasks.get(row.id) ?? null : null;
      if (row) views.load(row);
      if (notification) views.load(notification);
      views.position = event.position;
      this.asOfViews.dropStale(event.meta.occurredAt);
      this.emit('applied', row?.kind === 'task' ? { ...n, task: { before, after: row.value } } : n);
    }
    if (batch.position !== null && (views.position === null || this.store.comparePositions(batch.position, views.position) > 0)) {
      views.position = batch.position;
    }
    // A maximum (as Views.apply keeps it): a restarted worker, behind this thread, never moves it back.
    if (batch.lastOccurredAt !== null && (views.lastOccurredAt === null || batch.lastOccurredAt > views.lastOccurredAt)) views.lastOccurredAt = batch.lastOccurredAt;
    this.workerUnreadable = batch.unreadable;
    this.resolveWaiters();
  }

  private flushSoon(): void {
    if (this.flushTimer || (this.model.pending === 0 && this.model.views.position === this.model.checkpoint)) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.model.flush();
    }, this.liveFlush.delayMs);
    this.flushTimer.unref?.();
  }

  private get liveFlush(): { delayMs: number; events: number } {
    return this.model.writesElsewhere ? LIVE_FLUSH.writerThread : LIVE_FLUSH.inThread;
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

  /** The read model as it stood at `at` (as-of.ts). */
  asOf(at: string): Promise<Views> {
    return this.asOfViews.at(at);
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
        e = this.decodeStored(r);
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
  async commitmentChanges(from: string, to: string): Promise<{ seq: number; entry: HistoryEntry }[]> {
    if (this.host) return this.host.request({ op: 'commitmentChanges', from, to });
    // Read from SQLite: what is pending written first, so a reader sees every event the views hold.
    await this.model.written(this.model.newCommitments.length > 0);
    return this.model.db.prepare<[string, string], { json: string; seq: number }>(
      'SELECT json, seq FROM commitments WHERE at >= ? AND at <= ? ORDER BY at, seq',
    ).all(from, to).map((r) => ({ seq: r.seq, entry: JSON.parse(r.json) }));
  }

  /** A page of the audit log (src/runner/audit-table.ts), every event the views hold included. */
  async auditLog(query: AuditQuery): Promise<AuditRecordPage> {
    const host = this.host;
    if (!host) await this.model.written();
    const { rows, ...page } = host
      ? { ...await host.request<Omit<AuditPage, 'count'>>({ op: 'auditRows', query }), count: () => host.request<number>({ op: 'auditCount', query }) }
      : this.auditRows(query);
    // The log keeps no copy of the events: each is read back from the store where it stands.
    const events = await Promise.all(rows.map((r) => this.store.readStream(r.stream, { fromRevision: r.revision, maxCount: 1 })));
    return { ...page, records: rows.flatMap((r, i) => events[i]!.slice(0, 1).map((e) => auditRecord(e, r.seq, r.units))) };
  }

  /** The audit table's page, every event the views hold included (the worker answers it when there is one). */
  auditRows(query: AuditQuery): AuditPage {
    this.model.settle();
    return this.model.audit.page(query);
  }

  /** Applies every event from the start into a fresh read model (rebuild.ts), reporting progress. */
  async rebuild(onProgress?: (done: number) => void): Promise<number> {
    if (this.host) {
      // The worker rebuilds views.db (following nothing first when it was not started); this thread reads the result.
      if (!this.host.started) this.host.start(false);
      this.host.onProgress = onProgress;
      const { done, keptAuditEvents } = await this.host.request<RebuildReply>({ op: 'rebuild' });
      this.model.keptAuditEvents = keptAuditEvents;
      this.asOfViews.clear();
      this.model.views = new Views();
      this.model.restore();
      return done;
    }
    await this.stop(false);
    this.asOfViews.clear();
    try {
      return await this.rebuildHere(onProgress);
    } catch (error) {
      if (!(error instanceof AuditLogMismatchError)) throw error;
      // The kept log's meta went with the wipe: this time the log is filed anew. `tiendo rebuild` is
      // what an operator runs to put a read model right; it should not need a flag to succeed.
      this.log?.warn({ err: error }, 'the audit log kept is not of this store\'s history: rebuilding with the log filed anew');
      return this.rebuildHere(onProgress);
    }
  }

  private async rebuildHere(onProgress?: (done: number) => void): Promise<number> {
    const partitions = this.partitionPlan();
    if (partitions) return rebuildPartitioned(this.model, this.snapshots, partitions, { onProgress }, this.log);
    const thread = await this.snapshotThread();
    return thread
      ? rebuildBesideSnapshotThread(this.model, this.snapshots, this.store, thread, { onProgress }, this.log)
      : rebuild(this.model, this.snapshots, this.store, { onProgress });
  }

  /**
   * A partitioned rebuild's plan, when one is asked for (`rebuildPartitions`) and can be: a SQLite store
   * on disk whose events are decoded by the default registry (the threads have no other), its
   * positions its events' numbers, and the audit log kept up to its last event (planPartitions).
   */
  private partitionPlan(): PartitionPlan | null {
    if (this.rebuildPartitions < 2) return null;
    const sqlite = this.store.name === 'sqlite' ? this.store as SqliteEventStore : undefined;
    const plan = !sqlite || sqlite.file === ':memory:' || this.decodeStored !== decodeOwn
      ? 'the store is not a SQLite file read by the default registry'
      : planPartitions(sqlite.file, this.rebuildPartitions, this.model.keptAuditLog());
    if (typeof plan !== 'string') return plan;
    this.log?.info({ partitions: this.rebuildPartitions, reason: plan }, 'rebuild not partitioned');
    return null;
  }

  /**
   * What a snapshot thread needs, when the rebuild's snapshots can be taken by one: a SQLite store
   * and read model on disk, events decoded by the default registry (the thread has no other), and
   * snapshots at all.
   */
  private async snapshotThread(): Promise<SnapshotThreadData | null> {
    const sqlite = this.store.name === 'sqlite' ? this.store as SqliteEventStore : undefined;
    if (!this.snapshotThreads || !sqlite || sqlite.file === ':memory:' || this.file === ':memory:'
      || this.decodeStored !== decodeOwn || !Number.isFinite(this.snapshots.every)) return null;
    const [last] = await this.store.readAll({ direction: 'backwards', maxCount: 1 });
    if (!last) return null;
    return { eventsFile: sqlite.file, file: `${this.file}.rebuild-snapshots`, every: this.snapshots.every, until: last.position, logLevel: this.log?.level ?? 'silent' };
  }

  /** Stops following the store; `close` also closes the read-model database. */
  async stop(close = true): Promise<void> {
    if (this.host) {
      await this.host.stop();
      if (close) this.model.close();
      return;
    }
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.sub?.stop();
    // A loop that failed was reported already (`ready` rejected, or a rejection left unhandled once caught up): closed all the same.
    await this.loop?.catch(() => undefined);
    this.sub = undefined;
    await this.snapshots.settled();
    if (close) this.model.close();
    else await this.model.written();
  }
}
