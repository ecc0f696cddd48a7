import { inspectionStream } from '../inspections/events.js';
import { type DueRules, type Period, type PeriodKind, addDays, dueDate, periodContaining } from '../periods/index.js';
import type { Views } from '../runner/views.js';
import { uuidFromName } from '../shared/ids.js';
import { daysBetween } from '../shared/time.js';
import { taskStream } from '../tasks/events.js';
import { isActiveUnit } from '../units/state.js';
import { type ReminderEvent, type ReminderKind, reminderStream } from './events.js';

/** One reminder to record: its deterministic event id, where it goes and what it says. */
export interface PlannedReminder {
  id: string;
  stream: string;
  event: ReminderEvent;
}

export interface PlanOptions {
  /** Today in Asia/Ho_Chi_Minh (the scheduler's clock, never read here). */
  today: string;
  /** Days before a deadline that a DeadlineApproaching is due; default 7, 3 and 1. */
  thresholds?: readonly number[];
  dueRules: DueRules;
  /** Period kinds whose reports are expected (PeriodicReportMissed); none: no report reminders. */
  reportKinds: readonly PeriodKind[];
  /** Unit kinds that must report: as reportCompliance without a unit, the provinces. */
  reportingUnitKinds?: readonly string[];
  /** Computes a reminder's id (default reminderId); the scheduler passes a memo of it (ReminderIds). */
  idOf?: typeof reminderId;
}

export const DEFAULT_THRESHOLDS: readonly number[] = [7, 3, 1];

/**
 * The id of a reminder: a name-based uuid over its kind, its target and the date it is about
 * (with the threshold for DeadlineApproaching). Every replica computes the same id, and the
 * store keeps an id once, so a reminder is recorded once however many schedulers try.
 * A changed deadline or due date is a new date: its reminders are new ones.
 */
export const reminderId = (kind: ReminderKind, target: string, date: string, extra = '') =>
  uuidFromName(reminderName(kind, target, date, extra));

const reminderName = (kind: ReminderKind, target: string, date: string, extra = '') =>
  `reminder|${kind}|${target}|${date}${extra ? `|${extra}` : ''}`;

/**
 * reminderId remembered from one pass to the next: every pass asks again for the id of every
 * overdue task's reminder (a hash each, most of a pass at national scale); a pass keeps only what
 * it asked for, so ids of deadlines long gone do not pile up.
 */
export class ReminderIds {
  private last = new Map<string, string>();
  private current = new Map<string, string>();

  readonly idOf = (kind: ReminderKind, target: string, date: string, extra = ''): string => {
    const name = reminderName(kind, target, date, extra);
    const id = this.current.get(name) ?? this.last.get(name) ?? uuidFromName(name);
    this.current.set(name, id);
    return id;
  };

  /** How many ids are remembered: at most what the last two passes asked for. */
  get size(): number {
    return new Set([...this.last.keys(), ...this.current.keys()]).size;
  }

  /** Starts a pass: what the pass before did not ask for is forgotten. */
  nextPass(): void {
    this.last = this.current;
    this.current = new Map();
  }
}

const KIND_NAMES: Record<PeriodKind, string> = {
  DAILY: 'ngày', WEEKLY: 'tuần', MONTHLY: 'tháng', QUARTERLY: 'quý', HALF_YEARLY: '6 tháng', ANNUAL: 'năm',
};

/** The latest period of `kind` whose due date is before `today` (its report is late once today comes). */
export function lastElapsedPeriod(kind: PeriodKind, today: string, rules: DueRules): { period: Period; due: string } {
  let period = periodContaining(kind, today);
  for (let i = 0; i < 1000; i++) {
    const due = dueDate(period, rules);
    if (due < today) return { period, due };
    period = periodContaining(kind, addDays(period.windowStart, -1));
  }
  throw new RangeError(`no ${kind} period has fallen due before ${today}`);
}

/**
 * Pure: the reminders due on `today` that the read model does not hold yet.
 *  - an open task (phase OPEN) with a deadline: DeadlineApproaching at the smallest threshold
 *    (7, 3, 1 days) not below the days left — a scheduler that was down records the latest one
 *    only, not stale ones — and TaskBecameOverdue from the day after the deadline;
 *  - a finding not closed, the day after its due date: FindingBecameOverdue;
 *  - per expected period kind, the latest period already due: PeriodicReportMissed for every
 *    active reporting unit with no submission for it.
 * Tasks awaiting confirmation, paused, completed or cancelled get no reminders.
 */
