import { evolveTaskView, type TaskView } from '../../projections/task-view.js';
import { type HistoryEntry, historyEntry } from '../../projections/history.js';
import { commitmentEventTypes } from '../tasks/events.js';
import type { DomainEnvelope } from '../events.js';
import type { InspectionEvent } from '../inspections/events.js';
import { evolveInspection } from '../inspections/evolve.js';
import type { Inspection } from '../inspections/state.js';
import type { ObstacleEvent } from '../obstacles/events.js';
import { evolveObstacle } from '../obstacles/evolve.js';
import type { Obstacle } from '../obstacles/state.js';
import type { ReportEvent } from '../reports/events.js';
import { evolveReport } from '../reports/evolve.js';
import type { PeriodicReport } from '../reports/state.js';
import type { UnitEvent } from '../units/events.js';
import { evolveUnit } from '../units/evolve.js';
import type { UnitDirectory, UnitState } from '../units/state.js';
import { type Notification, notificationOf } from '../reminders/notifications.js';
import { type WebhookEvent, type WebhookView, evolveWebhook } from '../webhooks/events.js';

/** A read-model row as the runner persists it: one per unit, task, obstacle, inspection and report. */
export type Row =
  | { kind: 'unit'; id: string; value: UnitState }
  | { kind: 'task'; id: string; value: TaskView }
  | { kind: 'obstacle'; id: string; value: ObstacleView }
  | { kind: 'inspection'; id: string; value: InspectionView }
  | { kind: 'report'; id: string; value: PeriodicReport }
  | { kind: 'notification'; id: string; value: Notification }
  | { kind: 'webhook'; id: string; value: WebhookView };

/** Obstacles and inspections carry their stream version, to be passed back as expectedVersion. */
export type ObstacleView = Obstacle & { version: number };
export type InspectionView = Inspection & { version: number };

export interface Applied {
  row?: Row;
  task?: { before: TaskView | null; after: TaskView };
  /** Only for commitment events (commitmentEventTypes). */
  history?: HistoryEntry;
  /** A reminder's notification, besides the row of the stream it was recorded on (issue 10). */
  notification?: Row;
}

/**
 * The in-memory read model: rows kept by the pure reducers of projections/ and the features'
 * evolve functions, plus the indexes queries need. The live runner and every `asOf` replay use
 * this same class, so history is never computed by a second implementation. It does no I/O.
 */
export class Views implements UnitDirectory {
  /**
   * `withHistory`: the history entry of each commitment event (a diff of the task, which the runner
   * keeps for commitmentChanges and subscriptions) is computed; false for a replay that only answers
   * "as of" queries. A task's full history is its stream, folded on request (ProjectionRunner.history).
   */
  constructor(private readonly withHistory = true) {}

  readonly units = new Map<string, UnitState>();
  readonly unitChildren = new Map<string, string[]>();
  /** Changes whenever a unit is added or moves in the tree: what was worked out from the tree before is stale. */
  treeVersion = 0;
  readonly tasks = new Map<string, TaskView>();
  readonly tasksByLead = new Map<string, Set<string>>();
  readonly tasksByCoordinator = new Map<string, Set<string>>();
  readonly obstacles = new Map<string, ObstacleView>();
  readonly obstaclesByTask = new Map<string, Set<string>>();
  readonly inspections = new Map<string, InspectionView>();
  /** finding id → inspection id */
  readonly findingIndex = new Map<string, string>();
  /** report stream key → the unit's report for that period */
  readonly reports = new Map<string, PeriodicReport>();
  readonly reportsByUnit = new Map<string, Set<string>>();
  /** Reminders (src/reminders) by event id, and their ids by the unit they are addressed to. */
  readonly notifications = new Map<string, Notification>();
  readonly notificationsByUnit = new Map<string, Set<string>>();
  /** Webhook registrations (src/webhooks), removed ones included. */
  readonly webhooks = new Map<string, WebhookView>();
  /** Position of the last event applied, null before the first. */
  position: string | null = null;
  /** occurredAt of the latest event applied: how far in time this view reaches. */
  lastOccurredAt: string | null = null;

  apply(e: DomainEnvelope): Applied {
    const applied = this.applyToStream(e);
    const note = notificationOf(e, this);
    if (note) {
      applied.notification = { kind: 'notification', id: note.id, value: note };
      this.load(applied.notification);
    }
    return applied;
  }

  private applyToStream(e: DomainEnvelope): Applied {
    this.position = e.position;
    if (!this.lastOccurredAt || e.meta.occurredAt > this.lastOccurredAt) this.lastOccurredAt = e.meta.occurredAt;
    const prefix = e.stream.slice(0, e.stream.indexOf('-'));
    const row = this.rowOf(e, prefix);
    if (row) {
      this.load(row);
      return { row };
    }
    if (prefix === 'task') {
      const taskId = (e.data as { taskId: string }).taskId;
      const before = this.tasks.get(taskId) ?? null;
      const after = evolveTaskView(before, e);
      if (!after) return {};
      const row: Row = { kind: 'task', id: taskId, value: after };
      this.load(row);
      const history = this.withHistory && commitmentEventTypes.has(e.type) ? historyEntry(before, after, e) : undefined;
      return history ? { row, task: { before, after }, history } : { row, task: { before, after } };
    }
    return {};
  }

