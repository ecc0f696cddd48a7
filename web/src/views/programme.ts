import { gql } from '../api.js';
import { PROGRAMME, PROGRAMME_OBSTACLES } from '../queries.js';
import { h, replace } from '../dom.js';
import { date, dateTime, num, pct, t } from '../i18n.js';
import { ROOT_UNIT, link } from '../route.js';
import {
  type StatusCount, barList, card, categoryBars, errorBox, kpi, loading, meter, rateTone, taskA, trendChart, unitA,
} from '../ui.js';
import { type ViewContext, asOfVar, loadTrend } from './context.js';

interface Row { unit: { id: string; name: string; kind: string }; totalTasks: number; overdue: number; onTimeRate: number | null; openObstacles: number }
interface OverdueTask { id: string; title: string; deadline: string | null; lead: { id: string; name: string } }
interface Data {
  programmeDashboard: { asOf: string; ministries: Row[]; provinces: Row[] };
  unitProgress: {
    totalTasks: number; onTimeRate: number | null; byStatus: StatusCount[]; openObstacles: number; openFindings: number;
    overdue: OverdueTask[];
  };
}

export async function programmeView(ctx: ViewContext): Promise<void> {
  ctx.setTitle(t('programmeTitle'));
  replace(ctx.main, h('h1', { tabindex: '-1' }, t('programmeTitle')), loading());
  let data: Data;
  try {
    data = await gql<Data>(PROGRAMME, { asOf: asOfVar(ctx), root: ROOT_UNIT }, ctx.signal);
  } catch (error) {
    if (ctx.alive()) replace(ctx.main, h('h1', { tabindex: '-1' }, t('programmeTitle')), errorBox(error, () => void programmeView(ctx)));
    return;
  }
  if (!ctx.alive()) return;
  const d = data.programmeDashboard;
  const u = data.unitProgress;
  const count = (st: string) => u.byStatus.find((b) => b.status === st)?.count ?? 0;

  const trendSlot = h('div', { class: 'trend-slot', 'data-state': 'loading' }, loading());
  const obstacleSlot = h('div', { class: 'obstacle-slot', 'data-state': 'loading' }, loading());

  const everyRow = [...d.ministries, ...d.provinces].filter((r) => r.overdue > 0).sort((a, b) => b.overdue - a.overdue || a.unit.name.localeCompare(b.unit.name, 'vi'));

  replace(ctx.main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, t('programmeTitle')),
      h('p', { class: 'muted' }, t('dataAt', { at: ctx.asOf ? date(ctx.asOf) : `${dateTime(d.asOf)} (${t('liveData')})` }))),
    h('div', { class: 'kpis' },
      kpi('kpiTotal', num(u.totalTasks)),
      kpi('kpiOnTime', num(count('COMPLETED_ON_TIME')), 'good'),
      kpi('kpiLate', num(count('COMPLETED_LATE')), 'warn'),
      kpi('kpiOverdue', num(count('OVERDUE')), count('OVERDUE') ? 'bad' : ''),
      kpi('kpiDueSoon', num(count('DUE_SOON')), count('DUE_SOON') ? 'warn' : ''),
      kpi('kpiRate', pct(u.onTimeRate), rateTone(u.onTimeRate)),
      kpi('kpiObstacles', num(u.openObstacles), u.openObstacles ? 'warn' : ''),
      kpi('kpiFindings', num(u.openFindings), u.openFindings ? 'warn' : ''),
    ),
    h('div', { class: 'grid-2-1' },
      card(t('trendTitle'), h('p', { class: 'muted small' }, t('trendIntro')), trendSlot),
      card(t('obstaclesTitle'), obstacleSlot)),
    h('div', { class: 'grid-2' },
      h('div', { class: 'col' },
        ranking(t('ministriesTitle'), d.ministries, 'ministries'),
        card(t('overdueByUnit'), overdueByUnit(everyRow)),
        card(t('overdueTasks'), overdueList(u.overdue, ctx))),
      h('div', { class: 'col' },
        ranking(t('provincesTitle'), d.provinces, 'provinces'))),
  );

  void loadTrend(ROOT_UNIT, ctx).then((points) => {
    if (!ctx.alive()) return;
    replace(trendSlot, trendChart(points, t('trendTitle')));
    trendSlot.dataset.state = 'loaded';
  }, (error: unknown) => {
    if (ctx.alive()) replace(trendSlot, errorBox(error));
  });
  void obstacles(ctx, obstacleSlot);
}

