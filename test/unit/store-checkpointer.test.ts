import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';

/** The store's WAL checkpointed by its own thread (src/eventstore/checkpointer.ts), not by the appending connection. */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Events in the database file itself, the WAL left out: those a checkpoint copied there. -1: the file
 * was copied while a checkpoint was writing it (a torn copy SQLite calls malformed), to be looked at again.
 */
function checkpointed(dir: string): number {
  copyFileSync(join(dir, 'events.db'), join(dir, 'copy.db'));
  const copy = new Database(join(dir, 'copy.db'), { readonly: true });
  try {
    // The file as a checkpoint left it: before the first one, not even the schema is in it.
    if (!copy.prepare("SELECT 1 FROM sqlite_master WHERE name = 'events'").get()) return 0;
    return (copy.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } catch (error) {
    if (['SQLITE_CORRUPT', 'SQLITE_NOTADB'].includes((error as { code?: string }).code ?? '')) return -1;
    throw error;
  } finally {
    copy.close();
  }
}

async function appendAndWatch(checkpointThread: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tiendo-checkpointer-'));
  dirs.push(dir);
  const store = new SqliteEventStore(join(dir, 'events.db'), { checkpointThread });
  for (let i = 0; i < 50; i++) await store.append(`s-${i}`, [{ id: randomUUID(), type: 'Noted', data: { i } }]);
  // Polled with a deadline: the thread checkpoints every 100 ms.
  const deadline = Date.now() + 5000;
  let n = checkpointed(dir);
  while (n < 50 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    n = checkpointed(dir);
  }
  await store.dispose();
  return n;
}

describe('the store checkpoint thread', () => {
  it('copies committed appends into the database file while the appending connection does not', async () => {
    expect(await appendAndWatch(true)).toBe(50);
  });

  it('is what does it: without it, 50 small appends stay in the WAL (below the 1000-page autocheckpoint)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiendo-checkpointer-'));
    dirs.push(dir);
    const store = new SqliteEventStore(join(dir, 'events.db'));
    for (let i = 0; i < 50; i++) await store.append(`s-${i}`, [{ id: randomUUID(), type: 'Noted', data: { i } }]);
    expect(checkpointed(dir)).toBe(0);
    await store.dispose();
  });
});
