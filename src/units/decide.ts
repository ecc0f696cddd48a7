import { alreadyExists, badInput, invalidState, notFound } from '../errors.js';
import type { UnitCommand } from './commands.js';
import type { UnitEvent } from './events.js';
import type { UnitDirectory, UnitStreamState } from './state.js';

/** Which kinds may sit directly under which: the tree of DESIGN §2. */
const allowedParents: Record<string, readonly string[]> = {
  GOVERNMENT: [],
  WORKING_GROUP: ['GOVERNMENT', 'MINISTRY', 'AGENCY', 'PROVINCE', 'DISTRICT', 'COMMUNE'],
  MINISTRY: ['GOVERNMENT'],
  AGENCY: ['GOVERNMENT', 'MINISTRY'],
  PROVINCE: ['GOVERNMENT'],
  DISTRICT: ['PROVINCE'],
  COMMUNE: ['PROVINCE', 'DISTRICT'],
  VILLAGE: ['COMMUNE'],
};

export function decideUnit(command: UnitCommand, state: UnitStreamState, units: UnitDirectory): UnitEvent[] {
  switch (command.type) {
    case 'RegisterUnit': {
      const { id, kind, name, parentId } = command.data;
      if (state) throw alreadyExists('unit', id);
      if (kind === 'GOVERNMENT') {
        if (parentId) throw badInput('the Government is the root and has no parent');
        if (id !== 'GOV') throw badInput('the Government unit has the id GOV');
      } else {
        if (!parentId) throw badInput(`a ${kind} unit needs a parent`);
        const parent = units.get(parentId);
        if (!parent) throw notFound('UNIT', parentId);
        if (!allowedParents[kind]!.includes(parent.kind)) throw badInput(`a ${kind} cannot sit under a ${parent.kind}`);
      }
      return [{
        type: 'UnitRegistered',
        data: { unitId: id, kind, name, parentId: parentId ?? null },
        reason: `Đăng ký đơn vị ${name}`,
      }];
    }
    case 'RenameUnit': {
      if (!state) throw notFound('UNIT', command.data.unitId);
      if (state.name === command.data.name) throw invalidState(`unit ${state.id} is already named ${state.name}`);
      return [{
        type: 'UnitRenamed',
        data: { unitId: state.id, name: command.data.name, previousName: state.name },
        reason: command.data.reason,
      }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}
