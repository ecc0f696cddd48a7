import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../src/eventstore/errors.js';
import { SqliteEventStore, type SqliteStoreOptions } from '../../src/eventstore/sqlite.js';

/**
 * The embedded store shared by several processes (API replicas): another connection to the same
 * file stands in for another process (SQLite's locks and data_version treat it the same way).
 */
const dirs: string[] = [];
const open: { close(): unknown }[] = [];
const fileIn = () => {
  const d = mkdtempSync(join(tmpdir(), 'tiendo-replicas-'));
  dirs.push(d);
  return join(d, 'events.db');
};
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const event = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'Noted', data: { n } });
const openStore = (file: string, options: SqliteStoreOptions = {}) => {
  const s = new SqliteEventStore(file, options);
  open.push({ close: () => s.dispose() });
  return s;
};
/** A connection holding the write lock, as another replica's append does. */
const lockHolder = (file: string) => {
  const db = new Database(file);
  open.push({ close: () => db.open && db.close() });
  db.exec('BEGIN IMMEDIATE');
  return db;
};

// Each case with the group commits on the event loop and on the writer thread (TIENDO_STORE_WRITER_THREAD).
for (const writerThread of [false, true]) describe(`one events.db, several processes${writerThread ? ' (writer thread)' : ''}`, () => {
  const storeOn = (file: string, options: SqliteStoreOptions = {}) => openStore(file, { ...options, writerThread });

  it('an append waits out another process\'s write lock, however long past the busy timeout, and is written', async () => {
    const file = fileIn();
    const store = storeOn(file, { busyTimeoutMs: 10 });
    const other = lockHolder(file);
    const appended = store.append('s-1', [event(1)], 'no_stream');
    let settled = false;
    void appended.finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 200)); // twenty busy timeouts
    expect(settled).toBe(false);
    other.exec('COMMIT');
    await expect(appended).resolves.toMatchObject({ nextExpectedRevision: 0 });
    expect(await store.readStream('s-1')).toHaveLength(1);
  });

  it('gives up after busyGiveUpMs with StoreUnavailableError (never SQLITE_BUSY), and nothing is written', async () => {
    const file = fileIn();
    const store = storeOn(file, { busyTimeoutMs: 10, busyGiveUpMs: 100 });
    const other = lockHolder(file);
    const error = await store.append('s-2', [event(2)], 'any').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    other.exec('ROLLBACK');
    expect(await store.readAll()).toEqual([]);
  });

  it('a subscription follows appends made through another connection, in the file\'s order', async () => {
    const file = fileIn();
    const reader = storeOn(file);
    const writer = storeOn(file);
    const sub = reader.subscribe();
    open.push({ close: () => sub.stop() });
    const seen: string[] = [];
    const following = (async () => {
      for await (const item of sub) {
        if (item.kind === 'event') seen.push(item.event.id);
        if (seen.length === 3) return;
      }
    })();
    for (const n of [1, 2, 3]) await writer.append(`s-${n}`, [event(n)], 'no_stream');
    await following;
    expect(seen).toEqual([1, 2, 3].map((n) => event(n).id));
  });

  it('othersWrites counts another process\'s commits, not its own', async () => {
    const file = fileIn();
    const store = storeOn(file);
    const other = openStore(file, { writerThread: false });
    const before = store.othersWrites();
    await store.append('s-1', [event(1)], 'no_stream');
    await store.append('s-1', [event(2)], 0);
    await new Promise((r) => setTimeout(r, 5)); // past LOOK_AGAIN_MS: a look at data_version is made
    expect(store.othersWrites()).toBe(before);
    await other.append('s-9', [event(9)], 'no_stream');
    // The writer thread reports others with its next batch; the event loop's connection sees them at its next look.
    await store.append('s-1', [event(3)], 1);
    await vi.waitFor(() => expect(store.othersWrites()).toBeGreaterThan(before));
  });
});
