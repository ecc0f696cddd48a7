import { forbidden, notFound } from '../errors.js';
import type { Actor, Role } from '../shared/schemas.js';
import type { UnitDirectory } from '../units/state.js';

/**
 * Who may do what, in one table an auditor can read. The target unit of a task command is the
 * task's lead unit; of a unit command, the unit (or its parent when registering).
 *   own     the actor's own unit only
 *   subtree the actor's unit or any unit below it (GOV: everything)
 *   above   a unit strictly below the actor's (the assigning authority), or anything for GOV
 *   any     any unit
 */
export type Scope = 'own' | 'subtree' | 'above' | 'any';

export const policy = {
  registerUnit: { admin: 'any' },
  renameUnit: { admin: 'any' },
  assignTask: { leader: 'subtree' },
  delegateTask: { leader: 'subtree' },
  reassignTask: { leader: 'above' },
  reportProgress: { focal_point: 'own', leader: 'subtree' },
  requestDeadlineExtension: { focal_point: 'own', leader: 'own' },
  decideDeadlineExtension: { leader: 'above' },
  reportCompletion: { focal_point: 'own', leader: 'subtree' },
  confirmCompletion: { leader: 'above' },
  rejectCompletion: { leader: 'above' },
  pauseTask: { leader: 'above' },
  resumeTask: { leader: 'above' },
  cancelTask: { leader: 'above' },
} as const satisfies Record<string, Partial<Record<Role, Scope>>>;

export type Action = keyof typeof policy;

function inScope(scope: Scope, actor: Actor, target: string, units: UnitDirectory): boolean {
  switch (scope) {
    case 'any':
      return true;
    case 'own':
      return target === actor.unit;
    case 'subtree':
      return units.isWithin(target, actor.unit);
    case 'above':
      return actor.unit === 'GOV' || (target !== actor.unit && units.isWithin(target, actor.unit));
    default: {
      const never: never = scope;
      return never;
    }
  }
}

/** Throws FORBIDDEN unless the table lets this actor do `action` on `targetUnitId`. */
export function authorize(action: Action, actor: Actor, targetUnitId: string, units: UnitDirectory): void {
  const scope = (policy[action] as Partial<Record<Role, Scope>>)[actor.role];
  if (!scope) throw forbidden(`a ${actor.role} may not ${action}`);
  if (scope !== 'any' && !units.get(targetUnitId)) throw notFound('UNIT', targetUnitId);
  if (!inScope(scope, actor, targetUnitId, units)) {
    throw forbidden(`${actor.role} of unit ${actor.unit} may not ${action} for unit ${targetUnitId}`);
  }
}
