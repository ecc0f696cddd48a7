import { staleVersion } from '../errors.js';
import { WrongExpectedRevisionError } from '../eventstore/errors.js';
import type { EventStore } from '../eventstore/port.js';
import { type DomainEnvelope, type DomainEvent, decode, encode } from '../events.js';
import { noticeEventTypes } from '../reminders/events.js';
import type { Actor, Decided } from '../shared/schemas.js';
import { newEventId, uuidFromName } from '../shared/ids.js';
import { LruMap } from '../shared/lru-map.js';

export interface CommandContext {
  actor: Actor;
  /** The instant of the command; the only clock reading is the caller's. */
  now: string;
  correlationId: string;
  causationId?: string | null;
  clientMutationId?: string | null;
  expectedVersion?: number | null;
}

export interface CommandResult<S> {
  stream: string;
  /** Revision after the write: the version clients pass back as expectedVersion. */
  version: number;
  position: string;
  events: DomainEnvelope[];
  stateBefore: S;
  /** True when this was a retry of a command already written. */
  replayed: boolean;
}

export interface StreamDecider<S, E extends DomainEvent> {
  stream: string;
  initial: S;
  evolve(state: S, event: E, at: string): S;
  /** Throws a TiendoError to refuse; runs after the state is loaded (authorisation lives here too). */
  decide(state: S): E[];
}

const MAX_ATTEMPTS = 8;

/** Event ids for a command: from the client's mutation id when given, so a retry writes nothing new. */
export function eventIdsFor(ctx: CommandContext, stream: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    ctx.clientMutationId ? uuidFromName(`${ctx.actor.id}|${ctx.clientMutationId}|${stream}|${i}`) : newEventId());
}

/**
 * Load → decide → append with the expected revision. With an expectedVersion a lost race is a
 * CONFLICT for the client; without one the command is decided again on the new state, so
 * concurrent commands on one stream are serialised and none is lost.
 *
 * Within this process, commands on one stream run one after the other, in arrival order: without
 * that, N concurrent commands all read the same revision, one wins each round and the rest retry,
 * so the last of more than MAX_ATTEMPTS got a CONFLICT it had not asked for (an update lost). The
 * retry loop remains for writers in other processes (another replica, a CLI import).
 */
export function runCommand<S, E extends DomainEvent>(
  store: EventStore, decider: StreamDecider<S, E>, ctx: CommandContext,
): Promise<CommandResult<S>> {
  return oneAtATime(store, decider.stream, () => decideAndAppend(store, decider, ctx));
}

const queues = new WeakMap<EventStore, Map<string, Promise<void>>>();

/** Runs `task` after every earlier task on the same store and stream has settled. */
function oneAtATime<T>(store: EventStore, stream: string, task: () => Promise<T>): Promise<T> {
  let streams = queues.get(store);
  if (!streams) queues.set(store, (streams = new Map()));
  const result = (streams.get(stream) ?? Promise.resolve()).then(task);
  const tail = result.then(() => undefined, () => undefined);
  streams.set(stream, tail);
  void tail.then(() => {
    if (streams.get(stream) === tail) streams.delete(stream);
  });
  return result;
}

/** Decides on the state at `revision` and appends with that revision expected; remembers the new state. */
async function write<S, E extends DomainEvent>(
  store: EventStore, decider: StreamDecider<S, E>, ctx: CommandContext, revision: number, state: S, othersSeen: number | undefined,
): Promise<CommandResult<S>> {
  const { stream } = decider;
  const decided = decider.decide(state);
  const ids = eventIdsFor(ctx, stream, decided.length);
  const base = {
    actor: ctx.actor, occurredAt: ctx.now, correlationId: ctx.correlationId, causationId: ctx.causationId ?? null,
    ...(ctx.clientMutationId ? { clientMutationId: ctx.clientMutationId } : {}),
  };
  const newEvents = decided.map((e, i) => encode(e as Decided, base, ids[i]));
  const result = await store.append(stream, newEvents, revision < 0 ? 'no_stream' : revision);
  // What decode would read back: encode has validated data and metadata, so they are not parsed again.
  const events: DomainEnvelope[] = newEvents.map((e, i) => ({
    id: e.id, stream, revision: revision + 1 + i, position: result.position, recordedAt: ctx.now, type: e.type, data: e.data, meta: e.metadata,
  }));
  // The append expected `revision`: nobody wrote to the stream in between, so the state it makes is exact.
  remember(store, decider, revision, state, events, othersSeen);
  return { stream, version: result.nextExpectedRevision, position: result.position, events, stateBefore: state, replayed: false };
}

