import { ApiError, gql } from '../api.js';
import { TASK_HISTORY, TASK_OBSTACLES, TASK_PAGE, UNIT_NAME } from '../queries.js';
import { type Child, h, mapLimit, replace } from '../dom.js';
import { date, dateTime, dayOf, getLang, label, num, t } from '../i18n.js';
import { taskLink, unitLink } from '../route.js';
import {
  type IndicatorFigure, type ObstacleRow, type TaskRow, card, errorBox, indicatorBars, loading, meter, obstacleList, statusBadge, taskTable, unitA,
} from '../ui.js';
import { type ViewContext, asOfVar, raisedBy } from './context.js';
import { whySlot } from './why.js';

interface UnitRef { id: string; name: string }
interface Change { field: string; from: string | null; to: string | null }
interface Entry {
  at: string; recordedAt: string; kind: string; reason: string | null;
  actor: { id: string; role: string; unit: UnitRef | null }; changes: Change[]; basis: { kind: string; ref: string }[];
}
interface History { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Entry }[] }
interface Task {
  id: string; title: string; description: string | null; output: string | null; confidential: boolean; phase: string; status: string;
  deadline: string | null; progress: number | null; completedOn: string | null; assignedAt: string;
  source: { number: string; date: string; issuer: string };
  lead: UnitRef & { kind: string; parent: UnitRef | null }; coordinators: UnitRef[]; basis: { kind: string; ref: string }[];
  pendingExtension: { proposedDeadline: string; requestedAt: string } | null;
  indicators: IndicatorFigure[];
  parent: { id: string; title: string; lead: UnitRef } | null;
  children: TaskRow[];
  history: History;
}

