import { z } from 'zod';
import { Basis, id, isoDate, optionalText, text } from '../shared/schemas.js';
import { IndicatorTarget, IndicatorValue, SourceDocument } from './events.js';

const basis = z.array(Basis).max(20).default([]);
const reason = text(2000);

export const AssignTask = z.object({
  id,
  title: text(500),
  description: optionalText(20_000),
  output: optionalText(2_000),
  source: SourceDocument,
  leadUnitId: id,
  coordinatorIds: z.array(id).max(100).default([]),
  deadline: isoDate.nullish(),
  // Target and roll-up are optional in the API (GraphQL drops their nulls): no target, and SUM.
  indicators: z.array(IndicatorTarget.extend({
    target: IndicatorTarget.shape.target.default(null),
    rollup: IndicatorTarget.shape.rollup.unwrap().nullish(),
  })).max(50).default([]),
  confidential: z.boolean().default(false),
  reason: optionalText(2000),
  basis,
});
export const DelegateTask = z.object({
  taskId: id,
  to: z.array(z.object({
    leadUnitId: id,
    deadline: isoDate.nullish(),
    targets: z.array(IndicatorValue).max(50).default([]),
  })).min(1).max(5000),
  reason: optionalText(2000),
  basis,
});
export const ReassignTask = z.object({ taskId: id, leadUnitId: id, reason, basis });
export const ReportProgress = z.object({
  taskId: id,
  percent: z.number().finite().min(0).max(100).nullish(),
  indicators: z.array(IndicatorValue).max(50).default([]),
  note: text(5000),
});
export const RequestDeadlineExtension = z.object({ taskId: id, proposedDeadline: isoDate, reason, basis });
export const DecideDeadlineExtension = z.object({ taskId: id, approve: z.boolean(), deadline: isoDate.nullish(), reason, basis });
export const ReportCompletion = z.object({ taskId: id, completedOn: isoDate, evidence: text(5000), basis });
export const DecideCompletion = z.object({ taskId: id, reason: optionalText(2000) });
export const ChangeTaskPhase = z.object({ taskId: id, reason, basis });

type C<T extends string, S extends z.ZodType> = { type: T; data: z.output<S> };
export type TaskCommand =
  | C<'AssignTask', typeof AssignTask>
  | C<'DelegateTask', typeof DelegateTask>
  | C<'ReassignTask', typeof ReassignTask>
  | C<'ReportProgress', typeof ReportProgress>
  | C<'RequestDeadlineExtension', typeof RequestDeadlineExtension>
  | C<'DecideDeadlineExtension', typeof DecideDeadlineExtension>
  | C<'ReportCompletion', typeof ReportCompletion>
  | C<'ConfirmCompletion', typeof DecideCompletion>
  | C<'RejectCompletion', typeof DecideCompletion>
  | C<'PauseTask', typeof ChangeTaskPhase>
  | C<'ResumeTask', typeof ChangeTaskPhase>
  | C<'CancelTask', typeof ChangeTaskPhase>;
