import { gql } from '../api.js';
import { SEARCH, SEARCH_UNITS } from '../queries.js';
import { h, replace } from '../dom.js';
import { STATUSES, label, t } from '../i18n.js';
import { type TaskRow, card, errorBox, loading, taskTable, unitA } from '../ui.js';
import { type ViewContext, asOfVar } from './context.js';

/** Diacritics-insensitive search, done by the API (tasks(filter: {text})): "ha noi" finds "Hà Nội". */
export async function searchView(ctx: ViewContext): Promise<void> {
  const q = (ctx.params.get('q') ?? '').trim();
  const status = ctx.params.get('status');
  const validStatus = status && (STATUSES as readonly string[]).includes(status) ? status : null;
  ctx.setTitle(q ? `${t('searchTitle')}: ${q}` : t('searchTitle'));
  const head = h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('searchTitle')));
  if (!q && !validStatus) {
    replace(ctx.main, head, h('p', { class: 'muted' }, t('searchEmpty')));
    return;
  }
  replace(ctx.main, head, loading());
  try {
    const filter = { ...(q ? { text: q } : {}), ...(validStatus ? { status: [validStatus] } : {}) };
    const [r, units] = await Promise.all([
      gql<{ tasks: { totalCount: number; edges: { node: TaskRow }[] } }>(SEARCH, { filter, asOf: asOfVar(ctx) }, ctx.signal),
      q ? gql<{ units: { totalCount: number; edges: { node: { id: string; name: string; kind: string } }[] } }>(SEARCH_UNITS, { text: q }, ctx.signal) : null,
    ]);
    if (!ctx.alive()) return;
    const unitHits = units?.units.edges.map((e) => e.node) ?? [];
    const tasks = r.tasks.edges.map((e) => e.node);
    const title = q ? t('searchFor', { q, n: r.tasks.totalCount }) : t('searchStatus', { s: label(validStatus!), n: r.tasks.totalCount });
    replace(ctx.main, head,
      unitHits.length ? card(`${t('searchUnits')} (${units!.units.totalCount})`, h('ul', { class: 'unit-hits', id: 'unit-hits' },
        unitHits.map((u) => h('li', null, unitA(u), h('span', { class: 'muted small' }, ` · ${label(u.kind)} · ${u.id}`))))) : null,
      card(title, h('div', { id: 'search-results' }, taskTable(tasks, title)),
      r.tasks.totalCount > tasks.length ? h('p', { class: 'small muted' }, t('shownOf', { shown: tasks.length, total: r.tasks.totalCount })) : null));
  } catch (error) {
    if (ctx.alive()) replace(ctx.main, head, errorBox(error, () => void searchView(ctx)));
  }
}