export async function taskView(ctx: ViewContext, id: string): Promise<void> {
  ctx.setTitle(id);
  replace(ctx.main, h('h1', { tabindex: '-1' }, id), loading());
  let task: Task | null;
  try {
    task = (await gql<{ task: Task | null }>(TASK_PAGE, { id, asOf: asOfVar(ctx), after: null }, ctx.signal)).task;
  } catch (error) {
    if (ctx.alive()) replace(ctx.main, h('h1', { tabindex: '-1' }, id), errorBox(error, () => void taskView(ctx, id)));
    return;
  }
  if (!ctx.alive()) return;
  if (!task) {
    replace(ctx.main, h('h1', { tabindex: '-1' }, id), h('p', { class: 'alert' }, t('taskMissing', { id })));
    return;
  }
  ctx.setTitle(task.title);

  // Names for the unit ids that history changes carry (lead, coordinators).
  const names = new Map<string, string>();
  const remember = (u: UnitRef | null | undefined) => u && names.set(u.id, u.name);
  [task.lead, task.lead.parent, ...task.coordinators, ...task.children.map((c) => c.lead)].forEach(remember);
  const entries = task.history.edges.map((e) => e.node);
  entries.forEach((e) => remember(e.actor.unit));
  await resolveUnits(entries, names, ctx);
  if (!ctx.alive()) return;

  const timeline = h('ol', { class: 'timeline', id: 'timeline' }, entries.map((e) => entry(e, task, names)));
  const more = h('div', null);
  const pager = (page: History) => {
    replace(more, h('p', { class: 'small muted' }, t('shownOf', { shown: timeline.children.length, total: page.totalCount }),
      page.pageInfo.hasNextPage ? h('button', { type: 'button', class: 'btn secondary small-btn', onclick: async () => {
        try {
          const r = await gql<{ task: { history: History } }>(TASK_HISTORY, { id, asOf: asOfVar(ctx), after: page.pageInfo.endCursor }, ctx.signal);
          const next = r.task.history.edges.map((e) => e.node);
          next.forEach((e) => remember(e.actor.unit));
          await resolveUnits(next, names, ctx);
          if (!ctx.alive()) return;
          timeline.append(...next.map((e) => entry(e, task, names)));
          pager(r.task.history);
        } catch (error) {
          replace(more, errorBox(error));
        }
      } }, t('more')) : null));
  };
  pager(task.history);

  const obstacleSlot = h('div', { 'data-state': 'loading' }, loading());
  void gql<{ obstacles: { edges: { node: ObstacleRow }[] } }>(TASK_OBSTACLES, { id }, ctx.signal).then((r) => {
    if (!ctx.alive()) return;
    replace(obstacleSlot, ctx.asOf ? h('p', { class: 'muted small' }, t('currentObstacles')) : null,
      obstacleList(r.obstacles.edges.map((e) => e.node).filter(raisedBy(ctx)), { task: false }));
    obstacleSlot.dataset.state = 'loaded';
  }, (error: unknown) => {
    if (!ctx.alive()) return;
    const missing = error instanceof ApiError && error.code === 'BAD_USER_INPUT' && /obstacle/i.test(error.message);
    replace(obstacleSlot, missing ? h('p', { class: 'placeholder' }, t('obstaclesPending')) : errorBox(error));
  });

  const fact = (term: string, ...value: Child[]) => [h('dt', null, term), h('dd', null, ...value)];
  const src = task.source;
  replace(ctx.main,
    h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' }, h('ol', null,
      task.lead.parent ? h('li', null, h('a', { href: unitLink(task.lead.parent.id) }, task.lead.parent.name)) : null,
      h('li', null, h('a', { href: unitLink(task.lead.id) }, task.lead.name)),
      task.parent ? h('li', null, h('a', { href: taskLink(task.parent.id) }, task.parent.id)) : null,
      h('li', { 'aria-current': 'page' }, task.id))),
    h('div', { class: 'page-head' },
      h('p', { class: 'eyebrow' }, `${t('taskId')} ${task.id}`),
      h('h1', { tabindex: '-1' }, task.title),
      h('p', { class: 'badges' }, statusBadge(task.status), task.confidential ? h('span', { class: 'badge st-cancelled' }, t('taskConfidential')) : null,
        ctx.asOf ? h('span', { class: 'muted small' }, ` ${t('dataAt', { at: date(ctx.asOf) })}`) : null)),
    h('div', { class: 'grid-2-1' },
      card(t('taskDetails'), h('dl', { class: 'facts' },
        fact(t('taskSource'), t('taskSourceValue', { number: src.number, date: date(src.date), issuer: src.issuer })),
        fact(t('taskLead'), unitA(task.lead)),
        fact(t('taskCoordinators'), ...(task.coordinators.length ? joinNodes(task.coordinators.map(unitA)) : [t('none')])),
        fact(t('taskDeadline'), h('strong', null, task.deadline ? date(task.deadline) : t('taskNoDeadline'))),
        task.pendingExtension ? fact(t('taskPending'), t('taskPendingValue', { date: date(task.pendingExtension.proposedDeadline), at: dateTime(task.pendingExtension.requestedAt) })) : null,
        fact(t('taskStatus'), statusBadge(task.status), ` · ${label(task.phase)}`),
        task.completedOn ? fact(t('taskCompletedOn'), date(task.completedOn)) : null,
        fact(t('taskAssignedAt'), dateTime(task.assignedAt)),
        task.parent ? fact(t('taskParent'), h('a', { href: taskLink(task.parent.id) }, task.parent.title), h('span', { class: 'muted' }, ` (${task.parent.id})`)) : null,
        task.output ? fact(t('taskOutput'), task.output) : null,
        task.description ? fact(t('taskDescription'), task.description) : null,
        task.basis.length ? fact(t('taskBasis'), h('ul', { class: 'plain' }, task.basis.map((b) => h('li', null, `${label(b.kind)}: ${b.ref}`)))) : null,
      )),
      card(t('taskProgress'),
        h('div', { class: 'big-progress' }, h('span', { class: 'kpi-value' }, task.progress === null ? '—' : `${num(task.progress, 0)}%`), meter((task.progress ?? 0) / 100, 'blue')),
        h('h3', null, t('taskIndicators')), indicatorBars(task.indicators))),
    task.children.length ? card(`${t('taskChildren')} (${task.children.length})`, taskTable(task.children, t('taskChildren'))) : null,
    card(t('whyTitle'), whySlot(ctx, task.id)),
    card(t('taskObstacles'), obstacleSlot),
    card(t('taskTimeline'), h('p', { class: 'muted small' }, t('taskTimelineIntro')), timeline, more),
  );
}

const joinNodes = (nodes: Child[]): Child[] => nodes.flatMap((n, i) => (i ? [', ', n] : [n]));

