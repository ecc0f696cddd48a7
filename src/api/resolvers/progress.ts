import { dashboardRows, openObstacles, unitProgress } from '../../../projections/queries.js';
import { notFound } from '../../errors.js';
import { type Ctx, canSee, taskNode, unitNode } from '../nodes.js';
import { findingNode } from './inspections.js';
import { readAt } from './tasks.js';

const MINISTRIES = new Set(['MINISTRY', 'AGENCY']);
const PROVINCES = new Set(['PROVINCE']);

export const progressResolvers = {
  Query: {
    unitProgress: async (_: unknown, args: { unitId: string; asOf?: string | null; includeDescendants?: boolean | null }, ctx: Ctx) => {
      const src = await readAt(ctx, args.asOf);
      const unit = src.views.units.get(args.unitId);
      if (!unit) throw notFound('UNIT', args.unitId);
      const p = unitProgress(src.views, unit, args.includeDescendants ?? true, {
        at: src.at, dueSoonDays: ctx.tiendo.config.TIENDO_DUE_SOON_DAYS, canSee: canSee(ctx.actor, src.views),
      });
      return {
        ...p, asOf: src.at, unit: unitNode(unit, src), overdue: p.overdue.map((t) => taskNode(t, src)),
        overdueFindings: p.overdueFindings.map((f) => findingNode(f, src)),
      };
    },
    programmeDashboard: async (_: unknown, args: { asOf?: string | null }, ctx: Ctx) => {
      const src = await readAt(ctx, args.asOf);
      const o = { at: src.at, dueSoonDays: ctx.tiendo.config.TIENDO_DUE_SOON_DAYS };
      const rows = (kinds: Set<string>) => dashboardRows(src.views, kinds, o).map((r) => ({ ...r, unit: unitNode(r.unit, src) }));
      return { asOf: src.at, ministries: rows(MINISTRIES), provinces: rows(PROVINCES), obstaclesByCategory: openObstacles(src.views).byCategory };
    },
  },
};
