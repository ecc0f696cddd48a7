import type { TaskView } from '../../projections/task-view.js';
import type { AppliedNotice } from '../runner/runner.js';
import type { Views } from '../runner/views.js';

/**
 * The units an applied event concerns, read against the views it was applied to: a task's lead
 * unit (before and after) and coordinating units, an obstacle's unit and its task's lead, a
 * finding's or an inspection's units, a report's unit, a unit and its parent, a reminder's
 * addressee. Live updates and webhooks go to whoever watches one of these or a unit above.
 */
export function unitsOf(n: AppliedNotice, views: Views): Set<string> {
  const units = new Set<string>();
  const add = (u: string | null | undefined) => {
    if (u) units.add(u);
  };
  if (n.task) {
    add(n.task.before?.leadUnitId);
    add(n.task.after.leadUnitId);
    for (const c of n.task.before?.coordinatorIds ?? []) add(c);
    for (const c of n.task.after.coordinatorIds) add(c);
  }
  const row = n.row;
  switch (row?.kind) {
    case 'obstacle':
      add(row.value.unitId);
      add(views.tasks.get(row.value.taskId)?.leadUnitId);
      break;
    case 'inspection': {
      const d = n.event.data as { unitId?: string; findingId?: string };
      if (d.unitId) add(d.unitId);
      else if (d.findingId) add(row.value.findings.find((f) => f.id === d.findingId)?.unitId);
      else for (const u of row.value.targetUnitIds) add(u);
      break;
    }
    case 'report':
      add(row.value.unitId);
      break;
    case 'unit':
      add(row.value.id);
      add(row.value.parentId);
      add(row.value.mergedInto);
      break;
    default:
      break;
  }
  if (n.notification?.kind === 'notification') add(n.notification.value.unitId);
  return units;
}

/** The task an applied event is about, if any (a task event, an obstacle, a finding against a task). */
export function taskOf(n: AppliedNotice, views: Views): TaskView | undefined {
  if (n.task) return n.task.after;
  const row = n.row;
  if (row?.kind === 'obstacle') return views.tasks.get(row.value.taskId);
  if (row?.kind === 'inspection') {
    const d = n.event.data as { taskId?: string | null; findingId?: string };
    const taskId = d.taskId ?? (d.findingId ? row.value.findings.find((f) => f.id === d.findingId)?.taskId : null);
    return taskId ? views.tasks.get(taskId) : undefined;
  }
  return undefined;
}

/** True when some unit the event concerns lies in `unitId`'s subtree (or is it). */
export const concerns = (n: AppliedNotice, views: Views, unitId: string, includeDescendants = true): boolean => {
  for (const u of unitsOf(n, views)) if (u === unitId || (includeDescendants && views.isWithin(u, unitId))) return true;
  return false;
};
