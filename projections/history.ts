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
 * Field-by-field difference of two versions of a task, in the API's names and serialisation
 * (a date as YYYY-MM-DD, a unit as its id). history, commitmentChanges and compare all use it.
 */
export function diffTasks(before: Task | null, after: Task | null): FieldChange[] {
  const changes: FieldChange[] = [];
  const field = (name: string, a: unknown, b: unknown) => {
    const from = str(a);
    const to = str(b);
    if (from !== to) changes.push({ field: name, from, to });
  };
  field('title', before?.title, after?.title);
  field('description', before?.description, after?.description);
  field('output', before?.output, after?.output);
  field('lead', before?.leadUnitId, after?.leadUnitId);
  field('coordinators', before?.coordinatorIds.join(', ') || null, after?.coordinatorIds.join(', ') || null);
  field('deadline', before?.deadline, after?.deadline);
  field('confidential', before?.confidential, after?.confidential);
  field('phase', before?.phase, after?.phase);
  field('progress', before?.progress, after?.progress);
  field('children', before?.childIds.join(', ') || null, after?.childIds.join(', ') || null);
  const codes = new Set([...(before?.indicators ?? []), ...(after?.indicators ?? [])].map((i) => i.code));
  for (const code of codes) {
    const a = before?.indicators.find((i) => i.code === code);
    const b = after?.indicators.find((i) => i.code === code);
    field(`indicators.${code}.target`, a?.target, b?.target);
    field(`indicators.${code}.actual`, a?.actual, b?.actual);
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
