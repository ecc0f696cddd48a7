import type Database from 'better-sqlite3';
import { type AuditContext, type AuditEntry, type AuditRecord, auditEntry, auditFacts, filedUnder } from '../../projections/audit.js';
import type { RecordedEvent } from '../eventstore/port.js';
import { statementOf } from './statements.js';
import type { Views } from './views.js';

/**
 * The audit log's read model in views.db, kept by the runner with the other views (projection:
 * projections/audit.ts). It holds no copy of the events: a row per event keeps what filters ask
 * about as integers, and where the event is in the store (stream, revision), from which a page
 * reads the events it shows. A page is a range of one index in the store's order, whatever the filter:
 *   audit_names   every actor, kind, unit, stream and task named, as an integer
 *   audit         a row per event: instant, actor, kind, task, stream, revision and its units
 *   audit_units   (unit, seq) for every unit a record is filed under: a unit's subtree is one range
 *   audit_blocks  the earliest and latest occurredAt of every BLOCK events: a time window becomes a
 *                 range of seq (occurredAt follows the store's order but for backdated events)
 *   audit_streams the units named in each stream so far: the projection's state
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  actor INTEGER NOT NULL,
  action INTEGER NOT NULL,
  task INTEGER,
  stream INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  units TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_units (unit INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (unit, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_blocks (block INTEGER PRIMARY KEY, min_at_ms INTEGER NOT NULL, max_at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_streams (stream INTEGER PRIMARY KEY, units TEXT NOT NULL);
`;
const BLOCK_BITS = 10;
/** seq < 2^32: a (unit, seq) pair is one number below 2^53 (AuditTable.loaded). */
const SEQ_SPAN = 2 ** 32;
/**
 * Entries kept before they are written on their own: the runner writes them with the rest every
 * 1000 events, except in a rebuild, which writes nothing else until its end (a crash in between
 * leaves no checkpoint, and the next start rebuilds from nothing).
 */
const WRITE_EVERY = 10_000;
const ROWS_PER_STATEMENT = 100;
/** Index entries counted at most to choose the narrower of two filters (unitIsNarrower). */
const ESTIMATE_CAP = 20_000;
/** Streams whose units are kept in memory; beyond, they are read back from audit_streams. */
const STREAM_CACHE = 50_000;

export interface AuditQuery {
  /** Inclusive bounds on when it happened, in epoch ms. */
  fromMs?: number | null;
  toMs?: number | null;
  actorId?: string | null;
  /** Event types (AuditEntry.action). */
  actions?: readonly string[] | null;
  /** Records filed under this unit (it or a unit below it concerned); null: every record. */
  unitId?: string | null;
  /** Tasks whose records are left out (confidential ones the reader may not see). */
  hiddenTaskIds?: readonly string[];
  first: number;
  afterSeq?: number;
}

/** Where a record's event is in the store, and the units it concerns. */
export interface AuditRow {
  seq: number;
  stream: string;
  revision: number;
  units: string[];
}

export interface AuditRecordPage extends Omit<AuditPage, 'rows'> {
  records: AuditRecord[];
}

/**
 * The log's writes of one flush, as the writer (views-writer.ts) takes them: names, rows and
 * blocks flat, integers only but for names; `units` in order, pairs (unit, seq) to file or a
 * unit moved (what was filed under it so far filed under its new ancestors too).
 */
export interface AuditBatch {
  names: unknown[];
  records: unknown[];
  units: (number[] | { unit: number; under: number[] })[];
  blocks: [block: number, minMs: number, maxMs: number][];
  /** (stream, units) pairs, flat. */
  streams: unknown[];
}

export interface AuditPage {
  /** The rows after the cursor, at most `first`, oldest first. */
  rows: AuditRow[];
  hasNextPage: boolean;
  /** Every record the filter lets through: counted on request, it reads every match (by the projection worker, when there is one). */
  count: () => number | Promise<number>;
}

/** Columns of an audit row, as `records` holds them flat. */
const RECORD_WIDTH = 8;

