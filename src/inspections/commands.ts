import { z } from 'zod';
import { id, isoDate, optionalText, text } from '../shared/schemas.js';
import { Severity } from './events.js';

export const PlanInspection = z.object({
  id, title: text(500), targetUnitIds: z.array(id).min(1).max(500), taskIds: z.array(id).max(500).default([]), from: isoDate, to: isoDate,
});
export const RecordFinding = z.object({
  inspectionId: id, findingId: id, unitId: id, taskId: id.optional(), severity: Severity,
  description: text(5000), recommendation: text(5000), dueDate: isoDate.optional(),
});
export const RespondToFinding = z.object({ inspectionId: id, findingId: id, response: text(5000) });
export const CloseFinding = z.object({ inspectionId: id, findingId: id, reason: optionalText(2000) });
export const ConcludeInspection = z.object({ inspectionId: id, conclusion: text(10_000) });

export type InspectionCommand =
  | { type: 'PlanInspection'; data: z.output<typeof PlanInspection> }
  | { type: 'RecordFinding'; data: z.output<typeof RecordFinding> }
  | { type: 'RespondToFinding'; data: z.output<typeof RespondToFinding> }
  | { type: 'CloseFinding'; data: z.output<typeof CloseFinding> }
  | { type: 'ConcludeInspection'; data: z.output<typeof ConcludeInspection> };
