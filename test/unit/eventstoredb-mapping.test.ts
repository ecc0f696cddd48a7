import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeadlineExceededError, MaxAppendSizeExceededError, StreamNotFoundError, UnavailableError, WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { EventStoreDBClient, Position } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { InvalidEventError, StoreUnavailableError, WrongExpectedRevisionError } from '../../src/eventstore/errors.js';
import {
  EventStoreDbEventStore, backoffDelay, comparePosition, decodePosition, encodePosition, isBeyond, isStreamNotFound,
  isSystemEvent, mapAppendError, toClientExpectedRevision, toRecordedEvent,
} from '../../src/eventstore/eventstoredb.js';
import type { ClientRecordedEvent } from '../../src/eventstore/eventstoredb.js';
import type { SubscriptionItem } from '../../src/eventstore/port.js';

const pos = (commit: bigint | number, prepare: bigint | number = commit): Position => ({ commit: BigInt(commit), prepare: BigInt(prepare) });

const recorded = (over: Partial<ClientRecordedEvent> = {}): ClientRecordedEvent => ({
  streamId: 'task-1', id: randomUUID(), revision: 0n, type: 'TaskCreated', created: new Date('2025-01-02T03:04:05.678Z'),
  data: { a: 1 }, metadata: { by: 'x' }, position: pos(100), ...over,
});

describe('position encoding', () => {
  it('round-trips through a string, including values past 2^53', () => {
    const big = pos(2n ** 63n - 1n, 9_007_199_254_740_993n);
    expect(encodePosition(big)).toBe('9223372036854775807/9007199254740993');
    expect(decodePosition(encodePosition(big))).toEqual(big);
    expect(decodePosition(JSON.parse(JSON.stringify(encodePosition(pos(5, 3)))) as string)).toEqual(pos(5, 3));
  });

  it.each(['', '12', 'a/b', '-1/2', '1/2/3', '1 / 2', 'start'])('refuses %j as a position', (s) => {
    expect(() => decodePosition(s)).toThrow(InvalidEventError);
  });

  it('orders by commit, then by prepare, exactly beyond 2^53', () => {
    expect(comparePosition(pos(10, 50), pos(11, 0))).toBeLessThan(0);
    expect(comparePosition(pos(10, 12), pos(10, 11))).toBeGreaterThan(0);
    expect(comparePosition(pos(10, 12), pos(10, 12))).toBe(0);
    // Equal as doubles, different as positions.
    expect(comparePosition(pos(9_007_199_254_740_993n), pos(9_007_199_254_740_992n))).toBeGreaterThan(0);
  });

  it('compares position strings through the store', async () => {
    const store = new EventStoreDbEventStore('esdb://localhost:2113?tls=false');
    try {
      expect(store.comparePositions('10/10', '9/20')).toBeGreaterThan(0);
      expect(store.comparePositions('10/10', '10/11')).toBeLessThan(0);
      expect(store.comparePositions('7/7', '7/7')).toBe(0);
      // Strings compared as text would put "9" after "10".
      expect(store.comparePositions('9/9', '10/10')).toBeLessThan(0);
      expect(() => store.comparePositions('10', '9/9')).toThrow(InvalidEventError);
    } finally {
      await store.dispose();
    }
  });

  it('treats the from position as exclusive in both directions', () => {
    expect(isBeyond(pos(5), pos(5), 'forwards')).toBe(false);
    expect(isBeyond(pos(6), pos(5), 'forwards')).toBe(true);
    expect(isBeyond(pos(4), pos(5), 'forwards')).toBe(false);
    expect(isBeyond(pos(5), pos(5), 'backwards')).toBe(false);
    expect(isBeyond(pos(4), pos(5), 'backwards')).toBe(true);
    expect(isBeyond(pos(6), pos(5), 'backwards')).toBe(false);
  });
});

describe('expected revision mapping', () => {
  it.each([
    [0, 0n], [7, 7n], [Number.MAX_SAFE_INTEGER, BigInt(Number.MAX_SAFE_INTEGER)],
    ['no_stream', 'no_stream'], ['stream_exists', 'stream_exists'], ['any', 'any'],
  ] as const)('%s becomes %s', (port, client) => {
    expect(toClientExpectedRevision(port)).toBe(client);
  });
});

