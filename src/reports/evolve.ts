import type { ReportEvent } from './events.js';
import type { ReportState } from './state.js';

export function evolveReport(state: ReportState, event: ReportEvent, at: string): ReportState {
  switch (event.type) {
    case 'PeriodicReportSubmitted': {
      const d = event.data;
      return {
        unitId: d.unitId, periodKind: d.periodKind, periodKey: d.periodKey, windowStart: d.windowStart, windowEnd: d.windowEnd,
        indicators: d.indicators, narrative: d.narrative, submissions: (state?.submissions ?? 0) + 1,
        firstSubmittedAt: state?.firstSubmittedAt ?? at, lastSubmittedAt: at,
      };
    }
    default: {
      const never: never = event.type;
      return never;
    }
  }
}
