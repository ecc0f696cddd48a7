import {
  ANY, END, ErrorType, EventStoreDBClient, NO_STREAM, START, STREAM_EXISTS, excludeSystemEvents, jsonEvent,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent, AllStreamSubscription, AppendExpectedRevision, Position,
} from '@eventstore/db-client';
import { InvalidEventError, StoreUnavailableError, WrongExpectedRevisionError } from './errors.js';
import type {
  AppendResult, Direction, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions,
  RecordedEvent, SubscribeOptions, Subscription, SubscriptionItem,
} from './port.js';
import { validateAppend } from './validate.js';

/** Events per read request when paging through $all. */
const PAGE = 1000;
/** Resubscription delay after a drop: doubles from the minimum up to the maximum. */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 10_000;
/** A subscription pauses the server stream while this many items wait for the consumer. */
const HIGH_WATER = 1000;
const LOW_WATER = 100;

/** What this adapter needs of a recorded event from @eventstore/db-client. */
export interface ClientRecordedEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  created: Date;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

/** A $all position as "<commit>/<prepare>" decimal strings: JSON-safe, and exact beyond 2^53. */
export function encodePosition(p: Position): string {
  return `${p.commit}/${p.prepare}`;
}

export function decodePosition(s: string): Position {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m) throw new InvalidEventError(`not a position of this store: ${s}`);
  return { commit: BigInt(m[1]!), prepare: BigInt(m[2]!) };
}

/** $all order: by commit position, then by prepare position within one commit. */
export function comparePosition(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** True when `p` lies strictly after `from` in the reading direction: the port's reads are exclusive. */
export function isBeyond(p: Position, from: Position, direction: Direction): boolean {
  const c = comparePosition(p, from);
  return direction === 'forwards' ? c > 0 : c < 0;
}

export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any': return ANY;
    case 'no_stream': return NO_STREAM;
    case 'stream_exists': return STREAM_EXISTS;
    default: return BigInt(expected);
  }
}

function errorType(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
}

export function isStreamNotFound(error: unknown): boolean {
  return errorType(error) === ErrorType.STREAM_NOT_FOUND;
}

/** Turns the client's append failures into the port's typed errors; anything else passes through. */
export function mapAppendError(error: unknown, stream: string, expected: ExpectedRevision): unknown {
  switch (errorType(error)) {
    case ErrorType.WRONG_EXPECTED_VERSION: {
      const actual = (error as { actualVersion: bigint | typeof NO_STREAM }).actualVersion;
      return new WrongExpectedRevisionError(stream, String(expected), actual === NO_STREAM ? -1 : Number(actual));
    }
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      return new InvalidEventError(
        `append to ${stream} exceeds the server's maximum append size (${(error as { maxAppendSize: number }).maxAppendSize} bytes)`);
    // A leader election in the cluster, a node gone, no answer in time: the client may retry (same event ids).
    case ErrorType.UNAVAILABLE:
    case ErrorType.NOT_LEADER:
    case ErrorType.DEADLINE_EXCEEDED:
      return new StoreUnavailableError(`EventStoreDB did not take the append to ${stream} (${errorType(error)})`, error);
    default:
      return error;
  }
}

/** System events ($-prefixed types, or anything in a $-prefixed stream) are the server's, not ours. */
export function isSystemEvent(e: { type: string; streamId: string }): boolean {
  return e.type.startsWith('$') || e.streamId.startsWith('$');
}

export function toRecordedEvent(e: ClientRecordedEvent): RecordedEvent {
  if (!e.position) throw new Error(`EventStoreDB returned event ${e.id} without a position (server 22.6 or newer is required)`);
  return {
    id: e.id,
    stream: e.streamId,
    revision: Number(e.revision),
    position: encodePosition(e.position),
    type: e.type,
    data: e.data,
    // The SQLite store records a missing metadata as {}; events written by other tools may have none.
    metadata: e.metadata ?? {},
    recordedAt: e.created.toISOString(),
  };
}

