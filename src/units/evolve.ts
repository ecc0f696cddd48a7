import type { UnitEvent } from './events.js';
import type { UnitStreamState } from './state.js';

export function evolveUnit(state: UnitStreamState, event: UnitEvent): UnitStreamState {
  switch (event.type) {
    case 'UnitRegistered': {
      const { unitId, kind, name, parentId } = event.data;
      return { id: unitId, kind, name, parentId, previousNames: [] };
    }
    case 'UnitRenamed':
      return state && { ...state, name: event.data.name, previousNames: [...state.previousNames, event.data.previousName] };
    default: {
      const never: never = event;
      return never;
    }
  }
}
