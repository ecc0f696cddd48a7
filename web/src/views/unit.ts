import { ApiError, gql } from '../api.js';
import { TASK_LEADS, TASK_LIST, UNIT_CHILD, UNIT_FINDINGS, UNIT_OBSTACLES, UNIT_PAGE } from '../queries.js';
import { h, mapLimit, replace } from '../dom.js';
import { date, dateTime, label, num, pct, t } from '../i18n.js';
import { link, unitLink } from '../route.js';
import {
  type FindingRow, type IndicatorFigure, type ObstacleRow, type StatusCount, type TaskRow, card, categoryBars, errorBox, findingList, indicatorBars, kpi, loading, meter,
  obstacleList, rateTone, statusBreakdown, taskTable, trendChart, unitA,
} from '../ui.js';
import { type ViewContext, asOfVar, loadTrend, raisedBy } from './context.js';

interface UnitRef { id: string; name: string; kind: string }
interface Progress {
  asOf: string; totalTasks: number; onTimeRate: number | null; byStatus: StatusCount[]; openObstacles: number; openFindings: number;
  indicators: IndicatorFigure[];
  overdue: { id: string; title: string; deadline: string | null; status: string; progress: number | null; lead: { id: string; name: string } }[];
  unit: UnitRef & { previousNames: string[]; parent: (UnitRef & { parent: (UnitRef & { parent: UnitRef | null }) | null }) | null; children: UnitRef[] };
}

const MINISTERIAL = new Set(['MINISTRY', 'AGENCY']);

export async function unitView(ctx: ViewContext, id: string): Promise<void> {
  ctx.setTitle(id);
  replace(ctx.main, h('h1', { tabindex: '-1' }, id), loading());
  let p: Progress;
  try {
    p = (await gql<{ unitProgress: Progress }>(UNIT_PAGE, { id, asOf: asOfVar(ctx) }, ctx.signal)).unitProgress;
  } catch (error) {
    if (!ctx.alive()) return;
    const missing = error instanceof ApiError && error.code === 'NOT_FOUND';
    replace(ctx.main, h('h1', { tabindex: '-1' }, id), missing ? h('p', { class: 'alert' }, t('unitMissing', { id })) : errorBox(error, () => void unitView(ctx, id)));
    return;
  }
  if (!ctx.alive()) return;
  const u = p.unit;
  ctx.setTitle(u.name);
  const overdueCount = p.byStatus.find((b) => b.status === 'OVERDUE')?.count ?? 0;
  const ancestors: UnitRef[] = [];
  for (let a = u.parent as (UnitRef & { parent?: unknown }) | null; a; a = (a.parent as typeof a) ?? null) ancestors.unshift(a);

  const childSlot = h('div', null, loading());
  const obstacleSlot = h('div', { 'data-state': 'loading' }, loading());
  void unitObstacles(ctx, u.id, obstacleSlot);
  const findingSlot = h('div', null, loading());
  if (p.openFindings > 0) {
    // Findings are listed as they stand now (the count above is as of the date shown).
    void gql<{ findings: { edges: { node: FindingRow }[] } }>(UNIT_FINDINGS, { id: u.id }, ctx.signal).then((r) => {
      if (ctx.alive()) replace(findingSlot, findingList(r.findings.edges.map((e) => e.node)));
    }, (error: unknown) => {
      if (ctx.alive()) replace(findingSlot, errorBox(error));
    });
  }
  const trendSlot = h('div', { class: 'trend-slot' },
    h('button', { type: 'button', class: 'btn secondary', onclick: () => void showTrend() }, t('trendShow')));
  const showTrend = async () => {
    replace(trendSlot, loading());
    try {
      const points = await loadTrend(u.id, ctx);
      if (ctx.alive()) replace(trendSlot, trendChart(points, `${t('trendTitle')} — ${u.name}`));
      trendSlot.dataset.state = 'loaded';
    } catch (error) {
      if (ctx.alive()) replace(trendSlot, errorBox(error));
    }
  };

  replace(ctx.main,
    h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' }, h('ol', null,
      ancestors.map((a) => h('li', null, h('a', { href: unitLink(a.id) }, a.name))),
      h('li', { 'aria-current': 'page' }, u.name))),
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, u.name),
      h('p', { class: 'muted' }, `${label(u.kind)} · ${t('unitCode')} ${u.id}`,
        u.previousNames.length ? ` · ${t('unitPrevious')}: ${u.previousNames.join(', ')}` : '',
        ` · ${t('dataAt', { at: ctx.asOf ? date(ctx.asOf) : dateTime(p.asOf) })}`),
      h('p', null, h('a', { href: link('/compare', { unit: u.id }) }, t('unitCompare')))),
    h('div', { class: 'kpis' },
      kpi('kpiTotal', num(p.totalTasks)),
      kpi('kpiRate', pct(p.onTimeRate), rateTone(p.onTimeRate)),
      kpi('kpiOverdue', num(overdueCount), overdueCount ? 'bad' : ''),
      kpi('kpiObstacles', num(p.openObstacles)),
      kpi('kpiFindings', num(p.openFindings))),
    h('div', { class: 'grid-2' },
      card(t('unitTasksByStatus'), statusBreakdown(p.byStatus, p.totalTasks)),
      card(t('unitIndicators'), indicatorBars(p.indicators))),
    card(t('unitChildren'), childSlot),
    card(t('obstaclesTitle'), obstacleSlot),
    p.openFindings > 0 ? card(t('findingsTitle'), findingSlot) : null,
    card(t('unitOverdue'), taskTable(p.overdue, t('unitOverdue'))),
    card(t('unitTasks'), taskList(ctx, { leadUnitId: u.id, includeDescendants: true }, t('unitTasks'))),
    MINISTERIAL.has(u.kind) ? card(t('unitCoordinated'), taskList(ctx, { coordinatorUnitId: u.id }, t('unitCoordinated'))) : null,
    card(t('trendTitle'), h('p', { class: 'muted small' }, t('trendIntro')), trendSlot),
  );

  void children(ctx, u, childSlot);
}

