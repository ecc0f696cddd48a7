import type { DomainEnvelope } from '../src/events.js';
import type { Basis } from '../src/shared/schemas.js';
import { commitmentEventTypes } from '../src/tasks/events.js';
import type { Task } from '../src/tasks/state.js';

export interface FieldChange { field: string; from: string | null; to: string | null }

export interface HistoryEntry {
  taskId: string;
  position: string;
  revision: number;
  at: string;
  recordedAt: string;
  kind: string;
  actor: { id: string; role: string; unit: string };
  changes: FieldChange[];
  reason: string | null;
  basis: Basis[];
  /** Lead units before and after: a change is in a unit's scope if either lies in its subtree. */
  leadUnitIds: string[];
  commitment: boolean;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * A task's fields in the API's names and serialisation (a date as YYYY-MM-DD, a unit as its id,
 * a target as `indicators.<code>.target`): what history diffs and `why` explains.
 */
export function taskFields(task: Task | null): Map<string, string | null> {
  const fields = new Map<string, string | null>([
    ['title', str(task?.title)],
    ['description', str(task?.description)],
    ['output', str(task?.output)],
    ['lead', str(task?.leadUnitId)],
    ['coordinators', task?.coordinatorIds.join(', ') || null],
    ['deadline', str(task?.deadline)],
    ['confidential', str(task?.confidential)],
    ['phase', str(task?.phase)],
    ['progress', str(task?.progress)],
    ['children', task?.childIds.join(', ') || null],
  ]);
  for (const i of task?.indicators ?? []) {
    fields.set(`indicators.${i.code}.target`, str(i.target));
    fields.set(`indicators.${i.code}.actual`, str(i.actual));
  }
  return fields;
}

/** The names taskFields gives every task (indicators add theirs). */
export const TASK_FIELD_NAMES: readonly string[] = [...taskFields(null).keys()];

/**
 * Field-by-field difference of two versions of a task (taskFields' names and serialisation).
 * history, commitmentChanges and compare all use it.
 */
export function diffTasks(before: Task | null, after: Task | null): FieldChange[] {
  const a = taskFields(before);
  const b = taskFields(after);
  const changes: FieldChange[] = [];
  for (const field of new Set([...a.keys(), ...b.keys()])) {
    const from = a.get(field) ?? null;
    const to = b.get(field) ?? null;
    if (from !== to) changes.push({ field, from, to });
  }
  return changes;
}

/** Pure: the history entry one task event makes, given the task before and after it. */
export function historyEntry(before: Task | null, after: Task, e: DomainEnvelope): HistoryEntry {
  return {
    taskId: after.id,
    position: e.position,
    revision: e.revision,
    at: e.meta.occurredAt,
    recordedAt: e.recordedAt,
    kind: e.type,
    actor: e.meta.actor,
    changes: diffTasks(before, after),
    reason: e.meta.reason ?? null,
    basis: e.meta.basis,
    leadUnitIds: [...new Set([before?.leadUnitId, after.leadUnitId].filter((u): u is string => !!u))],
    commitment: commitmentEventTypes.has(e.type),
  };
}
