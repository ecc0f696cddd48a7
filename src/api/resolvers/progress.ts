import { dashboardRows, openObstacles, unitProgress } from '../../../projections/queries.js';
import { notFound } from '../../errors.js';
import type { Views } from '../../runner/views.js';
import { dateAt } from '../../shared/time.js';
import { findingNode } from '../inspection-nodes.js';
import { type Ctx, canSee, readAt, taskNode, unitNode } from '../nodes.js';

const MINISTRIES = new Set(['MINISTRY', 'AGENCY']);
const PROVINCES = new Set(['PROVINCE']);

/**
 * Figures computed once per read model, position and calendar day in Vietnam (statuses change
 * with the day, not the hour), then served to every request until the next event: a province's
 * unitProgress folds a thousand tasks, the dashboard every task (bench/README.md). What depends
 * on who asks (confidential tasks in lists) is applied per request, after.
 */
const computed = new WeakMap<Views, { position: string | null; values: Map<string, unknown> }>();
function once<T>(views: Views, key: string, compute: () => T): T {
  let memo = computed.get(views);
  if (!memo || memo.position !== views.position) computed.set(views, (memo = { position: views.position, values: new Map() }));
  if (memo.values.has(key)) return memo.values.get(key) as T;
  const value = compute();
  if (memo.values.size >= 1000) memo.values.clear();
  memo.values.set(key, value);
  return value;
}

export const progressResolvers = {
  Query: {
    unitProgress: async (_: unknown, args: { unitId: string; asOf?: string | null; includeDescendants?: boolean | null }, ctx: Ctx) => {
      const src = await readAt(ctx, args.asOf);
      const unit = src.views.units.get(args.unitId);
      if (!unit) throw notFound('UNIT', args.unitId);
      const includeDescendants = args.includeDescendants ?? true;
      const dueSoonDays = ctx.tiendo.config.TIENDO_DUE_SOON_DAYS;
      const p = once(src.views, `unitProgress|${unit.id}|${includeDescendants}|${dateAt(src.at)}|${dueSoonDays}`,
        () => unitProgress(src.views, unit, includeDescendants, { at: src.at, dueSoonDays, canSee: () => true }));
      const visible = canSee(ctx.actor, src.views);
      // The lists as functions, called by UnitProgress' resolvers: built only when the query selects them.
      return {
        ...p, asOf: src.at, unit: unitNode(unit, src), overdue: () => p.overdue.filter(visible).map((t) => taskNode(t, src)),
        overdueFindings: () => p.overdueFindings.map((f) => findingNode(f, src)),
      };
    },
    programmeDashboard: async (_: unknown, args: { asOf?: string | null }, ctx: Ctx) => {
      const src = await readAt(ctx, args.asOf);
      const o = { at: src.at, dueSoonDays: ctx.tiendo.config.TIENDO_DUE_SOON_DAYS };
      const day = `${dateAt(src.at)}|${o.dueSoonDays}`;
      // The rows memoised as the nodes they answer with (a unit's fields read only the views, the same for the memo's life).
      const rows = (kinds: Set<string>) => once(src.views, `dashboard|${[...kinds].join(',')}|${day}`,
        () => dashboardRows(src.views, kinds, o).map((r) => ({ ...r, unit: unitNode(r.unit, src) })));
      const obstaclesByCategory = once(src.views, 'obstaclesByCategory', () => openObstacles(src.views).byCategory);
      return { asOf: src.at, ministries: rows(MINISTRIES), provinces: rows(PROVINCES), obstaclesByCategory };
    },
  },
  // Explicit: graphql-jit (TIENDO_GRAPHQL_JIT) reads a field without a resolver as a plain value, it does not call it.
  UnitProgress: {
    overdue: (p: { overdue: () => unknown }) => p.overdue(),
    overdueFindings: (p: { overdueFindings: () => unknown }) => p.overdueFindings(),
  },
};
