import { badInput, notFound } from '../errors.js';
import { PeriodError, parsePeriod } from '../periods/index.js';
import { dateAt } from '../shared/time.js';
import type { UnitDirectory } from '../units/state.js';
import type { ReportCommand } from './commands.js';
import type { ReportEvent } from './events.js';
import type { ReportState } from './state.js';

export interface ReportContext { now: string; units: UnitDirectory }

export function decideReport(command: ReportCommand, state: ReportState, ctx: ReportContext): ReportEvent[] {
  switch (command.type) {
    case 'SubmitPeriodicReport': {
      const c = command.data;
      if (!ctx.units.get(c.unitId)) throw notFound('UNIT', c.unitId);
      let period;
      try {
        period = parsePeriod(c.period.kind, c.period.key);
      } catch (error) {
        if (error instanceof PeriodError) throw badInput(error.message);
        throw error;
      }
      if (dateAt(ctx.now) < period.windowStart) throw badInput(`period ${period.key} has not begun (its window starts ${period.windowStart})`);
      const codes = new Set(c.indicators.map((i) => i.code));
      if (codes.size !== c.indicators.length) throw badInput('an indicator code is given twice');
      return [{
        type: 'PeriodicReportSubmitted',
        data: {
          unitId: c.unitId, periodKind: period.kind, periodKey: period.key, windowStart: period.windowStart, windowEnd: period.windowEnd,
          indicators: c.indicators, narrative: c.narrative, supersedes: state ? state.submissions - 1 : null,
        },
        reason: state ? `Báo cáo thay thế báo cáo kỳ ${period.key}` : `Báo cáo kỳ ${period.key}`,
      }];
    }
    default: {
      const never: never = command.type;
      return never;
    }
  }
}
