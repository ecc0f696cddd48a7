import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { GENESIS_HASH, canonicalJson, eventHash } from './hash.js';
import type { EventStore, RecordedEvent } from './port.js';
import { SqliteEventStore } from './sqlite.js';

/**
 * Walks the SQLite event store's hash chain (hash.ts) and reports the first event that does not
 * match: its content changed, its link to the event before it broken (an event removed, inserted
 * or reordered), or its hash missing. Used by `tiendo verify`, `backup`, `restore` and, a chunk at
 * a time, by the server in the background (IntegrityMonitor).
 *
 * What a chain cannot show by itself: events cut off at the end (the last ones deleted), or a
 * chain rewritten and hashed again. Anchors (src/anchors) — signed heads kept outside the store — do.
 */

interface ChainRow {
  position: number; id: string; stream: string; revision: number; type: string;
  data: string; metadata: string; recorded_at: string; prev_hash: string | null; hash: string | null;
}

/** Where a walk stands: the last event checked and its hash (position 0 and the genesis hash before any). */
export interface ChainCursor { position: number; hash: string }
export const CHAIN_START: ChainCursor = { position: 0, hash: GENESIS_HASH };

export interface BadEvent { position: number; id: string; stream: string; revision: number; type: string; reason: string }

export interface ChainResult {
  /** Events checked by this call. */
  checked: number;
  /** The last event that matched (CHAIN_START when none). */
  verified: ChainCursor;
  bad: BadEvent | null;
  /** True when the walk reached the end of the store (or a bad event). */
  done: boolean;
}

export class NotHashedError extends Error {
  constructor(file: string) {
    super(`${file} has no hash chain yet (made before tiendo kept one): start tiendo on it once to add it`);
    this.name = 'NotHashedError';
  }
}

export function hasHashChain(db: Database.Database): boolean {
  return db.prepare<[], { name: string }>('PRAGMA table_info(events)').all().some((c) => c.name === 'hash');
}

function check(r: ChainRow, prev: ChainCursor): string | null {
  if (r.hash === null || r.prev_hash === null) return 'it has no hash';
  if (r.prev_hash !== prev.hash) {
    return prev.position === 0
      ? 'its prev_hash does not start the chain (an event before it was removed, or the link was changed)'
      : `its prev_hash does not match the hash of the event before it, at position ${prev.position} (an event was removed, inserted or changed, or the link was)`;
  }
  const fields = { stream: r.stream, revision: r.revision, type: r.type, id: r.id, recordedAt: r.recorded_at };
  // The store writes canonical text (hash.ts): hashed as stored, it matches without a parse. Only a
  // mismatch, or a file written before the text was canonical, pays for parsing and canonicalising
  // (the verdict is the same: canonical text is its own canonical form).
  if (eventHash(r.prev_hash, { ...fields, dataCanonical: r.data, metadataCanonical: r.metadata }) === r.hash) return null;
  let data: unknown;
  let metadata: unknown;
  try {
    data = JSON.parse(r.data);
    metadata = JSON.parse(r.metadata);
  } catch {
    return 'its stored data or metadata is not JSON';
  }
  const expected = eventHash(r.prev_hash, { ...fields, dataCanonical: canonicalJson(data), metadataCanonical: canonicalJson(metadata) });
  return expected === r.hash ? null : 'its content does not match its hash (stream, revision, type, id, data, metadata or recorded_at changed)';
}

/**
 * Checks up to `limit` events after `from`, in global order. Stops at the first bad one. The chain
 * check needs only the rows; a walk from a cursor trusts what was verified before it.
 */
export function verifyChain(db: Database.Database, from: ChainCursor = CHAIN_START, limit = Number.MAX_SAFE_INTEGER): ChainResult {
  if (!hasHashChain(db)) throw new NotHashedError(db.name);
  const page = db.prepare<[number, number], ChainRow>(
    'SELECT position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash FROM events WHERE position > ? ORDER BY position LIMIT ?');
  let cursor = from;
  let checked = 0;
  while (checked < limit) {
    const want = Math.min(5000, limit - checked);
    const rows = page.all(cursor.position, want);
    for (const r of rows) {
      checked++;
      const reason = check(r, cursor);
      if (reason) return { checked, verified: cursor, bad: { position: r.position, id: r.id, stream: r.stream, revision: r.revision, type: r.type, reason }, done: true };
      cursor = { position: r.position, hash: r.hash! };
    }
    if (rows.length < want) return { checked, verified: cursor, bad: null, done: true };
  }
  return { checked, verified: cursor, bad: null, done: false };
}

