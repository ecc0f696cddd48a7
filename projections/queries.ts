import { type IndicatorRollup, rollupOf } from '../src/tasks/events.js';
import { type TaskStatus, TaskStatuses, isCompleted, taskStatus } from '../src/tasks/status.js';
import { type UnitState, isActiveUnit } from '../src/units/state.js';
import type { Finding } from '../src/inspections/state.js';
import { type Obstacle, isOpenObstacle } from '../src/obstacles/state.js';
import { dateAt } from '../src/shared/time.js';
import type { Views } from '../src/runner/views.js';
import { type FieldChange, diffTasks } from './history.js';
import type { TaskView } from './task-view.js';
import { foldText } from './text.js';

/** Sums of reported figures in decimal units: keep them free of binary noise (77.1, not 77.10000000000001). */
const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** Pure queries over a read model at an instant. Live views and asOf replays both go through here. */

export interface QueryOptions {
  /** The instant statuses are computed at. */
  at: string;
  dueSoonDays: number;
  /** Field-level visibility (confidential tasks): aggregates count every task, lists only these. */
  canSee: (task: TaskView) => boolean;
}

export interface IndicatorFigure {
  code: string;
  name: string;
  unitOfMeasure: string;
  rollup: IndicatorRollup;
  target: number | null;
  actual: number | null;
  /** When the actual was reported: the newest report behind a roll-up (LATEST picks by it). */
  actualAt: string | null;
}

/**
 * Several figures of one indicator as one, by its roll-up: actuals summed, averaged, the highest
 * or the newest; targets summed, averaged, or the highest (MAX and LATEST: a target has no date).
 * Figures without an actual (or target) are left out of that part; none at all gives null.
 */
export function combineFigures(rollup: IndicatorRollup, figures: IndicatorFigure[]): Pick<IndicatorFigure, 'target' | 'actual' | 'actualAt'> {
  const targets = figures.flatMap((f) => (f.target == null ? [] : [f.target]));
  const reported = figures.filter((f) => f.actual != null);
  const newest = reported.reduce<IndicatorFigure | null>((a, f) => (a === null || (f.actualAt ?? '') > (a.actualAt ?? '') ? f : a), null);
  const of = (kind: IndicatorRollup, xs: number[]): number | null => {
    if (xs.length === 0) return null;
    switch (kind) {
      case 'SUM': return round(xs.reduce((a, b) => a + b, 0));
      case 'AVERAGE': return round(xs.reduce((a, b) => a + b, 0) / xs.length);
      case 'MAX':
      case 'LATEST': return Math.max(...xs);
      default: {
        const never: never = kind;
        return never;
      }
    }
  };
  return {
    target: of(rollup, targets),
    actual: rollup === 'LATEST' ? newest?.actual ?? null : of(rollup, reported.map((f) => f.actual!)),
    actualAt: newest?.actualAt ?? null,
  };
}

const MINISTERIAL = new Set(['MINISTRY', 'AGENCY']);

export const statusOf = (t: TaskView, o: Pick<QueryOptions, 'at' | 'dueSoonDays'>): TaskStatus => taskStatus(t, o.at, o.dueSoonDays);

/**
 * Progress and indicator figures rolled up the delegation tree: children's actuals combine into the
 * parent's by the indicator's roll-up (combineFigures), and so do their targets where the parent has none of its own.
 */
export class Rollup {
  private memo = new Map<string, { progress: number | null; indicators: IndicatorFigure[] }>();
  constructor(private readonly views: Views) {}

