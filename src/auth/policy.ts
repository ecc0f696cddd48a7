import { forbidden, notFound } from '../errors.js';
import type { Actor, Role } from '../shared/schemas.js';
import type { UnitDirectory } from '../units/state.js';

/**
 * Who may do what, in one table an auditor can read. A role missing from a row may not do it.
 *
 * The target unit of a task command is the task's lead unit; a command that names other units
 * is checked for each of them too: assignTask for the lead and every coordinating unit,
 * delegateTask for every unit it delegates to (as assignTask), reassignTask for the new lead
 * (as assignTask). The target of a unit command is the unit: for registerUnit the unit to be,
 * placed under its parent; for mergeUnits the surviving unit and each merged one. The target of
 * auditLog (a query) is the unit asked about, the actor's own unit when none.
 *   own     the actor's own unit only
 *   subtree the actor's unit or any unit below it (GOV: everything)
 *   above   a unit strictly below the actor's (the assigning or administering authority), or anything for GOV
 *   any     any unit
 *
 * Reading is open to every authenticated role, except confidential tasks: see `canSeeTask`.
 */
export type Scope = 'own' | 'subtree' | 'above' | 'any';

export const policy = {
  // Units (issue 16): an admin manages the units below their own, a province's admin its province's.
  registerUnit: { admin: 'above' },
  renameUnit: { admin: 'above' },
  mergeUnits: { admin: 'above' },
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
  // Obstacles: target is the task's lead unit; escalate and resolve, whoever holds it now.
  raiseObstacle: { focal_point: 'own', leader: 'subtree' },
  escalateObstacle: { focal_point: 'own', leader: 'subtree' },
  withdrawObstacle: { focal_point: 'own', leader: 'subtree' },
  resolveObstacle: { leader: 'subtree' },
  // Inspections: the team is the planning inspector's unit; target of findings work is the team.
  planInspection: { inspector: 'any', leader: 'subtree' },
  recordFinding: { inspector: 'own', leader: 'subtree' },
  closeFinding: { inspector: 'own', leader: 'subtree' },
  concludeInspection: { inspector: 'own', leader: 'subtree' },
  // ... but a response comes from the inspected unit.
  respondToFinding: { focal_point: 'own', leader: 'subtree' },
  submitPeriodicReport: { focal_point: 'own', leader: 'subtree' },
  // Reading the audit log: who did what, when, from which request.
  auditLog: { leader: 'subtree' },
  // Webhooks (issue 10): leaders register, list and remove them for their unit or a unit below it.
  registerWebhook: { leader: 'subtree' },
  removeWebhook: { leader: 'subtree' },
  readWebhooks: { leader: 'subtree' },
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

/** What confidentiality needs to know about a task. */
export interface Classified {
  confidential: boolean;
  leadUnitId: string;
  coordinatorIds: readonly string[];
}

/**
 * Confidential tasks (bảo vệ bí mật nhà nước) are visible only to their lead and coordinating
 * units and to the leaders of units above those (GOV leaders: all); every other task is visible
 * to every authenticated role. A task one may not see does not exist for one: queries leave it
 * out and commands on it answer NOT_FOUND. Aggregate counts may include it.
 */
export function canSeeTask(actor: Actor, task: Classified, isWithin: (unitId: string, ancestorId: string) => boolean): boolean {
  if (!task.confidential) return true;
  const involved = [task.leadUnitId, ...task.coordinatorIds];
  if (involved.includes(actor.unit)) return true;
  return actor.role === 'leader' && involved.some((u) => isWithin(u, actor.unit));
}
