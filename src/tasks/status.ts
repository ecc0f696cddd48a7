import { dateAt, daysBetween } from '../shared/time.js';
import type { Task } from './state.js';

export const TaskStatuses = [
  'COMPLETED_ON_TIME', 'COMPLETED_LATE', 'IN_PROGRESS_ON_TIME', 'DUE_SOON', 'OVERDUE',
  'AWAITING_CONFIRMATION', 'PAUSED', 'CANCELLED', 'NO_DEADLINE',
] as const;
export type TaskStatus = (typeof TaskStatuses)[number];

/**
 * The Government Office classification at an instant. Never stored: time alone moves a task to
 * OVERDUE. "On time" compares the completion date with the deadline in force when completion
 * was reported.
 */
export function taskStatus(task: Task, at: string, dueSoonDays: number): TaskStatus {
  switch (task.phase) {
    case 'CANCELLED':
      return 'CANCELLED';
    case 'PAUSED':
      return 'PAUSED';
    case 'AWAITING_CONFIRMATION':
      return 'AWAITING_CONFIRMATION';
    case 'COMPLETED': {
      const { completedOn, deadlineInForce } = task.completion!;
      return deadlineInForce === null || completedOn <= deadlineInForce ? 'COMPLETED_ON_TIME' : 'COMPLETED_LATE';
    }
    case 'OPEN': {
      if (task.deadline === null) return 'NO_DEADLINE';
      const today = dateAt(at);
      if (today > task.deadline) return 'OVERDUE';
      return daysBetween(today, task.deadline) <= dueSoonDays ? 'DUE_SOON' : 'IN_PROGRESS_ON_TIME';
    }
    default: {
      const never: never = task.phase;
      return never;
    }
  }
}

export const isCompleted = (s: TaskStatus) => s === 'COMPLETED_ON_TIME' || s === 'COMPLETED_LATE';
