import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { eventStoreContract } from './eventstore.contract.js';

// The same contract with the group commits on the event loop and on the writer thread (TIENDO_STORE_WRITER_THREAD).
for (const writerThread of [false, true]) {
  describe(`SQLite event store (a real file on disk${writerThread ? ', group commits on the writer thread' : ''})`, () => {
    const dirs = new Map<SqliteEventStore, string>();
    eventStoreContract(
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'tiendo-contract-'));
        const store = new SqliteEventStore(join(dir, 'events.db'), { writerThread });
        dirs.set(store, dir);
        return store;
      },
      async (store) => {
        await store.dispose();
        rmSync(dirs.get(store as SqliteEventStore)!, { recursive: true, force: true });
      },
    );
  });
}
