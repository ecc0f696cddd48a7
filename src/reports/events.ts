import { z } from 'zod';
import { type EventsOf, id, isoDate, text } from '../shared/schemas.js';
import { IndicatorValue } from '../tasks/events.js';

export const PeriodKind = z.enum(['DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'HALF_YEARLY', 'ANNUAL']);

export const reportEventSchemas = {
  PeriodicReportSubmitted: z.object({
    unitId: id,
    periodKind: PeriodKind,
    periodKey: z.string().min(4).max(10),
    windowStart: isoDate,
    windowEnd: isoDate,
    indicators: z.array(IndicatorValue),
    narrative: text(20_000),
    /** Revision of the submission this one replaces; both stay in history. */
    supersedes: z.number().int().min(0).nullable(),
  }),
};
export type ReportEvent = EventsOf<typeof reportEventSchemas>;

/** One stream per unit and period: period keys of different kinds never look alike. */
export const reportStream = (unitId: string, periodKey: string) => `report-${unitId}-${periodKey}`;
