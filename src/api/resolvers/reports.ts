import { badInput, notFound } from '../../errors.js';
import { type PeriodKind, PeriodError, classifySubmission, dueDate, parsePeriod } from '../../periods/index.js';
import { isActiveUnit } from '../../units/state.js';
import { type Ctx, source, unitNode } from '../nodes.js';

export const reportResolvers = {
  Query: {
    reportCompliance: (_: unknown, args: { period: { kind: PeriodKind; key: string }; unitId?: string | null }, ctx: Ctx) => {
      let period;
      try {
        period = parsePeriod(args.period.kind, args.period.key);
      } catch (error) {
        if (error instanceof PeriodError) throw badInput(error.message);
        throw error;
      }
      const src = source(ctx.tiendo.runner.views, ctx.now, false);
      const views = src.views;
      if (args.unitId && !views.units.has(args.unitId)) throw notFound('UNIT', args.unitId);
      // Who must report: the unit's children, or every province when no unit is named.
      const expected = (args.unitId
        ? (views.unitChildren.get(args.unitId) ?? []).map((id) => views.units.get(id)!)
        : [...views.units.values()].filter((u) => u.kind === 'PROVINCE')).filter(isActiveUnit);
      const rules = ctx.tiendo.config.TIENDO_REPORT_DUE_DAYS;
      const due = dueDate(period, rules);
      const rows = expected
        .map((unit) => {
          const report = views.reports.get(`${unit.id}-${period.key}`);
          return {
            unit: unitNode(unit, src), dueDate: due,
            status: classifySubmission(period, report?.firstSubmittedAt ?? null, ctx.now, rules),
            submittedAt: report?.firstSubmittedAt ?? null, submissions: report?.submissions ?? 0,
          };
        })
        .sort((a, b) => a.unit!.id.localeCompare(b.unit!.id));
      return { period: period.key, kind: period.kind, windowStart: period.windowStart, windowEnd: period.windowEnd, dueDate: due, rows };
    },
  },
};
