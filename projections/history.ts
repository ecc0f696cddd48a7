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

/** A task's own fields in the API's names and serialisation (a date as YYYY-MM-DD, a unit as its id), in taskFields' order. */
const OWN_FIELDS: readonly (readonly [string, (t: Task) => string | null])[] = [
  ['title', (t) => str(t.title)],
  ['description', (t) => str(t.description)],
  ['output', (t) => str(t.output)],
  ['lead', (t) => str(t.leadUnitId)],
  ['coordinators', (t) => t.coordinatorIds.join(', ') || null],
  ['deadline', (t) => str(t.deadline)],
  ['confidential', (t) => str(t.confidential)],
  ['phase', (t) => str(t.phase)],
  ['progress', (t) => str(t.progress)],
  ['children', (t) => t.childIds.join(', ') || null],
];

/** A task's indicator fields: a target as `indicators.<code>.target`, an actual as `indicators.<code>.actual`. */
function indicatorFields(task: Task | null, fields = new Map<string, string | null>()): Map<string, string | null> {
  for (const i of task?.indicators ?? []) {
    fields.set(`indicators.${i.code}.target`, str(i.target));
    fields.set(`indicators.${i.code}.actual`, str(i.actual));
  }
  return fields;
}

/**
 * A task's fields in the API's names and serialisation (a date as YYYY-MM-DD, a unit as its id,
 * a target as `indicators.<code>.target`): what history diffs and `why` explains.
 */
export function taskFields(task: Task | null): Map<string, string | null> {
  return indicatorFields(task, new Map(OWN_FIELDS.map(([field, of]) => [field, task ? of(task) : null])));
}

/** The names taskFields gives every task (indicators add theirs). */
export const TASK_FIELD_NAMES: readonly string[] = OWN_FIELDS.map(([field]) => field);

/** The same indicator codes in the same order, none twice: their fields pair up index by index. */
function sameCodes(a: Task['indicators'], b: Task['indicators']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.code !== b[i]!.code) return false;
    for (let j = 0; j < i; j++) if (a[j]!.code === a[i]!.code) return false;
  }
  return true;
}

function push(changes: FieldChange[], field: string, from: string | null, to: string | null): void {
  if (from !== to) changes.push({ field, from, to });
}

/**
 * Field-by-field difference of two versions of a task (taskFields' names, order and serialisation).
 * history, commitmentChanges and compare all use it. Compares field by field rather than through
 * two taskFields maps: a task's history diffs every event of its stream (bench/README.md).
 */
export function diffTasks(before: Task | null, after: Task | null): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, of] of OWN_FIELDS) push(changes, field, before ? of(before) : null, after ? of(after) : null);
  const a = before?.indicators ?? [];
  const b = after?.indicators ?? [];
  if (sameCodes(a, b)) {
    for (let i = 0; i < a.length; i++) {
      push(changes, `indicators.${a[i]!.code}.target`, str(a[i]!.target), str(b[i]!.target));
      push(changes, `indicators.${a[i]!.code}.actual`, str(a[i]!.actual), str(b[i]!.actual));
    }
    return changes;
  }
  // Indicators added, removed or reordered: by name, the earlier version's order first.
  const x = indicatorFields(before);
  const y = indicatorFields(after);
  for (const field of new Set([...x.keys(), ...y.keys()])) push(changes, field, x.get(field) ?? null, y.get(field) ?? null);
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
