import { endOfDay, gql } from '../api.js';
import { COMPARE, COMPARE_UNITS, UNIT_NAME } from '../queries.js';
import { h, replace } from '../dom.js';
import { date, label, num, t, todayVN } from '../i18n.js';
import { ROOT_UNIT, isDate, link, navigate } from '../route.js';
import { card, errorBox, loading, statusBadge, taskA, unitA } from '../ui.js';
import type { ViewContext } from './context.js';

interface UnitRef { id: string; name: string }
interface Change { field: string; from: string | null; to: string | null }
interface TaskRef { id: string; title: string; deadline?: string | null; status?: string; lead: UnitRef; indicators?: { code: string; name: string; unitOfMeasure: string }[] }
interface Comparison { from: string; to: string; added: TaskRef[]; removed: TaskRef[]; changed: { task: TaskRef; changes: Change[] }[] }


const minusYear = (d: string) => `${Number(d.slice(0, 4)) - 1}${d.slice(4)}`.replace(/-02-29$/, '-02-28');

export async function compareView(ctx: ViewContext): Promise<void> {
  ctx.setTitle(t('compareTitle'));
  const to = isDate(ctx.params.get('to')) ? ctx.params.get('to')! : ctx.asOf ?? todayVN();
  const from = isDate(ctx.params.get('from')) ? ctx.params.get('from')! : minusYear(to);
  const unitId = ctx.params.get('unit') || ROOT_UNIT;

  const unitSelect = h('select', { id: 'cmp-unit', name: 'unit', required: true });
  const fromInput = h('input', { id: 'cmp-from', name: 'from', type: 'date', value: from, required: true, max: todayVN() });
  const toInput = h('input', { id: 'cmp-to', name: 'to', type: 'date', value: to, required: true, max: todayVN() });
  const result = h('div', { id: 'compare-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'compare-form', onsubmit: (ev: Event) => {
    ev.preventDefault();
    navigate(link('/compare', { unit: unitSelect.value, from: fromInput.value, to: toInput.value }));
  } },
  h('div', { class: 'field' }, h('label', { for: 'cmp-unit' }, t('compareUnit')), unitSelect),
  h('div', { class: 'field' }, h('label', { for: 'cmp-from' }, t('compareFrom')), fromInput),
  h('div', { class: 'field' }, h('label', { for: 'cmp-to' }, t('compareTo')), toInput),
  h('div', { class: 'field' }, h('button', { type: 'submit', class: 'btn' }, t('compareRun'))));

  replace(ctx.main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('compareTitle')), h('p', { class: 'muted' }, t('compareIntro'))),
    card(t('compareChoose'), form), result);

  // The unit list: the centre, ministries and provinces; a commune reached from its own page is added.
  try {
    const r = await gql<{ units: { edges: { node: UnitRef & { kind: string } }[] } }>(COMPARE_UNITS, {}, ctx.signal);
    if (!ctx.alive()) return;
    const units = r.units.edges.map((e) => e.node);
    if (!units.some((u) => u.id === unitId)) {
      const one = await gql<{ unit: (UnitRef & { kind: string }) | null }>(UNIT_NAME, { id: unitId }, ctx.signal);
      if (one.unit) units.push(one.unit);
    }
    const groups = new Map<string, (UnitRef & { kind: string })[]>();
    for (const u of units) groups.set(u.kind, [...(groups.get(u.kind) ?? []), u]);
    replace(unitSelect, [...groups.entries()].map(([kind, list]) => h('optgroup', { label: label(kind) },
      list.sort((a, b) => a.name.localeCompare(b.name, 'vi')).map((u) => h('option', { value: u.id, selected: u.id === unitId }, u.name)))));
  } catch (error) {
    if (ctx.alive()) replace(result, errorBox(error));
    return;
  }

  if (from >= to) {
    replace(result, h('p', { class: 'alert', role: 'alert' }, t('compareBadRange')));
    return;
  }
  replace(result, loading());
  try {
    const c = (await gql<{ compare: Comparison }>(COMPARE, { unitId, from: endOfDay(from), to: endOfDay(to) }, ctx.signal)).compare;
    if (!ctx.alive()) return;
    const unitName = unitSelect.selectedOptions[0]?.textContent ?? unitId;
    replace(result,
      h('p', { class: 'summary', role: 'status' }, h('strong', null, unitName), ` · ${date(from)} → ${date(to)} · `,
        t('compareSummary', { added: c.added.length, removed: c.removed.length, changed: c.changed.length })),
      card(`${t('compareChanged')} (${c.changed.length})`, changedTable(c.changed)),
      card(`${t('compareAdded')} (${c.added.length})`, simpleTable(c.added, true)),
      card(`${t('compareRemoved')} (${c.removed.length})`, simpleTable(c.removed, false)));
  } catch (error) {
    if (ctx.alive()) replace(result, errorBox(error));
  }
}