  of(task: TaskView): { progress: number | null; indicators: IndicatorFigure[] } {
    const hit = this.memo.get(task.id);
    if (hit) return hit;
    const children = task.childIds.map((id) => this.views.tasks.get(id)).filter((c): c is TaskView => !!c && c.phase !== 'CANCELLED');
    let result;
    const own = task.indicators.map((i): IndicatorFigure => ({
      code: i.code, name: i.name, unitOfMeasure: i.unitOfMeasure, rollup: rollupOf(i), target: i.target, actual: i.actual, actualAt: i.actualAt,
    }));
    if (children.length === 0) {
      result = { progress: task.phase === 'COMPLETED' ? 100 : task.progress, indicators: own };
    } else {
      const rolled = children.map((c) => this.of(c));
      const progress = task.phase === 'COMPLETED' ? 100 : rolled.reduce((s, r) => s + (r.progress ?? 0), 0) / rolled.length;
      result = {
        progress: Math.round(progress * 100) / 100,
        indicators: own.map((i) => {
          const below = combineFigures(i.rollup, rolled.flatMap((r) => r.indicators.filter((c) => c.code === i.code)));
          // The children's figures when any reported, else the task's own.
          const reported = below.actual != null ? { actual: below.actual, actualAt: below.actualAt } : { actual: i.actual, actualAt: i.actualAt };
          return { ...i, target: i.target ?? below.target, ...reported };
        }),
      };
    }
    this.memo.set(task.id, result);
    return result;
  }
}

/** The tasks a unit answers for: those its subtree leads and, for a ministry, those it coordinates. */
export function tasksInScope(views: Views, unitId: string, includeDescendants = true): TaskView[] {
  const units = includeDescendants ? views.subtree(unitId) : [unitId];
  // One pass, no intermediate arrays: the dashboard calls this for every ministry and province after each write.
  const seen = new Set<string>();
  const out: TaskView[] = [];
  const add = (ids: Set<string> | undefined) => {
    if (!ids) return;
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const t = views.tasks.get(id);
      if (t) out.push(t);
    }
  };
  for (const u of units) add(views.tasksByLead.get(u));
  if (MINISTERIAL.has(views.units.get(unitId)?.kind ?? '')) for (const u of units) add(views.tasksByCoordinator.get(u));
  return out;
}

export interface TaskFilter {
  leadUnitId?: string | null;
  includeDescendants?: boolean | null;
  coordinatorUnitId?: string | null;
  status?: TaskStatus[] | null;
  deadlineFrom?: string | null;
  deadlineTo?: string | null;
  text?: string | null;
}

