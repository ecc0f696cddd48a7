import { z } from 'zod';
import { type EventsOf, id, isoDate } from '../shared/schemas.js';

/**
 * Reminders (issue 10) are events like any other: recorded by the scheduler with a
 * deterministic id, so that a second replica's attempt is a no-op. They change nothing about
 * what they remind of; they are notices in its history.
 *
 * Where each one lives:
 *  - DeadlineApproaching, TaskBecameOverdue: on the task's stream (`task-<id>`), so they show in
 *    the task's history next to the changes they are about;
 *  - FindingBecameOverdue: on the inspection's stream (`inspection-<id>`), with the finding;
 *  - PeriodicReportMissed: on the unit's reminder stream (`reminders-<unit>`), not on
 *    `report-<unit>-<period>`: that stream holds submissions only (its revisions number the
 *    submissions a re-submission supersedes), and a report that was never submitted has no
 *    stream to speak of.
 */

/** On the task stream: the deadline is `daysBefore` days away (7, 3 or 1). */
export const taskReminderSchemas = {
  DeadlineApproaching: z.object({ taskId: id, deadline: isoDate, daysBefore: z.number().int().min(0).max(366) }),
  /** The day after the deadline came and the task is still open. */
  TaskBecameOverdue: z.object({ taskId: id, deadline: isoDate }),
};

/** On the inspection stream: a finding still open the day after its due date. */
export const findingReminderSchemas = {
  FindingBecameOverdue: z.object({ inspectionId: id, findingId: id, unitId: id, dueDate: isoDate }),
};

/** The same list as reports/events.ts' PeriodKind, not imported: tasks/events.ts imports this file, reports/events.ts imports that one. */
const PeriodKind = z.enum(['DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'HALF_YEARLY', 'ANNUAL']);

/** On `reminders-<unit>`: the unit's report for a period was not in by its due date. */
export const unitReminderSchemas = {
  PeriodicReportMissed: z.object({ unitId: id, periodKind: PeriodKind, periodKey: z.string().min(4).max(10), dueDate: isoDate }),
};

export type TaskReminderEvent = EventsOf<typeof taskReminderSchemas>;
export type FindingReminderEvent = EventsOf<typeof findingReminderSchemas>;
export type UnitReminderEvent = EventsOf<typeof unitReminderSchemas>;
export type ReminderEvent = TaskReminderEvent | FindingReminderEvent | UnitReminderEvent;
export type ReminderKind = ReminderEvent['type'];

export const REMINDER_KINDS: readonly ReminderKind[] = ['DeadlineApproaching', 'TaskBecameOverdue', 'FindingBecameOverdue', 'PeriodicReportMissed'];

/**
 * Event types that only give notice: they change nothing a command decides on, so a client's
 * expectedVersion that predates them is not stale (run-command.ts).
 */
export const noticeEventTypes: ReadonlySet<string> = new Set<string>(REMINDER_KINDS);

export const reminderStream = (unitId: string) => `reminders-${unitId}`;