describe('error mapping', () => {
  it('a wrong expected version becomes WrongExpectedRevisionError with the current revision', () => {
    const e = mapAppendError(new WrongExpectedVersionError(undefined, { streamName: 'task-1', expected: 2n, current: 5n }), 'task-1', 2);
    expect(e).toBeInstanceOf(WrongExpectedRevisionError);
    expect(e).toMatchObject({ stream: 'task-1', expected: '2', actual: 5, code: 'WRONG_EXPECTED_REVISION' });
  });

  it('a missing stream is actual -1', () => {
    const e = mapAppendError(
      new WrongExpectedVersionError(undefined, { streamName: 'task-2', expected: 'stream_exists', current: 'no_stream' }),
      'task-2', 'stream_exists');
    expect(e).toMatchObject({ stream: 'task-2', expected: 'stream_exists', actual: -1 });
  });

  it('reads the revisions a gRPC status carries in its metadata', () => {
    const metadata = { getMap: () => ({ 'stream-name': 'task-3', 'expected-version': '0', 'actual-version': '4' }) };
    const clientError = new WrongExpectedVersionError({ metadata, code: 9, details: '', message: 'wev' } as never);
    expect(mapAppendError(clientError, 'task-3', 'no_stream')).toMatchObject({ stream: 'task-3', expected: 'no_stream', actual: 4 });
  });

  it('an append over the server size limit is an InvalidEventError', () => {
    const e = mapAppendError(MaxAppendSizeExceededError.fromMaxAppendSize(1024), 'task-4', 'any');
    expect(e).toBeInstanceOf(InvalidEventError);
    expect((e as Error).message).toContain('1024');
  });

  it('no leader or no answer in time (a node died, an election) is StoreUnavailableError: UNAVAILABLE to the client, retry safe', () => {
    for (const clientError of [new UnavailableError(), new DeadlineExceededError()]) {
      const e = mapAppendError(clientError, 'task-5', 'any');
      expect(e).toBeInstanceOf(StoreUnavailableError);
      expect((e as Error).message).toContain('task-5');
      expect((e as Error).cause).toBe(clientError);
    }
  });

  it('other errors pass through unchanged', () => {
    const plain = new Error('boom');
    expect(mapAppendError(plain, 's', 'any')).toBe(plain);
    expect(mapAppendError('text', 's', 'any')).toBe('text');
  });

  it('recognises a missing stream on read', () => {
    expect(isStreamNotFound(new StreamNotFoundError(undefined, 'x'))).toBe(true);
    expect(isStreamNotFound(new UnavailableError())).toBe(false);
    expect(isStreamNotFound(null)).toBe(false);
  });
});