  /** The row of any stream but a task's after the event (a method, not a closure made per event). */
  private rowOf(e: DomainEnvelope, prefix: string): Row | undefined {
    const at = e.meta.occurredAt;
    switch (prefix) {
      case 'unit': {
        const id = (e.data as { unitId: string }).unitId;
        const value = evolveUnit(this.units.get(id) ?? null, e as unknown as UnitEvent);
        return value ? { kind: 'unit', id, value } : undefined;
      }
      case 'obstacle': {
        const id = (e.data as { obstacleId: string }).obstacleId;
        const value = evolveObstacle(this.obstacles.get(id) ?? null, e as unknown as ObstacleEvent, at);
        return value ? { kind: 'obstacle', id, value: { ...value, version: e.revision } } : undefined;
      }
      case 'inspection': {
        const id = (e.data as { inspectionId: string }).inspectionId;
        const value = evolveInspection(this.inspections.get(id) ?? null, e as unknown as InspectionEvent, at);
        return value ? { kind: 'inspection', id, value: { ...value, version: e.revision } } : undefined;
      }
      case 'report': {
        const id = e.stream.slice('report-'.length);
        const value = evolveReport(this.reports.get(id) ?? null, e as unknown as ReportEvent, at);
        return value ? { kind: 'report', id, value } : undefined;
      }
      case 'webhook': {
        const id = (e.data as { webhookId: string }).webhookId;
        const before = this.webhooks.get(id) ?? null;
        const value = evolveWebhook(before, e as unknown as WebhookEvent, at);
        return value ? {
          kind: 'webhook', id,
          value: { ...value, owner: before?.owner ?? e.meta.actor, position: before?.position ?? e.position, version: e.revision },
        } : undefined;
      }
      default:
        return undefined;
    }
  }

  /** Puts a row in place and keeps the indexes true; also how persisted rows are restored. */
  load(row: Row): void {
    switch (row.kind) {
      case 'unit': {
        const unit = row.value;
        const old = this.units.get(unit.id);
        if (!old || old.parentId !== unit.parentId) {
          this.treeVersion++;
          if (old?.parentId) this.unitChildren.set(old.parentId, (this.unitChildren.get(old.parentId) ?? []).filter((c) => c !== unit.id));
          if (unit.parentId) this.unitChildren.set(unit.parentId, [...(this.unitChildren.get(unit.parentId) ?? []), unit.id]);
        }
        this.units.set(unit.id, unit);
        return;
      }
      case 'task': {
        const task = row.value;
        const before = this.tasks.get(task.id);
        // Most events (nine in ten are progress reports) leave the lead unit and the coordinators as
        // they were (evolve keeps a field that did not change: the same array): the indexes hold already.
        if (before?.leadUnitId !== task.leadUnitId || before.coordinatorIds !== task.coordinatorIds) {
          if (before && before.leadUnitId !== task.leadUnitId) this.tasksByLead.get(before.leadUnitId)?.delete(task.id);
          index(this.tasksByLead, task.leadUnitId, task.id);
          for (const c of before?.coordinatorIds ?? []) if (!task.coordinatorIds.includes(c)) this.tasksByCoordinator.get(c)?.delete(task.id);
          for (const c of task.coordinatorIds) index(this.tasksByCoordinator, c, task.id);
        }
        this.tasks.set(task.id, task);
        return;
      }
      case 'obstacle':
        this.obstacles.set(row.id, row.value);
        index(this.obstaclesByTask, row.value.taskId, row.id);
        return;
      case 'inspection':
        this.inspections.set(row.id, row.value);
        for (const f of row.value.findings) this.findingIndex.set(f.id, row.id);
        return;
      case 'report':
        this.reports.set(row.id, row.value);
        index(this.reportsByUnit, row.value.unitId, row.id);
        return;
      case 'notification':
        this.notifications.set(row.id, row.value);
        index(this.notificationsByUnit, row.value.unitId, row.id);
        return;
      case 'webhook':
        this.webhooks.set(row.id, row.value);
        return;
      default: {
        const never: never = row;
        return never;
      }
    }
  }

  /** Every row, as `load` takes them. */
  *rows(): Generator<Row> {
    for (const [id, value] of this.units) yield { kind: 'unit', id, value };
    for (const [id, value] of this.tasks) yield { kind: 'task', id, value };
    for (const [id, value] of this.obstacles) yield { kind: 'obstacle', id, value };
    for (const [id, value] of this.inspections) yield { kind: 'inspection', id, value };
    for (const [id, value] of this.reports) yield { kind: 'report', id, value };
    for (const [id, value] of this.notifications) yield { kind: 'notification', id, value };
    for (const [id, value] of this.webhooks) yield { kind: 'webhook', id, value };
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
}

function index(map: Map<string, Set<string>>, key: string, id: string) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}
