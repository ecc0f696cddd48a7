/**
 * Given / when / then for deciders, in the style of Oskar Dudycz's EventSourcing.NodeJS
 * decider samples and Emmett's DeciderSpecification:
 *
 *   spec.given([assigned]).when(command).then([expectedEvent])
 *   spec.given([assigned]).when(command).thenThrows('CONFLICT', 'INVALID_STATE')
 *
 * The given events are folded through `evolve` (each at an instant: the spec's `at`, or the one
 * given with `at(instant, event)`), then `decide` runs against that state with a fixed `now` and
 * an in-memory unit directory. `then` compares the decided events exactly (reason and basis
 * included) and returns the state after folding them, so evolve can be checked too.
 */
import { expect } from 'vitest';
import { type ErrorCode, TiendoError } from '../../src/errors.js';
import type { UnitKind } from '../../src/units/events.js';
import type { UnitDirectory, UnitState } from '../../src/units/state.js';

export interface Decider<Command, Event, State, Context> {
  decide(command: Command, state: State, context: Context): Event[];
  /** `at` is the instant the event occurred (metadata.occurredAt); deciders that ignore it may. */
  evolve(state: State, event: Event, at: string): State;
  initialState: State;
}

/** What every decider may be handed: the instant it decides at and the unit tree. */
export interface Environment {
  now: string;
  units: UnitDirectory;
}

export interface Timed<Event> {
  at: string;
  event: Event;
}
export type Given<Event> = Event | Timed<Event>;

/** A given event that occurred at a specific instant. */
export const at = <Event>(instant: string, event: Event): Timed<Event> => ({ at: instant, event });

const isTimed = <Event>(g: Given<Event>): g is Timed<Event> =>
  typeof g === 'object' && g !== null && 'event' in g && 'at' in g && !('type' in g);

/** Shorthand for a unit: kind, parent, and a name that defaults to the id. */
export interface UnitInput {
  id: string;
  kind: UnitKind;
  parentId?: string | null;
  name?: string;
  previousNames?: string[];
}

export const unitState = (u: UnitInput): UnitState => ({
  id: u.id,
  kind: u.kind,
  name: u.name ?? u.id,
  parentId: u.parentId ?? null,
  previousNames: u.previousNames ?? [],
  status: 'ACTIVE',
  mergedInto: null,
  absorbed: [],
});

/** An in-memory UnitDirectory over a fixed list of units. */
export function unitDirectory(units: readonly UnitInput[]): UnitDirectory {
  const byId = new Map(units.map((u) => [u.id, unitState(u)]));
  return {
    get: (id) => byId.get(id),
    isWithin(unitId, ancestorId) {
      for (let u: string | null | undefined = unitId, hops = 0; u && hops < 64; hops++) {
        if (u === ancestorId) return true;
        u = byId.get(u)?.parentId;
      }
      return false;
    },
  };
}

export interface SpecOptions {
  /** The instant the command is decided at. */
  now: string;
  units: readonly UnitInput[] | UnitDirectory;
  /** When given events occurred unless stated; defaults to `now`. */
  at?: string;
}

export interface WhenOverrides {
  now?: string;
  units?: readonly UnitInput[] | UnitDirectory;
}

export interface Then<Event, State> {
  /** Asserts the exact events decided; returns the state after folding them (at `now`). */
  then(expected: Event[]): State;
  /** Asserts a TiendoError with this code; `reasonOrMessagePart` matches its reason exactly or a part of its message. */
  thenThrows(code: ErrorCode, reasonOrMessagePart?: string): TiendoError;
  /** The state the given events fold to, before the command. */
  readonly state: State;
}

const toDirectory = (u: readonly UnitInput[] | UnitDirectory): UnitDirectory =>
  Array.isArray(u) ? unitDirectory(u as readonly UnitInput[]) : (u as UnitDirectory);

export function DeciderSpecification<Command, Event, State, Context>(
  decider: Decider<Command, Event, State, Context>,
  context: (env: Environment) => Context,
  options: SpecOptions,
) {
  const defaultAt = options.at ?? options.now;
  const fold = (state: State, events: readonly Given<Event>[]): State =>
    events.reduce<State>((s, g) => (isTimed(g) ? decider.evolve(s, g.event, g.at) : decider.evolve(s, g, defaultAt)), state);

  return {
    given(events: readonly Given<Event>[] = []) {
      const state = fold(decider.initialState, events);
      return {
        state,
        when(command: Command, overrides: WhenOverrides = {}): Then<Event, State> {
          const now = overrides.now ?? options.now;
          const units = toDirectory(overrides.units ?? options.units);
          const run = () => decider.decide(command, state, context({ now, units }));
          return {
            state,
            then(expected) {
              let actual: Event[];
              try {
                actual = run();
              } catch (error) {
                const detail = error instanceof TiendoError ? `${error.code}/${error.reason}: ${error.message}` : String(error);
                throw new Error(`expected events ${JSON.stringify(expected)} but decide threw ${detail}`, { cause: error });
              }
              expect(actual).toStrictEqual(expected);
              return actual.reduce<State>((s, e) => decider.evolve(s, e, now), state);
            },
            thenThrows(code, reasonOrMessagePart) {
              let decided: Event[] | undefined;
              let thrown: unknown;
              try {
                decided = run();
              } catch (error) {
                thrown = error;
              }
              if (thrown === undefined) {
                expect.fail(`expected a ${code} error but decide returned ${JSON.stringify(decided)}`);
              }
              expect(thrown).toBeInstanceOf(TiendoError);
              const error = thrown as TiendoError;
              expect(error.code, `code of "${error.message}"`).toBe(code);
              if (reasonOrMessagePart !== undefined) {
                expect(
                  error.reason === reasonOrMessagePart || error.message.includes(reasonOrMessagePart),
                  `${error.code}/${error.reason}: "${error.message}" carries neither the reason nor the text "${reasonOrMessagePart}"`,
                ).toBe(true);
              }
              return error;
            },
          };
        },
      };
    },
  };
}
