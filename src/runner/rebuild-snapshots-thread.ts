import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { decodeOwn } from '../events.js';
import { SqliteEventStore } from '../eventstore/sqlite.js';
import { ReadModel } from './read-model.js';
import { rebuild } from './rebuild.js';
import type { FromSnapshotThread, SnapshotThreadData } from './rebuild-snapshots.js';
import { Snapshots, createSnapshotsTable } from './snapshots.js';
import { applyWrite } from './views-writer.js';

/**
 * The snapshot thread of a rebuild (rebuild-snapshots.ts): the same fold into a read model held in
 * memory only (no audit log, no history entries, no rows written), its snapshots written to a file of their own.
 */
const data = workerData as SnapshotThreadData;
const port = parentPort!;
const send = (m: FromSnapshotThread) => port.postMessage(m);
const log = pino({ level: data.logLevel, base: { service: 'tiendo', thread: 'rebuild-snapshots' } });
const store = new SqliteEventStore(data.eventsFile);
const file = new Database(data.file);
// Thrown away after the copy, and again by the next rebuild if this one crashes: nothing to keep durable.
file.pragma('journal_mode = OFF');
file.pragma('synchronous = OFF');
createSnapshotsTable(file);
const model = new ReadModel(':memory:', decodeOwn, log, { follower: true, auditLog: false, history: false });
const snapshots = new Snapshots(model, data.every, log, (snapshot) => applyWrite(file, { type: 'snapshot', snapshot }));
let outcome: FromSnapshotThread;
try {
  await rebuild(model, snapshots, store, { until: data.until });
  outcome = { type: 'done' };
} catch (error) {
  outcome = { type: 'failed', error: String(error) };
}
// Closed before the answer: the rebuild's thread reads the file next.
file.close();
model.close();
await store.dispose();
send(outcome);
