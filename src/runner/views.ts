import { evolveTaskView, type TaskView } from '../../projections/task-view.js';
import { type HistoryEntry, historyEntry } from '../../projections/history.js';
import type { DomainEnvelope } from '../events.js';
import type { UnitEvent } from '../units/events.js';
import { evolveUnit } from '../units/evolve.js';
import type { UnitDirectory, UnitState } from '../units/state.js';

export interface Applied {
  unit?: UnitState;
  task?: { before: TaskView | null; after: TaskView };
  history?: HistoryEntry;
}

/**
 * The in-memory read model: rows kept by the pure reducers of projections/, plus the indexes
 * queries need. The live runner and every `asOf` replay use this same class, so history is never
 * computed by a second implementation. It does no I/O.
 */
export class Views implements UnitDirectory {
  readonly units = new Map<string, UnitState>();
  readonly unitChildren = new Map<string, string[]>();
  readonly tasks = new Map<string, TaskView>();
  readonly tasksByLead = new Map<string, Set<string>>();
  readonly tasksByCoordinator = new Map<string, Set<string>>();
  /** Position of the last event applied, null before the first. */
  position: string | null = null;
  /** occurredAt of the latest event applied: how far in time this view reaches. */
  lastOccurredAt: string | null = null;

  apply(e: DomainEnvelope): Applied {
    this.position = e.position;
    if (!this.lastOccurredAt || e.meta.occurredAt > this.lastOccurredAt) this.lastOccurredAt = e.meta.occurredAt;
    if (e.stream.startsWith('unit-')) {
      const before = this.units.get((e.data as { unitId: string }).unitId) ?? null;
      const after = evolveUnit(before, e as unknown as UnitEvent);
      if (after) this.putUnit(after);
      return after ? { unit: after } : {};
    }
    if (e.stream.startsWith('task-')) {
      const taskId = (e.data as { taskId: string }).taskId;
      const before = this.tasks.get(taskId) ?? null;
      const after = evolveTaskView(before, e);
      if (!after) return {};
      this.putTask(after, before);
      return { task: { before, after }, history: historyEntry(before, after, e) };
    }
    return {};
  }

  putUnit(unit: UnitState): void {
    const old = this.units.get(unit.id);
    if (!old || old.parentId !== unit.parentId) {
      if (old?.parentId) this.unitChildren.set(old.parentId, (this.unitChildren.get(old.parentId) ?? []).filter((c) => c !== unit.id));
      if (unit.parentId) this.unitChildren.set(unit.parentId, [...(this.unitChildren.get(unit.parentId) ?? []), unit.id]);
    }
    this.units.set(unit.id, unit);
  }

  putTask(task: TaskView, before: TaskView | null = this.tasks.get(task.id) ?? null): void {
    if (before && before.leadUnitId !== task.leadUnitId) this.tasksByLead.get(before.leadUnitId)?.delete(task.id);
    index(this.tasksByLead, task.leadUnitId, task.id);
    for (const c of before?.coordinatorIds ?? []) if (!task.coordinatorIds.includes(c)) this.tasksByCoordinator.get(c)?.delete(task.id);
    for (const c of task.coordinatorIds) index(this.tasksByCoordinator, c, task.id);
    this.tasks.set(task.id, task);
  }

  get(id: string): UnitState | undefined {
    return this.units.get(id);
  }

  isWithin(unitId: string, ancestorId: string): boolean {
    for (let u: string | null | undefined = unitId, hops = 0; u && hops < 64; hops++) {
      if (u === ancestorId) return true;
      u = this.units.get(u)?.parentId;
    }
    return false;
  }

  /** The unit and every unit below it. */
  subtree(unitId: string): string[] {
    const out: string[] = [];
    const stack = [unitId];
    while (stack.length) {
      const u = stack.pop()!;
      out.push(u);
      stack.push(...(this.unitChildren.get(u) ?? []));
    }
    return out;
  }

  ancestors(unitId: string): string[] {
    const out: string[] = [];
    for (let u = this.units.get(unitId)?.parentId; u && out.length < 64; u = this.units.get(u)?.parentId) out.push(u);
    return out;
  }
}

function index(map: Map<string, Set<string>>, key: string, id: string) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}
