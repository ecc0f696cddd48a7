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
    return runCommand<UnitStreamState, UnitEvent>(this.store, {
      stream: unitStream(unitId),
      initial: null,
      evolve: (s, e) => evolveUnit(s, e),
      decide: (state) => {
        authorize(action, ctx.actor, unitId, units);
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
