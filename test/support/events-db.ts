import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/eventstore/port.js';

/**
 * Reads a data directory's event store straight from the SQLite file, read-only — what is on disk,
 * whatever the server says. Safe while the server runs (WAL: readers never block the writer).
 */
export function readStoredEvents(dataDir: string, where = '1 = 1', ...params: unknown[]): RecordedEvent[] {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare<unknown[], { position: number; id: string; stream: string; revision: number; type: string; data: string; metadata: string; recorded_at: string }>(
      `SELECT position, id, stream, revision, type, data, metadata, recorded_at FROM events WHERE ${where} ORDER BY position`,
    ).all(...params).map((r) => ({
      id: r.id, stream: r.stream, revision: r.revision, position: String(r.position), type: r.type,
      data: JSON.parse(r.data), metadata: JSON.parse(r.metadata), recordedAt: r.recorded_at,
    }));
  } finally {
    db.close();
  }
}

export const streamEvents = (dataDir: string, stream: string) => readStoredEvents(dataDir, 'stream = ?', stream);
