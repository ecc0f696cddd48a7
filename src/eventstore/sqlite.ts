import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Checkpointer } from './checkpointer.js';
import { InvalidEventError, StoreUnavailableError } from './errors.js';
import { type BatchAppend, type Outcome, type SerializedEvent, writeBatch, writeStatements } from './group-commit.js';
import { GENESIS_HASH, canonicalJson, eventHash, strictCanonicalJson } from './hash.js';
import type {
  AppendResult, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions,
  RecordedEvent, SubscribeOptions, Subscription, SubscriptionItem,
} from './port.js';
import { assertEventJson, validateAppendShape } from './validate.js';
import { StoreWriter } from './writer.js';

/** An event as the events table holds it (the columns of READ_COLUMNS). */
export interface EventRow {
  position: number; id: string; stream: string; revision: number; type: string;
  data: string; metadata: string; recorded_at: string;
}

interface PendingAppend extends BatchAppend {
  resolve: (r: AppendResult) => void; reject: (e: unknown) => void;
  /** Date.now() of the first attempt that found the write lock held by another process. */
  busySince?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  stream TEXT NOT NULL,
  revision INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  prev_hash TEXT,
  hash TEXT,
  UNIQUE (stream, revision)
);`;

/** What reads return (not the hash columns: only verify.ts reads those). */
export const READ_COLUMNS = 'position, id, stream, revision, type, data, metadata, recorded_at';
const PAGE = 1000;
/** A live subscription wakes at least this often, appended to or not. */
const POLL_MS = 1000;
/**
 * Other processes (API replicas) append to the same file: while a subscription waits, the store asks
 * SQLite this often whether another connection committed (PRAGMA data_version, a read of the shared
 * WAL index: microseconds), so that a replica sees another's events well within 50 ms.
 */
const WATCH_MS = 10;
/** How long one look at data_version answers othersWrites (a burst of commands in one turn of the event loop). */
const LOOK_AGAIN_MS = 1;
/**
 * The write lock is taken with BEGIN IMMEDIATE. SQLite's busy handler waits for another process's
 * transaction synchronously, holding up this process's event loop, so it waits briefly (busyTimeoutMs);
 * a batch that still finds the lock held goes again a few milliseconds later, up to busyGiveUpMs in
 * all, before its callers get StoreUnavailableError (UNAVAILABLE to a client, never SQLITE_BUSY).
 * Opening the file waits longer: another process may be adding the hash chain to an old file.
 */
const OPEN_BUSY_TIMEOUT_MS = 5000;
/**
 * `checkpointThread`: the WAL is checkpointed by a thread of its own (checkpointer.ts) every
 * CHECKPOINT_EVERY_MS; this connection checkpoints only past CHECKPOINT_BACKSTOP_PAGES (a WAL that
 * thread could not keep short, e.g. one never quiet long enough to be copied whole).
 */
/**
 * `writerThread`: group commits are written by a thread of its own (writer.ts) on its own connection,
 * not on the event loop (TIENDO_STORE_WRITER_THREAD; a file only).
 */
export interface SqliteStoreOptions { busyTimeoutMs?: number; busyGiveUpMs?: number; checkpointThread?: boolean; writerThread?: boolean }
const CHECKPOINT_EVERY_MS = 100;
/**
 * Group commits posted to the writer thread before one is answered: the next batch is on its way
 * while one is written, so the event loop does not wait for the round trip; more would only make
 * smaller batches (more fsyncs). Without the writer thread, one at a time by construction.
 */
const WRITER_IN_FLIGHT = 2;
/**
 * With the writer thread, a batch this large is posted at once rather than at the end of the event
 * loop's turn: the thread writes it while this thread decides the commands behind it. Waiting for
 * the turn's end, 64 clients' commands made one batch, and each thread idled while the other
 * worked (the event loop 27 % of the time, the writer 54 %: bench/README.md).
 */
const WRITER_EAGER_BATCH = 32;
const CHECKPOINT_BACKSTOP_PAGES = 16_000;

/** A row of the events table as the event it stores. */
export function toRecorded(r: EventRow): RecordedEvent {
  return {
    id: r.id, stream: r.stream, revision: r.revision, position: String(r.position), type: r.type,
    data: JSON.parse(r.data), metadata: JSON.parse(r.metadata), recordedAt: r.recorded_at,
  };
}

/** An event's stored text; what JSON cannot hold is refused (validate.ts names where) in the same walk. */
function serialize(e: NewEvent, i: number): SerializedEvent {
  try {
    return { id: e.id, type: e.type, data: strictCanonicalJson(e.data), metadata: strictCanonicalJson(e.metadata ?? {}) };
  } catch (error) {
    assertEventJson(e, i);
    throw new InvalidEventError(`event ${i}: ${(error as Error).message}`);
  }
}

function parsePosition(p: string): number {
  // Digits only, as String(position) writes them (Number() would also take "1e3", "0x10", " 7 ").
  const n = /^\d{1,16}$/.test(p) ? Number(p) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidEventError(`not a position of this store: ${p}`);
  return n;
}

/**
 * Embedded event store on one SQLite file (WAL, synchronous=FULL). Appends made in the same
 * tick share one transaction and so one fsync (group commit); each append is checked and
 * written in its own savepoint, so one conflict fails only its own caller.
 */
export class SqliteEventStore implements EventStore {
  readonly name = 'sqlite';
  private readonly db: Database.Database;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private waiters = new Set<() => void>();
  private disposed = false;
  private watcher: ReturnType<typeof setInterval> | undefined;
  private dataVersion = 0;
  /** When othersWrites last read data_version (performance.now()). */
  private lookedAt = Number.NEGATIVE_INFINITY;
  /** Commits by other connections seen so far (changes of data_version). */
  private othersCommits = 0;
  /** The highest position this connection committed (a subscription behind it has more to read). */
  private committed = 0;
  private readonly stmt;

  private readonly busyGiveUpMs: number;
  /** Called after each group commit: the projection worker (src/runner/worker-host.ts) is woken by it, not by its 10 ms watch. */
  onCommitted: (() => void) | undefined;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly writer: StoreWriter | undefined;
  /** The batches the writer thread is writing, until each is answered. */
  private readonly writing = new Set<Promise<void>>();

  constructor(readonly file: string, options: SqliteStoreOptions = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    if (options.checkpointThread && file !== ':memory:') {
      this.db.pragma(`wal_autocheckpoint = ${CHECKPOINT_BACKSTOP_PAGES}`);
      this.checkpointer = new Checkpointer(file, CHECKPOINT_EVERY_MS);
    }
    this.db.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
    this.db.exec(SCHEMA);
    this.migrateHashChain();
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 100}`);
    this.busyGiveUpMs = options.busyGiveUpMs ?? 30_000;
    if (options.writerThread && file !== ':memory:') {
      this.writer = new StoreWriter({
        file, busyTimeoutMs: options.busyTimeoutMs ?? 100, ...(this.checkpointer ? { autocheckpointPages: CHECKPOINT_BACKSTOP_PAGES } : {}),
      }, () => this.othersCommits++);
    }
    this.stmt = {
      // Prepared only where this connection writes: with the writer thread, its own connection does.
      write: this.writer ? null : writeStatements(this.db),
      streamFwd: this.db.prepare<[string, number, number], EventRow>(
        `SELECT ${READ_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`),
      // Without a LIMIT parameter: a bound LIMIT makes each run several times slower (measured: ~60 µs
      // against ~6 µs for the empty read of a stream's new events that every command makes).
      streamFwdAll: this.db.prepare<[string, number], EventRow>(
        `SELECT ${READ_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC`),
      streamBwd: this.db.prepare<[string, number, number], EventRow>(
        `SELECT ${READ_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`),
      allFwd: this.db.prepare<[number, number], EventRow>(
        `SELECT ${READ_COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`),
      /** A subscription's page: the LIMIT written in, for the reason above. */
      allFwdPage: this.db.prepare<[number], EventRow>(
        `SELECT ${READ_COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ${PAGE}`),
      allBwd: this.db.prepare<[number, number], EventRow>(
        `SELECT ${READ_COLUMNS} FROM events WHERE position < ? ORDER BY position DESC LIMIT ?`),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
    };
  }

  /**
   * A file made before the hash chain existed gets the two columns and every event's hash, in one
   * transaction, the first time it is opened. Only then: a hash that later goes missing is not
   * made up again (verify reports it).
   */
  private migrateHashChain(): void {
    const hasHash = () => this.db.prepare<[], { name: string }>('PRAGMA table_info(events)').all().some((c) => c.name === 'hash');
    if (hasHash()) return;
    this.db.transaction(() => {
      if (hasHash()) return;
      this.db.exec('ALTER TABLE events ADD COLUMN prev_hash TEXT; ALTER TABLE events ADD COLUMN hash TEXT;');
      const update = this.db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE position = ?');
      const page = this.db.prepare<[number], EventRow>(`SELECT ${READ_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT 5000`);
      let prev = GENESIS_HASH;
      for (let after = 0, rows = page.all(after); rows.length > 0; rows = page.all(after)) {
        for (const r of rows) {
          const hash = eventHash(prev, {
            stream: r.stream, revision: r.revision, type: r.type, id: r.id, recordedAt: r.recorded_at,
            dataCanonical: canonicalJson(JSON.parse(r.data)), metadataCanonical: canonicalJson(JSON.parse(r.metadata)),
          });
          update.run(prev, hash, r.position);
          prev = hash;
          after = r.position;
        }
      }
    }).immediate();
  }

  /** The underlying database, for backup and verification tools. */
  get database(): Database.Database {
    return this.db;
  }

  append(stream: string, events: NewEvent[], expectedRevision: ExpectedRevision = 'any'): Promise<AppendResult> {
    let copy: SerializedEvent[];
    try {
      if (this.disposed) throw new Error('event store is closed');
      validateAppendShape(stream, events, expectedRevision);
      // Snapshot the caller's objects now: a mutation before the flush must not change what is stored.
      // Written as canonical JSON (the same values as JSON.stringify, keys sorted): the text the hash covers.
      copy = events.map(serialize);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ stream, events: copy, expected: expectedRevision, resolve, reject });
      if (this.writer && this.queue.length >= WRITER_EAGER_BATCH) this.postBatch();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.disposed) {
      // A batch waiting out another process's write lock when the store was closed.
      for (const p of this.queue.splice(0)) p.reject(new Error('event store is closed'));
      return;
    }
    if (this.writer) {
      this.postBatch();
      return;
    }
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = writeBatch(this.db, this.stmt.write!, batch);
    } catch (error) {
      this.fail(batch, error);
      return;
    }
    this.settle(batch, outcomes);
  }

  /**
   * The queue as one batch to the writer thread. While WRITER_IN_FLIGHT batches are being written it
   * waits: the next goes when one is answered.
   */
  private postBatch(): void {
    if (this.writing.size >= WRITER_IN_FLIGHT) return;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const writing = this.writer!.write(batch).then(
      (outcomes) => this.settle(batch, outcomes),
      (error: unknown) => this.fail(batch, error),
    ).finally(() => {
      this.writing.delete(writing);
      if (this.queue.length > 0) this.flush();
    });
    this.writing.add(writing);
  }

  /** A batch's transaction failed, nothing written: another process's write lock is waited out; any other error fails every caller. */
  private fail(batch: PendingAppend[], error: unknown): void {
    if ((error as { code?: string }).code === 'SQLITE_BUSY' && !this.disposed) {
      this.retryBusy(batch, error);
      return;
    }
    for (const p of batch) p.reject(error);
  }

  /** A batch committed: each caller gets its outcome, then subscriptions and the projection worker wake. */
  private settle(batch: PendingAppend[], outcomes: Outcome[]): void {
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        this.committed = Math.max(this.committed, Number(o.value.position));
        p.resolve(o.value);
      } else p.reject(o.error);
    });
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const w of waiters) w();
    this.onCommitted?.();
  }

  /** Another process held the write lock past busy_timeout: the batch goes first in the next flush, or gives up. */
  private retryBusy(batch: PendingAppend[], error: unknown): void {
    const now = Date.now();
    const keep: PendingAppend[] = [];
    for (const p of batch) {
      p.busySince ??= now;
      if (now - p.busySince < this.busyGiveUpMs) keep.push(p);
      else p.reject(new StoreUnavailableError(`the event store stayed locked by another process for ${now - p.busySince} ms`, error));
    }
    this.queue = [...keep, ...this.queue];
    if (keep.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => this.flush(), 5);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
    const from = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
    const fromRevision = from === 'start' ? 0 : from === 'end' ? Number.MAX_SAFE_INTEGER : from;
    const rows = direction === 'forwards'
      ? options.maxCount === undefined ? this.stmt.streamFwdAll.all(stream, fromRevision) : this.stmt.streamFwd.all(stream, fromRevision, maxCount)
      : this.stmt.streamBwd.all(stream, from === 'end' ? Number.MAX_SAFE_INTEGER : from === 'start' ? 0 : from, maxCount);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options);
  }

  /** Synchronous read for the projection runner and tools that share this process. */
  readAllSync(options: ReadAllOptions = {}): RecordedEvent[] {
    const { direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
    const from = options.fromPosition ?? (direction === 'forwards' ? 'start' : 'end');
    const rows = direction === 'forwards'
      ? this.stmt.allFwd.all(from === 'start' ? 0 : from === 'end' ? Number.MAX_SAFE_INTEGER : parsePosition(from), maxCount)
      : this.stmt.allBwd.all(from === 'end' ? Number.MAX_SAFE_INTEGER : from === 'start' ? 0 : parsePosition(from), maxCount);
    return rows.map(toRecorded);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    let checkpoint = options.fromPosition && options.fromPosition !== 'start' ? parsePosition(options.fromPosition) : 0;
    let stopped = false;
    let wake: (() => void) | undefined;
    const store = this;
    const waitForAppend = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          store.waiters.delete(done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, POLL_MS);
        wake = done;
        store.waiters.add(done);
        store.watch();
      });
    async function* iterate(): AsyncGenerator<SubscriptionItem> {
      while (!stopped && !store.disposed) {
        const rows = store.stmt.allFwdPage.all(checkpoint);
        for (const r of rows) {
          if (stopped) return;
          checkpoint = r.position;
          yield { kind: 'event', event: toRecorded(r) };
        }
        if (rows.length < PAGE) {
          if (stopped) return;
          yield { kind: 'caughtUp', position: checkpoint === 0 ? null : String(checkpoint) };
          // Appends committed while the consumer handled the page (it may await, e.g. a snapshot being
          // written) woke no one: read them now rather than wait for the next append or POLL_MS.
          if (store.committed > checkpoint) continue;
          await waitForAppend();
        }
      }
    }
    const it = iterate();
    return {
      [Symbol.asyncIterator]: () => it,
      async stop() {
        stopped = true;
        wake?.();
        await it.return(undefined);
      },
    };
  }

  /** While subscriptions wait: wakes them when another process commits to the file (WATCH_MS). */
  private watch(): void {
    // dataVersion is not read again here: a commit made since the last look (before the subscription's
    // last read, or after it) wakes the next tick, at worst once too often, never missed.
    if (this.watcher || this.file === ':memory:') return;
    this.watcher = setInterval(() => {
      if (this.waiters.size === 0 || this.disposed) {
        clearInterval(this.watcher);
        this.watcher = undefined;
        return;
      }
      this.lookForOthersCommits();
    }, WATCH_MS);
    this.watcher.unref();
  }

  /** Whether another connection committed since the last look (then waiting subscriptions wake). */
  private lookForOthersCommits(): void {
    const version = this.stmt.dataVersion.get()!;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    // The writer thread's commits move this connection's data_version too: it counts the others itself.
    if (!this.writer) this.othersCommits++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const w of waiters) w();
  }

  othersWrites(): number {
    // One look serves the commands of a burst (a PRAGMA is ~10 µs, as much as a quarter of an append's
    // work here): another process's write missed by it makes the command's append a conflict, and
    // the command path then reads the stream (run-command.ts), so it is never folded over.
    const now = performance.now();
    if (!this.disposed && now - this.lookedAt >= LOOK_AGAIN_MS) {
      this.lookedAt = now;
      this.lookForOthersCommits();
    }
    return this.othersCommits;
  }

  comparePositions(a: string, b: string): number {
    return parsePosition(a) - parsePosition(b);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.queue.length > 0) this.flush();
    // Writer thread: every batch posted, and those queued meanwhile, is answered first.
    while (this.writing.size > 0) await Promise.all(this.writing);
    this.disposed = true;
    clearInterval(this.watcher);
    for (const w of this.waiters) w();
    await this.writer?.stop();
    await this.checkpointer?.stop();
    this.db.close();
  }
}
