import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { eventStoreContract } from './eventstore.contract.js';

describe('SQLite event store (a real file on disk)', () => {
  const dirs = new Map<SqliteEventStore, string>();
  eventStoreContract(
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tiendo-contract-'));
      const store = new SqliteEventStore(join(dir, 'events.db'));
      dirs.set(store, dir);
      return store;
    },
    async (store) => {
      await store.dispose();
      rmSync(dirs.get(store as SqliteEventStore)!, { recursive: true, force: true });
    },
  );
});
