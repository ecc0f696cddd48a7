import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { HistoryEntry } from '../../projections/history.js';
import type { DomainEnvelope } from '../events.js';
import { startThread } from '../shared/thread.js';
import type { AuditQuery } from './audit-table.js';
import type { Row } from './views.js';

/** Deaths of the worker within a minute after which the process exits 1 (a supervisor restarts it) rather than restart it again. */
const MAX_DEATHS_A_MINUTE = 3;

export interface WorkerData {
  eventsFile: string;
  viewsFile: string;
  snapshotEvery: number | undefined;
  /** TIENDO_REBUILD_KEEP_AUDIT (ProjectionRunner's `keepAuditLog`). */
  keepAuditLog: boolean | undefined;
  /** TIENDO_REBUILD_PARTITIONS (ProjectionRunner's `rebuildPartitions`). */
  rebuildPartitions: number;
  logLevel: string;
  /** false: load nothing, follow nothing (a `tiendo rebuild` asks for the rebuild next). */
  follow: boolean;
  /** How many workers this host started before this one (0: the first). */
  generation: number;
}

/** One applied event as the worker posts it: the rows the main thread's views load, and what `applied` listeners read. */
export interface PostedNotice { event: DomainEnvelope; row?: Row | undefined; history?: HistoryEntry | undefined; notification?: Row | undefined }

/** What the worker applied since its last batch, and where its views stand after it (unreadable events included). */
export interface Batch { notices: PostedNotice[]; position: string | null; lastOccurredAt: string | null; unreadable: number }

export type Request =
  | { op: 'commitmentChanges'; from: string; to: string }
  /** The page without its count (a function does not cross threads): `auditCount` asks for that. */
  | { op: 'auditRows'; query: AuditQuery }
  | { op: 'auditCount'; query: AuditQuery }
  | { op: 'rebuild' };

/** A rebuild's answer: the events folded, and those of the audit log it kept (ProjectionRunner.keptAuditEvents). */
export interface RebuildReply { done: number; keptAuditEvents: number }

export type ToWorker =
  /** The main thread committed appends: the worker's subscription looks now, not at its next 10 ms watch. */
  | { type: 'nudge' }
  | { type: 'request'; id: number; request: Request }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'batch'; batch: Batch }
  | { type: 'caughtUp' }
  | { type: 'progress'; done: number }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

export interface HostHandlers {
  batch(batch: Batch): void;
  caughtUp(): void;
}

/**
 * The main thread's side of the projection worker (worker.ts): starts it, passes it requests that
 * read what only it writes (commitment changes, the audit log, a rebuild), and restarts it when it
 * dies — from its checkpoint in views.db; events the main thread applied already are skipped there.
 * Meanwhile queries answer from the views as they stand (complete up to their position) and
 * mutations wait for theirs to be applied (waitFor), as when a catch-up lags.
 */
export class WorkerHost {
  private worker: Worker | undefined;
  private generation = 0;
  private deaths: number[] = [];
  private stopping: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  onProgress: ((done: number) => void) | undefined;

  constructor(
    private readonly data: Omit<WorkerData, 'generation' | 'follow'>, private readonly on: HostHandlers, private readonly log?: Logger,
  ) {}

  get started(): boolean {
    return this.worker !== undefined;
  }

  start(follow = true): void {
    const data: WorkerData = { ...this.data, follow, generation: this.generation++ };
    const worker = startThread(new URL('./worker.ts', import.meta.url), data);
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.receive(m));
    worker.on('error', (err) => this.log?.error({ err }, 'projection worker failed'));
    worker.on('exit', (code) => this.exited(worker, code));
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'batch':
        return this.on.batch(m.batch);
      case 'caughtUp':
        return this.on.caughtUp();
      case 'progress':
        return this.onProgress?.(m.done);
      case 'reply': {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.resolve(m.value);
        else p?.reject(new Error(m.error));
        return;
      }
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  private exited(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error(`projection worker exited (code ${code})`));
    this.pending.clear();
    if (this.stopping) {
      if (code === 0) this.stopping.resolve();
      else this.stopping.reject(new Error(`projection worker stopped with code ${code}`));
      return;
    }
    const now = Date.now();
    this.deaths = [...this.deaths.filter((t) => now - t < 60_000), now];
    if (this.deaths.length > MAX_DEATHS_A_MINUTE) {
      // Never a server answering from a read model that no longer moves: out, for the supervisor to restart.
      this.log?.fatal({ code, deaths: this.deaths.length }, 'projection worker keeps dying: exiting');
      process.exit(1);
    }
    this.log?.error({ code, generation: this.generation }, 'projection worker died: restarting it from its checkpoint');
    this.start();
  }

  nudge(): void {
    this.worker?.postMessage({ type: 'nudge' } satisfies ToWorker);
  }

  request<T>(request: Request): Promise<T> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('projection worker not running'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ type: 'request', id, request } satisfies ToWorker);
    });
  }

  /** The worker flushes the read model, writes its last snapshot and exits. */
  stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.stopping = { resolve, reject };
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
    });
  }
}
