import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { type Config, ConfigError } from '../config.js';
import { KEY_FILE } from '../anchors/settings.js';
import { decode } from '../events.js';
import { type FileReport, NotHashedError, verifyFile } from '../eventstore/verify.js';
import { verifyAnchors } from './anchor.js';
import { type FileCopy, carriedFiles, dropCopies, place, quiesce, readCopies, setAside, singleFile, snapshot, writeCopies } from './backup-files.js';
import { type Out, err, eventsFile, out, sqliteOnly } from './output.js';

/**
 * `tiendo verify | backup | restore`: tools over the embedded SQLite event store (data/events.db)
 * and the files beside it (backup-files.ts). The read model (views.db) is never backed up or
 * restored: it is rebuilt from the events.
 */

const LOCK = 'serve.lock';

/** Written by `tiendo serve` while it runs, so that `restore` can refuse. */
export function writeServeLock(dataDir: string, port: number): void {
  writeFileSync(join(dataDir, LOCK), JSON.stringify({ pid: process.pid, host: hostname(), port, startedAt: new Date().toISOString() }));
}

/** A ConfigError: `tiendo` prints its message alone, no stack. */
export class ServeLockedError extends ConfigError {}

/**
 * Taken by `tiendo serve` on its views directory before it opens the read model there: replicas may
 * share one event store, never one read model (two runners writing one checkpoint would each skip
 * the other's events). Created exclusively; a lock left by a dead server is replaced.
 */
export function acquireServeLock(viewsDir: string): void {
  mkdirSync(viewsDir, { recursive: true });
  const file = join(viewsDir, LOCK);
  for (let tries = 0; ; tries++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 2) throw error;
    }
    const holder = serveLockHolder(viewsDir);
    if (holder !== null) {
      throw new ServeLockedError(`another tiendo serve (pid ${holder}) keeps its read model in ${viewsDir}: ` +
        'give each replica its own TIENDO_VIEWS_DIR (they may share TIENDO_DATA)' +
        ` — or, if none runs, remove ${file}`);
    }
    rmSync(file, { force: true });
  }
}

export function removeServeLock(dataDir: string): void {
  try {
    const held = JSON.parse(readFileSync(join(dataDir, LOCK), 'utf8')) as { pid?: number };
    if (held.pid === process.pid) rmSync(join(dataDir, LOCK), { force: true });
  } catch {
    // none, or not ours
  }
}

/** The pid of a live server on this data directory, if any (a lock left by a killed server is ignored). */
export function serveLockHolder(dataDir: string): number | null {
  let held: { pid?: unknown; host?: unknown };
  try {
    held = JSON.parse(readFileSync(join(dataDir, LOCK), 'utf8'));
  } catch {
    return null;
  }
  if (typeof held.pid !== 'number') return null;
  if (held.host !== hostname()) return held.pid; // another machine's server on a shared disk: assume it runs
  try {
    process.kill(held.pid, 0);
    return held.pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? held.pid : null;
  }
}

function describe(report: FileReport): string {
  return `${report.events} events, hash chain intact up to position ${report.head.position}` +
    (report.head.position ? ` (head hash ${report.head.hash})` : '');
}

/** Prints the verdict; true when the file passed. */
function judge(report: FileReport, say: Out = out): boolean {
  if (report.bad) {
    const b = report.bad;
    err(`TAMPERED: event at position ${b.position} (id ${b.id}, ${b.type} at ${b.stream}@${b.revision}) does not match: ${b.reason}`);
    err(`the ${report.events} events before it match their hashes`);
    return false;
  }
  if (report.unreadable) {
    const u = report.unreadable;
    err(`UNREADABLE: event at position ${u.position} (id ${u.id}, ${u.type} at ${u.stream}@${u.revision}) ${u.reason}: ${u.detail}`);
    return false;
  }
  say(`ok: ${report.file}: ${describe(report)}; every event passes its schema`);
  return true;
}

function verifyOrExplain(file: string): FileReport | null {
  try {
    return verifyFile(file, decode);
  } catch (error) {
    if (error instanceof NotHashedError) err(error.message);
    else err(`cannot read ${file}: ${(error as Error).message}`);
    return null;
  }
}

/**
 * `tiendo verify [FILE] [--anchors ANCHORS]`: exit 0 when every event matches its hash and schema
 * (and every anchor matches the store), 1 naming the first event that does not (and every anchor).
 */
export function verifyCommand(config: Config, file?: string, anchors?: string): number {
  if (!file && !sqliteOnly(config, 'verify')) return 2;
  const target = resolve(file ?? eventsFile(config));
  if (!existsSync(target)) {
    err(`tiendo verify: no event store at ${target}`);
    return 2;
  }
  const report = verifyOrExplain(target);
  if (!report) return 1;
  const chain = judge(report) ? 0 : 1;
  // The anchors too when the chain is broken: they say how far back the damage goes.
  return anchors ? Math.max(chain, verifyAnchors(config, target, anchors)) : chain;
}

/**
 * `tiendo backup FILE`: a consistent copy of the events while the server runs, through SQLite's
 * online backup API (one read transaction: appends go on meanwhile and are simply not in the copy),
 * with the data directory's other files the events cannot give back (backup-files.ts), verified.
 */
