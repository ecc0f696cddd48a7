import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { FAILURE_BYTES, type FromWriter, type Write, applyWrite } from './views-writer.js';

/**
 * The read model's writer thread (views-writer.ts): writes what the runner's thread posts, in
 * order, one transaction each, and counts them in shared memory so that thread can wait for them.
 * It alone writes views.db while it runs; its WAL checkpoints happen here too.
 */
const { file, shared } = workerData as { file: string; shared: Int32Array };
const port = parentPort!;
const db = new Database(file);
db.pragma('busy_timeout = 10000');
// As the runner's connection: the read model can always be rebuilt from the events.
db.pragma('synchronous = NORMAL');
let failed = false;

port.on('message', (m: Write | { type: 'close' }) => {
  if (m.type === 'close') {
    db.close();
    // Counted as a write: the runner's thread waits for it (ViewsWriter.close).
    Atomics.add(shared, 0, 1);
    Atomics.notify(shared, 0);
    port.close();
    return;
  }
  if (!failed) {
    try {
      applyWrite(db, m);
    } catch (error) {
      // Nothing after a failed write is written: a later checkpoint must never cover what it lost.
      failed = true;
      const text = Buffer.from(String(error)).subarray(0, FAILURE_BYTES - 1);
      new Uint8Array(shared.buffer, 8, FAILURE_BYTES).set(text);
      Atomics.store(shared, 1, 1);
      port.postMessage({ type: 'failed', error: String(error) } satisfies FromWriter);
    }
  }
  Atomics.add(shared, 0, 1);
  Atomics.notify(shared, 0);
  port.postMessage({ type: 'done', count: Atomics.load(shared, 0) } satisfies FromWriter);
});
