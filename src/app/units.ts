import type { z } from 'zod';
import { authorize } from '../auth/policy.js';
import type { EventStore } from '../eventstore/port.js';
import * as C from '../units/commands.js';
import { decideUnit } from '../units/decide.js';
import { type UnitEvent, unitStream } from '../units/events.js';
import { evolveUnit } from '../units/evolve.js';
import type { UnitDirectory, UnitStreamState } from '../units/state.js';
import { parse } from './parse.js';
import { type CommandContext, runCommand } from './run-command.js';

export class UnitCommands {
  constructor(private readonly store: EventStore, private readonly units: () => UnitDirectory) {}

  private run(unitId: string, command: C.UnitCommand, action: 'registerUnit' | 'renameUnit', ctx: CommandContext) {
    const units = this.units();
    const tree = command.type === 'RegisterUnit' ? withUnitToBe(units, command.data) : units;
    return runCommand<UnitStreamState, UnitEvent>(this.store, {
      stream: unitStream(unitId),
      initial: null,
      evolve: (s, e) => evolveUnit(s, e),
      decide: (state) => {
        authorize(action, ctx.actor, unitId, tree);
        return decideUnit(command, state, units);
      },
    }, ctx);
  }

  register(input: unknown, ctx: CommandContext) {
    const data = parse(C.RegisterUnit, input);
    return this.run(data.id, { type: 'RegisterUnit', data }, 'registerUnit', ctx);
  }

  rename(input: unknown, ctx: CommandContext) {
    const data = parse(C.RenameUnit, input);
    return this.run(data.unitId, { type: 'RenameUnit', data }, 'renameUnit', ctx);
  }
}

/**
 * The tree as it would be with the unit registered: whether the unit to be lies below the admin
 * is asked of it (GOV, the root, has no parent to ask about).
 */
function withUnitToBe(units: UnitDirectory, unit: z.infer<typeof C.RegisterUnit>): UnitDirectory {
  const parentId = unit.parentId ?? null;
  return {
    get: (id) => units.get(id) ?? (id === unit.id
      ? { id, kind: unit.kind, name: unit.name, parentId, previousNames: [], status: 'ACTIVE', mergedInto: null, absorbed: [] }
      : undefined),
    isWithin: (id, ancestorId) => (id === unit.id
      ? id === ancestorId || (parentId !== null && units.isWithin(parentId, ancestorId))
      : units.isWithin(id, ancestorId)),
  };
}
