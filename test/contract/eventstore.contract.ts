import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidEventError, WrongExpectedRevisionError } from '../../src/eventstore/errors.js';
import type { EventStore, NewEvent, RecordedEvent } from '../../src/eventstore/port.js';

const ev = (type = 'Happened', data: unknown = { n: 1 }): NewEvent => ({ id: randomUUID(), type, data, metadata: { by: 'test' } });
const evs = (n: number, type = 'Happened') => Array.from({ length: n }, (_, i) => ev(type, { i }));

/** A stream name no other test (or earlier run against a shared server) has used. */
const fresh = (label = 's') => `${label}-${randomUUID()}`;

async function expectConflict(p: Promise<unknown>, stream: string, actual: number) {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  expect((error as WrongExpectedRevisionError).stream).toBe(stream);
  expect((error as WrongExpectedRevisionError).actual).toBe(actual);
}

async function readAllOf(store: EventStore, streams: Set<string>, from?: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let pos: string | undefined = from;
  for (;;) {
    const page = await store.readAll({ fromPosition: pos ?? 'start', maxCount: 500 });
    if (page.length === 0) return out;
    out.push(...page.filter((e) => streams.has(e.stream)));
    pos = page[page.length - 1]!.position;
  }
}

/**
 * The behaviour every event store adapter must have. `open` returns a store over fresh state or
 * over a shared server; tests never assume the store is empty.
 */
