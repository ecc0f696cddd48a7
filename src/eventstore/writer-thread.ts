import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { type Outcome, sendError, writeBatch, writeStatements } from './group-commit.js';
import { type FlatBatch, type FromWriter, type WriterData, unflatten } from './writer.js';

/**
 * The store's writer thread (writer.ts): runs each group commit the store posts — inserts, hash
 * chain, COMMIT and its fsync — on a connection of its own, so the event loop that serves HTTP
 * never waits on SQLite's writes or the disk.
 */
const { file, busyTimeoutMs, autocheckpointPages, generation = 0 } = workerData as WriterData;
/**
 * Fault injection for the test of a thread that ends (test/unit/store-writer.test.ts), read only
 * under NODE_ENV=test: the first thread ends on receiving its CRASH_AT-th batch, before writing it.
 */
const crashAt = process.env.NODE_ENV === 'test' && generation === 0 ? Number(process.env.TIENDO_TEST_STORE_WRITER_CRASH_AT ?? 0) : 0;
let batches = 0;
const port = parentPort!;
const db = new Database(file);
db.pragma('synchronous = FULL');
// With the store's checkpoint thread, this connection checkpoints only past the backstop (sqlite.ts).
if (autocheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${autocheckpointPages}`);
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
const stmt = writeStatements(db);
const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
let version = dataVersion.get()!;

port.on('message', (m: { type: 'batch'; flat: FlatBatch } | { type: 'close' }) => {
  if (m.type === 'close') {
    db.close();
    port.close();
    return;
  }
  if (++batches === crashAt) process.exit(1);
  let reply: FromWriter;
  try {
    const outcomes = writeBatch(db, stmt, unflatten(m.flat));
    reply = { type: 'written', outcomes: outcomes.map((o: Outcome) => (o.ok ? o : { ok: false, error: sendError(o.error) })), others: false };
  } catch (error) {
    reply = { type: 'failed', error: sendError(error), others: false };
  }
  // This connection's data_version moves only for other connections' commits: the process's own
  // connection never writes while this thread does, so they are other processes' (replicas').
  const now = dataVersion.get()!;
  reply.others = now !== version;
  version = now;
  port.postMessage(reply);
});