/** Filtered tasks in a stable order (by id), visible ones only. */
export function findTasks(views: Views, filter: TaskFilter, o: QueryOptions): TaskView[] {
  let candidates: Iterable<TaskView>;
  if (filter.leadUnitId) {
    const units = filter.includeDescendants ? views.subtree(filter.leadUnitId) : [filter.leadUnitId];
    candidates = units.flatMap((u) => [...(views.tasksByLead.get(u) ?? [])].map((id) => views.tasks.get(id)!));
  } else candidates = views.tasks.values();
  const statuses = filter.status?.length ? new Set(filter.status) : null;
  const needle = filter.text ? foldText(filter.text) : null;
  const out: TaskView[] = [];
  for (const t of candidates) {
    if (filter.coordinatorUnitId && !t.coordinatorIds.includes(filter.coordinatorUnitId)) continue;
    if (filter.deadlineFrom && (!t.deadline || t.deadline < filter.deadlineFrom)) continue;
    if (filter.deadlineTo && (!t.deadline || t.deadline > filter.deadlineTo)) continue;
    if (statuses && !statuses.has(statusOf(t, o))) continue;
    if (needle && !searchText(views, t).includes(needle)) continue;
    if (!o.canSee(t)) continue;
    out.push(t);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function searchText(views: Views, t: TaskView): string {
  const lead = views.units.get(t.leadUnitId);
  return foldText([t.id, t.title, t.description ?? '', t.source.number, lead?.name ?? '', ...(lead?.previousNames ?? [])].join(' '));
}

export interface Summary {
  totalTasks: number;
  byStatus: { status: TaskStatus; count: number }[];
  onTimeRate: number | null;
  overdue: TaskView[];
}

export function summarize(tasks: TaskView[], o: Pick<QueryOptions, 'at' | 'dueSoonDays'>): Summary {
  const counts = new Map<TaskStatus, number>(TaskStatuses.map((s) => [s, 0]));
  const overdue: TaskView[] = [];
  for (const t of tasks) {
    const s = statusOf(t, o);
    counts.set(s, counts.get(s)! + 1);
    if (s === 'OVERDUE') overdue.push(t);
  }
  const done = counts.get('COMPLETED_ON_TIME')! + counts.get('COMPLETED_LATE')!;
  return {
    totalTasks: tasks.length,
    byStatus: TaskStatuses.map((status) => ({ status, count: counts.get(status)! })),
    onTimeRate: done === 0 ? null : counts.get('COMPLETED_ON_TIME')! / done,
    overdue: overdue.sort((a, b) => (a.deadline! < b.deadline! ? -1 : a.deadline! > b.deadline! ? 1 : a.id < b.id ? -1 : 1)),
  };
}

/**
 * Indicator totals against targets: the roots of the scope, rolled up, so nothing counts twice,
 * combined by the indicator's roll-up (that of the first task in scope that declares the code).
 */
export function indicatorTotals(views: Views, tasks: TaskView[], rollup = new Rollup(views)): IndicatorFigure[] {
  const inScope = new Set(tasks.map((t) => t.id));
  const byCode = new Map<string, IndicatorFigure[]>();
  for (const t of tasks) {
    if (t.phase === 'CANCELLED' || (t.parentId && inScope.has(t.parentId))) continue;
    for (const i of rollup.of(t).indicators) {
      const figures = byCode.get(i.code);
      if (figures) figures.push(i);
      else byCode.set(i.code, [i]);
    }
  }
  return [...byCode.values()]
    .map((figures) => ({ ...figures[0]!, ...combineFigures(figures[0]!.rollup, figures) }))
    .sort((a, b) => a.code.localeCompare(b.code));
}

export interface UnitProgressResult extends Summary {
  unit: UnitState;
  indicators: IndicatorFigure[];
  openObstacles: number;
  obstaclesByCategory: { category: string; count: number }[];
  openFindings: number;
  overdueFindings: Finding[];
}

export function unitProgress(views: Views, unit: UnitState, includeDescendants: boolean, o: QueryOptions): UnitProgressResult {
  const tasks = tasksInScope(views, unit.id, includeDescendants);
  const summary = summarize(tasks, o);
  const obstacles = openObstacles(views, tasks);
  const findings = openFindings(views, unit.id, includeDescendants, o.at);
  return {
    unit, ...summary, overdue: summary.overdue.filter(o.canSee),
    indicators: withReportedFigures(views, unit.id, tasks, indicatorTotals(views, tasks)),
    openObstacles: obstacles.total, obstaclesByCategory: obstacles.byCategory,
    openFindings: findings.open.length, overdueFindings: findings.overdue,
  };
}

export interface DashboardRow { unit: UnitState; totalTasks: number; overdue: number; onTimeRate: number | null; openObstacles: number }

/** Ranked by byRank. */
export function dashboardRows(views: Views, kinds: Set<string>, o: Pick<QueryOptions, 'at' | 'dueSoonDays'>): DashboardRow[] {
  const rows: DashboardRow[] = [];
  for (const unit of views.units.values()) {
    if (!kinds.has(unit.kind) || !isActiveUnit(unit)) continue;
    const tasks = tasksInScope(views, unit.id, true);
    const s = summarize(tasks, o);
    rows.push({ unit, totalTasks: s.totalTasks, overdue: s.overdue.length, onTimeRate: s.onTimeRate, openObstacles: openObstacles(views, tasks).total });
  }
  return rows.sort(byRank);
}

/** The dashboard's ranking (also the report's chart): on-time rate (nothing completed last), then fewest overdue, then name. */
export const byRank = (a: Pick<DashboardRow, 'unit' | 'overdue' | 'onTimeRate'>, b: Pick<DashboardRow, 'unit' | 'overdue' | 'onTimeRate'>) =>
  (b.onTimeRate ?? -1) - (a.onTimeRate ?? -1) || a.overdue - b.overdue || a.unit.name.localeCompare(b.unit.name, 'vi');

export interface Comparison { added: TaskView[]; removed: TaskView[]; changed: { task: TaskView; changes: FieldChange[] }[] }

/** Baseline comparison of a unit's live (not cancelled) tasks between two read models. */
export function compareViews(from: Views, to: Views, unitId: string, canSee: (t: TaskView) => boolean): Comparison {
  const live = (v: Views) => new Map(tasksInScope(v, unitId, true).filter((t) => t.phase !== 'CANCELLED' && canSee(t)).map((t) => [t.id, t]));
  const a = live(from);
  const b = live(to);
  const added = [...b.values()].filter((t) => !a.has(t.id));
  const removed = [...a.values()].filter((t) => !b.has(t.id)).map((t) => to.tasks.get(t.id) ?? t);
  const changed = [...b.values()]
    .filter((t) => a.has(t.id))
    .map((t) => ({ task: t, changes: diffTasks(a.get(t.id)!, t) }))
    .filter((c) => c.changes.length > 0);
  const byId = (x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : 1);
  return { added: added.sort(byId), removed: removed.sort(byId), changed: changed.sort((x, y) => byId(x.task, y.task)) };
}

const CATEGORIES = ['LEGAL', 'FUNDING', 'INFRASTRUCTURE', 'DATA', 'HUMAN_RESOURCES', 'COORDINATION', 'OTHER'] as const;

/** Open obstacles on the given tasks (all tasks when none given), counted by category. */
export function openObstacles(views: Views, tasks?: TaskView[]): { total: number; byCategory: { category: string; count: number }[] } {
  const counts = new Map<string, number>(CATEGORIES.map((c) => [c, 0]));
  let total = 0;
  const count = (o: Obstacle | undefined) => {
    if (!o || !isOpenObstacle(o)) return;
    total++;
    counts.set(o.category, counts.get(o.category)! + 1);
  };
  if (!tasks) for (const o of views.obstacles.values()) count(o);
  // Without copying each task's obstacle ids: most tasks have none, and the dashboard counts every unit's.
  else for (const t of tasks) for (const id of views.obstaclesByTask.get(t.id) ?? []) count(views.obstacles.get(id));
  return { total, byCategory: CATEGORIES.map((category) => ({ category, count: counts.get(category)! })) };
}

export const isFindingOverdue = (f: Finding, at: string) => f.status !== 'CLOSED' && f.dueDate !== null && dateAt(at) > f.dueDate;

/** Findings not closed against the unit (and its subtree), and those of them past their due date. */
export function openFindings(views: Views, unitId: string, includeDescendants: boolean, at: string): { open: Finding[]; overdue: Finding[] } {
  const units = new Set(includeDescendants ? views.subtree(unitId) : [unitId]);
  const open: Finding[] = [];
  for (const i of views.inspections.values()) for (const f of i.findings) if (f.status !== 'CLOSED' && units.has(f.unitId)) open.push(f);
  return { open, overdue: open.filter((f) => isFindingOverdue(f, at)).sort((a, b) => (a.dueDate! < b.dueDate! ? -1 : 1)) };
}

/**
 * Figures a unit reported in its periodic reports stand in for the task-level totals of the
 * same indicator when the report is newer than every task-level figure behind the total.
 */
export function withReportedFigures(views: Views, unitId: string, tasks: TaskView[], totals: IndicatorFigure[]): IndicatorFigure[] {
  const reports = [...(views.reportsByUnit.get(unitId) ?? [])].map((k) => views.reports.get(k)!);
  if (reports.length === 0) return totals;
  const latest = reports.reduce((a, b) => (a.lastSubmittedAt >= b.lastSubmittedAt ? a : b));
  return totals.map((t) => {
    const reported = latest.indicators.find((i) => i.code === t.code);
    if (!reported) return t;
    const newestTaskFigure = tasks.flatMap((task) => task.indicators.filter((i) => i.code === t.code && i.actualAt).map((i) => i.actualAt!))
      .reduce<string | null>((a, b) => (a === null || b > a ? b : a), null);
    return newestTaskFigure === null || latest.lastSubmittedAt > newestTaskFigure ? { ...t, actual: reported.value } : t;
  });
}