type Lead = { id: string; parent: Lead | null };

/**
 * Subordinate units with their own figures. A province has over a hundred communes, so the units
 * that lead no task are listed by name only, and figures (one unitProgress each, a few at a time)
 * are asked for the others: those found leading a task, themselves or below them.
 */
async function children(ctx: ViewContext, u: { id: string; children: UnitRef[] }, slot: HTMLElement): Promise<void> {
  if (u.children.length === 0) {
    replace(slot, h('p', { class: 'muted' }, t('noChildren')));
    return;
  }
  try {
    const childIds = new Set(u.children.map((c) => c.id));
    const active = new Set<string>();
    let after: string | null = null;
    let complete = false;
    for (let page = 0; page < 20; page++) {
      const r: { tasks: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { lead: Lead } }[] } } =
        await gql(TASK_LEADS, { id: u.id, after, asOf: asOfVar(ctx) }, ctx.signal);
      for (const e of r.tasks.edges) {
        for (let l: Lead | null = e.node.lead; l; l = l.parent) {
          if (childIds.has(l.id)) {
            active.add(l.id);
            break;
          }
        }
      }
      if (!r.tasks.pageInfo.hasNextPage) {
        complete = true;
        break;
      }
      after = r.tasks.pageInfo.endCursor;
    }
    const busy = u.children.filter((c) => active.has(c.id));
    const idle = u.children.filter((c) => !active.has(c.id)).sort((a, b) => a.name.localeCompare(b.name, 'vi'));
    const rows = await mapLimit(busy, 6, async (c) => ({
      unit: c, p: (await gql<{ unitProgress: { totalTasks: number; onTimeRate: number | null; byStatus: StatusCount[] } }>(UNIT_CHILD, { id: c.id, asOf: asOfVar(ctx) }, ctx.signal)).unitProgress,
    }));
    if (!ctx.alive()) return;
    const c = (r: (typeof rows)[number], st: string) => r.p.byStatus.find((b) => b.status === st)?.count ?? 0;
    rows.sort((a, b) => (b.p.onTimeRate ?? -1) - (a.p.onTimeRate ?? -1) || c(a, 'OVERDUE') - c(b, 'OVERDUE') || a.unit.name.localeCompare(b.unit.name, 'vi'));
    replace(slot,
      rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'children' },
        h('caption', { class: 'sr-only' }, t('unitChildren')),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('colUnit')), h('th', { scope: 'col' }, t('colKind')),
          h('th', { scope: 'col', class: 'num' }, t('colTasks')), h('th', { scope: 'col', class: 'num' }, t('colCompleted')),
          h('th', { scope: 'col', class: 'w-rate' }, t('colRate')), h('th', { scope: 'col', class: 'num' }, t('colOverdue')))),
        h('tbody', null, rows.map((r) => h('tr', null,
          h('th', { scope: 'row' }, unitA(r.unit)),
          h('td', { class: 'muted' }, label(r.unit.kind)),
          h('td', { class: 'num' }, num(r.p.totalTasks)),
          h('td', { class: 'num' }, num(c(r, 'COMPLETED_ON_TIME') + c(r, 'COMPLETED_LATE'))),
          h('td', null, h('div', { class: 'rate-cell' }, meter(r.p.onTimeRate, rateTone(r.p.onTimeRate)), h('span', { class: 'num' }, pct(r.p.onTimeRate)))),
          h('td', { class: 'num' }, c(r, 'OVERDUE') ? h('span', { class: 'count bad' }, num(c(r, 'OVERDUE'))) : '0')))))) : null,
      idle.length ? h('details', { class: 'idle-units', id: 'idle-children' },
        h('summary', null, t(complete ? 'idleChildren' : 'otherChildren', { n: idle.length })),
        h('ul', { class: 'unit-hits' }, idle.map((x) => h('li', null, unitA(x))))) : null);
  } catch (error) {
    if (ctx.alive()) replace(slot, errorBox(error));
  }
}

