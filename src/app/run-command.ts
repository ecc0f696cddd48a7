import { randomUUID } from 'node:crypto';
import { staleVersion } from '../errors.js';
import { WrongExpectedRevisionError } from '../eventstore/errors.js';
import type { EventStore } from '../eventstore/port.js';
import { type DomainEnvelope, type DomainEvent, decode, encode } from '../events.js';
import type { Actor, Decided } from '../shared/schemas.js';
import { uuidFromName } from '../shared/ids.js';

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
    ctx.clientMutationId ? uuidFromName(`${ctx.actor.id}|${ctx.clientMutationId}|${stream}|${i}`) : randomUUID());
}

/**
 * Load → decide → append with the expected revision. With an expectedVersion a lost race is a
 * CONFLICT for the client; without one the command is decided again on the new state, so
 * concurrent commands on one stream are serialised and none is lost.
 */
export async function runCommand<S, E extends DomainEvent>(
  store: EventStore, decider: StreamDecider<S, E>, ctx: CommandContext,
): Promise<CommandResult<S>> {
  const { stream } = decider;
  for (let attempt = 1; ; attempt++) {
    const stored = (await store.readStream(stream)).map(decode);
    const revision = stored.length - 1;
    const firstId = ctx.clientMutationId ? eventIdsFor(ctx, stream, 1)[0] : undefined;
    const earlier = firstId ? stored.findIndex((e) => e.id === firstId) : -1;
    let state = decider.initial;
    for (const e of stored.slice(0, earlier >= 0 ? earlier : stored.length)) state = decider.evolve(state, e as unknown as E, e.meta.occurredAt);
    if (earlier >= 0) {
      // A retry of a command already written: answer as the first time, write nothing.
      const ids = new Set(eventIdsFor(ctx, stream, stored.length - earlier));
      const mine = stored.slice(earlier).filter((e) => ids.has(e.id));
      const last = mine[mine.length - 1]!;
      return { stream, version: last.revision, position: last.position, events: mine, stateBefore: state, replayed: true };
    }
    if (ctx.expectedVersion != null && ctx.expectedVersion !== revision) throw staleVersion(stream, ctx.expectedVersion, revision);
    const decided = decider.decide(state);
    const ids = eventIdsFor(ctx, stream, decided.length);
    const base = {
      actor: ctx.actor, occurredAt: ctx.now, correlationId: ctx.correlationId, causationId: ctx.causationId ?? null,
      ...(ctx.clientMutationId ? { clientMutationId: ctx.clientMutationId } : {}),
    };
    const newEvents = decided.map((e, i) => encode(e as Decided, base, ids[i]));
    try {
      const result = await store.append(stream, newEvents, revision < 0 ? 'no_stream' : revision);
      const events = newEvents.map((e, i) => decode({
        ...e, stream, revision: revision + 1 + i, position: result.position, recordedAt: ctx.now, metadata: e.metadata ?? {},
      }));
      return { stream, version: result.nextExpectedRevision, position: result.position, events, stateBefore: state, replayed: false };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (ctx.expectedVersion != null) throw staleVersion(stream, ctx.expectedVersion, error.actual);
      if (attempt >= MAX_ATTEMPTS) throw staleVersion(stream, revision, error.actual);
    }
  }
}