function overdueByUnit(rows: Row[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, t('noOverdue'));
  const top = rows.slice(0, 12);
  return h('div', null, barList(top.map((r) => ({ label: unitA(r.unit), value: r.overdue }))),
    rows.length > top.length ? h('p', { class: 'small muted' }, t('shownOf', { shown: top.length, total: rows.length })) : null);
}

function ranking(title: string, rows: Row[], id: string): HTMLElement {
  const active = rows.filter((r) => r.totalTasks > 0);
  const idle = rows.filter((r) => r.totalTasks === 0);
  return card(title,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data ranking', id },
      h('caption', { class: 'sr-only' }, title),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col', class: 'num' }, t('colRank')),
        h('th', { scope: 'col' }, t('colUnit')),
        h('th', { scope: 'col', class: 'w-rate' }, t('colRate')),
        h('th', { scope: 'col', class: 'num' }, t('colTasks')),
        h('th', { scope: 'col', class: 'num' }, t('colOverdue')),
        h('th', { scope: 'col', class: 'num' }, t('colObstacles')))),
      h('tbody', null, active.map((r, i) => h('tr', null,
        h('td', { class: 'num muted' }, String(i + 1)),
        h('th', { scope: 'row' }, unitA(r.unit)),
        h('td', null, h('div', { class: 'rate-cell' }, meter(r.onTimeRate, rateTone(r.onTimeRate)),
          h('span', { class: 'num', title: r.onTimeRate === null ? t('rateNone') : '' }, pct(r.onTimeRate)))),
        h('td', { class: 'num' }, num(r.totalTasks)),
        h('td', { class: 'num' }, r.overdue ? h('span', { class: 'count bad' }, num(r.overdue)) : '0'),
        h('td', { class: 'num' }, num(r.openObstacles))))))),
    idle.length ? h('p', { class: 'muted small' }, t('noTasksUnits', { n: idle.length, names: idle.map((r) => r.unit.name).join(', ') })) : null);
}

function overdueList(tasks: OverdueTask[], ctx: ViewContext): HTMLElement {
  if (tasks.length === 0) return h('p', { class: 'muted' }, t('noOverdue'));
  const at = ctx.asOf ?? new Date().toISOString().slice(0, 10);
  const days = (deadline: string | null) => (deadline ? Math.max(0, Math.round((Date.parse(at) - Date.parse(deadline)) / 86_400_000)) : 0);
  const shown = tasks.slice(0, 10);
  return h('div', null,
    h('ul', { class: 'overdue-list' }, shown.map((task) => h('li', null,
      h('div', null, taskA(task)),
      h('div', { class: 'muted small' }, unitA(task.lead), ` · ${t('colDeadline')} ${date(task.deadline)} · `,
        h('span', { class: 'count bad' }, t('daysLate', { n: days(task.deadline) })))))),
    h('p', { class: 'small' }, t('shownOf', { shown: shown.length, total: tasks.length }), ' · ',
      h('a', { href: link('/search', { status: 'OVERDUE' }) }, t('allOverdue'))));
}

/**
 * Obstacles by category (`programmeDashboard { obstaclesByCategory }`, from the obstacles issue).
 * Asked for separately so that a server without the field (a validation error) only greys out
 * this panel (a clearly marked placeholder) and leaves the rest of the page alone.
 */
async function obstacles(ctx: ViewContext, slot: HTMLElement): Promise<void> {
  try {
    const r = await gql<{ programmeDashboard: { obstaclesByCategory: { category: string; count: number }[] } }>(
      PROGRAMME_OBSTACLES, { asOf: asOfVar(ctx) }, ctx.signal);
    if (!ctx.alive()) return;
    replace(slot, categoryBars(r.programmeDashboard.obstaclesByCategory));
    slot.dataset.state = 'loaded';
  } catch (error) {
    if (!ctx.alive()) return;
    const missing = (error as { code?: string }).code === 'BAD_USER_INPUT' && /obstaclesByCategory/.test((error as Error).message);
    replace(slot, missing ? h('p', { class: 'placeholder', 'data-pending': 'obstaclesByCategory' }, t('obstaclesPending')) : errorBox(error));
    slot.dataset.state = missing ? 'unavailable' : 'error';
  }
}