export function planReminders(views: PlannedViews, o: PlanOptions): PlannedReminder[] {
  return [...reminderPlans(views, o)].filter((p): p is PlannedReminder => p !== PAUSE);
}

type PlannedViews = Pick<Views, 'tasks' | 'inspections' | 'units' | 'reports' | 'notifications'>;

/** Yielded by reminderPlans between steps of the read model: a caller may let other work run there. */
export const PAUSE = Symbol('pause');
/** Tasks, findings or units looked at between two pauses. */
const PAUSE_EVERY = 1_000;

/** planReminders one by one, pausing every PAUSE_EVERY items looked at (the scheduler yields to requests there). */
export function* reminderPlans(views: PlannedViews, o: PlanOptions): Generator<PlannedReminder | typeof PAUSE> {
  const thresholds = [...(o.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);
  const widest = thresholds[thresholds.length - 1] ?? -1;
  const idOf = o.idOf ?? reminderId;
  // Dates are YYYY-MM-DD, so text order is date order: most tasks are left without date arithmetic.
  const horizon = widest >= 0 ? addDays(o.today, widest) : addDays(o.today, -1);
  let looked = 0;

  for (const task of views.tasks.values()) {
    if (++looked % PAUSE_EVERY === 0) yield PAUSE;
    if (task.phase !== 'OPEN' || !task.deadline || task.deadline > horizon) continue;
    if (task.deadline < o.today) {
      const id = idOf('TaskBecameOverdue', `task:${task.id}`, task.deadline);
      if (views.notifications.has(id)) continue;
      yield {
        id, stream: taskStream(task.id),
        event: { type: 'TaskBecameOverdue', data: { taskId: task.id, deadline: task.deadline }, reason: `Nhiệm vụ quá hạn: hạn ${task.deadline} đã qua mà chưa hoàn thành` },
      };
    } else {
      const left = daysBetween(o.today, task.deadline);
      const daysBefore = thresholds.find((t) => t >= left)!;
      const id = idOf('DeadlineApproaching', `task:${task.id}`, task.deadline, String(daysBefore));
      if (views.notifications.has(id)) continue;
      yield {
        id, stream: taskStream(task.id),
        event: {
          type: 'DeadlineApproaching', data: { taskId: task.id, deadline: task.deadline, daysBefore },
          reason: `Nhiệm vụ sắp đến hạn ${task.deadline} (nhắc trước ${daysBefore} ngày)`,
        },
      };
    }
  }

  for (const inspection of views.inspections.values()) {
    for (const f of inspection.findings) {
      if (++looked % PAUSE_EVERY === 0) yield PAUSE;
      if (f.status === 'CLOSED' || !f.dueDate || o.today <= f.dueDate) continue;
      const id = idOf('FindingBecameOverdue', `finding:${inspection.id}/${f.id}`, f.dueDate);
      if (views.notifications.has(id)) continue;
      yield {
        id, stream: inspectionStream(inspection.id),
        event: {
          type: 'FindingBecameOverdue', data: { inspectionId: inspection.id, findingId: f.id, unitId: f.unitId, dueDate: f.dueDate },
          reason: `Phát hiện ${f.id} quá hạn xử lý (hạn ${f.dueDate})`,
        },
      };
    }
  }

  const reporting = new Set(o.reportingUnitKinds ?? ['PROVINCE']);
  const units = [...views.units.values()].filter((u) => reporting.has(u.kind) && isActiveUnit(u));
  for (const kind of o.reportKinds) {
    if (units.length === 0) break;
    const { period, due } = lastElapsedPeriod(kind, o.today, o.dueRules);
    for (const unit of units) {
      if (++looked % PAUSE_EVERY === 0) yield PAUSE;
      if (views.reports.has(`${unit.id}-${period.key}`)) continue;
      const id = idOf('PeriodicReportMissed', `unit:${unit.id}`, due, period.key);
      if (views.notifications.has(id)) continue;
      yield {
        id, stream: reminderStream(unit.id),
        event: {
          type: 'PeriodicReportMissed', data: { unitId: unit.id, periodKind: kind, periodKey: period.key, dueDate: due },
          reason: `Chưa nộp báo cáo ${KIND_NAMES[kind]} kỳ ${period.key} (hạn ${due})`,
        },
      };
    }
  }
}
