import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import type { EventStore } from '../eventstore/port.js';
import { startThread } from '../shared/thread.js';
import type { ReadModel } from './read-model.js';
import { type RebuildOptions, rebuild } from './rebuild.js';
import type { Snapshots } from './snapshots.js';

export interface SnapshotThreadData {
  eventsFile: string;
  /**
   * A SQLite file of the thread's own for its snapshots, copied into the read model at the end: written
   * into views.db directly, each waited for the rebuild's own writes (a tenth of the thread's time).
   */
  file: string;
  every: number;
  /** The store's last position when the rebuild began: the thread folds up to it, and no further. */
  until: string;
  logLevel: string;
}

export type FromSnapshotThread = { type: 'done' } | { type: 'failed'; error: string };

/**
 * A rebuild whose snapshots are taken by a thread of their own (rebuild-snapshots-thread.ts): it
 * reads the same events, folds them with the same projections (the audit log left out) and writes
 * each snapshot as it falls due, while this thread folds, files the audit log and writes the rows.
 * In one thread, at a million events, the snapshots — each changed row's JSON, the full ones put
 * together, their compression waited for — were a third of the rebuild (bench/README.md).
 * The read model is whole without them: if the thread fails, what it wrote is kept, the failure
 * logged, and asOf replays from the last snapshot there is.
 */
export async function rebuildBesideSnapshotThread(
  model: ReadModel, snapshots: Snapshots, store: EventStore, thread: SnapshotThreadData, options: RebuildOptions, log?: Logger,
): Promise<number> {
  const removeFile = () => {
    try {
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(thread.file + suffix, { force: true });
    } catch (error) {
      log?.warn({ err: error, file: thread.file }, 'the snapshot thread\'s file not removed');
    }
  };
  removeFile(); // left by a rebuild that crashed
  snapshots.wipe();
  // Settled whatever happens here: a thread left running would write after the rebuild.
  const failure = takeSnapshotsInThread(thread);
  try {
    return await rebuild(model, null, store, options);
  } finally {
    const failed = await failure;
    if (failed) log?.error({ err: failed }, 'snapshots of the rebuild not all taken: asOf replays from the last one written');
    try {
      snapshots.copyFrom(thread.file);
    } catch (error) {
      log?.error({ err: error }, 'snapshots of the rebuild not copied into the read model: asOf replays from the start');
    }
    removeFile();
  }
}

/** Starts the thread; resolves once it is done, with what failed (null: nothing). */
function takeSnapshotsInThread(data: SnapshotThreadData): Promise<Error | null> {
  return new Promise((resolve) => {
    const worker = startThread(new URL('./rebuild-snapshots-thread.ts', import.meta.url), data);
    // The first of these settles it: `exit` follows the answer (or an error) and then changes nothing.
    worker.on('message', (m: FromSnapshotThread) => resolve(m.type === 'done' ? null : new Error(`the rebuild's snapshot thread failed: ${m.error}`)));
    worker.on('error', resolve);
    worker.on('exit', (code) => resolve(new Error(`the rebuild's snapshot thread exited (code ${code}) before it was done`)));
  });
}
