import { type UnitProgressResult, dashboardRows, openObstacles, unitProgress } from '../../../projections/queries.js';
import { notFound } from '../../errors.js';
import type { Views } from '../../runner/views.js';
import { dateAt } from '../../shared/time.js';
import { findingNode } from '../inspection-nodes.js';
import { type Ctx, type Source, canSee, readAt, taskNode, unitNode } from '../nodes.js';

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

function dashboardNodes(src: Source, kinds: Set<string>, o: { at: string; dueSoonDays: number }) {
  return dashboardRows(src.views, kinds, o).map((r) => ({ ...r, unit: unitNode(r.unit, src) }));
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
      // The lists become nodes in UnitProgress' resolvers, only when the query selects them.
      return { ...p, asOf: src.at, unit: unitNode(unit, src), __src: src };
    },
    programmeDashboard: async (_: unknown, args: { asOf?: string | null }, ctx: Ctx) => {
      const src = await readAt(ctx, args.asOf);
      const o = { at: src.at, dueSoonDays: ctx.tiendo.config.TIENDO_DUE_SOON_DAYS };
      const day = `${dateAt(src.at)}|${o.dueSoonDays}`;
      // The rows memoised as the nodes they answer with (a unit's fields read only the views, the same for the memo's life).
      // No closure per request but those once() needs (tsx names every named closure as it is made: a cost per request).
      const ministries = once(src.views, `dashboard|ministries|${day}`, () => dashboardNodes(src, MINISTRIES, o));
      const provinces = once(src.views, `dashboard|provinces|${day}`, () => dashboardNodes(src, PROVINCES, o));
      const obstaclesByCategory = once(src.views, 'obstaclesByCategory', () => openObstacles(src.views).byCategory);
      return { asOf: src.at, ministries, provinces, obstaclesByCategory };
    },
  },
  UnitProgress: {
    overdue: (p: Pick<UnitProgressResult, 'overdue'> & { __src: Source }, _: unknown, ctx: Ctx) =>
      p.overdue.filter(canSee(ctx.actor, p.__src.views)).map((t) => taskNode(t, p.__src)),
    overdueFindings: (p: Pick<UnitProgressResult, 'overdueFindings'> & { __src: Source }) => p.overdueFindings.map((f) => findingNode(f, p.__src)),
  },
};
