import { z } from 'zod';
import { taskReminderSchemas } from '../reminders/events.js';
import { type EventsOf, id, isoDate, text } from '../shared/schemas.js';

export const SourceDocument = z.object({ number: text(100), date: isoDate, issuer: text(300) });
export type SourceDocument = z.infer<typeof SourceDocument>;

/**
 * How an indicator's figures roll up the delegation tree and across a unit's tasks: summed
 * (cumulative counts), averaged (rates, shares), the highest, or the most recently reported.
 */
export const IndicatorRollup = z.enum(['SUM', 'AVERAGE', 'MAX', 'LATEST']);
export type IndicatorRollup = z.infer<typeof IndicatorRollup>;

export const IndicatorTarget = z.object({
  code: z.string().trim().min(1).max(64).regex(/^[A-Z0-9_]+$/, 'indicator codes are UPPER_SNAKE_CASE'),
  name: text(300),
  unitOfMeasure: text(50),
  target: z.number().finite().nonnegative().nullable(),
  /** Absent: SUM (the only roll-up before indicators declared theirs; events written then have none). */
  rollup: IndicatorRollup.optional(),
});
export type IndicatorTarget = z.infer<typeof IndicatorTarget>;

/** The roll-up an indicator declared; SUM when it declared none. */
export const rollupOf = (indicator: { rollup?: IndicatorRollup | undefined }): IndicatorRollup => indicator.rollup ?? 'SUM';

export const IndicatorValue = z.object({ code: IndicatorTarget.shape.code, value: z.number().finite().nonnegative() });
export type IndicatorValue = z.infer<typeof IndicatorValue>;

const Delegation = z.object({
  taskId: id,
  leadUnitId: id,
  deadline: isoDate.nullable(),
  targets: z.array(IndicatorValue),
});

export const taskEventSchemas = {
  TaskAssigned: z.object({
    taskId: id,
    title: text(500),
    description: z.string().max(20_000).nullable(),
    output: z.string().max(2_000).nullable(),
    source: SourceDocument,
    leadUnitId: id,
    coordinatorIds: z.array(id),
    deadline: isoDate.nullable(),
    indicators: z.array(IndicatorTarget),
    confidential: z.boolean(),
    parentId: id.nullable(),
  }),
  TaskDelegated: z.object({ taskId: id, children: z.array(Delegation).min(1) }),
  TaskReassigned: z.object({ taskId: id, leadUnitId: id, previousLeadUnitId: id }),
  ProgressReported: z.object({
    taskId: id,
    percent: z.number().min(0).max(100).nullable(),
    indicators: z.array(IndicatorValue),
    note: z.string(),
  }),
  DeadlineExtensionRequested: z.object({ taskId: id, proposedDeadline: isoDate, currentDeadline: isoDate.nullable() }),
  DeadlineExtensionApproved: z.object({
    taskId: id, deadline: isoDate, previousDeadline: isoDate.nullable(), proposedDeadline: isoDate.nullable(),
  }),
  DeadlineExtensionRejected: z.object({ taskId: id, proposedDeadline: isoDate }),
  CompletionReported: z.object({ taskId: id, completedOn: isoDate, evidence: z.string(), deadlineInForce: isoDate.nullable() }),
  CompletionConfirmed: z.object({ taskId: id, completedOn: isoDate }),
  CompletionRejected: z.object({ taskId: id, completedOn: isoDate }),
  TaskPaused: z.object({ taskId: id }),
  TaskResumed: z.object({ taskId: id }),
  TaskCancelled: z.object({ taskId: id }),
  /** Notices the reminder scheduler records (src/reminders): nothing about the task changes. */
  ...taskReminderSchemas,
};
export type TaskEvent = EventsOf<typeof taskEventSchemas>;
export type TaskEventType = TaskEvent['type'];

export const taskStream = (taskId: string) => `task-${taskId}`;

/** Events that change what was committed: deadline, lead unit, targets or scope (commitmentChanges). */
export const commitmentEventTypes: ReadonlySet<string> = new Set<TaskEventType>([
  'TaskAssigned', 'TaskDelegated', 'TaskReassigned', 'DeadlineExtensionApproved', 'TaskCancelled', 'TaskPaused', 'TaskResumed',
]);
