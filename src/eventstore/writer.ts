import type { Worker } from 'node:worker_threads';
import { startThread } from '../shared/thread.js';
import { StoreUnavailableError } from './errors.js';
import { type BatchAppend, type Outcome, type SentError, receiveError } from './group-commit.js';
import type { AppendResult } from './port.js';

/** `generation`: how many threads came before this one (a thread that ended is replaced). */
export interface WriterData { file: string; busyTimeoutMs: number; autocheckpointPages?: number; generation?: number }

/** What the writer thread answers a batch with; `others`: another process committed since its last batch. */
export type FromWriter =
  | { type: 'written'; outcomes: ({ ok: true; value: AppendResult } | { ok: false; error: SentError })[]; others: boolean }
  | { type: 'failed'; error: SentError; others: boolean };

/**
 * The store's group commits on a thread of their own (TIENDO_STORE_WRITER_THREAD, on by default):
 * the event loop posts a batch and goes on serving while it is written and fsynced. Batches are
 * written one after the other, in the order posted. A thread that ends (a crash) fails the batches
 * it held with StoreUnavailableError — written or not, a retry with the same event ids is safe —
 * and the next batch starts a new one. `onOthers`: a batch found that another process had committed.
 */
export class StoreWriter {
  private worker: Worker | undefined;
  private generation = 0;
  /** The batches posted and not yet answered, oldest first: the thread answers them in order. */
  private readonly pending: { resolve: (r: Outcome[]) => void; reject: (e: unknown) => void }[] = [];
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly data: WriterData, private readonly onOthers: () => void) {
    this.start();
  }

  private start(): Worker {
    const worker = startThread(new URL('./writer-thread.ts', import.meta.url), { ...this.data, generation: this.generation++ });
    worker.unref();
    worker.on('message', (m: FromWriter) => {
      const p = this.pending.shift();
      if (m.others) this.onOthers();
      if (!p) return;
      if (m.type === 'failed') return p.reject(receiveError(m.error));
      p.resolve(m.outcomes.map((o) => (o.ok ? o : { ok: false, error: receiveError(o.error) })));
    });
    const lost = () => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.splice(0)) {
        p.reject(new StoreUnavailableError('the event store writer thread ended: the append may or may not have been written'));
      }
    };
    worker.on('error', lost);
    this.exited = new Promise((resolve) => worker.once('exit', () => {
      lost();
      resolve();
    }));
    this.worker = worker;
    return worker;
  }

  /** Writes one group commit; rejects with the transaction's error (nothing written) or the thread's end. */
  write(batch: readonly BatchAppend[]): Promise<Outcome[]> {
    if (this.stopped) return Promise.reject(new Error('event store is closed'));
    const worker = this.worker ?? this.start();
    return new Promise<Outcome[]>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      worker.postMessage({ type: 'batch', flat: flatten(batch) });
      // Held open while a batch is written: a process must not end with an append unanswered.
      worker.ref();
    }).finally(() => {
      if (this.pending.length === 0) this.worker?.unref();
    });
  }

  /** Ends the thread, its connection closed first. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    worker.ref();
    worker.postMessage({ type: 'close' });
    await this.exited;
  }
}

/** A batch as flat arrays of strings and numbers: cloned for the thread several times faster than objects. */
export interface FlatBatch { heads: (string | number)[]; fields: string[] }

export function flatten(batch: readonly BatchAppend[]): FlatBatch {
  const heads: (string | number)[] = [];
  const fields: string[] = [];
  for (const p of batch) {
    heads.push(p.stream, p.expected, p.events.length);
    for (const e of p.events) fields.push(e.id, e.type, e.data, e.metadata);
  }
  return { heads, fields };
}

export function unflatten({ heads, fields }: FlatBatch): BatchAppend[] {
  const batch: BatchAppend[] = [];
  for (let h = 0, f = 0; h < heads.length; h += 3) {
    const events = [];
    for (let n = heads[h + 2] as number; n > 0; n--, f += 4) events.push({ id: fields[f]!, type: fields[f + 1]!, data: fields[f + 2]!, metadata: fields[f + 3]! });
    batch.push({ stream: heads[h] as string, expected: heads[h + 1] as BatchAppend['expected'], events });
  }
  return batch;
}
