import Database from 'better-sqlite3';
import { hash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anchorFileOf } from '../anchors/settings.js';
import { viewsDirOf } from '../app/app.js';
import type { Config } from '../config.js';

/**
 * A backup is one SQLite file: a copy of events.db, so that `verify FILE` and older tiendos read it as a
 * store, plus (since issue 16) whole copies of the data directory's other files that the events cannot
 * give back, in a table of their own. A backup without that table (an older one) restores events only.
 * views.db is not carried: it is derived from the events. Neither are the keys (auth-secret,
 * anchor-key): a backup kept elsewhere should not hold what signs tokens and anchors.
 */
const TABLE = 'tiendo_backup_files';

/** A file carried in backups; `sqlite`: copied through the online backup API and set aside with its WAL folded in. */
export interface Carried { name: string; path: string; sqlite: boolean }

export const carriedFiles = (config: Config): Carried[] => [
  // This replica's webhook delivery log (beside its read model): the claims and outcomes are events, but
  // the log also keeps each attempt's detail (status code, error) that a restored server should still list.
  { name: 'webhooks.db', path: join(viewsDirOf(config), 'webhooks.db'), sqlite: true },
  { name: 'anchors.jsonl', path: anchorFileOf(config), sqlite: false },
];

export interface FileCopy { name: string; content: Buffer }

/** A consistent copy of a carried file as it is now (`scratch`: a free path for the SQLite copy); null when there is none. */
export async function snapshot(f: Carried, scratch: string): Promise<FileCopy | null> {
  if (!existsSync(f.path)) return null;
  if (!f.sqlite) return { name: f.name, content: readFileSync(f.path) };
  rmSync(scratch, { force: true });
  const db = new Database(f.path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(scratch, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  try {
    singleFile(scratch);
    return { name: f.name, content: readFileSync(scratch) };
  } finally {
    rmSync(scratch, { force: true });
  }
}

/** No -wal beside it: the server turns WAL back on when it opens the file. */
export function singleFile(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

const sha256 = (b: Buffer) => hash('sha256', b, 'hex');

export function writeCopies(backup: Database.Database, copies: FileCopy[]): void {
  backup.exec(`CREATE TABLE ${TABLE} (name TEXT PRIMARY KEY, content BLOB NOT NULL, sha256 TEXT NOT NULL)`);
  const insert = backup.prepare(`INSERT INTO ${TABLE} (name, content, sha256) VALUES (?, ?, ?)`);
  backup.transaction(() => {
    for (const c of copies) insert.run(c.name, c.content, sha256(c.content));
  })();
}

/** The files a backup carries: null for a backup made before backups carried any; throws naming a damaged one. */
export function readCopies(backupFile: string): FileCopy[] | null {
  const db = new Database(backupFile, { readonly: true, fileMustExist: true });
  try {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(TABLE)) return null;
    return db.prepare<[], { name: string; content: Buffer; sha256: string }>(`SELECT name, content, sha256 FROM ${TABLE}`).all().map((r) => {
      if (sha256(r.content) !== r.sha256) throw new Error(`the backup's copy of ${r.name} is damaged (its SHA-256 does not match)`);
      return { name: r.name, content: r.content };
    });
  } finally {
    db.close();
  }
}

/** A restored events.db is a store, not a backup: the carried files leave it. */
export function dropCopies(store: Database.Database): void {
  store.exec(`DROP TABLE IF EXISTS ${TABLE}`);
}

/**
 * Folds a SQLite file's WAL into it so that it is one file that can be moved. Needs every other
 * connection gone, so this also finds a server that runs without its lock file: the reason, or null.
 */
export function quiesce(file: string): string | null {
  if (!existsSync(file)) return null;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const mode = db.pragma('journal_mode = DELETE', { simple: true });
    return mode === 'delete' ? null : `journal mode stayed ${String(mode)}`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    db.close();
  }
}

/** Moves a file (quiesced first if SQLite) to `<file>.replaced-<time>`: where it went, or null when there was none. */
export function setAside(file: string, stamp: string): string | null {
  let kept: string | null = null;
  if (existsSync(file)) {
    kept = `${file}.replaced-${stamp}`;
    renameSync(file, kept);
  }
  for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  return kept;
}

/** Writes a carried file whole: beside it first, then renamed over, so that it is never half there. */
export function place(file: string, content: Buffer): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, content);
  renameSync(partial, file);
}
