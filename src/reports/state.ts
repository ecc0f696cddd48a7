import type { PeriodKind } from '../periods/index.js';
import type { IndicatorValue } from '../tasks/events.js';

/** A unit's report for one period: the latest submission, and when the first one came. */
export interface PeriodicReport {
  unitId: string;
  periodKind: PeriodKind;
  periodKey: string;
  windowStart: string;
  windowEnd: string;
  indicators: IndicatorValue[];
  narrative: string;
  submissions: number;
  firstSubmittedAt: string;
  lastSubmittedAt: string;
}

export type ReportState = PeriodicReport | null;
export const initialReportState: ReportState = null;
