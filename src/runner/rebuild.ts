import type { EventStore } from '../eventstore/port.js';
import type { ReadModel } from './read-model.js';
import type { Snapshots } from './snapshots.js';

/** Events read at a time: a page is held until folded, and a smaller one lets its events die in the young generation. */
export const PAGE = 1000;

export interface RebuildOptions {
  onProgress?: (done: number) => void;
  /** The last position applied (a snapshot thread stops where the rebuild it serves began); default: the store's end. */
  until?: string;
}

/**
 * Applies every event from the start into a fresh read model, reporting progress. Nothing is
 * written until the end (a crash in between leaves no checkpoint, so the next start rebuilds
 * again): every row, the checkpoint, the blocks and the audit log in one transaction; snapshots as
 * they fall due — by `snapshots`, or, when it is null, by a thread of their own folding the same
 * events (rebuild-snapshots.ts).
 */
export async function rebuild(
  model: ReadModel, snapshots: Snapshots | null, store: EventStore, options: RebuildOptions = {},
): Promise<number> {
  const { onProgress, until } = options;
  model.wipe();
  snapshots?.wipe();
  snapshots?.staging(true);
  model.bulkLoad(true, snapshots !== null);
  let done = 0;
  try {
    pages: for (let from: string = 'start'; ;) {
      const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
      if (page.length === 0) break;
      for (const r of page) {
        if (until !== undefined && store.comparePositions(r.position, until) > 0) break pages;
        model.apply(r);
        done++;
        if (snapshots?.due()) await snapshots.take();
      }
      from = page[page.length - 1]!.position;
      onProgress?.(done);
    }
    model.checkAuditKept();
  } finally {
    snapshots?.staging(false);
    model.bulkLoad(false);
  }
  model.flush();
  await snapshots?.settled();
  return done;
}
