import type Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';
import type { Logger } from 'pino';
import { type AuditBatch, writeAudit } from './audit-table.js';
import { startThread } from '../shared/thread.js';
import { statementOf } from './statements.js';

/**
 * What one flush of the read model writes, in one transaction: rows (JSON made by the fold's
 * thread), commitment entries, blocks, the audit log's rows, and meta (the checkpoint among them).
 */
export interface FlushBatch {
  rows: [kind: string, id: string, json: string][];
  commitments: [taskId: string, revision: number, at: string, json: string][];
  blocks: [lastSeq: number, afterPosition: string | null, lastPosition: string, minOccurredAt: string][];
  audit: AuditBatch | null;
  meta: [key: string, value: string][];
}

export interface SnapshotRow { seq: number; base: number; position: string; lastOccurredAt: string; rows: Buffer }

/**
 * A full snapshot is put together by the thread that writes: from the rows it has written (every
 * flush posted before it), compressed there. On the runner's thread that was 200–300 ms at a million
 * events during which no request was answered (bench/README.md).
 */
export type Write =
  | { type: 'flush'; batch: FlushBatch }
  | { type: 'snapshot'; snapshot: SnapshotRow }
  | { type: 'fullSnapshot'; snapshot: Omit<SnapshotRow, 'rows'> };

/** Every row of the read model as a snapshot's lines, put together by SQLite (no row passes through JavaScript). */
export function everyRowText(db: Database.Database): Buffer {
  return db.prepare<[], { rows: Buffer | null }>(
    "SELECT CAST(group_concat(kind || char(9) || json_quote(id) || char(9) || json, char(10)) AS BLOB) AS rows FROM rows").get()!.rows ?? Buffer.alloc(0);
}

/** Room for the text of a failed write, read by a thread that cannot wait for its message. */
export const FAILURE_BYTES = 1024;

/** A write taking longer than this means the writer thread is gone. */
const STALL_MS = 60_000;

export type FromWriter = { type: 'done'; count: number } | { type: 'failed'; error: string };

/** A write as one transaction, by whichever thread writes views.db. */
export function applyWrite(db: Database.Database, write: Write): void {
  db.transaction(() => {
    switch (write.type) {
      case 'flush': return writeFlush(db, write.batch);
      case 'snapshot': return putSnapshot(db, write.snapshot);
      case 'fullSnapshot': return putSnapshot(db, { ...write.snapshot, rows: deflateRawSync(everyRowText(db), { level: 1 }) });
      default: {
        const never: never = write;
        return never;
      }
    }
  })();
}

function putSnapshot(db: Database.Database, s: SnapshotRow): void {
  statementOf(db, 'INSERT OR REPLACE INTO snapshots (seq, base, position, last_occurred_at, rows) VALUES (?, ?, ?, ?, ?)')
    .run(s.seq, s.base, s.position, s.lastOccurredAt, s.rows);
}