export function eventStoreContract(open: () => Promise<EventStore>, teardown: (s: EventStore) => Promise<void>) {
  const withStore = (name: string, fn: (s: EventStore) => Promise<void>, timeout = 30_000) =>
    it(name, async () => {
      const store = await open();
      try {
        await fn(store);
      } finally {
        await teardown(store);
      }
    }, timeout);

  describe('append and read a stream', () => {
    withStore('reads back what was appended, in order, with revisions from 0', async (s) => {
      const stream = fresh();
      const r1 = await s.append(stream, evs(3), 'no_stream');
      expect(r1.nextExpectedRevision).toBe(2);
      const r2 = await s.append(stream, evs(2), 2);
      expect(r2.nextExpectedRevision).toBe(4);
      expect(s.comparePositions(r2.position, r1.position)).toBeGreaterThan(0);
      const read = await s.readStream(stream);
      expect(read.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
      expect(read.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 0, 1]);
      expect(read.every((e) => e.stream === stream && e.type === 'Happened')).toBe(true);
      expect(read[0]!.metadata).toEqual({ by: 'test' });
      expect(Number.isNaN(Date.parse(read[0]!.recordedAt))).toBe(false);
    });

    withStore('an unknown stream reads as empty', async (s) => {
      expect(await s.readStream(fresh('nobody'))).toEqual([]);
      expect(await s.readStream(fresh('nobody'), { direction: 'backwards' })).toEqual([]);
    });

    withStore('reads backwards, from a revision, and with a limit', async (s) => {
      const stream = fresh();
      await s.append(stream, evs(10));
      expect((await s.readStream(stream, { direction: 'backwards', maxCount: 3 })).map((e) => e.revision)).toEqual([9, 8, 7]);
      expect((await s.readStream(stream, { fromRevision: 4, maxCount: 2 })).map((e) => e.revision)).toEqual([4, 5]);
      expect((await s.readStream(stream, { fromRevision: 4, direction: 'backwards' })).map((e) => e.revision)).toEqual([4, 3, 2, 1, 0]);
      expect(await s.readStream(stream, { fromRevision: 10 })).toEqual([]);
    });

    withStore('positions and revisions survive JSON', async (s) => {
      const stream = fresh();
      const r = await s.append(stream, evs(2));
      const back = JSON.parse(JSON.stringify(r)) as typeof r;
      expect(back).toEqual(r);
      const [first] = await s.readStream(stream);
      expect(JSON.parse(JSON.stringify(first))).toEqual(first);
      const after = await s.readAll({ fromPosition: JSON.parse(JSON.stringify(first!.position)) as string, maxCount: 1 });
      expect(after[0]!.id).toBe((await s.readStream(stream))[1]!.id);
    });
  });

  describe('optimistic concurrency', () => {
    withStore('a revision number must equal the current revision', async (s) => {
      const stream = fresh();
      await s.append(stream, evs(2));
      await expectConflict(s.append(stream, evs(1), 0), stream, 1);
      await expectConflict(s.append(stream, evs(1), 5), stream, 1);
      const other = fresh('x');
      await expectConflict(s.append(other, evs(1), 0), other, -1);
      expect((await s.append(stream, evs(1), 1)).nextExpectedRevision).toBe(2);
      expect(await s.readStream(stream)).toHaveLength(3);
    });

    withStore('no_stream only for a new stream', async (s) => {
      const stream = fresh();
      await s.append(stream, evs(1), 'no_stream');
      await expectConflict(s.append(stream, evs(1), 'no_stream'), stream, 0);
      expect(await s.readStream(stream)).toHaveLength(1);
    });

    withStore('stream_exists only for an existing stream', async (s) => {
      const stream = fresh();
      const error = await s.append(stream, evs(1), 'stream_exists').then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await s.readStream(stream)).toEqual([]);
      await s.append(stream, evs(1));
      expect((await s.append(stream, evs(1), 'stream_exists')).nextExpectedRevision).toBe(1);
    });

    withStore('any appends whatever the revision', async (s) => {
      const stream = fresh();
      expect((await s.append(stream, evs(1), 'any')).nextExpectedRevision).toBe(0);
      expect((await s.append(stream, evs(1), 'any')).nextExpectedRevision).toBe(1);
    });

    withStore('concurrent appends on one expected revision: exactly one wins', async (s) => {
      const stream = fresh();
      await s.append(stream, evs(1));
      const results = await Promise.allSettled(Array.from({ length: 16 }, () => s.append(stream, evs(1), 0)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(15);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await s.readStream(stream)).toHaveLength(2);
    });
  });

  describe('idempotency', () => {
    withStore('re-appending the same event ids writes nothing and returns the original result', async (s) => {
      const stream = fresh();
      await s.append(stream, evs(1));
      const batch = evs(2);
      const first = await s.append(stream, batch, 0);
      const again = await s.append(stream, batch, 0);
      expect(again).toEqual(first);
      const anyAgain = await s.append(stream, batch, 'any');
      expect(anyAgain.nextExpectedRevision).toBe(first.nextExpectedRevision);
      expect(await s.readStream(stream)).toHaveLength(3);
      const all = await readAllOf(s, new Set([stream]));
      expect(all).toHaveLength(3);
    });

    withStore('concurrent retries of one append write it once', async (s) => {
      const stream = fresh();
      const batch = evs(1);
      const results = await Promise.all(Array.from({ length: 8 }, () => s.append(stream, batch, 'any')));
      expect(new Set(results.map((r) => r.nextExpectedRevision))).toEqual(new Set([0]));
      expect(await s.readStream(stream)).toHaveLength(1);
    });
  });

  describe('global order', () => {
    withStore('readAll returns appends across streams in the order they were acknowledged', async (s) => {
      const a = fresh('a');
      const b = fresh('b');
      const order: string[] = [];
      for (let i = 0; i < 6; i++) {
        const stream = i % 2 === 0 ? a : b;
        const e = ev('Step', { i });
        await s.append(stream, [e]);
        order.push(e.id);
      }
      const forwards = await readAllOf(s, new Set([a, b]));
      expect(forwards.map((e) => e.id)).toEqual(order);
      for (let i = 1; i < forwards.length; i++) {
        expect(s.comparePositions(forwards[i]!.position, forwards[i - 1]!.position)).toBeGreaterThan(0);
      }
      const backwards = (await s.readAll({ direction: 'backwards', maxCount: 200 })).filter((e) => e.stream === a || e.stream === b);
      expect(backwards.map((e) => e.id)).toEqual([...order].reverse());
    });

    withStore('readAll from a position is exclusive and honours maxCount', async (s) => {
      const stream = fresh();
      await s.append(stream, evs(5));
      const events = await s.readStream(stream);
      const page = await s.readAll({ fromPosition: events[1]!.position, maxCount: 2 });
      expect(page.map((e) => e.id)).toEqual([events[2]!.id, events[3]!.id]);
      const back = await s.readAll({ fromPosition: events[3]!.position, direction: 'backwards', maxCount: 2 });
      expect(back.map((e) => e.id)).toEqual([events[2]!.id, events[1]!.id]);
    });
  });

  describe('subscriptions', () => {
    withStore('catches up from a position, reports it, then delivers live appends', async (s) => {
      const stream = fresh();
      await s.append(stream, evs(3));
      const existing = await s.readStream(stream);
      const sub = s.subscribe({ fromPosition: existing[0]!.position });
      const seen: RecordedEvent[] = [];
      let caughtUp = false;
      const live = evs(2, 'Live');
      for await (const item of sub) {
        if (item.kind === 'caughtUp') {
          if (!caughtUp) {
            caughtUp = true;
            expect(seen.filter((e) => e.stream === stream).map((e) => e.revision)).toEqual([1, 2]);
            void s.append(stream, live);
          }
          continue;
        }
        seen.push(item.event);
        if (item.event.id === live[1]!.id) break;
      }
      await sub.stop();
      expect(seen.filter((e) => e.stream === stream).map((e) => e.revision)).toEqual([1, 2, 3, 4]);
    });

    withStore('nothing is lost or doubled when a subscription starts during appends', async (s) => {
      const streams = Array.from({ length: 4 }, () => fresh('busy'));
      const start = await s.readAll({ direction: 'backwards', maxCount: 1 });
      const from = start[0]?.position ?? 'start';
      const ids: string[] = [];
      const writing = (async () => {
        for (let round = 0; round < 50; round++) {
          await Promise.all(streams.map((stream) => {
            const e = ev('Busy', { round });
            ids.push(e.id);
            return s.append(stream, [e]);
          }));
        }
      })();
      await new Promise((r) => setTimeout(r, 5));
      const sub = s.subscribe({ fromPosition: from });
      const got: string[] = [];
      const wanted = new Set(streams);
      const reading = (async () => {
        for await (const item of sub) {
          if (item.kind === 'event' && wanted.has(item.event.stream)) got.push(item.event.id);
          if (got.length === 200) break;
        }
      })();
      await writing;
      await reading;
      await sub.stop();
      expect(got).toHaveLength(200);
      expect(new Set(got).size).toBe(200);
      expect(new Set(got)).toEqual(new Set(ids));
      const stored = await readAllOf(s, wanted, from === 'start' ? undefined : from);
      expect(got).toEqual(stored.map((e) => e.id));
    }, 60_000);

    withStore('stop ends an idle subscription', async (s) => {
      const sub = s.subscribe({ fromPosition: 'start' });
      const done = (async () => {
        let n = 0;
        for await (const item of sub) if (item.kind === 'caughtUp') n++;
        return n;
      })();
      await new Promise((r) => setTimeout(r, 50));
      await sub.stop();
      expect(await done).toBeGreaterThanOrEqual(1);
    });
  });

  describe('concurrency', () => {
    withStore('64 concurrent appenders each get their own stream written in full', async (s) => {
      const streams = Array.from({ length: 64 }, () => fresh('c'));
      await Promise.all(streams.map(async (stream) => {
        let rev: number | 'no_stream' = 'no_stream';
        for (let i = 0; i < 10; i++) rev = (await s.append(stream, [ev('C', { i })], rev)).nextExpectedRevision;
      }));
      for (const stream of streams) {
        expect((await s.readStream(stream)).map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
    }, 120_000);

    withStore('64 concurrent appenders on one stream with any lose nothing', async (s) => {
      const stream = fresh('hot');
      const results = await Promise.all(Array.from({ length: 64 }, (_, i) => s.append(stream, [ev('Hot', { i })], 'any')));
      expect(new Set(results.map((r) => r.nextExpectedRevision)).size).toBe(64);
      const read = await s.readStream(stream);
      expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    }, 60_000);
  });

  describe('bad input', () => {
    const bad: [string, unknown][] = [
      ['not an object', 'hello'],
      ['null', null],
      ['no type', { id: randomUUID(), data: {} }],
      ['an empty type', { id: randomUUID(), type: '', data: {} }],
      ['no id', { type: 'T', data: {} }],
      ['an id that is not a uuid', { id: 'abc', type: 'T', data: {} }],
      ['no data', { id: randomUUID(), type: 'T' }],
      ['a bigint in data', { id: randomUUID(), type: 'T', data: { n: 1n } }],
      ['a function in data', { id: randomUUID(), type: 'T', data: { f: () => 1 } }],
      ['NaN in data', { id: randomUUID(), type: 'T', data: { n: Number.NaN } }],
      ['a Date object in data', { id: randomUUID(), type: 'T', data: { d: new Date() } }],
      ['a cycle in data', (() => { const d: Record<string, unknown> = {}; d.self = d; return { id: randomUUID(), type: 'T', data: d }; })()],
    ];
    for (const [label, event] of bad) {
      withStore(`an event with ${label} is refused and nothing is written`, async (s) => {
        const stream = fresh('bad');
        const good = ev();
        const error = await s.append(stream, [good, event as NewEvent]).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidEventError);
        expect(await s.readStream(stream)).toEqual([]);
      });
    }

    withStore('an empty batch, a blank stream or a bad expected revision is refused', async (s) => {
      await expect(s.append(fresh(), [])).rejects.toBeInstanceOf(InvalidEventError);
      await expect(s.append('', [ev()])).rejects.toBeInstanceOf(InvalidEventError);
      const stream = fresh();
      await expect(s.append(stream, [ev()], -1 as number)).rejects.toBeInstanceOf(InvalidEventError);
      await expect(s.append(stream, [ev()], 'sometimes' as 'any')).rejects.toBeInstanceOf(InvalidEventError);
      expect(await s.readStream(stream)).toEqual([]);
    });
  });
}