async function resolveUnits(entries: Entry[], names: Map<string, string>, ctx: ViewContext): Promise<void> {
  const ids = new Set<string>();
  for (const e of entries) for (const c of e.changes) {
    if (c.field === 'lead' || c.field === 'coordinators') for (const v of [c.from, c.to]) v?.split(', ').forEach((x) => x && ids.add(x));
  }
  const missing = [...ids].filter((x) => !names.has(x));
  await mapLimit(missing, 4, async (uid) => {
    try {
      const r = await gql<{ unit: UnitRef | null }>(UNIT_NAME, { id: uid }, ctx.signal);
      if (r.unit) names.set(r.unit.id, r.unit.name);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') throw error;
    }
  });
}

function fieldLabel(field: string, task: Task): string {
  const m = /^indicators\.([^.]+)\.(target|actual)$/.exec(field);
  if (m) return `${task.indicators.find((i) => i.code === m[1])?.name ?? m[1]} (${label(`field.${m[2]}`)})`;
  return label(`field.${field}`);
}

function value(field: string, v: string | null, task: Task, names: Map<string, string>): string {
  if (v === null || v === '') return '—';
  const m = /^indicators\.([^.]+)\.(target|actual)$/.exec(field);
  if (m) {
    const n = Number(v);
    return `${Number.isFinite(n) ? num(n, 2) : v} ${task.indicators.find((i) => i.code === m[1])?.unitOfMeasure ?? ''}`.trim();
  }
  switch (field) {
    case 'deadline': return date(v);
    case 'lead': case 'coordinators': return v.split(', ').map((x) => names.get(x) ?? x).join(', ');
    case 'phase': return label(v);
    case 'confidential': return v === 'true' ? t('yes') : t('no');
    case 'progress': return `${num(Number(v), 0)}%`;
    case 'children': return `${v.split(', ').length} ${getLang() === 'vi' ? 'nhiệm vụ' : 'tasks'}`;
    default: return v.length > 160 ? `${v.slice(0, 157)}…` : v;
  }
}

const COMMITMENT = new Set(['DeadlineExtensionApproved', 'DeadlineExtensionRejected', 'DeadlineExtensionRequested', 'TaskReassigned', 'TaskCancelled', 'TaskPaused', 'TaskResumed']);

function entry(e: Entry, task: Task, names: Map<string, string>): HTMLElement {
  // On assignment, "— → OPEN" and "— → no" say nothing the page does not already show.
  const changes = e.changes.filter((c) => !(e.kind === 'TaskAssigned' && (c.field === 'phase' || c.field === 'confidential' || c.field === 'title')));
  const unit = e.actor.unit ? names.get(e.actor.unit.id) ?? e.actor.unit.name : null;
  return h('li', { class: `tl-item${COMMITMENT.has(e.kind) ? ' commitment' : ''}`, 'data-kind': e.kind },
    h('div', { class: 'tl-when' }, h('time', { datetime: e.at }, dateTime(e.at)),
      // Recorded after the fact (another day): say when the record was made.
      e.recordedAt && dayOf(e.recordedAt) !== dayOf(e.at) ? h('div', { class: 'muted small' }, t('recordedAt', { at: dayOf(e.recordedAt) })) : null),
    h('div', { class: 'tl-body' },
      h('h3', { class: 'tl-kind' }, label(e.kind)),
      h('p', { class: 'tl-actor muted small' }, `${t('by')}: ${e.actor.id} (${label(e.actor.role)})${unit ? `, ${unit}` : ''}`),
      changes.length ? h('ul', { class: 'changes' }, changes.map((c) => h('li', { 'data-field': c.field },
        h('span', { class: 'field' }, fieldLabel(c.field, task)), ': ',
        h('span', { class: 'from' }, value(c.field, c.from, task, names)), ' → ',
        h('span', { class: 'to' }, value(c.field, c.to, task, names))))) : null,
      e.reason ? h('p', { class: 'tl-reason' }, h('strong', null, `${t('reason')}: `), e.reason) : null,
      e.basis.length ? h('p', { class: 'tl-basis' }, h('strong', null, `${t('basis')}: `),
        e.basis.map((b, i) => [i ? '; ' : '', `${label(b.kind)} — ${b.ref}`])) : null));
}