interface Filing {
  records: unknown[];
  units: AuditBatch['units'];
  /** (unit, seq) pairs since the last unit moved. */
  filed: number[];
  blocks: Map<number, [min: number, max: number]>;
  streams: Map<number, readonly string[]>;
}

const newFiling = (): Filing => ({ records: [], units: [], filed: [], blocks: new Map(), streams: new Map() });

const INDEXES = `
CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor, seq);
CREATE INDEX IF NOT EXISTS audit_action ON audit (action, seq);
`;

export class AuditTable {
  /**
   * The entries filed since the last write, as the writes that file them: each event is filed when
   * it is added (ids, blocks, units), not kept until the write — kept that long, every event's
   * entry and facts outlived the young generation.
   */
  private filing = newFiling();
  /**
   * During a rebuild (`bulk`): the actor and action indexes are made once at the end, and the
   * (unit, seq) entries are kept in `loaded` in the order they come and written to audit_units
   * sorted, once: kept up to date row by row, these indexes were about half of a rebuild
   * (bench/README.md), and a load table sorted by SQLite at the end still a tenth of it.
   */
  private bulk: 'loading' | 'finishing' | null = null;
  /** (unit, seq) entries of a rebuild, each `unit * 2^32 + seq`: sorted, they are audit_units' order. */
  private loaded = new Float64Array(0);
  private loadedCount = 0;
  private streams = new Map<string, readonly string[]>();
  /**
   * The generation of `streams` before the last time it outgrew STREAM_CACHE, still looked in: a
   * stream just written may not be in audit_streams yet (the writer thread), and at a million
   * events (77,000 streams) reading it back after every eviction waited for the writer.
   */
  private older = new Map<string, readonly string[]>();
  /** The write that holds the last units of every stream evicted from `older` (0: none evicted): read back only once it is written. */
  private evictedIn = 0;
  /** `streams` holds every stream recorded (since a wipe, until it outgrew STREAM_CACHE): one not in it is new, not to be looked up. */
  private everyStream = false;
  /** audit_names in memory, both ways; names not yet written are in `newNames`. */
  private ids = new Map<string, number>();
  private names: string[] = [];
  private newNames: number[] = [];
  private joined = new WeakMap<readonly string[], string>();
  /**
   * A list of units → the units it is filed under, in the tree of `views` at `version`
   * (AuditContext.filedUnder): the walk up the tree is made once per stream's list, not per event.
   */
  private filed = new WeakMap<readonly string[], { views: Views; version: number; units: readonly string[] }>();
  /** A list of names → their ids: a list shared by many events (a stream's, what it is filed under) looked up once. */
  private idLists = new WeakMap<readonly string[], number[]>();
  /** The views `add` files the current event in, read by `context` (made once: two closures per event were a tenth of `add`). */
  private views: Views | undefined;
  private readonly context: { -readonly [K in keyof AuditContext]: AuditContext[K] } = {
    streamUnits: [],
    taskLead: (taskId) => this.views!.tasks.get(taskId)?.leadUnitId,
    parentOf: (unitId) => this.views!.units.get(unitId)?.parentId,
    filedUnder: (units) => this.filedUnderNow(units),
  };

  /**
   * `queue`: the writes posted to another thread (views-writer.ts), waited for before this one reads
   * or writes the log.
   */
  constructor(private readonly db: Database.Database, private readonly queue?: { readonly posted: number; drain(upTo?: number): void }) {
    // Before PROJECTION_VERSION 9 the log held a JSON copy of each event and text keys: a read model
    // that old is rebuilt (ReadModel.load), into these tables made anew.
    if (db.prepare("SELECT 1 FROM pragma_table_info('audit') WHERE name = 'json'").get()) {
      db.exec('DROP TABLE audit; DROP TABLE IF EXISTS audit_units; DROP TABLE IF EXISTS audit_units_load; DROP TABLE IF EXISTS audit_streams;');
    }
    db.exec(SCHEMA + INDEXES);
    for (const r of db.prepare<[], { id: number; name: string }>('SELECT id, name FROM audit_names').all()) {
      this.ids.set(r.name, r.id);
      this.names[r.id] = r.name;
    }
  }

