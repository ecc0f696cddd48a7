import Database from 'better-sqlite3';
import { NotHashedError, hasHashChain } from '../eventstore/verify.js';
import { type Anchor, type Head, signAnchor } from './anchor.js';
import { appendAnchor, lastAnchor } from './file.js';

/** The last stored event's position and chain hash; null for an empty store. */
export function headOf(db: Database.Database): Head | null {
  if (!hasHashChain(db)) throw new NotHashedError(db.name);
  const row = db.prepare<[], { position: number; hash: string | null }>('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1').get();
  if (!row) return null;
  if (row.hash === null) throw new NotHashedError(db.name);
  return { position: row.position, hash: row.hash };
}

export interface RecordOptions {
  /** The SQLite event store, read through its own read-only connection (the server's, or after it closed). */
  eventsFile: string;
  anchorFile: string;
  key: Uint8Array;
  now: string;
  /** Write even when the head is the last anchor's (an anchor asked for by hand). */
  always?: boolean;
}

export type RecordResult = { written: Anchor } | { skipped: string };

/** Signs the store's head and appends it to the anchor file, unless the store is empty or (without `always`) the head did not move. */
export function recordAnchor(o: RecordOptions): RecordResult {
  const db = new Database(o.eventsFile, { readonly: true, fileMustExist: true });
  let head: Head | null;
  try {
    head = headOf(db);
  } finally {
    db.close();
  }
  if (!head) return { skipped: 'the store is empty' };
  const last = o.always ? null : lastAnchor(o.anchorFile);
  if (last && last.position === head.position && last.hash === head.hash) return { skipped: `the head did not move since the last anchor (${last.at})` };
  const anchor = signAnchor(o.key, head, o.now);
  appendAnchor(o.anchorFile, anchor);
  return { written: anchor };
}
