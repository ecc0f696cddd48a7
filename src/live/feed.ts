import type { AppliedNotice, ProjectionRunner } from '../runner/runner.js';

/** Picks what one subscriber gets out of a batch of applied events (run when the batch is dispatched). */
export type Select<T> = (batch: readonly AppliedNotice[]) => T[];

export interface FeedOptions {
  /** Keep only the latest undelivered item (a state snapshot: intermediate ones are stale anyway). */
  coalesce?: boolean;
  /** Undelivered items kept for a slow subscriber; the oldest go first. */
  max?: number;
  /** Called once when the subscription ends (client stop, disconnect, server close). */
  onClose?: () => void;
}

interface Subscriber {
  offer(batch: readonly AppliedNotice[]): void;
  end(): void;
}

/**
 * Live updates from the projection runner: every `applied` notice (emitted after the in-memory
 * views were updated) is collected and dispatched to subscribers on the next macrotask, once the
 * runner has applied its whole batch. Payloads are resolved against the same live views queries
 * read, so a subscriber never sees a change that queries do not show yet.
 */
export class LiveFeed {
  private readonly subscribers = new Set<Subscriber>();
  private pending: AppliedNotice[] = [];
  private scheduled = false;
  private readonly listener = (notice: AppliedNotice) => {
    if (this.subscribers.size === 0) return;
    this.pending.push(notice);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.dispatch());
    }
  };

  constructor(private readonly runner: ProjectionRunner, private readonly onError?: (error: unknown) => void) {
    runner.on('applied', this.listener);
  }

  get size(): number {
    return this.subscribers.size;
  }

  private dispatch(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    for (const s of this.subscribers) s.offer(batch);
  }

  /** An async iterator of what `select` picks from each batch, until `return()` is called. */
  subscribe<T>(select: Select<T>, options: FeedOptions = {}): AsyncIterableIterator<T> {
    const max = options.max ?? 1000;
    const queue: T[] = [];
    let waiting: ((r: IteratorResult<T>) => void) | undefined;
    let done = false;
    const feed = this;
    const subscriber: Subscriber = {
      offer(batch) {
        if (done) return;
        let items: T[];
        try {
          items = select(batch);
        } catch (error) {
          feed.onError?.(error);
          return;
        }
        if (items.length === 0) return;
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          w({ value: items.shift()!, done: false });
        }
        queue.push(...items);
        if (options.coalesce && queue.length > 1) queue.splice(0, queue.length - 1);
        if (queue.length > max) queue.splice(0, queue.length - max);
      },
      end() {
        if (done) return;
        done = true;
        feed.subscribers.delete(subscriber);
        queue.length = 0;
        waiting?.({ value: undefined, done: true });
        waiting = undefined;
        options.onClose?.();
      },
    };
    this.subscribers.add(subscriber);
    const iterator: AsyncIterableIterator<T> = {
      next() {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return() {
        subscriber.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      throw(error?: unknown) {
        subscriber.end();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Ends every subscription and stops listening to the runner. */
  close(): void {
    this.runner.off('applied', this.listener);
    for (const s of [...this.subscribers]) s.end();
  }
}
