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
  // One copy of the task per event, updatedAt set in it: a rebuild folds about one per event.
  switch (event.type) {
    case 'TaskDelegated':
      return { ...state, updatedAt: at, childIds: [...state.childIds, ...event.data.children.map((c) => c.taskId)] };
    case 'TaskReassigned':
      // One lead unit, never also a coordinator.
      return { ...state, updatedAt: at, leadUnitId: event.data.leadUnitId, coordinatorIds: state.coordinatorIds.filter((c) => c !== event.data.leadUnitId) };
    case 'ProgressReported': {
      const reported = event.data.indicators;
      return {
        ...state, updatedAt: at,
        progress: event.data.percent ?? state.progress,
        indicators: reported.length === 0 ? state.indicators : state.indicators.map((i) => {
          // The last value reported for a code counts (a report may name one twice).
          let r;
          for (let k = reported.length - 1; k >= 0 && !r; k--) if (reported[k]!.code === i.code) r = reported[k];
          return r ? { ...i, actual: r.value, actualAt: at } : i;
        }),
      };
    }
    case 'DeadlineExtensionRequested':
      return { ...state, updatedAt: at, pendingExtension: { proposedDeadline: event.data.proposedDeadline, requestedAt: at } };
    case 'DeadlineExtensionApproved':
      return {
        ...state, updatedAt: at, deadline: event.data.deadline, pendingExtension: null,
        deadlines: [...state.deadlines, { since: dateAt(at), deadline: event.data.deadline }],
      };
    case 'DeadlineExtensionRejected':
      return { ...state, updatedAt: at, pendingExtension: null };
    case 'CompletionReported':
      return {
        ...state, updatedAt: at, phase: 'AWAITING_CONFIRMATION',
        completion: { completedOn: event.data.completedOn, deadlineInForce: event.data.deadlineInForce },
      };
    case 'CompletionConfirmed':
      return { ...state, updatedAt: at, phase: 'COMPLETED', progress: 100, pendingExtension: null };
    case 'CompletionRejected':
      return { ...state, updatedAt: at, phase: 'OPEN', completion: null };
    case 'TaskPaused':
      return { ...state, updatedAt: at, phase: 'PAUSED' };
    case 'TaskResumed':
      return { ...state, updatedAt: at, phase: 'OPEN' };
    case 'TaskCancelled':
      return { ...state, updatedAt: at, phase: 'CANCELLED', pendingExtension: null };
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