async function decideAndAppend<S, E extends DomainEvent>(
  store: EventStore, decider: StreamDecider<S, E>, ctx: CommandContext,
): Promise<CommandResult<S>> {
  const { stream } = decider;
  for (let attempt = 1; ; attempt++) {
    const firstId = ctx.clientMutationId ? eventIdsFor(ctx, stream, 1)[0] : undefined;
    // The common case: the state this process folded last time, and only the events written since.
    const known = await cachedState(store, decider, firstId);
    if (known && (ctx.expectedVersion == null || ctx.expectedVersion === known.revision)) {
      try {
        return await write(store, decider, ctx, known.revision, known.state, known.othersSeen);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        // Written by someone the store's count does not see (this process, not through runCommand): read next time.
        forget(store, decider);
        if (attempt >= MAX_ATTEMPTS) throw staleVersion(stream, ctx.expectedVersion ?? known.revision, error.actual);
        continue;
      }
    }
    // A retry of a written command, or an expectedVersion that is not the head: read the whole stream.
    const othersSeen = store.othersWrites?.();
    const stored = (await store.readStream(stream)).map(decode);
    const revision = stored.length - 1;
    const earlier = firstId ? stored.findIndex((e) => e.id === firstId) : -1;
    let state = decider.initial;
    if (earlier < 0) state = remember(store, decider, -1, decider.initial, stored, othersSeen).state as S;
    else for (const e of stored.slice(0, earlier)) state = decider.evolve(state, e as unknown as E, e.meta.occurredAt);
    if (earlier >= 0) {
      // A retry of a command already written: answer as the first time, write nothing.
      const ids = new Set(eventIdsFor(ctx, stream, stored.length - earlier));
      const mine = stored.slice(earlier).filter((e) => ids.has(e.id));
      const last = mine[mine.length - 1]!;
      return { stream, version: last.revision, position: last.position, events: mine, stateBefore: state, replayed: true };
    }
    if (ctx.expectedVersion != null && ctx.expectedVersion !== revision && !onlyNoticesSince(stored, ctx.expectedVersion)) {
      throw staleVersion(stream, ctx.expectedVersion, revision);
    }
    try {
      return await write(store, decider, ctx, revision, state, othersSeen);
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      // With an expectedVersion, decide again only to let a reminder that slipped in pass (the check above).
      if (attempt >= MAX_ATTEMPTS) throw staleVersion(stream, ctx.expectedVersion ?? revision, error.actual);
    }
  }
}

/**
 * Stream states this process has folded, per store and per evolve function (the deciders'
 * module-level functions; a decider made with a fresh closure every time is simply not cached),
 * the least recently used evicted first. Events are immutable and every evolve returns a new state, so a state
 * at revision r stays true: the next command reads only the events after r (other processes'
 * writes included), instead of reading and decoding the whole stream every time — the cost that
 * grew with a stream's length (bench/README.md). `mutationIds`: ids of events written with a
 * clientMutationId, so that a retry is recognised without reading the stream. `othersSeen`: the
 * store's count of other processes' writes (othersWrites) when the state was known to be current;
 * while it has not moved, the stream's new events are this process's own, all folded already, and
 * the read is skipped. (A write in this process outside runCommand makes the next append a
 * conflict, which forgets the entry's count: the append's expected revision keeps this safe.)
 */
interface Folded { revision: number; state: unknown; mutationIds: Set<string>; othersSeen: number | undefined }
const MAX_FOLDED = 50_000;
const folded = new WeakMap<EventStore, WeakMap<object, LruMap<string, Folded>>>();

function foldedOf(store: EventStore, evolve: object): LruMap<string, Folded> {
  let byEvolve = folded.get(store);
  if (!byEvolve) folded.set(store, (byEvolve = new WeakMap()));
  let streams = byEvolve.get(evolve);
  if (!streams) byEvolve.set(evolve, (streams = new LruMap()));
  return streams;
}

/** Folds `events` (the stream's, after `revision`) into `state` and keeps the result. */
function remember<S, E extends DomainEvent>(
  store: EventStore, decider: StreamDecider<S, E>, revision: number, state: S, events: DomainEnvelope[], othersSeen: number | undefined,
): Folded {
  const streams = foldedOf(store, decider.evolve);
  const before = streams.peek(decider.stream);
  const entry: Folded = { revision, state, mutationIds: before && revision >= 0 ? before.mutationIds : new Set(), othersSeen };
  for (const e of events) {
    entry.state = decider.evolve(entry.state as S, e as unknown as E, e.meta.occurredAt);
    entry.revision = e.revision;
    if (e.meta.clientMutationId) entry.mutationIds.add(e.id);
  }
  // Room is made before a new stream is placed: when every other state was used since the last
  // eviction, the one just placed is the first not used (LruMap), and would go at once.
  if (!before && streams.size >= MAX_FOLDED) streams.delete(streams.leastRecentlyUsed()!);
  streams.set(decider.stream, entry);
  return entry;
}

/** Makes the next command on the stream read what was written since its folded state. */
function forget<S, E extends DomainEvent>(store: EventStore, decider: StreamDecider<S, E>): void {
  const entry = foldedOf(store, decider.evolve).peek(decider.stream);
  if (entry) entry.othersSeen = undefined;
}

/** The stream's state brought up to date from what this process folded before; null when it has nothing, or for a retry. */
async function cachedState<S, E extends DomainEvent>(
  store: EventStore, decider: StreamDecider<S, E>, firstId: string | undefined,
): Promise<{ revision: number; state: S; othersSeen: number | undefined } | null> {
  const entry = foldedOf(store, decider.evolve).get(decider.stream);
  if (!entry || (firstId && entry.mutationIds.has(firstId))) return null;
  // Read before the stream: a commit made while it is read is seen by the next command.
  const othersSeen = store.othersWrites?.();
  if (othersSeen !== undefined && othersSeen === entry.othersSeen) return { revision: entry.revision, state: entry.state as S, othersSeen };
  const since = (await store.readStream(decider.stream, { fromRevision: entry.revision + 1 })).map(decode);
  if (firstId && since.some((e) => e.id === firstId)) return null;
  const now = since.length ? remember(store, decider, entry.revision, entry.state as S, since, othersSeen) : entry;
  now.othersSeen = othersSeen;
  return { revision: now.revision, state: now.state as S, othersSeen };
}

/**
 * True when every event after `version` is a notice (a reminder, issue 10): it changed nothing
 * the client decided on, so an expectedVersion from before it is not stale.
 */
function onlyNoticesSince(stored: DomainEnvelope[], version: number): boolean {
  if (version < -1 || version >= stored.length) return false;
  return stored.slice(version + 1).every((e) => noticeEventTypes.has(e.type));
}
