import type { EventStore, RecordedEvent } from '../eventstore/port.js';
import type { DomainEnvelope } from '../events.js';
import type { ReadModel } from './read-model.js';
import type { Snapshots } from './snapshots.js';

/** Events read at a time: a page is held until folded, and a smaller one lets its events die in the young generation. */
const PAGE = 1000;

/**
 * Applies every event from the start into a fresh read model, reporting progress. Nothing is
 * written until the end (a crash in between leaves no checkpoint, so the next start rebuilds
 * again): every row, the checkpoint, the blocks and the audit log in one transaction; snapshots as
 * they fall due.
 */
export async function rebuild(
  model: ReadModel, snapshots: Snapshots, store: EventStore,
  decodeEvent: (r: RecordedEvent) => DomainEnvelope, onProgress?: (done: number) => void,
): Promise<number> {
  model.wipe();
  snapshots.wipe();
  snapshots.staging(true);
  model.bulkLoad(true);
  let done = 0;
  try {
    for (let from: string = 'start'; ;) {
      const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
      if (page.length === 0) break;
      for (const r of page) {
        model.apply(r, decodeEvent);
        if (snapshots.due()) await snapshots.take();
      }
      done += page.length;
      from = page[page.length - 1]!.position;
      onProgress?.(done);
    }
  } finally {
    snapshots.staging(false);
    model.bulkLoad(false);
  }
  model.flush();
  await snapshots.settled();
  return done;
}