async function unitObstacles(ctx: ViewContext, id: string, slot: HTMLElement): Promise<void> {
  try {
    const r = await gql<{ unitProgress: { obstaclesByCategory: { category: string; count: number }[] }; obstacles: { totalCount: number; edges: { node: ObstacleRow }[] } }>(
      UNIT_OBSTACLES, { id, asOf: asOfVar(ctx) }, ctx.signal);
    if (!ctx.alive()) return;
    const open = r.obstacles.edges.map((e) => e.node).filter(raisedBy(ctx));
    const total = r.unitProgress.obstaclesByCategory.reduce((s, c) => s + c.count, 0);
    replace(slot, total === 0 && open.length === 0 ? categoryBars([], true) : h('div', { class: 'grid-2 flat' },
      h('div', null, categoryBars(r.unitProgress.obstaclesByCategory)),
      h('div', null, h('h3', null, t('obstaclesOpenList')), ctx.asOf ? h('p', { class: 'muted small' }, t('currentObstacles')) : null, obstacleList(open))));
    slot.dataset.state = 'loaded';
  } catch (error) {
    if (!ctx.alive()) return;
    const missing = error instanceof ApiError && error.code === 'BAD_USER_INPUT' && /obstacle/i.test(error.message);
    replace(slot, missing ? h('p', { class: 'placeholder' }, t('obstaclesPending')) : errorBox(error));
    slot.dataset.state = missing ? 'unavailable' : 'error';
  }
}

/** A paged task list ("show more" appends the next page). */
function taskList(ctx: ViewContext, filter: Record<string, unknown>, caption: string): HTMLElement {
  const slot = h('div', null, loading());
  const rows: TaskRow[] = [];
  const load = async (after: string | null) => {
    try {
      const r = await gql<{ tasks: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: TaskRow }[] } }>(
        TASK_LIST, { filter, after, asOf: asOfVar(ctx) }, ctx.signal);
      if (!ctx.alive()) return;
      rows.push(...r.tasks.edges.map((e) => e.node));
      replace(slot, taskTable(rows, caption),
        h('p', { class: 'small muted' }, t('shownOf', { shown: rows.length, total: r.tasks.totalCount }),
          r.tasks.pageInfo.hasNextPage ? h('button', { type: 'button', class: 'btn secondary small-btn', onclick: () => void load(r.tasks.pageInfo.endCursor) }, t('more')) : null));
    } catch (error) {
      if (ctx.alive()) replace(slot, errorBox(error));
    }
  };
  void load(null);
  return slot;
}
