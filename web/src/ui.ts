/** Shared pieces: cards, badges, bars, tables. Charts are plain HTML/CSS or SVG, no library. */
import { type Child, h, s } from './dom.js';
import { type Key, STATUSES, type Status, date, dateTime, label, num, pct, t } from './i18n.js';
import { taskLink, unitLink } from './route.js';

export const STATUS_CLASS: Record<string, string> = {
  COMPLETED_ON_TIME: 'ok', COMPLETED_LATE: 'late', IN_PROGRESS_ON_TIME: 'open', DUE_SOON: 'soon', OVERDUE: 'bad',
  AWAITING_CONFIRMATION: 'wait', PAUSED: 'paused', CANCELLED: 'cancelled', NO_DEADLINE: 'recurring',
};

export const statusBadge = (status: string) => h('span', { class: `badge st-${STATUS_CLASS[status] ?? 'open'}` }, label(status));

export const card = (title: string, ...children: Child[]) => {
  const id = `h-${Math.random().toString(36).slice(2, 9)}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
};

export const kpi = (title: Key, value: string, tone = '', hint?: string) =>
  h('div', { class: `kpi ${tone}` }, h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-label' }, t(title)), hint ? h('div', { class: 'kpi-hint' }, hint) : null);

/** A horizontal bar (decorative: the figure is always printed next to it). */
export function meter(fraction: number | null | undefined, tone = ''): HTMLElement {
  const f = fraction === null || fraction === undefined || !Number.isFinite(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
  return h('span', { class: `meter ${tone}`, 'aria-hidden': 'true' }, h('span', { class: 'meter-fill', style: { width: `${(f * 100).toFixed(1)}%` } }));
}

export const rateTone = (rate: number | null | undefined) => (rate === null || rate === undefined ? 'muted' : rate >= 0.8 ? 'good' : rate >= 0.5 ? 'warn' : 'bad');

export const unitA = (u: { id: string; name: string } | null | undefined) => (u ? h('a', { href: unitLink(u.id) }, u.name) : '—');
export const taskA = (task: { id: string; title: string }) => h('a', { href: taskLink(task.id) }, task.title);

export interface StatusCount { status: string; count: number }

/** All tasks as one stacked bar by status, with a legend carrying the numbers. */
export function statusBreakdown(byStatus: StatusCount[], total: number): HTMLElement {
  const rows = STATUSES.map((st) => ({ st, count: byStatus.find((b) => b.status === st)?.count ?? 0 })).filter((r) => r.count > 0);
  return h('div', { class: 'breakdown' },
    h('div', { class: 'stack', 'aria-hidden': 'true' },
      rows.map((r) => h('span', { class: `seg st-${STATUS_CLASS[r.st]}`, title: `${label(r.st)}: ${r.count}`, style: { width: `${(r.count / Math.max(total, 1)) * 100}%` } }))),
    rows.length === 0 ? h('p', { class: 'muted' }, t('noTasks')) :
      h('ul', { class: 'legend' }, rows.map((r) => h('li', null,
        h('span', { class: `swatch st-${STATUS_CLASS[r.st]}`, 'aria-hidden': 'true' }),
        h('span', { class: 'legend-label' }, label(r.st)),
        h('strong', { class: 'num' }, num(r.count)),
        h('span', { class: 'muted num' }, ` (${pct(r.count / Math.max(total, 1))})`)))));
}

export interface IndicatorFigure { code: string; name: string; unitOfMeasure: string; rollup: string; target: number | null; actual: number | null }

export function indicatorBars(indicators: IndicatorFigure[]): HTMLElement {
  if (indicators.length === 0) return h('p', { class: 'muted' }, t('noIndicators'));
  return h('ul', { class: 'indicators' }, indicators.map((i) => {
    const f = i.target ? (i.actual ?? 0) / i.target : null;
    return h('li', null,
      h('div', { class: 'ind-head' },
        h('span', { class: 'ind-name' }, i.name,
          // Summing is the default and goes without saying; other roll-ups are named (the figure is not a total).
          i.rollup === 'SUM' ? null : h('span', { class: 'muted' }, ` (${label(`rollup.${i.rollup}`)})`)),
        h('span', { class: 'ind-figure num' },
          h('strong', null, num(i.actual, 2)), ` / ${num(i.target, 2)} ${i.unitOfMeasure}`,
          f !== null ? h('span', { class: 'muted' }, ` · ${pct(f)}`) : null)),
      meter(f, f === null ? 'muted' : f >= 1 ? 'good' : 'blue'),
      h('div', { class: 'ind-code muted' }, i.code));
  }));
}

/** Horizontal bars for a short list of labelled counts (overdue by unit, obstacles by category). */
export function barList(rows: { label: Child; value: number }[], tone = 'bad'): HTMLElement {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return h('ul', { class: 'barlist' }, rows.map((r) => h('li', null,
    h('span', { class: 'bl-label' }, r.label),
    h('span', { class: 'bl-bar' }, meter(r.value / max, tone)),
    h('strong', { class: 'bl-value num' }, num(r.value)))));
}

const CATEGORIES = ['LEGAL', 'FUNDING', 'INFRASTRUCTURE', 'DATA', 'HUMAN_RESOURCES', 'COORDINATION', 'OTHER'];

/** Obstacles by category as bars: every category listed, so a zero says "none of this kind". */
export function categoryBars(rows: { category: string; count: number }[], compact = false): HTMLElement {
  const all = CATEGORIES.map((c) => ({ category: c, count: rows.find((r) => r.category === c)?.count ?? 0 }));
  for (const r of rows) if (!CATEGORIES.includes(r.category)) all.push(r);
  const total = all.reduce((s, r) => s + r.count, 0);
  if (compact && total === 0) return h('p', { class: 'muted' }, t('obstaclesNone'));
  return h('div', { class: 'categories' },
    h('p', { class: total ? 'small' : 'small muted' }, total ? t('obstaclesTotal', { n: total }) : t('obstaclesNone')),
    barList(all.sort((a, b) => b.count - a.count).map((r) => ({ label: label(r.category), value: r.count })), 'warn'));
}

export interface ObstacleRow {
  id: string; category: string; description: string; status: string; proposedSolution: string | null; resolution: string | null;
  raisedAt: string; task: { id: string; title: string }; unit: { id: string; name: string };
}

export function obstacleList(rows: ObstacleRow[], opts: { task?: boolean } = {}): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, t('obstaclesNone'));
  return h('ul', { class: 'obstacles' }, rows.map((o) => h('li', { 'data-obstacle': o.id },
    h('div', { class: 'ob-head' },
      h('span', { class: 'badge st-soon' }, label(o.category)), ' ',
      h('span', { class: `badge ${o.status === 'RESOLVED' || o.status === 'WITHDRAWN' ? 'st-ok' : 'st-bad'}` }, label(`obstacle.${o.status}`)),
      h('span', { class: 'muted small' }, ` ${unitName(o.unit)} · ${t('raisedAt', { at: dateTime(o.raisedAt) })}`)),
    h('p', { class: 'ob-desc' }, o.description),
    o.proposedSolution ? h('p', { class: 'small' }, h('strong', null, `${t('obstacleProposed')}: `), o.proposedSolution) : null,
    o.resolution ? h('p', { class: 'small' }, h('strong', null, `${t('obstacleResolution')}: `), o.resolution) : null,
    opts.task !== false ? h('p', { class: 'small' }, taskA(o.task)) : null)));
}

export interface FindingRow {
  id: string; severity: string; description: string; recommendation: string; dueDate: string | null; status: string; overdue: boolean;
  response: string | null; unit: { id: string; name: string }; task: { id: string; title: string } | null; inspection: { id: string; title: string };
}

export function findingList(rows: FindingRow[]): HTMLElement {
  const tone: Record<string, string> = { LOW: 'st-paused', MEDIUM: 'st-soon', HIGH: 'st-late', CRITICAL: 'st-bad' };
  return h('ul', { class: 'obstacles', id: 'findings' }, rows.map((f) => h('li', { 'data-finding': f.id },
    h('div', { class: 'ob-head' },
      h('span', { class: `badge ${tone[f.severity] ?? 'st-soon'}` }, label(f.severity)), ' ',
      h('span', { class: 'badge st-open' }, label(`finding.${f.status}`)), ' ',
      f.overdue ? h('span', { class: 'badge st-bad' }, t('findingOverdue')) : null,
      h('span', { class: 'muted small' }, ` ${f.unit.name} · ${f.inspection.title}${f.dueDate ? ` · ${t('findingDue', { date: date(f.dueDate) })}` : ''}`)),
    h('p', { class: 'ob-desc' }, f.description),
    h('p', { class: 'small' }, h('strong', null, `${t('findingRecommendation')}: `), f.recommendation),
    f.response ? h('p', { class: 'small' }, h('strong', null, `${t('findingResponse')}: `), f.response) : null,
    f.task ? h('p', { class: 'small' }, taskA(f.task)) : null)));
}

const unitName = (u: { name: string } | null | undefined) => u?.name ?? '';

export interface TaskRow {
  id: string; title: string; deadline: string | null; status: string; progress: number | null;
  lead: { id: string; name: string };
}

export function taskTable(tasks: TaskRow[], caption: string, opts: { lead?: boolean } = {}): HTMLElement {
  const showLead = opts.lead ?? true;
  if (tasks.length === 0) return h('p', { class: 'muted' }, t('noTasks'));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('colTask')),
      showLead ? h('th', { scope: 'col' }, t('colLead')) : null,
      h('th', { scope: 'col' }, t('colDeadline')),
      h('th', { scope: 'col' }, t('colStatus')),
      h('th', { scope: 'col', class: 'w-progress' }, t('colProgress')))),
    h('tbody', null, tasks.map((task) => h('tr', null,
      h('td', null, taskA(task), h('div', { class: 'muted small' }, task.id)),
      showLead ? h('td', null, unitA(task.lead)) : null,
      h('td', { class: 'num nowrap' }, task.deadline ? date(task.deadline) : label('NO_DEADLINE')),
      h('td', null, statusBadge(task.status)),
      h('td', null, h('div', { class: 'progress-cell' }, meter((task.progress ?? 0) / 100, 'blue'), h('span', { class: 'num' }, task.progress === null ? '—' : `${num(task.progress, 0)}%`))))))));
}

export function errorBox(error: unknown, retry?: () => void): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  return h('div', { class: 'alert error', role: 'alert' },
    h('strong', null, t('errorTitle')), h('p', null, message, code ? h('span', { class: 'muted' }, ` (${code})`) : null),
    retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, t('retry')) : null);
}

export const loading = () => h('p', { class: 'loading', role: 'status' }, t('loading'));

// ---------------------------------------------------------------------------------------------
// The trend chart: stacked columns (tasks by status group) at quarter ends, on-time rate on top.
// ---------------------------------------------------------------------------------------------

export interface TrendPoint { label: string; date: string; total: number; onTime: number; late: number; overdue: number; open: number; rate: number | null }

const GROUPS = [
  { key: 'onTime', cls: 'ok', label: 'groupOnTime' },
  { key: 'late', cls: 'late', label: 'groupLate' },
  { key: 'open', cls: 'open', label: 'groupOpen' },
  { key: 'overdue', cls: 'bad', label: 'groupOverdue' },
] as const;

export function trendChart(points: TrendPoint[], caption: string): HTMLElement {
  const W = 900;
  const H = 280;
  const pad = { l: 44, r: 12, t: 26, b: 40 };
  const max = Math.max(1, ...points.map((p) => p.onTime + p.late + p.open + p.overdue));
  const step = Math.max(1, niceStep(max)); // counts: whole numbers
  const top = Math.ceil(max / step) * step;
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / top);
  const slot = (W - pad.l - pad.r) / Math.max(points.length, 1);
  const bw = Math.min(34, slot * 0.62);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'trend', role: 'img', 'aria-label': caption, preserveAspectRatio: 'xMidYMid meet' });
  for (let v = 0; v <= top; v += step) {
    svg.append(
      s('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }),
      s('text', { x: pad.l - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, num(v, 0)),
    );
  }
  points.forEach((p, i) => {
    const cx = pad.l + slot * i + slot / 2;
    let acc = 0;
    const g = s('g', null, s('title', null, `${p.label}: ${GROUPS.map((gr) => `${t(gr.label)} ${p[gr.key]}`).join(', ')}; ${t('kpiRate')} ${pct(p.rate)}`));
    for (const gr of GROUPS) {
      const v = p[gr.key];
      if (v <= 0) continue;
      g.append(s('rect', { x: cx - bw / 2, y: y(acc + v), width: bw, height: Math.max(0, y(acc) - y(acc + v)), class: `bar st-${gr.cls}` }));
      acc += v;
    }
    if (p.rate !== null) g.append(s('text', { x: cx, y: y(acc) - 6, class: 'bar-label', 'text-anchor': 'middle' }, pct(p.rate)));
    g.append(s('text', { x: cx, y: H - pad.b + 16, class: 'tick', 'text-anchor': 'middle' }, p.label));
    svg.append(g);
  });
  const legend = h('ul', { class: 'legend inline', 'aria-hidden': 'true' }, GROUPS.map((gr) =>
    h('li', null, h('span', { class: `swatch st-${gr.cls}` }), t(gr.label))));
  const table = h('details', { class: 'data-table' }, h('summary', null, t('showTable')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data compact' },
      h('caption', { class: 'sr-only' }, caption),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('trendPoint')), h('th', { scope: 'col' }, t('kpiTotal')),
        ...GROUPS.map((gr) => h('th', { scope: 'col' }, t(gr.label))), h('th', { scope: 'col' }, t('kpiRate')))),
      h('tbody', null, points.map((p) => h('tr', null,
        h('th', { scope: 'row' }, `${p.label} (${date(p.date)})`), h('td', { class: 'num' }, num(p.total)),
        ...GROUPS.map((gr) => h('td', { class: 'num' }, num(p[gr.key]))), h('td', { class: 'num' }, pct(p.rate))))))));
  return h('figure', { class: 'chart' }, svg, h('figcaption', null, legend), table);
}

function niceStep(max: number): number {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

/** Quarter ends (YYYY-MM-DD) after `start` and up to `end`, plus `end` itself when it is not one. */
export function quarterEnds(start: string, end: string): { date: string; label: string; quarter: boolean }[] {
  const out: { date: string; label: string; quarter: boolean }[] = [];
  const [sy] = start.split('-').map(Number) as [number];
  const [ey] = end.split('-').map(Number) as [number];
  for (let year = sy; year <= ey; year++) {
    for (const [q, md] of [[1, '03-31'], [2, '06-30'], [3, '09-30'], [4, '12-31']] as const) {
      const d = `${year}-${md}`;
      if (d >= start && d <= end) out.push({ date: d, label: `Q${q}/${String(year).slice(2)}`, quarter: true });
    }
  }
  if (out.at(-1)?.date !== end) out.push({ date: end, label: date(end), quarter: false });
  return out;
}

export function trendFrom(date_: string, label_: string, u: { totalTasks: number; onTimeRate: number | null; byStatus: StatusCount[] }): TrendPoint {
  const c = (st: Status) => u.byStatus.find((b) => b.status === st)?.count ?? 0;
  const onTime = c('COMPLETED_ON_TIME');
  const late = c('COMPLETED_LATE');
  const overdue = c('OVERDUE');
  const open = u.totalTasks - onTime - late - overdue - c('CANCELLED');
  return { label: label_, date: date_, total: u.totalTasks, onTime, late, overdue, open: Math.max(0, open), rate: u.onTimeRate };
}
