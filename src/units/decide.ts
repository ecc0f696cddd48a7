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

/** Decides on the surviving unit's stream; the merged units' own events follow from it (see mergedUnitEvents). */
export function decideUnit(command: UnitCommand, state: UnitStreamState, units: UnitDirectory, today?: string): UnitEvent[] {
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
        if (parent.status === 'MERGED') throw invalidState(`unit ${parentId} merged into ${parent.mergedInto}: register under that unit`);
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
    case 'MergeUnits': {
      const { from, into, effectiveOn, reason, basis } = command.data;
      if (!state) throw notFound('UNIT', into);
      if (today && effectiveOn > today) throw badInput(`record a merger once it takes effect: ${effectiveOn} is after today (${today})`);
      if (state.status === 'MERGED') throw invalidState(`unit ${into} has itself merged into ${state.mergedInto}`);
      if (new Set(from).size !== from.length) throw badInput('a unit is listed twice');
      for (const id of from) {
        const unit = units.get(id);
        if (!unit) throw notFound('UNIT', id);
        if (id === into) throw badInput(`unit ${id} cannot merge into itself`);
        if (unit.status === 'MERGED') throw invalidState(`unit ${id} already merged into ${unit.mergedInto}`);
        if (unit.kind !== state.kind) throw badInput(`a ${unit.kind} (${id}) cannot merge into a ${state.kind} (${into})`);
        if (units.isWithin(into, id)) throw badInput(`unit ${into} lies below ${id}`);
      }
      return [{ type: 'UnitsMergedInto', data: { unitId: into, from, effectiveOn }, reason, basis }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

type MergedInto = Extract<UnitEvent, { type: 'UnitsMergedInto' }>;

/** The event each merged unit's own stream records, with the merger's reason and basis. */
export function mergedUnitEvents(merger: MergedInto): Extract<UnitEvent, { type: 'UnitMerged' }>[] {
  return merger.data.from.map((unitId) => ({
    type: 'UnitMerged',
    data: { unitId, into: merger.data.unitId, effectiveOn: merger.data.effectiveOn },
    ...(merger.reason !== undefined ? { reason: merger.reason } : {}),
    ...(merger.basis !== undefined ? { basis: merger.basis } : {}),
  }));
}
