import type { DomainEnvelope } from '../events.js';
import type { TaskView } from '../../projections/task-view.js';
import { type ReminderKind, noticeEventTypes } from './events.js';

/**
 * A reminder as the `notifications(unitId)` query lists it: one row per reminder event (its
 * id is the event's), kept by the read model (Views) and persisted with it.
 */
export interface Notification {
  id: string;
  kind: ReminderKind;
  /** When the reminder was recorded (its occurredAt). */
  at: string;
  position: string;
  /** The unit it is addressed to: the task's lead unit then, the finding's unit, the reporting unit. */
  unitId: string;
  taskId: string | null;
  inspectionId: string | null;
  findingId: string | null;
  periodKind: string | null;
  periodKey: string | null;
  /** The deadline or due date it is about. */
  dueDate: string;
  daysBefore: number | null;
  message: string;
}

/** Pure: the notification a reminder event makes (null for any other event), read after the event was applied. */
export function notificationOf(e: DomainEnvelope, views: { tasks: ReadonlyMap<string, TaskView> }): Notification | null {
  if (!noticeEventTypes.has(e.type)) return null;
  const base = {
    id: e.id, kind: e.type as ReminderKind, at: e.meta.occurredAt, position: e.position, message: e.meta.reason ?? e.type,
    taskId: null, inspectionId: null, findingId: null, periodKind: null, periodKey: null, daysBefore: null,
  };
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'DeadlineApproaching':
    case 'TaskBecameOverdue': {
      const task = views.tasks.get(String(d.taskId));
      if (!task) return null;
      return {
        ...base, unitId: task.leadUnitId, taskId: task.id, dueDate: String(d.deadline),
        daysBefore: typeof d.daysBefore === 'number' ? d.daysBefore : null,
      };
    }
    case 'FindingBecameOverdue':
      return { ...base, unitId: String(d.unitId), inspectionId: String(d.inspectionId), findingId: String(d.findingId), dueDate: String(d.dueDate) };
    case 'PeriodicReportMissed':
      return { ...base, unitId: String(d.unitId), periodKind: String(d.periodKind), periodKey: String(d.periodKey), dueDate: String(d.dueDate) };
    default:
      return null;
  }
}
