import type { DomainEnvelope } from '../src/events.js';
import type { Basis } from '../src/shared/schemas.js';
import type { TaskEvent } from '../src/tasks/events.js';
import { evolveTask } from '../src/tasks/evolve.js';
import type { Task } from '../src/tasks/state.js';

/** The task as its view shows it: the decider's state, the stream version and the basis it was assigned on. */
export type TaskView = Task & { version: number; basis: Basis[] };

/** Pure: the task view after one event of its stream. */
export function evolveTaskView(view: TaskView | null, e: DomainEnvelope): TaskView | null {
  const next = evolveTask(view, e as unknown as TaskEvent, e.meta.occurredAt);
  if (!next) return null;
  const basis = e.type === 'TaskAssigned' ? e.meta.basis : view!.basis;
  if (next === view) return { ...view, version: e.revision, basis };
  // `next` is evolveTask's new object, referenced by nothing else yet: completed in place rather
  // than copied a second time (a rebuild makes one of these per event).
  const out = next as TaskView;
  out.version = e.revision;
  out.basis = basis;
  return out;
}

/** One event of a task's stream with the view before and after it. */
export interface TaskStep { event: DomainEnvelope; before: TaskView | null; after: TaskView }

/**
 * Pure: a task's stream folded by evolveTaskView, a step per event the view takes (events before
 * the assignment, which the view ignores, are left out). History and `why` read a task this way.
 * `from`: the view the events continue (a history folded before, extended by the newer events).
 */
export function taskSteps(events: Iterable<DomainEnvelope>, from: TaskView | null = null): TaskStep[] {
  const steps: TaskStep[] = [];
  let view = from;
  for (const event of events) {
    const after = evolveTaskView(view, event);
    if (!after) continue;
    steps.push({ event, before: view, after });
    view = after;
  }
  return steps;
}
