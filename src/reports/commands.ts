import { z } from 'zod';
import { id, text } from '../shared/schemas.js';
import { IndicatorValue } from '../tasks/events.js';
import { PeriodKind } from './events.js';

export const SubmitPeriodicReport = z.object({
  unitId: id,
  period: z.object({ kind: PeriodKind, key: z.string().trim().min(1).max(20) }),
  indicators: z.array(IndicatorValue).max(100).default([]),
  narrative: text(20_000),
});

export type ReportCommand = { type: 'SubmitPeriodicReport'; data: z.output<typeof SubmitPeriodicReport> };
