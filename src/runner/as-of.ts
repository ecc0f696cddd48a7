import type { EventStore, RecordedEvent } from '../eventstore/port.js';
import { Views } from './views.js';
import { BLOCK, type ReadModel, occurredAtOf } from './read-model.js';
import type { Snapshots } from './snapshots.js';
import { TimeSlice } from '../shared/time-slice.js';

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
  /** Replays being built, by instant: leaders opening the same date at once share one. */
  private building = new Map<string, Promise<Views>>();
  /** Moved by `clear` (a rebuild): a replay begun before it is built again. */
  private generation = 0;
  private sweeper: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly model: ReadModel, private readonly snapshots: Snapshots, private readonly store: EventStore,
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
    let building = this.building.get(at);
    if (!building) {
      const started = (building = this.build(at).finally(() => {
        if (this.building.get(at) === started) this.building.delete(at);
      }));
      this.building.set(at, started);
    }
    return building;
  }

  /**
   * The replay itself, in time slices (TimeSlice): restoring and replaying is about half a second at a
   * million events, and every other request waited for it when it ran in one piece.
   */
  private async build(at: string): Promise<Views> {
    const { model } = this;
    const generation = this.generation;
    const slice = new TimeSlice();
    await model.written();
    const restored = await this.snapshots.restore(at, slice);
    const views = restored?.views ?? new Views(false);
    const from = restored?.seq ?? 0;
    const snapshotPosition = restored?.views.position ?? 'start';
    const replay = (r: RecordedEvent) => {
      const occurredAt = occurredAtOf(r);
      if (occurredAt !== undefined && occurredAt <= at) {
        try {
          views.apply(this.model.decodeEvent(r));
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
      for (const [i, r] of page.entries()) {
        if (b.last_seq - BLOCK + 1 + i > from) replay(r);
        if (slice.due()) await slice.pass();
      }
    }
    // After the last block written: every event, counted or not yet (the store may be ahead of the runner).
    const last = model.db.prepare<[], { last_seq: number; last_position: string }>('SELECT last_seq, last_position FROM blocks ORDER BY last_seq DESC LIMIT 1').get();
    // Until a read finds nothing: the replay yields between slices, and an event appended meanwhile
    // (its dropStale found no replay to drop yet) must be in it. Nothing yields after that last read.
    for (let pos = last && last.last_seq > from ? last.last_position : snapshotPosition; ;) {
      const page = await this.store.readAll({ fromPosition: pos, maxCount: REPLAY_PAGE });
      if (page.length === 0) break;
      for (const r of page) {
        replay(r);
        if (slice.due()) await slice.pass();
      }
      pos = page[page.length - 1]!.position;
    }
    // A rebuild began meanwhile and wiped what this replay was reading: asked again of the new read model.
    if (generation !== this.generation) return this.at(at);
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
    this.generation++;
    this.building.clear();
    clearTimeout(this.sweeper);
    this.sweeper = undefined;
    this.cache = [];
  }
}
