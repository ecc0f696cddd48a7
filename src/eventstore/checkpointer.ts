import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The store's WAL checkpoints, made by a thread of its own on its own connection (PASSIVE: never
 * waiting for, nor holding up, the appends). Made by the appending connection (SQLite's default, at
 * 1000 pages) they copied scattered index pages into a file of a million events and fsynced it on
 * the event loop: a third of the command path's throughput (issue 14). Plain JavaScript, so the
 * thread loads no TypeScript loader (its memory is a few MiB).
 */
const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick tries again */ }
}, workerData.everyMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string, everyMs: number) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(CODE, { eval: true, workerData: { file, everyMs, driver } });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Ends the thread (its connection closed first). */
  stop(): Promise<void> {
    // Held by the event loop until it exits: a process with nothing else to do would end before.
    this.worker.ref();
    this.worker.postMessage('stop');
    return this.exited;
  }
}
