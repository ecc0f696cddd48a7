import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';

/**
 * A live subscription whose consumer was busy (awaiting, e.g. a snapshot being written) while this
 * process appended: the append woke no one, since the subscription was not waiting yet. It must read
 * the event as soon as the consumer asks for more, not after the next append or its poll interval.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const event = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'Noted', data: { n } });
/** Two turns of the event loop and no timer: what the subscription has by then it read without waiting. */
const turns = () => new Promise<'still waiting'>((r) => setImmediate(() => setImmediate(() => r('still waiting'))));

describe('a subscription whose consumer was busy during an append', () => {
  it('delivers the event appended meanwhile right after its caughtUp, without waiting for a wake-up', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tiendo-wake-'));
    dirs.push(d);
    const store = new SqliteEventStore(join(d, 'events.db'));
    try {
      await store.append('s-1', [event(1)], 'no_stream');
      const sub = store.subscribe();
      const items = sub[Symbol.asyncIterator]();
      expect((await items.next()).value).toMatchObject({ kind: 'event', event: { revision: 0 } });
      // The consumer is busy with event 1: this append commits while the subscription is not waiting.
      const { position } = await store.append('s-1', [event(2)], 0);
      expect((await items.next()).value).toMatchObject({ kind: 'caughtUp' });
      const next = await Promise.race([items.next(), turns()]);
      expect(next).toMatchObject({ value: { kind: 'event', event: { revision: 1, position } } });
      await sub.stop();
    } finally {
      await store.dispose();
    }
  });
});