/** The flush's writes, inside the caller's transaction. */
export function writeFlush(db: Database.Database, b: FlushBatch): void {
  const putRow = statementOf(db, 'INSERT OR REPLACE INTO rows (kind, id, json) VALUES (?, ?, ?)');
  const putCommitment = statementOf(db, 'INSERT OR REPLACE INTO commitments (task_id, revision, at, json) VALUES (?, ?, ?, ?)');
  const putBlock = statementOf(db, 'INSERT OR REPLACE INTO blocks (last_seq, after_position, last_position, min_occurred_at) VALUES (?, ?, ?, ?)');
  const putMeta = statementOf(db, 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  for (const r of b.rows) putRow.run(r);
  for (const c of b.commitments) putCommitment.run(c);
  for (const k of b.blocks) putBlock.run(k);
  if (b.audit) writeAudit(db, b.audit);
  for (const m of b.meta) putMeta.run(m);
}

/**
 * The one writer of views.db once the runner is live: the read model's flushes (and snapshots)
 * written by a thread of their own (views-writer-thread.ts) on its own connection, in the order
 * posted, each in one transaction. At a million events these writes (the audit index's scattered
 * pages, the WAL they make and its checkpoints) were a third of the command path's thread
 * (issue 14). This thread keeps the fold and the in-memory views; whatever reads or writes
 * views.db here first waits for what was posted (`drain`, `written`), so it sees every event the
 * views hold and there is never a second writer at the same time.
 */
export class ViewsWriter {
  private worker: Worker | undefined;
  /** [0]: writes done by the thread; [1]: 1 once one failed; after them, the failure's text (UTF-8, NUL-ended), written first. */
  private readonly shared = new Int32Array(new SharedArrayBuffer(8 + FAILURE_BYTES));
  /** Writes posted so far (a write's number is the count after its post). */
  posted = 0;
  private failure: Error | undefined;
  private waiters: { count: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly file: string, private readonly log?: Logger) {}

  /** `transfer`: buffers handed over rather than copied (a full snapshot is tens of MB at a million events). */
  post(write: Write, transfer: ArrayBuffer[] = []): void {
    this.check();
    if (!this.worker) this.start();
    this.posted++;
    this.worker!.postMessage(write, transfer);
  }

  /** Resolves once everything posted so far is written. */
  written(): Promise<void> {
    this.check();
    const count = this.posted;
    if (Atomics.load(this.shared, 0) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ count, resolve, reject }));
  }

  /** Blocks this thread until the writes posted so far (or up to the `upTo`th) are written: for the readers that cannot wait asynchronously. */
  drain(upTo = this.posted): void {
    let since = Date.now();
    // Never beyond what was posted (a batch counted on may have been written on the caller's thread instead).
    const target = Math.min(upTo, this.posted);
    for (let done = Atomics.load(this.shared, 0); done < target;) {
      this.check();
      // A thread that died without a word (its exit event cannot arrive while this one waits) is not waited for forever.
      if (Date.now() - since > STALL_MS) throw (this.failure = new Error(`the read model writer did not write for ${STALL_MS} ms`));
      Atomics.wait(this.shared, 0, done, 1000);
      const now = Atomics.load(this.shared, 0);
      if (now !== done) since = Date.now();
      done = now;
    }
    this.check();
  }

  /**
   * Writes what was posted and ends the thread, once its connection is closed: the last connection to
   * close checkpoints the WAL into views.db, and one closed after this returned left views.db alone,
   * copied at that moment, short of the read model (bench/README.md, session 20).
   */
  close(): void {
    this.drain();
    if (this.worker) {
      this.worker.postMessage({ type: 'close' });
      this.posted++;
      this.drain();
    }
    this.worker = undefined;
  }

  private check(): void {
    if (Atomics.load(this.shared, 1) === 1 && !this.failure) {
      const text = new Uint8Array(this.shared.buffer, 8, FAILURE_BYTES);
      this.failure = new Error(`the read model writer failed: ${Buffer.from(text.subarray(0, Math.max(0, text.indexOf(0)))).toString()}`);
    }
    if (this.failure) throw this.failure;
  }

  private start(): void {
    const worker = startThread(new URL('./views-writer-thread.ts', import.meta.url), { file: this.file, shared: this.shared });
    worker.unref();
    worker.on('message', (m: FromWriter) => {
      if (m.type === 'failed') this.fail(this.failure ?? new Error(`the read model writer failed: ${m.error}`));
      const done = Atomics.load(this.shared, 0);
      this.waiters = this.waiters.filter((w) => {
        if (w.count > done) return true;
        w.resolve();
        return false;
      });
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (worker === this.worker) this.fail(new Error(`the read model writer exited (code ${code})`));
    });
    this.worker = worker;
  }

  /** A failed write leaves the checkpoint written before it: the next start replays from there. Every later flush throws. */
  private fail(error: Error): void {
    this.log?.error({ err: error }, 'read model not written');
    this.failure ??= error;
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
  }
}