  private idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length || 1;
      this.ids.set(name, id);
      this.names[id] = name;
      this.newNames.push(id);
    }
    return id;
  }

  /** A rebuild starts (`true`: after wipe) or has applied its last event (`false`: the next write finishes it). */
  bulkLoad(on: boolean): void {
    if (on) {
      this.db.exec('DROP INDEX IF EXISTS audit_actor; DROP INDEX IF EXISTS audit_action;');
      this.bulk = 'loading';
      this.loaded = new Float64Array(1 << 16);
      this.loadedCount = 0;
    } else if (this.bulk === 'loading') {
      this.bulk = 'finishing';
    }
  }

  get hasPending(): boolean {
    return this.filing.records.length > 0 || this.bulk === 'finishing';
  }

  /** The event numbered `seq`, after the views applied it (their tree is the one it is filed in). */
  add(event: RecordedEvent, seq: number, views: Views): void {
    this.views = views;
    const known = this.streams.get(event.stream);
    this.context.streamUnits = known ?? this.streamUnits(event.stream);
    const entry = auditEntry(event, this.context);
    // A stream's list is one array until a unit is named in it: set again only when it changed.
    if (entry.streamUnits !== known) this.streams.set(event.stream, entry.streamUnits);
    this.fileEntry(entry, seq, event, auditFacts(event));
    // Live, the runner writes them with everything else (runner.ts: LIVE_FLUSH's events apart at most).
    if (this.bulk && this.filing.records.length >= WRITE_EVERY * RECORD_WIDTH) {
      this.queue?.drain();
      this.db.transaction(() => this.write())();
    }
  }

  /** One event's entry into `filing`: its record, the units it is filed under, its block and its stream's units. */
  private fileEntry(entry: AuditEntry, seq: number, event: RecordedEvent, facts: ReturnType<typeof auditFacts>): void {
    const f = this.filing;
    const atMs = instant(facts.at);
    const stream = this.idOf(event.stream);
    f.records.push(seq, atMs, this.idOf(facts.actorId), this.idOf(facts.action), entry.taskId === null ? null : this.idOf(entry.taskId),
      stream, event.revision, this.idsOf(entry.units));
    if (this.bulk) {
      for (const unit of this.idList(entry.filedUnder)) this.load(unit, seq);
      if (entry.refile) this.refileLoaded(this.idOf(entry.refile.unitId), entry.refile.under.map((u) => this.idOf(u)));
    } else {
      for (const unit of this.idList(entry.filedUnder)) f.filed.push(unit, seq);
      if (entry.refile) {
        // In order: what was filed under the moved unit up to here is filed under its new ancestors.
        f.units.push(f.filed, { unit: this.idOf(entry.refile.unitId), under: entry.refile.under.map((u) => this.idOf(u)) });
        f.filed = [];
      }
    }
    const block = f.blocks.get(seq >> BLOCK_BITS);
    if (block) {
      block[0] = Math.min(block[0], atMs);
      block[1] = Math.max(block[1], atMs);
    } else f.blocks.set(seq >> BLOCK_BITS, [atMs, atMs]);
    f.streams.set(stream, entry.streamUnits);
  }

  /** Whether a rebuild's load is under way or not yet written: the log is then written on this thread's connection (`write`). */
  get loading(): boolean {
    return this.bulk !== null;
  }

  /** Writes the pending entries, and a rebuild's index at its end, inside the caller's transaction. */
  write(): void {
    if (this.filing.records.length > 0) writeAudit(this.db, this.collect());
    if (this.bulk === 'finishing') {
      const sorted = this.loaded.subarray(0, this.loadedCount).sort();
      let rows: number[] = [];
      for (let i = 0; i < sorted.length; i++) {
        if (i > 0 && sorted[i] === sorted[i - 1]) continue;
        rows.push(Math.floor(sorted[i]! / SEQ_SPAN), sorted[i]! % SEQ_SPAN);
        if (rows.length === ROWS_PER_STATEMENT * 2 * 100) {
          insertRows(this.db, 'INSERT INTO audit_units (unit, seq) VALUES', 2, rows);
          rows = [];
        }
      }
      insertRows(this.db, 'INSERT INTO audit_units (unit, seq) VALUES', 2, rows);
      this.db.exec(INDEXES);
      this.bulk = null;
      this.loaded = new Float64Array(0);
      this.loadedCount = 0;
    }
  }

  /** The entries filed since the last write, as the writes that file them (a rebuild's (unit, seq) entries kept in `loaded` instead); none filed after. */
  collect(): AuditBatch {
    const f = this.filing;
    f.units.push(f.filed);
    const batch: AuditBatch = {
      names: this.newNames.flatMap((id) => [id, this.names[id]]),
      records: f.records,
      units: f.units,
      blocks: [...f.blocks].map(([block, [min, max]]) => [block, min, max]),
      streams: [...f.streams].flatMap(([stream, named]) => [stream, this.idsOf(named)]),
    };
    this.newNames = [];
    this.filing = newFiling();
    if (this.streams.size > STREAM_CACHE) {
      // This batch is the next write posted, if it goes to the writer thread.
      if (this.older.size > 0) this.evictedIn = (this.queue?.posted ?? 0) + 1;
      this.older = this.streams;
      this.streams = new Map();
      this.everyStream = false;
    }
    return batch;
  }

  private load(unit: number, seq: number): void {
    if (this.loadedCount === this.loaded.length) {
      const grown = new Float64Array(Math.max(1 << 16, this.loaded.length * 2));
      grown.set(this.loaded);
      this.loaded = grown;
    }
    this.loaded[this.loadedCount++] = unit * SEQ_SPAN + seq;
  }

  /** What was filed under `unit` so far (in a rebuild) filed under `under` too. */
  private refileLoaded(unit: number, under: number[]): void {
    const count = this.loadedCount;
    for (let i = 0; i < count; i++) {
      const key = this.loaded[i]!;
      if (Math.floor(key / SEQ_SPAN) === unit) for (const u of under) this.load(u, key % SEQ_SPAN);
    }
  }

  wipe(): void {
    this.db.exec(`DELETE FROM audit; DELETE FROM audit_units; DELETE FROM audit_blocks; DELETE FROM audit_streams; DELETE FROM audit_names;
      DROP TABLE IF EXISTS audit_units_load; ${INDEXES}`);
    this.bulk = null;
    this.loaded = new Float64Array(0);
    this.loadedCount = 0;
    this.filing = newFiling();
    this.streams.clear();
    this.older.clear();
    this.evictedIn = 0;
    this.everyStream = true;
    this.ids = new Map();
    this.names = [];
    this.newNames = [];
    this.joined = new WeakMap();
    this.filed = new WeakMap();
    this.idLists = new WeakMap();
  }

  /** Which event the log holds as number `seq`, if it holds one (written: the caller writes what is pending first). */
  at(seq: number): { stream: string; revision: number } | undefined {
    const row = this.statement('SELECT stream, revision FROM audit WHERE seq = ?').get(seq) as { stream: number; revision: number } | undefined;
    return row && { stream: this.names[row.stream]!, revision: row.revision };
  }

  /** A page of the log, oldest first; the caller writes what is pending first. */
  page(q: AuditQuery): AuditPage {
    const empty = { rows: [], hasNextPage: false, count: () => 0 };
    // Names never recorded match nothing.
    const known = (names: readonly string[]) => names.flatMap((n) => this.ids.get(n) ?? []);
    const unit = q.unitId ? this.ids.get(q.unitId) : undefined;
    const actor = q.actorId ? this.ids.get(q.actorId) : undefined;
    const actions = q.actions?.length ? known(q.actions) : [];
    if ((q.unitId && unit === undefined) || (q.actorId && actor === undefined) || (q.actions?.length && actions.length === 0)) return empty;
    const byUnit = unit !== undefined && this.unitIsNarrower(unit, actor, actions, q.afterSeq ?? 0);
    const bySeq = byUnit ? 'u.seq' : 'a.seq';
    const where: string[] = [];
    const params: unknown[] = [];
    if (unit !== undefined) {
      where.push(byUnit ? 'u.unit = ?' : 'EXISTS (SELECT 1 FROM audit_units u WHERE u.unit = ? AND u.seq = a.seq)');
      params.push(unit);
    }
    if (q.fromMs != null || q.toMs != null) {
      const fromMs = q.fromMs ?? Number.MIN_SAFE_INTEGER;
      const toMs = q.toMs ?? Number.MAX_SAFE_INTEGER;
      const blocks = this.statement('SELECT min(block) AS lo, max(block) AS hi FROM audit_blocks WHERE max_at_ms >= ? AND min_at_ms <= ?')
        .get(fromMs, toMs) as { lo: number | null; hi: number | null };
      if (blocks.lo === null || blocks.hi === null) return empty;
      where.push(`${bySeq} BETWEEN ? AND ?`, 'a.at_ms BETWEEN ? AND ?');
      params.push(blocks.lo << BLOCK_BITS, ((blocks.hi + 1) << BLOCK_BITS) - 1, fromMs, toMs);
    }
    if (actor !== undefined) {
      where.push('a.actor = ?');
      params.push(actor);
    }
    if (actions.length) {
      where.push(`a.action IN (${actions.map(() => '?').join(', ')})`);
      params.push(...actions);
    }
    const hidden = known(q.hiddenTaskIds ?? []);
    if (hidden.length) {
      where.push('(a.task IS NULL OR a.task NOT IN (SELECT value FROM json_each(?)))');
      params.push(JSON.stringify(hidden));
    }
    // CROSS JOIN keeps SQLite to the order chosen: the unit's range of audit_units first.
    const from = byUnit ? 'audit_units u CROSS JOIN audit a ON a.seq = u.seq' : 'audit a';
    const rows = this.statement(`SELECT a.seq, a.stream, a.revision, a.units FROM ${from} WHERE ${[...where, `${bySeq} > ?`].join(' AND ')} ORDER BY ${bySeq} LIMIT ?`)
      .all(...params, q.afterSeq ?? 0, q.first + 1) as { seq: number; stream: number; revision: number; units: string }[];
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return {
      rows: rows.slice(0, q.first).map((r) => ({ seq: r.seq, stream: this.names[r.stream]!, revision: r.revision, units: this.namesOf(r.units) })),
      hasNextPage: rows.length > q.first,
      count: () => (this.statement(`SELECT count(*) AS n FROM ${from} ${filter}`).get(...params) as { n: number }).n,
    };
  }

  /**
   * Whether the unit's range of audit_units holds fewer entries after the cursor than the actor's or
   * the kinds' range of audit: the page is read along the narrower, the other filters checked row
   * by row. Counted from the indexes alone, up to a cap: a few milliseconds at most.
   */
  private unitIsNarrower(unitId: number, actorId: number | undefined, actions: number[], after: number): boolean {
    if (actorId === undefined && !actions.length) return true;
    const capped = (sql: string, ...params: unknown[]) =>
      (this.statement(`SELECT count(*) AS n FROM (${sql} LIMIT ${ESTIMATE_CAP})`).get(...params) as { n: number }).n;
    const unit = capped('SELECT 1 FROM audit_units WHERE unit = ? AND seq > ?', unitId, after);
    const actor = actorId !== undefined ? capped('SELECT 1 FROM audit WHERE actor = ? AND seq > ?', actorId, after) : Infinity;
    const kinds = actions.length
      ? actions.reduce((n, action) => n + capped('SELECT 1 FROM audit WHERE action = ? AND seq > ?', action, after), 0)
      : Infinity;
    return unit <= Math.min(actor, kinds);
  }

  /** What `units` is filed under in the views' tree as it stands: one array for as long as the tree is unchanged. */
  private filedUnderNow(units: readonly string[]): readonly string[] {
    const views = this.views!;
    const version = views.treeVersion;
    let filed = this.filed.get(units);
    if (filed?.views !== views || filed.version !== version) this.filed.set(units, (filed = { views, version, units: filedUnder(units, this.context.parentOf) }));
    return filed.units;
  }

  private idList(names: readonly string[]): number[] {
    let ids = this.idLists.get(names);
    if (ids === undefined) this.idLists.set(names, (ids = names.map((u) => this.idOf(u))));
    return ids;
  }

  /** The units named so far in a stream not in `streams` (the caller looked there). */
  private streamUnits(stream: string): readonly string[] {
    const known = this.older.get(stream);
    if (known) return known;
    if (this.everyStream) return [];
    const id = this.ids.get(stream);
    // A stream not in memory was written before this start, or evicted: then waited for, not read stale.
    if (id !== undefined && this.evictedIn > 0) this.queue?.drain(this.evictedIn);
    const row = id === undefined ? undefined : this.statement('SELECT units FROM audit_streams WHERE stream = ?').get(id) as { units: string } | undefined;
    return row ? this.namesOf(row.units) : [];
  }

  /** A list of units as audit.units and audit_streams.units keep it; a stream's list is one array shared by its events (auditEntry), so it is made once. */
  private idsOf(units: readonly string[]): string {
    let ids = this.joined.get(units);
    if (ids === undefined) this.joined.set(units, (ids = this.idList(units).join(',')));
    return ids;
  }

  private namesOf(ids: string): string[] {
    return ids ? ids.split(',').map((id) => this.names[Number(id)]!) : [];
  }

  private statement(sql: string): Database.Statement {
    return statementOf(this.db, sql);
  }
}

