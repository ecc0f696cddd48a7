import { dateAt } from '../shared/time.js';
import type { TaskEvent } from './events.js';
import type { TaskState } from './state.js';

/** Folds one event into the task. `at` is when it occurred (metadata.occurredAt). */
export function evolveTask(state: TaskState, event: TaskEvent, at: string): TaskState {
  if (event.type === 'TaskAssigned') {
    const d = event.data;
    return {
      id: d.taskId, title: d.title, description: d.description, output: d.output, source: d.source,
      leadUnitId: d.leadUnitId, coordinatorIds: d.coordinatorIds, deadline: d.deadline, confidential: d.confidential,
      deadlines: [{ since: dateAt(at), deadline: d.deadline }],
      parentId: d.parentId, childIds: [],
      indicators: d.indicators.map((i) => ({ ...i, actual: null, actualAt: null })),
      progress: null, phase: 'OPEN', pendingExtension: null, completion: null, assignedAt: at, updatedAt: at,
    };
  }
  if (!state) return state;
  const task = { ...state, updatedAt: at };
  switch (event.type) {
    case 'TaskDelegated':
      return { ...task, childIds: [...task.childIds, ...event.data.children.map((c) => c.taskId)] };
    case 'TaskReassigned':
      // One lead unit, never also a coordinator.
      return { ...task, leadUnitId: event.data.leadUnitId, coordinatorIds: task.coordinatorIds.filter((c) => c !== event.data.leadUnitId) };
    case 'ProgressReported': {
      const values = new Map(event.data.indicators.map((i) => [i.code, i.value]));
      return {
        ...task,
        progress: event.data.percent ?? task.progress,
        indicators: task.indicators.map((i) => (values.has(i.code) ? { ...i, actual: values.get(i.code)!, actualAt: at } : i)),
      };
    }
    case 'DeadlineExtensionRequested':
      return { ...task, pendingExtension: { proposedDeadline: event.data.proposedDeadline, requestedAt: at } };
    case 'DeadlineExtensionApproved':
      return {
        ...task, deadline: event.data.deadline, pendingExtension: null,
        deadlines: [...task.deadlines, { since: dateAt(at), deadline: event.data.deadline }],
      };
    case 'DeadlineExtensionRejected':
      return { ...task, pendingExtension: null };
    case 'CompletionReported':
      return {
        ...task, phase: 'AWAITING_CONFIRMATION',
        completion: { completedOn: event.data.completedOn, deadlineInForce: event.data.deadlineInForce },
      };
    case 'CompletionConfirmed':
      return { ...task, phase: 'COMPLETED', progress: 100, pendingExtension: null };
    case 'CompletionRejected':
      return { ...task, phase: 'OPEN', completion: null };
    case 'TaskPaused':
      return { ...task, phase: 'PAUSED' };
    case 'TaskResumed':
      return { ...task, phase: 'OPEN' };
    case 'TaskCancelled':
      return { ...task, phase: 'CANCELLED', pendingExtension: null };
    case 'DeadlineApproaching':
    case 'TaskBecameOverdue':
      // Reminders (src/reminders) are notices: the task, even its updatedAt, stays as it was.
      return state;
    default: {
      const never: never = event;
      return never;
    }
  }
}
