/**
 * A rebuild partitioned by stream over threads: a design not in src, measured (bench/README.md,
 * session 19). Each thread reads the events of its own streams only (chosen in SQL, so that it
 * parses no other), folds them with tiendo's projections into a read model of its own, writes its
 * rows and, with `snapshotEvery`, takes the snapshots of its rows in its own thread (one fold, not
 * a second one as src/runner/rebuild-snapshots.ts does). No audit log: what a rebuild that keeps it
 * (TIENDO_REBUILD_KEEP_AUDIT) files is nothing.
 *
 * What it leaves out, and a design in src would have to add: the partitions' rows and snapshots in
 * one read model (a restore reads every partition's chain, each from its own position), and the
 * server's thread loading the rows. A stream's events fold alone (a task's reminders are on its own
 * stream), so the partitions need nothing of one another.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { decodeOwn } from '../src/events.js';
import type { EventStore } from '../src/eventstore/port.js';
import { type EventRow, READ_COLUMNS, toRecorded } from '../src/eventstore/sqlite.js';
import { ReadModel } from '../src/runner/read-model.js';
import { rebuild } from '../src/runner/rebuild.js';
import { Snapshots, createSnapshotsTable } from '../src/runner/snapshots.js';
import { applyWrite } from '../src/runner/views-writer.js';
import { startThread } from '../src/shared/thread.js';
import { type Figure, figure } from './lib.js';

interface Partition { eventsFile: string; dir: string; part: number; parts: number; snapshotEvery: number }
interface Folded { events: number; snapshots: number }

/** Every partition folded at once, one thread each; the figure counts every event, over the wall time of all. */
export async function partitionedRebuild(eventsFile: string, dir: string, parts: number, snapshotEvery = Infinity): Promise<Figure & { cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const folded = await Promise.all(Array.from({ length: parts }, (_, part) => new Promise<Folded>((resolve, reject) => {
    const data: Partition = { eventsFile, dir, part, parts, snapshotEvery };
    const worker = startThread(new URL(import.meta.url), data);
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`partition ${part} exited (code ${code}) before it was done`)));
  })));
  const measured = figure(folded.reduce((n, f) => n + f.events, 0), performance.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { ...measured, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
}

/** A store that reads back, in order, only the events of one partition's streams (by their last character). */
function partitionStore(file: string, part: number, parts: number): Pick<EventStore, 'readAll' | 'comparePositions'> & { close(): void } {
  const db = new Database(file, { readonly: true });
  const page = db.prepare<[number], EventRow>(
    `SELECT ${READ_COLUMNS} FROM events WHERE position > ? AND unicode(substr(stream, -1)) % ${parts} = ${part} ORDER BY position LIMIT 1000`);
  return {
    readAll: async (options = {}) => page.all(options.fromPosition === undefined || options.fromPosition === 'start' ? 0 : Number(options.fromPosition)).map(toRecorded),
    comparePositions: (a, b) => Number(a) - Number(b),
    close: () => db.close(),
  };
}

/** One partition's thread: its rebuild, its rows and snapshots written to files of its own. */
async function foldPartition({ eventsFile, dir, part, parts, snapshotEvery }: Partition): Promise<Folded> {
  const model = new ReadModel(join(dir, `partition-${part}.db`), decodeOwn, undefined, { auditLog: false });
  let taken = 0;
  let snapshots: Snapshots | null = null;
  const file = Number.isFinite(snapshotEvery) ? new Database(join(dir, `partition-${part}-snapshots.db`)) : null;
  if (file) {
    file.pragma('journal_mode = OFF');
    createSnapshotsTable(file);
    // As dense over the history as one thread's: every `snapshotEvery` events of all partitions.
    snapshots = new Snapshots(model, Math.ceil(snapshotEvery / parts), undefined, (snapshot) => {
      taken++;
      applyWrite(file, { type: 'snapshot', snapshot });
    });
  }
  const store = partitionStore(eventsFile, part, parts);
  const events = await rebuild(model, snapshots, store as unknown as EventStore);
  store.close();
  file?.close();
  model.close();
  return { events, snapshots: taken };
}

if (!isMainThread && (workerData as Partition | undefined)?.parts) parentPort!.postMessage(await foldPartition(workerData as Partition));