export function backoffDelay(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

const encoder = new TextEncoder();

/**
 * Event store on an EventStoreDB server (or cluster), given an `esdb://` connection string or a client
 * (which the store then owns and closes on dispose).
 */
export class EventStoreDbEventStore implements EventStore {
  readonly name = 'eventstoredb';
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<AllSubscription>();
  private disposed = false;

  constructor(connection: string | EventStoreDBClient) {
    this.client = typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
  }

  async append(stream: string, events: NewEvent[], expectedRevision: ExpectedRevision = 'any'): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(stream, events, expectedRevision);
    const proposed = events.map((e) => jsonEvent({
      id: e.id,
      type: e.type,
      // The client serialises after awaiting its connection: snapshot now so later mutations are not stored.
      // (Its type omits top-level numbers, booleans and null, which it serialises all the same.)
      data: structuredClone(e.data) as Record<string, unknown>,
      // Bytes rather than an object: the client drops falsy metadata (0, '', false), which are valid JSON.
      metadata: encoder.encode(JSON.stringify(e.metadata ?? {})),
    }));
    let result;
    try {
      result = await this.client.appendToStream(stream, proposed, { expectedRevision: toClientExpectedRevision(expectedRevision) });
    } catch (error) {
      throw mapAppendError(error, stream, expectedRevision);
    }
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    // The server reports the commit position of the whole write, which is the last event's own position only
    // when there is one event; a deduplicated retry reports none. Otherwise ask for the last event itself.
    const position = events.length === 1 && result.position
      ? encodePosition(result.position)
      : await this.positionOf(stream, nextExpectedRevision);
    return { nextExpectedRevision, position };
  }

  private async positionOf(stream: string, revision: number): Promise<string> {
    const [found] = await collect(this.client.readStream(stream, {
      fromRevision: BigInt(revision), maxCount: 1, requiresLeader: true,
    }));
    if (!found?.event) throw new Error(`stream ${stream}: event ${revision} was acknowledged but cannot be read`);
    return toRecordedEvent(found.event).position;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
    if (maxCount <= 0) return [];
    const from = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
    try {
      const page = await collect(this.client.readStream(stream, {
        fromRevision: from === 'start' ? START : from === 'end' ? END : BigInt(from), direction, maxCount,
      }));
      return page.flatMap((r) => (r.event ? [toRecordedEvent(r.event)] : []));
    } catch (error) {
      if (isStreamNotFound(error)) return [];
      throw error;
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
    const from = options.fromPosition ?? (direction === 'forwards' ? 'start' : 'end');
    if (maxCount <= 0 || (direction === 'forwards' && from === 'end') || (direction === 'backwards' && from === 'start')) return [];
    let cursor: Position | typeof START | typeof END = from === 'start' ? START : from === 'end' ? END : decodePosition(from);
    const out: RecordedEvent[] = [];
    for (;;) {
      // EventStoreDB includes the event at a given position; one extra covers skipping it. System events
      // are filtered here (readAll in this client takes no filter), so keep paging until maxCount is met.
      const want = Math.min(PAGE, maxCount - out.length) + 1;
      const page = await collect(this.client.readAll({ fromPosition: cursor, direction, maxCount: want }));
      let last: Position | undefined;
      for (const { event } of page) {
        if (!event) continue;
        last = event.position;
        if (typeof cursor === 'object' && !isBeyond(event.position, cursor, direction)) continue;
        if (isSystemEvent(event)) continue;
        out.push(toRecordedEvent(event));
        if (out.length === maxCount) return out;
      }
      if (page.length < want || !last) return out;
      cursor = last;
    }
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const from = options.fromPosition && options.fromPosition !== 'start' ? decodePosition(options.fromPosition) : undefined;
    const sub = new AllSubscription(this.client, from, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    return sub;
  }

  comparePositions(a: string, b: string): number {
    return comparePosition(decodePosition(a), decodePosition(b));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('event store is closed');
  }
}

type Waiter = (result: IteratorResult<SubscriptionItem, undefined>) => void;

/**
 * A catch-up subscription to $all without system events. The client does not reconnect a dropped
 * subscription, so this one resubscribes from the last event it received, with exponential backoff.
 */
class AllSubscription implements Subscription, AsyncIterator<SubscriptionItem, undefined> {
  private readonly queue: SubscriptionItem[] = [];
  private waiters: Waiter[] = [];
  private current: { sub: AllStreamSubscription; detach: () => Promise<void> } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private paused = false;
  private stopped = false;

  constructor(
    private readonly client: EventStoreDBClient,
    /** Last $all position received, system events included: where a resubscription starts (exclusive). */
    private checkpoint: Position | undefined,
    private readonly onStop: () => void,
  ) {
    this.open();
  }

  private open(): void {
    const sub = this.client.subscribeToAll({ fromPosition: this.checkpoint ?? START, filter: excludeSystemEvents() });
    this.paused = false;
    // The client emits 'caughtUp' as soon as it reads the notice, while events it read before may still sit
    // in its readable buffer; the notice is queued only once those events have come through.
    let received = 0;
    const caughtUpAt: number[] = [];
    const caughtUp = () => {
      this.attempt = 0;
      this.push({ kind: 'caughtUp', position: this.checkpoint ? encodePosition(this.checkpoint) : null });
    };
    const onData = ({ event }: AllStreamResolvedEvent) => {
      received += 1;
      if (event && (!this.checkpoint || comparePosition(event.position, this.checkpoint) > 0)) {
        this.checkpoint = event.position;
        this.attempt = 0;
        if (!isSystemEvent(event)) this.push({ kind: 'event', event: toRecordedEvent(event) });
      }
      while (caughtUpAt.length > 0 && caughtUpAt[0]! <= received) {
        caughtUpAt.shift();
        caughtUp();
      }
    };
    const onCaughtUp = () => {
      if (sub.readableLength === 0) caughtUp();
      else caughtUpAt.push(received + sub.readableLength);
    };
    const onDrop = () => this.dropped(sub);
    sub.on('data', onData);
    sub.on('caughtUp', onCaughtUp);
    sub.on('error', onDrop);
    sub.on('end', onDrop);
    const detach = () => {
      sub.off('data', onData);
      sub.off('caughtUp', onCaughtUp);
      sub.off('end', onDrop);
      // Keep a listener: an 'error' event with none would be thrown.
      sub.on('error', () => undefined);
      sub.off('error', onDrop);
      return sub.unsubscribe().catch(() => undefined);
    };
    this.current = { sub, detach };
  }

  private dropped(sub: AllStreamSubscription): void {
    if (this.current?.sub !== sub) return;
    void this.current.detach();
    this.current = undefined;
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.open();
    }, backoffDelay(this.attempt));
    this.attempt += 1;
  }

  private push(item: SubscriptionItem): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter({ done: false, value: item });
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= HIGH_WATER && this.current && !this.paused) {
      this.current.sub.pause();
      this.paused = true;
    }
  }

  next(): Promise<IteratorResult<SubscriptionItem, undefined>> {
    if (this.stopped) return Promise.resolve({ done: true, value: undefined });
    const item = this.queue.shift();
    if (!item) return new Promise((resolve) => this.waiters.push(resolve));
    if (this.paused && this.queue.length <= LOW_WATER && this.current) {
      this.current.sub.resume();
      this.paused = false;
    }
    return Promise.resolve({ done: false, value: item });
  }

  async return(): Promise<IteratorResult<SubscriptionItem, undefined>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionItem, undefined> {
    return this;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.queue.length = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w({ done: true, value: undefined });
    const current = this.current;
    this.current = undefined;
    this.onStop();
    await current?.detach();
  }
}