export interface FileReport {
  file: string;
  events: number;
  head: ChainCursor;
  /** The first event whose hash chain does not match. */
  bad: BadEvent | null;
  /** The first event that does not pass its schema (checked only when the chain is intact and a decoder is given). */
  unreadable: (BadEvent & { detail: string }) | null;
}

/**
 * Verifies a store file without writing to it: the hash chain, then (with `decode`) that every
 * event passes its zod schema through the upcasters. The file must exist.
 */
export function verifyFile(file: string, decode?: (r: RecordedEvent) => unknown): FileReport {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const chain = verifyChain(db);
    const report: FileReport = { file, events: chain.checked - (chain.bad ? 1 : 0), head: chain.verified, bad: chain.bad, unreadable: null };
    if (!chain.bad && decode) {
      const rows = db.prepare<[], ChainRow>('SELECT position, id, stream, revision, type, data, metadata, recorded_at FROM events ORDER BY position').iterate();
      for (const r of rows) {
        try {
          decode({
            id: r.id, stream: r.stream, revision: r.revision, position: String(r.position), type: r.type,
            data: JSON.parse(r.data), metadata: JSON.parse(r.metadata), recordedAt: r.recorded_at,
          });
        } catch (error) {
          report.unreadable = { position: r.position, id: r.id, stream: r.stream, revision: r.revision, type: r.type, reason: 'it does not match its schema', detail: (error as Error).message };
          rows.return?.();
          break;
        }
      }
    }
    return report;
  } finally {
    db.close();
  }
}

export interface IntegrityStatus {
  /** pending: not walked yet; ok: every event up to verifiedPosition matches; tampered: see badEvent. */
  status: 'pending' | 'ok' | 'tampered' | 'unsupported' | 'error';
  verifiedPosition: string | null;
  verifiedEvents: number;
  headHash: string | null;
  badEvent: BadEvent | null;
}

/**
 * The server's background check of the hash chain: one full walk once the read model has caught up,
 * then only the events appended since, a little after each append and every `intervalMs` — in
 * chunks, yielding to requests between them. Reads only; never changes the store.
 */
export class IntegrityMonitor {
  private cursor: ChainCursor = CHAIN_START;
  private events = 0;
  private state: IntegrityStatus['status'] = 'pending';
  private bad: BadEvent | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly log?: Logger,
    private readonly options: { chunk?: number; intervalMs?: number; debounceMs?: number } = {},
  ) {
    if (!(store instanceof SqliteEventStore)) this.state = 'unsupported';
  }

  start(): void {
    if (this.state === 'unsupported' || this.stopped) return;
    this.timer = setInterval(() => void this.run(), this.options.intervalMs ?? 30_000);
    this.timer.unref();
    void this.run();
  }

  /** A little later (coalescing bursts of appends), check what was appended. */
  schedule(): void {
    if (this.state === 'unsupported' || this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.run();
    }, this.options.debounceMs ?? 1000);
    this.soon.unref();
  }

  /** Walks from the last verified event to the end of the store. */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.walk().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.run();
      }
    });
    return this.running;
  }

  private async walk(): Promise<void> {
    const store = this.store as SqliteEventStore;
    while (!this.stopped && this.state !== 'tampered' && this.state !== 'error') {
      const db = store.database;
      if (!db.open) return;
      let result: ChainResult;
      try {
        // Small chunks: each is a few milliseconds of hashing between requests.
        result = verifyChain(db, this.cursor, this.options.chunk ?? 500);
      } catch (error) {
        this.state = 'error';
        this.log?.error({ err: error }, 'integrity check failed to run');
        return;
      }
      this.cursor = result.verified;
      this.events += result.checked - (result.bad ? 1 : 0);
      if (result.bad) {
        this.state = 'tampered';
        this.bad = result.bad;
        this.log?.error({ badEvent: result.bad }, 'event store hash chain broken: an event was changed or removed');
        return;
      }
      if (result.done) {
        this.state = 'ok';
        return;
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  status(): IntegrityStatus {
    return {
      status: this.state,
      verifiedPosition: this.cursor.position === 0 ? null : String(this.cursor.position),
      verifiedEvents: this.events,
      headHash: this.cursor.position === 0 ? null : this.cursor.hash,
      badEvent: this.bad,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.running;
  }
}
