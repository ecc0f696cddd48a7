import type Database from 'better-sqlite3';
import { InvalidEventError, WrongExpectedRevisionError } from './errors.js';
import { GENESIS_HASH, eventHash } from './hash.js';
import type { AppendResult, ExpectedRevision } from './port.js';

/** data and metadata as canonical JSON (hash.ts): stored as they are hashed, so the text is made once. */
export interface SerializedEvent { id: string; type: string; data: string; metadata: string }

/** One caller's append, as the group commit writes it. */
export interface BatchAppend { stream: string; events: SerializedEvent[]; expected: ExpectedRevision }

export type Outcome = { ok: true; value: AppendResult } | { ok: false; error: unknown };

/** The statements a group commit runs, prepared once on the connection that writes. */
export interface WriteStatements {
  byId: Database.Statement<[string], { stream: string; revision: number; position: number }>;
  head: Database.Statement<[string], { revision: number | null }>;
  insert: Database.Statement;
  last: Database.Statement<[], { hash: string | null; recorded_at: string }>;
}

export function writeStatements(db: Database.Database): WriteStatements {
  return {
    byId: db.prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
    head: db.prepare('SELECT MAX(revision) AS revision FROM events WHERE stream = ?'),
    insert: db.prepare(
      'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    last: db.prepare('SELECT hash, recorded_at FROM events ORDER BY position DESC LIMIT 1'),
  };
}

/**
 * One group commit: every append of `batch` in one IMMEDIATE transaction and so one fsync, each
 * checked and written in its own savepoint, so one conflict fails only its own caller. Throws
 * (nothing written) when the transaction itself fails: SQLITE_BUSY, I/O, disk full.
 */
export function writeBatch(db: Database.Database, stmt: WriteStatements, batch: readonly BatchAppend[]): Outcome[] {
  let outcomes: Outcome[] = [];
  const now = new Date().toISOString();
  // The chain and the clock continue from the last event in the file, read inside the write transaction
  // (IMMEDIATE: taken before reading, so another process appending to the file cannot slip in between).
  const chain = { prev: GENESIS_HASH };
  let recordedAt = now;
  const one = db.transaction((p: BatchAppend) => appendOne(stmt, p, recordedAt, chain));
  const all = db.transaction(() => {
    outcomes = [];
    const last = stmt.last.get();
    chain.prev = last?.hash ?? GENESIS_HASH;
    if (last && last.recorded_at > now) recordedAt = last.recorded_at;
    for (const p of batch) {
      const before = chain.prev;
      try {
        // One event needs no savepoint: nothing is written before its one insert, which is atomic.
        outcomes.push({ ok: true, value: p.events.length === 1 ? appendOne(stmt, p, recordedAt, chain) : one(p) });
      } catch (error) {
        // An error that ended the transaction (I/O, disk full) fails the whole batch, written nothing.
        if (!db.inTransaction) throw error;
        chain.prev = before; // its savepoint rolled back: the next append links to the last one kept
        outcomes.push({ ok: false, error });
      }
    }
  });
  all.immediate();
  return outcomes;
}

/**
 * The ids are looked up only when the append cannot be written as it is (a conflict, or an id
 * the table holds already): a retry is answered then, and the common append pays no lookup.
 */
function appendOne(stmt: WriteStatements, p: BatchAppend, recordedAt: string, chain: { prev: string }): AppendResult {
  const head = stmt.head.get(p.stream)?.revision ?? -1;
  const expected = p.expected;
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && head === -1) ||
    (expected === 'stream_exists' && head >= 0) ||
    (typeof expected === 'number' && expected === head);
  if (!ok) {
    const retry = retried(stmt, p);
    if (retry) return retry;
    throw new WrongExpectedRevisionError(p.stream, String(expected), head);
  }
  let revision = head;
  let position = 0;
  for (const [i, e] of p.events.entries()) {
    revision += 1;
    const hash = eventHash(chain.prev, {
      stream: p.stream, revision, type: e.type, id: e.id, recordedAt, dataCanonical: e.data, metadataCanonical: e.metadata,
    });
    try {
      position = Number(stmt.insert.run(e.id, p.stream, revision, e.type, e.data, e.metadata, recordedAt, chain.prev, hash).lastInsertRowid);
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      // Events before this one were new: not a retry of the whole append (its savepoint rolls them back).
      if (i > 0) throw new InvalidEventError(`stream ${p.stream}: some event ids were already used (partial retry or id reuse)`);
      const retry = retried(stmt, p);
      if (retry) return retry;
      throw error;
    }
    chain.prev = hash;
  }
  return { nextExpectedRevision: revision, position: String(position) };
}

/** A retry: every id already in this stream, and then nothing is written; null when no id is stored. */
function retried(stmt: WriteStatements, p: BatchAppend): AppendResult | null {
  const existing = p.events.map((e) => stmt.byId.get(e.id));
  if (existing.every((x) => x === undefined)) return null;
  if (existing.every((x) => x !== undefined && x.stream === p.stream)) {
    const last = existing.reduce((a, b) => (a!.position > b!.position ? a : b))!;
    return { nextExpectedRevision: last.revision, position: String(last.position) };
  }
  throw new InvalidEventError(`stream ${p.stream}: some event ids were already used (partial retry or id reuse)`);
}

/** An error as it crosses from the writer thread: the store's typed errors keep their class and fields. */
export interface SentError { name: string; message: string; code?: string; stream?: string; expected?: string; actual?: number }

export function sendError(error: unknown): SentError {
  const e = error as Partial<SentError> & Error;
  return {
    name: e?.name ?? 'Error', message: e?.message ?? String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(error instanceof WrongExpectedRevisionError ? { stream: error.stream, expected: error.expected, actual: error.actual } : {}),
  };
}

export function receiveError(sent: SentError): Error {
  if (sent.name === 'WrongExpectedRevisionError') return new WrongExpectedRevisionError(sent.stream!, sent.expected!, sent.actual!);
  if (sent.name === 'InvalidEventError') return new InvalidEventError(sent.message);
  // SQLite's own errors (SQLITE_BUSY among them, which the store retries) keep their code.
  return Object.assign(new Error(sent.message), { name: sent.name, ...(sent.code ? { code: sent.code } : {}) });
}