export async function backupCommand(config: Config, dest: string | undefined): Promise<number> {
  if (!sqliteOnly(config, 'backup')) return 2;
  if (!dest) {
    err('tiendo backup: give the file to write, e.g. tiendo backup backups/tiendo-2025-07-01.db');
    return 2;
  }
  const target = resolve(dest);
  const source = eventsFile(config);
  if (!existsSync(source)) {
    err(`tiendo backup: no event store at ${source}`);
    return 2;
  }
  if (existsSync(target)) {
    err(`tiendo backup: ${target} exists; choose a new file`);
    return 2;
  }
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const [webhooks, anchors] = carriedFiles(config);
  // The anchors before the events: every anchor in the backup is then of a head the backup's store reaches.
  const anchorCopy = await snapshot(anchors!, `${partial}.file`);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // All remaining pages in one step: one snapshot, never restarted by concurrent appends.
    await db.backup(partial, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  // The delivery log after the events: it then has the deliveries of every event in the copy (or the runner re-enqueues them).
  const copies = [anchorCopy, await snapshot(webhooks!, `${partial}.file`)].filter((c): c is FileCopy => c !== null);
  const copy = new Database(partial);
  try {
    writeCopies(copy, copies);
  } finally {
    copy.close();
  }
  singleFile(partial);
  const report = verifyOrExplain(partial);
  if (!report || !judge(report, () => {})) {
    rmSync(partial, { force: true });
    err('tiendo backup: the copy did not verify; nothing written');
    return 1;
  }
  renameSync(partial, target);
  out(`backup written to ${target}: ${describe(report)}`);
  for (const f of [webhooks!, anchors!]) {
    const c = copies.find((x) => x.name === f.name);
    out(c ? `with ${f.name} (${f.path}, ${c.content.length} bytes)` : `without ${f.name}: there is none at ${f.path}`);
  }
  out('the read model (views.db) is not in it: it is rebuilt from the events when tiendo starts on a restored store');
  const keys = [config.TIENDO_AUTH_SECRET ? null : 'auth-secret', config.TIENDO_ANCHOR_KEY ? null : KEY_FILE].filter(Boolean);
  if (keys.length) out(`nor are the keys (${keys.join(', ')} in ${resolve(config.TIENDO_DATA)}): keep them apart from the backup; without them tokens must be minted again and old anchors cannot be checked`);
  return 0;
}

/**
 * `tiendo restore FILE`: puts a backup in place of data/events.db and of the other files it carries
 * (webhooks.db, the anchor file), each replaced file kept beside it. Refuses while a server runs on
 * the data directory and when the backup does not verify, changing nothing. views.db is derived:
 * removed, so that the next start rebuilds it from the restored events — and the webhook dispatcher,
 * seeing them again, enqueues what the restored delivery log lacks (its delivery ids skip the rest).
 */
export async function restoreCommand(config: Config, from: string | undefined): Promise<number> {
  if (!sqliteOnly(config, 'restore')) return 2;
  if (!from) {
    err('tiendo restore: give the backup file, e.g. tiendo restore backups/tiendo-2025-07-01.db');
    return 2;
  }
  const dataDir = resolve(config.TIENDO_DATA);
  const source = resolve(from);
  const target = eventsFile(config);
  const holder = serveLockHolder(dataDir);
  if (holder !== null) {
    err(`tiendo restore: a server (pid ${holder}) is running on ${dataDir}; stop it first ` +
      `(or, if none is, remove ${join(dataDir, LOCK)})`);
    return 1;
  }
  if (!existsSync(source)) {
    err(`tiendo restore: no such file ${source}`);
    return 2;
  }
  const report = verifyOrExplain(source);
  if (!report || !judge(report, () => {})) {
    err('tiendo restore: the backup does not verify; nothing changed');
    return 1;
  }
  let copies: FileCopy[] | null;
  try {
    copies = readCopies(source);
  } catch (error) {
    err(`tiendo restore: ${(error as Error).message}; nothing changed`);
    return 1;
  }
  const files = carriedFiles(config).map((f) => ({ ...f, copy: copies?.find((c) => c.name === f.name) }));
  // Every SQLite file to be replaced made one movable file first: one in use stops the restore before anything moved.
  for (const file of [target, ...files.filter((f) => f.sqlite && f.copy).map((f) => f.path)]) {
    const busy = quiesce(file);
    if (busy) {
      err(`tiendo restore: ${file} is in use (${busy}); stop the server first; nothing changed`);
      return 1;
    }
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const kept = setAside(target, stamp);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const src = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await src.backup(partial, { progress: () => 0x7fffffff });
  } finally {
    src.close();
  }
  const store = new Database(partial);
  try {
    dropCopies(store);
  } finally {
    store.close();
  }
  renameSync(partial, target);
  for (const f of ['views.db', 'views.db-wal', 'views.db-shm']) rmSync(join(dataDir, f), { force: true });
  const restored = verifyOrExplain(target);
  if (!restored || !judge(restored, () => {})) {
    err(`tiendo restore: the restored store does not verify${kept ? `; the previous one is kept at ${kept}` : ''}`);
    return 1;
  }
  out(`restored events.db from ${source} to ${target}: ${describe(restored)}`);
  if (kept) out(`the store it replaced is kept at ${kept}`);
  for (const f of files) {
    if (!f.copy) {
      out(copies ? `kept ${f.name} as it is (${existsSync(f.path) ? f.path : 'there is none'}): there was none when the backup was taken`
        : `kept ${f.name} as it is (${existsSync(f.path) ? f.path : 'there is none'}): the backup was made before backups carried it`);
      continue;
    }
    const replaced = setAside(f.path, stamp);
    place(f.path, f.copy.content);
    out(`restored ${f.name} to ${f.path}${replaced ? `; the one it replaced is kept at ${replaced}` : ''}`);
  }
  out('views.db: rebuilt from the events when tiendo starts (derived, so not in backups; removed now)');
  return 0;
}
