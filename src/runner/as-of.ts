import type { EventStore, RecordedEvent } from '../eventstore/port.js';
import type { DomainEnvelope } from '../events.js';
import { Views } from './views.js';
import { BLOCK, type ReadModel } from './read-model.js';
import type { Snapshots } from './snapshots.js';

/**
 * Replays kept (most recently used first): two, for `compare`'s two instants. At a million events each
 * holds a national read model, about 60 MiB of heap after a GC; four of them were most of the live
 * heap the server kept after the bench's asOf phase (bench/README.md).
 */
export const ASOF_CACHE = 2;
/** A replay unused this long is dropped: its memory comes back once nobody browses that instant. */
export const ASOF_IDLE_MS = 60_000;
const REPLAY_PAGE = 5000;

/**
 * The read model as it stood at an instant (by when events occurred), built by the same projections:
 * every event that occurred by then, in the store's order. It starts from the latest snapshot that
 * reaches no later than the instant and replays, of the events after it, those that occurred by
 * then: read block by block, skipping every block whose events all occurred later, then those not
 * counted in a block yet. Recent replays are cached until an event that occurred before them arrives.
 */
export class AsOf {
  private cache: { at: string; views: Views; usedAt: number }[] = [];
  private sweeper: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly model: ReadModel, private readonly snapshots: Snapshots, private readonly store: EventStore,
    private readonly decodeEvent: (r: RecordedEvent) => DomainEnvelope,
  ) {}

  async at(at: string): Promise<Views> {
    const { model } = this;
    if (model.views.lastOccurredAt === null || at >= model.views.lastOccurredAt) return model.views;
    const hit = this.cache.find((c) => c.at === at);
    if (hit) {
      hit.usedAt = Date.now();
      this.cache = [hit, ...this.cache.filter((c) => c !== hit)];
      return hit.views;
    }
    await model.written();
    const restored = this.snapshots.restore(at);
    const views = restored?.views ?? new Views(false);
    const from = restored?.seq ?? 0;
    const snapshotPosition = restored?.views.position ?? 'start';
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
    const blocks = model.db.prepare<[number, string], { last_seq: number; after_position: string | null }>(
      'SELECT last_seq, after_position FROM blocks WHERE last_seq > ? AND min_occurred_at <= ? ORDER BY last_seq').all(from, at);
    for (const b of blocks) {
      const page = await this.store.readAll({ fromPosition: b.after_position ?? 'start', maxCount: BLOCK });
      // Block by block the events keep their order; those up to the snapshot are in it already.
      page.forEach((r, i) => {
        if (b.last_seq - BLOCK + 1 + i > from) replay(r);
      });
    }
    // After the last block written: every event, counted or not yet (the store may be ahead of the runner).
    const last = model.db.prepare<[], { last_seq: number; last_position: string }>('SELECT last_seq, last_position FROM blocks ORDER BY last_seq DESC LIMIT 1').get();
    for (let pos = last && last.last_seq > from ? last.last_position : snapshotPosition; ;) {
      const page = await this.store.readAll({ fromPosition: pos, maxCount: REPLAY_PAGE });
      for (const r of page) replay(r);
      if (page.length < REPLAY_PAGE) break;
      pos = page[page.length - 1]!.position;
    }
    this.cache.unshift({ at, views, usedAt: Date.now() });
    this.cache.length = Math.min(this.cache.length, ASOF_CACHE);
    this.sweepLater();
    return views;
  }

  /** Drops, every ASOF_IDLE_MS while any is kept, the replays unused for that long. */
  private sweepLater(): void {
    if (this.sweeper || this.cache.length === 0) return;
    this.sweeper = setTimeout(() => {
      this.sweeper = undefined;
      const now = Date.now();
      this.cache = this.cache.filter((c) => now - c.usedAt < ASOF_IDLE_MS);
      this.sweepLater();
    }, ASOF_IDLE_MS);
    this.sweeper.unref?.();
  }

  /** An event that occurred at `occurredAt` arrived: replays of later instants no longer hold. */
  dropStale(occurredAt: string): void {
    if (this.cache.length) this.cache = this.cache.filter((c) => occurredAt > c.at);
  }

  clear(): void {
    clearTimeout(this.sweeper);
    this.sweeper = undefined;
    this.cache = [];
  }
}
