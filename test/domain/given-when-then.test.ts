import { describe, expect, it } from 'vitest';
import { badInput, invalidState } from '../../src/errors.js';
import { at, DeciderSpecification, unitDirectory } from '../support/given-when-then.js';

// A toy decider, so the helper itself is shown to fail when it should.
type Event = { type: 'Added'; data: { n: number }; reason?: string };
type Command = { type: 'Add'; n: number } | { type: 'Boom' } | { type: 'Deny' };
type State = { total: number; seenAt: string[] };

const spec = DeciderSpecification<Command, Event, State, { now: string; units: ReturnType<typeof unitDirectory> }>(
  {
    decide(command, state, ctx) {
      if (command.type === 'Boom') throw invalidState(`total is ${state.total}`);
      if (command.type === 'Deny') throw new Error('not a TiendoError');
      return [{ type: 'Added', data: { n: command.n }, reason: `${ctx.now} ${ctx.units.get('01')?.parentId ?? '-'}` }];
    },
    evolve: (state, event, when) => ({ ...state, total: state.total + event.data.n, seenAt: [...state.seenAt, when] }),
    initialState: { total: 0, seenAt: [] },
  },
  (env) => env,
  { now: '2026-06-15T03:00:00.000Z', units: [{ id: 'GOV', kind: 'GOVERNMENT' }, { id: '01', kind: 'PROVINCE', parentId: 'GOV' }], at: '2026-01-01T00:00:00.000Z' },
);
const added = (n: number, reason?: string): Event => ({ type: 'Added', data: { n }, ...(reason === undefined ? {} : { reason }) });

describe('given / when / then', () => {
  it('folds given events at their instants, decides with now and the units, returns the state after', () => {
    const g = spec.given([added(1), at('2026-03-01T00:00:00.000Z', added(2))]);
    expect(g.state).toStrictEqual({ total: 3, seenAt: ['2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'] });
    const after = g.when({ type: 'Add', n: 4 }).then([added(4, '2026-06-15T03:00:00.000Z GOV')]);
    expect(after.total).toBe(7);
    expect(after.seenAt.at(-1)).toBe('2026-06-15T03:00:00.000Z');
  });

  it('lets one case override now and units', () => {
    spec.given().when({ type: 'Add', n: 1 }, { now: '2027-01-01T00:00:00.000Z', units: [] }).then([added(1, '2027-01-01T00:00:00.000Z -')]);
  });

  it('then fails on other events, on a missing reason, and when decide throws', () => {
    expect(() => spec.given().when({ type: 'Add', n: 1 }).then([added(2, '2026-06-15T03:00:00.000Z GOV')])).toThrow();
    expect(() => spec.given().when({ type: 'Add', n: 1 }).then([added(1)])).toThrow();
    expect(() => spec.given().when({ type: 'Add', n: 1 }).then([])).toThrow();
    expect(() => spec.given().when({ type: 'Boom' }).then([])).toThrow(/decide threw CONFLICT\/INVALID_STATE/);
  });

  it('thenThrows checks the code and the reason or a part of the message', () => {
    const error = spec.given([added(5)]).when({ type: 'Boom' }).thenThrows('CONFLICT', 'INVALID_STATE');
    expect(error.message).toBe('total is 5');
    spec.given([added(5)]).when({ type: 'Boom' }).thenThrows('CONFLICT', 'is 5');
    expect(() => spec.given().when({ type: 'Boom' }).thenThrows('BAD_USER_INPUT')).toThrow();
    expect(() => spec.given().when({ type: 'Boom' }).thenThrows('CONFLICT', 'ALREADY_EXISTS')).toThrow();
    expect(() => spec.given().when({ type: 'Add', n: 1 }).thenThrows('CONFLICT')).toThrow(/decide returned/);
    expect(() => spec.given().when({ type: 'Deny' }).thenThrows('CONFLICT')).toThrow();
    expect(badInput('x').code).toBe('BAD_USER_INPUT');
  });

  it('unitDirectory answers isWithin along parents', () => {
    const units = unitDirectory([{ id: 'GOV', kind: 'GOVERNMENT' }, { id: '01', kind: 'PROVINCE', parentId: 'GOV' }, { id: '00004', kind: 'COMMUNE', parentId: '01' }]);
    expect(units.isWithin('00004', 'GOV')).toBe(true);
    expect(units.isWithin('00004', '00004')).toBe(true);
    expect(units.isWithin('01', '00004')).toBe(false);
    expect(units.isWithin('99', 'GOV')).toBe(false);
    expect(units.get('01')).toMatchObject({ id: '01', kind: 'PROVINCE', name: '01', parentId: 'GOV', previousNames: [] });
  });
});