/** An AuditTable's batch written, inside the caller's transaction, by whichever connection writes views.db. */
export function writeAudit(db: Database.Database, b: AuditBatch): void {
  const putUnits = 'INSERT OR IGNORE INTO audit_units (unit, seq) VALUES';
  const refile = statementOf(db, 'INSERT OR IGNORE INTO audit_units (unit, seq) SELECT ?, seq FROM audit_units WHERE unit = ?');
  const putBlock = statementOf(db, `INSERT INTO audit_blocks (block, min_at_ms, max_at_ms) VALUES (?, ?, ?)
    ON CONFLICT (block) DO UPDATE SET min_at_ms = min(min_at_ms, excluded.min_at_ms), max_at_ms = max(max_at_ms, excluded.max_at_ms)`);
  insertRows(db, 'INSERT OR IGNORE INTO audit_names (id, name) VALUES', 2, b.names);
  insertRows(db, 'INSERT OR REPLACE INTO audit (seq, at_ms, actor, action, task, stream, revision, units) VALUES', RECORD_WIDTH, b.records);
  for (const op of b.units) {
    if (Array.isArray(op)) insertRows(db, putUnits, 2, op);
    else for (const unit of op.under) refile.run(unit, op.unit);
  }
  for (const k of b.blocks) putBlock.run(k);
  insertRows(db, 'INSERT OR REPLACE INTO audit_streams (stream, units) VALUES', 2, b.streams);
}

/** `values` (rows of `width` columns, flat) inserted ROWS_PER_STATEMENT rows a call: one call into SQLite per row was most of the log's cost. */
function insertRows(db: Database.Database, insert: string, width: number, values: unknown[]): void {
  const row = `(${new Array(width).fill('?').join(', ')})`;
  const per = ROWS_PER_STATEMENT * width;
  let i = 0;
  if (values.length >= per) {
    const many = statementOf(db, `${insert} ${new Array(ROWS_PER_STATEMENT).fill(row).join(', ')}`);
    for (; i + per <= values.length; i += per) many.run(values.slice(i, i + per));
  }
  const one = statementOf(db, `${insert} ${row}`);
  for (; i < values.length; i += width) one.run(values.slice(i, i + width));
}

const instant = (s: string) => {
  const ms = new Date(s).getTime();
  return Number.isNaN(ms) ? 0 : ms;
};
