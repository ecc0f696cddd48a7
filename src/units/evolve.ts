import type { UnitEvent } from './events.js';
import type { UnitStreamState } from './state.js';

export function evolveUnit(state: UnitStreamState, event: UnitEvent): UnitStreamState {
  switch (event.type) {
    case 'UnitRegistered': {
      const { unitId, kind, name, parentId } = event.data;
      return { id: unitId, kind, name, parentId, previousNames: [], status: 'ACTIVE', mergedInto: null, absorbed: [] };
    }
    case 'UnitRenamed':
      return state && { ...state, name: event.data.name, previousNames: [...state.previousNames, event.data.previousName] };
    case 'UnitsMergedInto':
      return state && {
        ...state, absorbed: [...state.absorbed, ...event.data.from.map((unitId) => ({ unitId, effectiveOn: event.data.effectiveOn }))],
      };
    case 'UnitMerged':
      return state && { ...state, status: 'MERGED', mergedInto: event.data.into };
    case 'UnitReparented':
      return state && { ...state, parentId: event.data.parentId };
    default: {
      const never: never = event;
      return never;
    }
  }
}