describe('recorded event mapping', () => {
  it('maps a client event onto the port, surviving JSON', () => {
    const e = recorded({ revision: 3n, position: pos(200, 199) });
    const r = toRecordedEvent(e);
    expect(r).toEqual({
      id: e.id, stream: 'task-1', revision: 3, position: '200/199', type: 'TaskCreated',
      data: { a: 1 }, metadata: { by: 'x' }, recordedAt: '2025-01-02T03:04:05.678Z',
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('absent metadata reads as {} and a missing position is an error', () => {
    expect(toRecordedEvent(recorded({ metadata: undefined })).metadata).toEqual({});
    expect(() => toRecordedEvent(recorded({ position: undefined }))).toThrow(/without a position/);
  });

  it('system events are recognised by type or stream', () => {
    expect(isSystemEvent({ type: '$metadata', streamId: '$$task-1' })).toBe(true);
    expect(isSystemEvent({ type: 'Anything', streamId: '$settings' })).toBe(true);
    expect(isSystemEvent({ type: 'TaskCreated', streamId: 'task-1' })).toBe(false);
  });

  it('backoff doubles from 100 ms and stops at 10 s', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map(backoffDelay)).toEqual([100, 200, 400, 800, 6400, 10_000, 10_000]);
  });
});

/** An in-memory $all with EventStoreDB's read semantics: a from position is inclusive in both directions. */
class FakeClient {
  readonly log: ClientRecordedEvent[] = [];
  readonly subscriptions: { options: { fromPosition: unknown; filter?: unknown }; stream: FakeSubscription }[] = [];
  readonly appends: unknown[][] = [];
  readonly readStreamCalls: unknown[] = [];
  appendResult: { nextExpectedRevision: bigint; position?: Position } = { nextExpectedRevision: 0n };
  disposed = false;

  add(streamId: string, type = 'Happened'): ClientRecordedEvent {
    const p = pos(1000 + this.log.length * 10);
    const e = recorded({ streamId, type, position: p, revision: BigInt(this.log.filter((x) => x.streamId === streamId).length) });
    this.log.push(e);
    return e;
  }

  readAll(o: { fromPosition: Position | 'start' | 'end'; direction: 'forwards' | 'backwards'; maxCount: number }) {
    const all = o.direction === 'forwards' ? this.log : [...this.log].reverse();
    const start = o.fromPosition === 'start' || o.fromPosition === 'end' ? 0
      : all.findIndex((e) => (o.direction === 'forwards' ? comparePosition(e.position!, o.fromPosition as Position) >= 0
        : comparePosition(e.position!, o.fromPosition as Position) <= 0));
    const page = start < 0 ? [] : all.slice(start, start + o.maxCount);
    return Readable.from(page.map((event) => ({ event })));
  }

  readStream(stream: string, o: { fromRevision: bigint }) {
    this.readStreamCalls.push({ stream, ...o });
    return Readable.from(this.log.filter((e) => e.streamId === stream && e.revision === o.fromRevision).map((event) => ({ event })));
  }

  async appendToStream(_stream: string, events: unknown[]) {
    this.appends.push(events);
    return { success: true, ...this.appendResult };
  }

  subscribeToAll(options: { fromPosition: unknown; filter?: unknown }) {
    const stream = new FakeSubscription();
    this.subscriptions.push({ options, stream });
    return stream;
  }

  async dispose() {
    this.disposed = true;
  }
}

class FakeSubscription extends Readable {
  unsubscribed = false;
  constructor() {
    super({ objectMode: true, read() {} });
  }
  async unsubscribe() {
    this.unsubscribed = true;
  }
}

const storeOn = (fake: FakeClient) => new EventStoreDbEventStore(fake as unknown as EventStoreDBClient);
const tick = () => new Promise((r) => setImmediate(r));

describe('reading $all over the client', () => {
  it('skips the event at the from position and system events, in both directions, across pages', async () => {
    const fake = new FakeClient();
    const ours: ClientRecordedEvent[] = [];
    for (let i = 0; i < 2500; i++) {
      if (i % 3 === 0) fake.add('$stats-node', '$statsCollected');
      ours.push(fake.add('task-1'));
    }
    const store = storeOn(fake);
    const all = await store.readAll();
    expect(all.map((e) => e.id)).toEqual(ours.map((e) => e.id));

    const from = encodePosition(ours[10]!.position!);
    expect((await store.readAll({ fromPosition: from, maxCount: 3 })).map((e) => e.id)).toEqual(ours.slice(11, 14).map((e) => e.id));
    expect((await store.readAll({ fromPosition: from, direction: 'backwards', maxCount: 3 })).map((e) => e.id))
      .toEqual(ours.slice(7, 10).reverse().map((e) => e.id));
    expect((await store.readAll({ fromPosition: from, maxCount: 2000 })).map((e) => e.id)).toEqual(ours.slice(11, 2011).map((e) => e.id));
    expect(await store.readAll({ fromPosition: encodePosition(ours.at(-1)!.position!) })).toEqual([]);
    expect(await store.readAll({ fromPosition: 'end' })).toEqual([]);
    expect(await store.readAll({ fromPosition: 'start', direction: 'backwards' })).toEqual([]);
    expect((await store.readAll({ direction: 'backwards', maxCount: 2 })).map((e) => e.id)).toEqual([ours[2499]!.id, ours[2498]!.id]);
    await store.dispose();
    expect(fake.disposed).toBe(true);
  });
});

describe('appending over the client', () => {
  const ev = (n = 1) => Array.from({ length: n }, () => ({ id: randomUUID(), type: 'T', data: { n } }));

  it('refuses a malformed append before anything is sent', async () => {
    const fake = new FakeClient();
    const store = storeOn(fake);
    await expect(store.append('s', [{ id: 'nope', type: 'T', data: {} }])).rejects.toBeInstanceOf(InvalidEventError);
    await expect(store.append('s', ev(), -1)).rejects.toBeInstanceOf(InvalidEventError);
    expect(fake.appends).toHaveLength(0);
  });

  it('uses the reported position for one event and the stored last event otherwise', async () => {
    const fake = new FakeClient();
    const store = storeOn(fake);
    fake.appendResult = { nextExpectedRevision: 0n, position: pos(50) };
    expect(await store.append('s', ev())).toEqual({ nextExpectedRevision: 0, position: '50/50' });
    expect(fake.readStreamCalls).toHaveLength(0);

    fake.add('s');
    const last = fake.add('s');
    fake.appendResult = { nextExpectedRevision: 1n, position: pos(1000) };
    expect(await store.append('s', ev(2))).toEqual({ nextExpectedRevision: 1, position: encodePosition(last.position!) });
    // A deduplicated retry comes back without a position.
    fake.appendResult = { nextExpectedRevision: 1n };
    expect(await store.append('s', ev())).toEqual({ nextExpectedRevision: 1, position: encodePosition(last.position!) });
    expect(fake.readStreamCalls).toEqual([
      { stream: 's', fromRevision: 1n, maxCount: 1, requiresLeader: true },
      { stream: 's', fromRevision: 1n, maxCount: 1, requiresLeader: true },
    ]);
  });

  it('sends ids, a snapshot of the data and JSON metadata bytes', async () => {
    const fake = new FakeClient();
    const store = storeOn(fake);
    fake.appendResult = { nextExpectedRevision: 0n, position: pos(50) };
    const data = { n: 1 };
    const id = randomUUID();
    const pending = store.append('s', [{ id, type: 'T', data, metadata: 0 }]);
    data.n = 2;
    await pending;
    const [sent] = fake.appends[0] as { id: string; data: unknown; metadata: Uint8Array; contentType: string }[];
    expect(sent!.id).toBe(id);
    expect(sent!.contentType).toBe('application/json');
    expect(sent!.data).toEqual({ n: 1 });
    expect(sent!.metadata.constructor).toBe(Uint8Array);
    expect(new TextDecoder().decode(sent!.metadata)).toBe('0');
  });
});

describe('subscribing over the client', () => {
  const next = async (it: AsyncIterator<SubscriptionItem>) => (await it.next()).value as SubscriptionItem;
  const eventOf = (e: ClientRecordedEvent) => ({ event: e });

  it('reports caughtUp only after the events the client buffered before the notice', async () => {
    const fake = new FakeClient();
    const store = storeOn(fake);
    const sub = store.subscribe();
    const it = sub[Symbol.asyncIterator]();
    const [a, stats, b] = [fake.add('x'), fake.add('$stats', '$statsCollected'), fake.add('y')];
    const { stream, options } = fake.subscriptions[0]!;
    expect(options.fromPosition).toBe('start');
    expect(options.filter).toBeDefined();
    // Pushed before the stream starts flowing, so they wait in its buffer when 'caughtUp' fires.
    for (const e of [a, stats, b]) stream.push(eventOf(e));
    stream.emit('caughtUp');
    const items = [await next(it), await next(it), await next(it)];
    expect(items.map((i) => (i.kind === 'event' ? i.event.id : i.kind))).toEqual([a.id, b.id, 'caughtUp']);
    expect(items[2]).toEqual({ kind: 'caughtUp', position: encodePosition(fake.log[2]!.position!) });
    await sub.stop();
    expect(stream.unsubscribed).toBe(true);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('resubscribes from the last received position after a drop, skipping repeats', async () => {
    const fake = new FakeClient();
    const store = storeOn(fake);
    const sub = store.subscribe({ fromPosition: '5/5' });
    const it = sub[Symbol.asyncIterator]();
    const first = fake.subscriptions[0]!;
    expect(first.options.fromPosition).toEqual(pos(5));
    const a = fake.add('x');
    first.stream.push(eventOf(a));
    expect((await next(it))).toMatchObject({ kind: 'event', event: { id: a.id } });
    first.stream.emit('error', new UnavailableError());
    expect(first.stream.unsubscribed).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.subscriptions).toHaveLength(2);
    const second = fake.subscriptions[1]!;
    expect(second.options.fromPosition).toEqual(a.position);
    const b = fake.add('x');
    second.stream.push(eventOf(a));
    second.stream.push(eventOf(b));
    expect((await next(it))).toMatchObject({ kind: 'event', event: { id: b.id } });
    await sub.stop();
  });

  it('stop ends pending next() calls and cancels a pending resubscription', async () => {
    const fake = new FakeClient();
    const store = storeOn(fake);
    const sub = store.subscribe();
    const it = sub[Symbol.asyncIterator]();
    const pending = it.next();
    fake.subscriptions[0]!.stream.emit('error', new UnavailableError());
    await sub.stop();
    expect(await pending).toEqual({ done: true, value: undefined });
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.subscriptions).toHaveLength(1);
  });

  it('pauses the server stream while the consumer lags and resumes once it drains', async () => {
    const fake = new FakeClient();
    const store = storeOn(fake);
    const sub = store.subscribe();
    const it = sub[Symbol.asyncIterator]();
    const { stream } = fake.subscriptions[0]!;
    await tick();
    for (let i = 0; i < 1000; i++) stream.push(eventOf(fake.add('x')));
    await tick();
    expect(stream.isPaused()).toBe(true);
    for (let i = 0; i < 900; i++) await it.next();
    expect(stream.isPaused()).toBe(false);
    await store.dispose();
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });
});
