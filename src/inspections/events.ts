import { z } from 'zod';
import { findingReminderSchemas } from '../reminders/events.js';
import { type EventsOf, id, isoDate, text } from '../shared/schemas.js';

export const Severity = z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

export const inspectionEventSchemas = {
  InspectionPlanned: z.object({
    inspectionId: id,
    title: text(500),
    /** The inspection team is the planning inspector's unit. */
    teamUnitId: id,
    targetUnitIds: z.array(id).min(1),
    taskIds: z.array(id),
    from: isoDate,
    to: isoDate,
  }),
  FindingRecorded: z.object({
    inspectionId: id,
    findingId: id,
    unitId: id,
    taskId: id.nullable(),
    severity: Severity,
    description: text(5000),
    recommendation: text(5000),
    dueDate: isoDate.nullable(),
  }),
  FindingResponded: z.object({ inspectionId: id, findingId: id, response: text(5000) }),
  FindingClosed: z.object({ inspectionId: id, findingId: id }),
  InspectionConcluded: z.object({ inspectionId: id, conclusion: text(10_000) }),
  /** A notice the reminder scheduler records (src/reminders): nothing about the finding changes. */
  ...findingReminderSchemas,
};
export type InspectionEvent = EventsOf<typeof inspectionEventSchemas>;

export const inspectionStream = (inspectionId: string) => `inspection-${inspectionId}`;