function simpleTable(tasks: TaskRef[], withStatus: boolean): HTMLElement {
  if (tasks.length === 0) return h('p', { class: 'muted' }, t('none'));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('colTask')), h('th', { scope: 'col' }, t('colLead')),
      withStatus ? h('th', { scope: 'col' }, t('colDeadline')) : null, withStatus ? h('th', { scope: 'col' }, t('colStatus')) : null)),
    h('tbody', null, tasks.map((task) => h('tr', null,
      h('td', null, taskA(task), h('div', { class: 'muted small' }, task.id)), h('td', null, unitA(task.lead)),
      withStatus ? h('td', { class: 'num nowrap' }, task.deadline ? date(task.deadline) : label('NO_DEADLINE')) : null,
      withStatus && task.status ? h('td', null, statusBadge(task.status)) : null)))));
}

function changedTable(rows: { task: TaskRef; changes: Change[] }[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, t('none'));
  // Commitment changes (deadline, lead unit, targets, scope) first: they are what leaders ask about.
  const weight = (r: { changes: Change[] }) => (r.changes.some((c) => /^(deadline|lead|coordinators|children)$|\.target$/.test(c.field)) ? 0 : 1);
  const sorted = [...rows].sort((a, b) => weight(a) - weight(b) || (a.task.id < b.task.id ? -1 : 1));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'changed' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('colTask')), h('th', { scope: 'col' }, t('colLead')), h('th', { scope: 'col' }, t('compareChanges')))),
    h('tbody', null, sorted.map((r) => h('tr', { 'data-task': r.task.id },
      h('td', null, taskA(r.task), h('div', { class: 'muted small' }, r.task.id)),
      h('td', null, unitA(r.task.lead)),
      h('td', null, h('ul', { class: 'changes' }, r.changes.map((c) => h('li', { 'data-field': c.field, class: /^(deadline|lead)$/.test(c.field) ? 'key-change' : '' },
        h('span', { class: 'field' }, fieldName(c.field, r.task)), ': ',
        h('span', { class: 'from' }, fmt(c.field, c.from, r.task)), ' → ', h('span', { class: 'to' }, fmt(c.field, c.to, r.task)))))))))));
}

function fieldName(field: string, task: TaskRef): string {
  const m = /^indicators\.([^.]+)\.(target|actual)$/.exec(field);
  if (m) return `${task.indicators?.find((i) => i.code === m[1])?.name ?? m[1]} (${label(`field.${m[2]}`)})`;
  return label(`field.${field}`);
}

function fmt(field: string, v: string | null, task: TaskRef): string {
  if (v === null || v === '') return '—';
  const m = /^indicators\.([^.]+)\.(target|actual)$/.exec(field);
  if (m) return `${num(Number(v), 2)} ${task.indicators?.find((i) => i.code === m[1])?.unitOfMeasure ?? ''}`.trim();
  if (field === 'deadline') return date(v);
  if (field === 'phase') return label(v);
  if (field === 'progress') return `${num(Number(v), 0)}%`;
  if (field === 'children') return String(v.split(', ').length);
  if (field === 'confidential') return v === 'true' ? t('yes') : t('no');
  return v.length > 120 ? `${v.slice(0, 117)}…` : v;
}
