/**
 * The event store port. Two adapters implement it (embedded SQLite, EventStoreDB) and one
 * contract suite (test/contract/) holds both to the same behaviour.
 *
 * Positions and revisions are plain JSON values: a revision is a number (0-based index in its
 * stream), a global position an opaque string that only the adapter that made it interprets.
 */

export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface NewEvent {
  /** uuid; re-appending an id the stream already holds writes nothing. */
  id: string;
  type: string;
  data: unknown;
  metadata?: unknown;
}

export interface RecordedEvent {
  id: string;
  stream: string;
  revision: number;
  position: string;
  type: string;
  data: unknown;
  metadata: unknown;
  /** ISO-8601 instant the store committed it. */
  recordedAt: string;
}

export interface AppendResult {
  /** Revision of the last event of the append: pass it back as the next expected revision. */
  nextExpectedRevision: number;
  /** Global position of the last event of the append. */
  position: string;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  fromRevision?: number | 'start' | 'end';
  direction?: Direction;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive when reading forwards from a position a previous read returned. */
  fromPosition?: string | 'start' | 'end';
  direction?: Direction;
  maxCount?: number;
}

export type SubscriptionItem =
  | { kind: 'event'; event: RecordedEvent }
  /** Everything up to `position` has been delivered; what follows is live. */
  | { kind: 'caughtUp'; position: string | null };

export interface Subscription extends AsyncIterable<SubscriptionItem> {
  /** Ends the iteration; pending `next()` calls resolve as done. */
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** Deliver events after this position (exclusive); 'start' (default) replays everything. */
  fromPosition?: string | 'start';
}

export interface EventStore {
  readonly name: string;
  append(stream: string, events: NewEvent[], expectedRevision?: ExpectedRevision): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribe(options?: SubscribeOptions): Subscription;
  /** Compares two positions made by this store: negative, zero or positive. */
  comparePositions(a: string, b: string): number;
  /**
   * A count that moves when another process may have written to the store since the last call, and
   * never for this object's own appends (SQLite: PRAGMA data_version). Absent: the store cannot
   * tell, and callers read to find out.
   */
  othersWrites?(): number;
  dispose(): Promise<void>;
}
