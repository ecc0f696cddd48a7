import { endOfDay, gql } from '../api.js';
import { mapLimit } from '../dom.js';
import { t, todayVN } from '../i18n.js';
import { TREND_POINT } from '../queries.js';
import { type StatusCount, type TrendPoint, quarterEnds, trendFrom } from '../ui.js';

export interface ViewContext {
  main: HTMLElement;
  params: URLSearchParams;
  /** The as-of date (YYYY-MM-DD) or null for now. */
  asOf: string | null;
  signal: AbortSignal;
  /** False once the user has navigated elsewhere: stop drawing. */
  alive: () => boolean;
  setTitle: (title: string) => void;
}

/** Variables for an `asOf: DateTime` argument: the end of the chosen day, or absent for now. */
export const asOfVar = (ctx: ViewContext): string | null => (ctx.asOf ? endOfDay(ctx.asOf) : null);

/** Obstacles are listed as they stand now: in a view as of a past date, keep those raised by then. */
export const raisedBy = (ctx: ViewContext) => (o: { raisedAt: string }) => !ctx.asOf || Date.parse(o.raisedAt) <= Date.parse(endOfDay(ctx.asOf));

/** The programme's first quarter (Decision 06/QĐ-TTg, 6 January 2022). */
export const PROGRAMME_START = '2022-01-01';

/** unitProgress at every quarter end up to the as-of date (each a replay on the server, so at most 4 at a time). */
export async function loadTrend(unitId: string, ctx: ViewContext): Promise<TrendPoint[]> {
  const end = ctx.asOf ?? todayVN();
  const points = quarterEnds(PROGRAMME_START, end);
  return mapLimit(points, 4, async (p) => {
    const asOf = p.quarter || ctx.asOf ? endOfDay(p.date) : null;
    try {
      const r = await gql<{ unitProgress: { totalTasks: number; onTimeRate: number | null; byStatus: StatusCount[] } }>(TREND_POINT, { id: unitId, asOf }, ctx.signal);
      return trendFrom(p.date, p.quarter ? p.label : ctx.asOf ? p.label : t('trendNow'), r.unitProgress);
    } catch (error) {
      // The unit did not exist yet at that date: nothing to count.
      if ((error as { code?: string }).code === 'NOT_FOUND') return trendFrom(p.date, p.label, { totalTasks: 0, onTimeRate: null, byStatus: [] });
      throw error;
    }
  });
}
