import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError, WrongExpectedRevisionError } from '../../src/eventstore/errors.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const event = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'Noted', data: { n } });

describe('the store writer thread (TIENDO_STORE_WRITER_THREAD)', () => {
  it('writes appends made at once in the order made, and one expected revision has one winner, across the batches posted as they fill', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tiendo-writer-'));
    dirs.push(d);
    const store = new SqliteEventStore(join(d, 'events.db'), { writerThread: true });
    try {
      // More than a batch posted before the event loop's turn ends (WRITER_EAGER_BATCH), and more than two such batches.
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(`s-${i}`, [event(i)], 'no_stream')));
      const positions = results.map((r) => Number(r.position));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect((await store.readAll({ maxCount: 200 })).map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => event(i).id));
      await store.append('hot', [event(1000)], 'no_stream');
      const settled = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => store.append('hot', [event(2000 + i)], 0)));
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of settled) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream('hot')).toHaveLength(2);
    } finally {
      await store.dispose();
    }
  });

  it('fails the batch a thread held when it ended with StoreUnavailableError, and the retry goes to a new thread', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tiendo-writer-'));
    dirs.push(d);
    // The thread copies the environment when it starts (in the constructor): the first one ends on its second batch.
    process.env.TIENDO_TEST_STORE_WRITER_CRASH_AT = '2';
    const store = new SqliteEventStore(join(d, 'events.db'), { writerThread: true });
    delete process.env.TIENDO_TEST_STORE_WRITER_CRASH_AT;
    try {
      await store.append('s-1', [event(1)], 'no_stream');
      const error = await store.append('s-2', [event(2)], 'no_stream').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((await store.readAll()).map((e) => e.id)).toEqual([event(1).id]);
      // Written or not, a retry with the same ids is safe: here it was not, and a new thread writes it.
      await expect(store.append('s-2', [event(2)], 'no_stream')).resolves.toMatchObject({ nextExpectedRevision: 0 });
      expect((await store.readAll()).map((e) => e.id)).toEqual([event(1).id, event(2).id]);
    } finally {
      await store.dispose();
    }
  });
});
