/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The field page (/field) for commune focal points on poor connections: sign in once, the unit's
 * open tasks kept on the device, every action queued in IndexedDB and sent when the line allows
 * (sync.ts). The page itself comes from the service worker's cache after the first visit (sw.ts).
 */
import '../styles.css';
import './field.css';
import { post } from '../api.js';
import { h, replace } from '../dom.js';
import { type Key, date, dateTime, getLang, label, num, t, todayVN } from '../i18n.js';
import { langSwitch } from '../lang-switch.js';
import { type Me, type Snapshot, readSnapshot, token, writeSnapshot } from './cache.js';
import { type ActionKind, type Entry, type FieldTask, enqueue, entries } from './outbox.js';
import { FIELD_ME, FIELD_TASKS } from './queries.js';
import { drain } from './sync.js';

const app = document.getElementById('app')!;
const CATEGORIES = ['LEGAL', 'FUNDING', 'INFRASTRUCTURE', 'DATA', 'HUMAN_RESOURCES', 'COORDINATION', 'OTHER'];
const PERIODS = ['MONTHLY', 'QUARTERLY', 'HALF_YEARLY', 'ANNUAL'] as const;
const REPORT = 'report';
/** While entries wait and the page thinks it is online, try again this often (the 'online' event is not always fired). */
const RETRY_MS = 15_000;

let outbox: Entry[] = [];
/** Where each task's actions (and the periodic report's, under REPORT) are listed: beside the forms. */
const lists = new Map<string, HTMLElement>();
const metas = new Map<string, HTMLElement>();
let bar: HTMLElement | null = null;
let notice: string | null = null;
let syncing: Promise<void> | null = null;

class Refused extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** A query the page needs an answer to (sign-in, the task list); a refusal throws. */
async function ask<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { status, body } = await post<T>(query, variables, token.get());
  const error = body.errors?.[0];
  const code = status === 401 ? 'UNAUTHENTICATED' : error?.extensions?.code ?? '';
  if (error || !body.data) throw new Refused(error?.message ?? `HTTP ${status}`, code);
  return body.data;
}

async function fetchSnapshot(): Promise<Snapshot> {
  const me = (await ask<{ me: Me }>(FIELD_ME)).me;
  if (!me.unit) throw new Refused(t('fieldOnlyUnit'), 'FORBIDDEN');
  const tasks: FieldTask[] = [];
  let after: string | null = null;
  do {
    type Page = { tasks: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: FieldTask }[] } };
    const page: Page = await ask<Page>(FIELD_TASKS, { unit: me.unit.id, after });
    tasks.push(...page.tasks.edges.map((e) => e.node));
    after = page.tasks.pageInfo.hasNextPage ? page.tasks.pageInfo.endCursor : null;
  } while (after);
  const snapshot = { me, tasks, at: new Date().toISOString() };
  writeSnapshot(snapshot);
  return snapshot;
}

function header(snap: Snapshot | null): HTMLElement {
  return h('header', { class: 'top' }, h('div', { class: 'top-row' },
    h('div', { class: 'brand' }, h('span', null, h('span', { class: 'brand-name' }, t('fieldTitle')), h('span', { class: 'brand-tag' }, t('fieldTagline')))),
    h('div', { class: 'top-right' },
      snap ? h('span', { class: 'who' }, `${snap.me.id} · ${snap.me.unit?.name ?? ''}`) : null,
      langSwitch(render),
      snap ? h('button', { type: 'button', class: 'btn ghost', onclick: signOut }, t('signOut')) : null)));
}

function signInPage(): void {
  document.title = `${t('signInTitle')} — ${t('fieldTitle')}`;
  const input = h('textarea', { id: 'token', name: 'token', rows: 3, required: true, autocomplete: 'off', spellcheck: 'false' });
  const message = h('div', { 'aria-live': 'assertive' }, notice ? h('p', { class: 'alert error' }, notice) : null);
  const button = h('button', { type: 'submit', class: 'btn' }, t('signInButton'));
  replace(app, header(null), h('main', { id: 'main', class: 'field' },
    h('form', { class: 'card', onsubmit: async (ev: Event) => {
      ev.preventDefault();
      const value = input.value.trim().replace(/^Bearer\s+/i, '');
      if (!value) return;
      button.disabled = true;
      token.set(value);
      try {
        await fetchSnapshot();
        notice = null;
        render();
        void sync();
      } catch (error) {
        token.forget();
        button.disabled = false;
        const text = error instanceof Refused && error.code !== 'UNAUTHENTICATED' ? error.message : error instanceof Refused ? t('signInFailed') : t('fieldNoCache');
        replace(message, h('p', { class: 'alert error', role: 'alert' }, text));
      }
    } },
    h('h1', null, t('signInTitle')), h('p', null, t('fieldSignInIntro')), message,
    h('label', { for: 'token' }, t('tokenLabel')), input, button)));
  ready('signin');
}

/** The page is usable: drawn, its handlers attached (bench/field-page.ts times this mark under Slow 3G). */
function ready(what: 'signin' | 'tasks'): void {
  document.body.dataset.ready = what;
  if (!performance.getEntriesByName('field-ready').length) performance.mark('field-ready', { detail: what });
}

function signOut(): void {
  if (outbox.some((e) => e.state === 'pending')) {
    notice = t('fieldSignOutBlocked');
    drawBar();
    return;
  }
  token.clear();
  notice = null;
  render();
}

const field = (id: string, text: string, control: HTMLElement) => h('p', { class: 'field-row' }, h('label', { for: id }, text), control);

/** A form in a <details>: closed it costs one line on a small screen. */
function actionForm(kind: ActionKind, body: HTMLElement[], collect: (data: FormData) => Record<string, unknown>, task: FieldTask | null): HTMLElement {
  const form = h('form', { class: 'action', 'data-kind': kind, onsubmit: async (ev: Event) => {
    ev.preventDefault();
    const snap = readSnapshot();
    if (!snap) return;
    // The version the user saw when deciding: the cached task's, kept up to date by every answer.
    const seen = task ? snap.tasks.find((x) => x.id === task.id)?.version ?? task.version : null;
    await enqueue({ actor: snap.me.id, kind, taskId: task?.id ?? null, expectedVersion: seen, input: collect(new FormData(form)) });
    form.reset();
    (form.parentElement as HTMLDetailsElement).open = false;
    await refreshOutbox();
    void sync();
  } }, ...body, h('button', { type: 'submit', class: 'btn' }, t('fieldSave')));
  // reset() puts controls back to their default values: the prefilled ones (today, this period) are those.
  for (const input of form.querySelectorAll('input')) input.defaultValue = input.value;
  return h('details', { class: 'action-box' }, h('summary', null, t(`action.${kind}` as Key)), form);
}

function progressForm(task: FieldTask): HTMLElement {
  const id = (s: string) => `${s}-${task.id}`;
  return actionForm('reportProgress', [
    field(id('pct'), t('fieldPercent'), h('input', { id: id('pct'), name: 'percent', type: 'number', min: 0, max: 100, step: 'any', inputmode: 'decimal' })),
    ...task.indicators.map((i) => field(id(`ind-${i.code}`), `${i.name} (${i.unitOfMeasure})${i.target !== null ? ` — ${t('fieldTarget', { n: num(i.target) })}` : ''}`,
      h('input', { id: id(`ind-${i.code}`), name: `ind:${i.code}`, type: 'number', step: 'any', inputmode: 'decimal', placeholder: i.actual !== null ? num(i.actual) : '' }))),
    field(id('note'), t('fieldNote'), h('textarea', { id: id('note'), name: 'note', rows: 2, required: true })),
  ], (data) => {
    const indicators = [...data.entries()].filter(([k, v]) => k.startsWith('ind:') && v !== '').map(([k, v]) => ({ code: k.slice(4), value: Number(v) }));
    const percent = data.get('percent');
    return { taskId: task.id, note: data.get('note'), ...(percent ? { percent: Number(percent) } : {}), ...(indicators.length ? { indicators } : {}) };
  }, task);
}

function obstacleForm(task: FieldTask): HTMLElement {
  const id = (s: string) => `${s}-${task.id}`;
  return actionForm('raiseObstacle', [
    field(id('cat'), t('fieldCategory'), h('select', { id: id('cat'), name: 'category' }, CATEGORIES.map((c) => h('option', { value: c }, label(c))))),
    field(id('desc'), t('fieldDescription'), h('textarea', { id: id('desc'), name: 'description', rows: 2, required: true })),
    field(id('prop'), t('fieldProposal'), h('textarea', { id: id('prop'), name: 'proposedSolution', rows: 2 })),
  ], (data) => ({
    taskId: task.id, category: data.get('category'), description: data.get('description'),
    ...(data.get('proposedSolution') ? { proposedSolution: data.get('proposedSolution') } : {}),
  }), task);
}

function completionForm(task: FieldTask): HTMLElement {
  const id = (s: string) => `${s}-${task.id}`;
  return actionForm('reportCompletion', [
    field(id('on'), t('fieldCompletedOn'), h('input', { id: id('on'), name: 'completedOn', type: 'date', required: true, value: todayVN(), max: todayVN() })),
    field(id('ev'), t('fieldEvidence'), h('textarea', { id: id('ev'), name: 'evidence', rows: 2, required: true })),
  ], (data) => ({ taskId: task.id, completedOn: data.get('completedOn'), evidence: data.get('evidence') }), task);
}

/** The period of a kind that holds today, in the API's key form. */
function currentPeriod(kind: (typeof PERIODS)[number]): string {
  const [y, m] = todayVN().split('-').map(Number) as [number, number];
  switch (kind) {
    case 'MONTHLY': return todayVN().slice(0, 7);
    case 'QUARTERLY': return `${y}-Q${Math.ceil(m / 3)}`;
    case 'HALF_YEARLY': return `${y}-H${m <= 6 ? 1 : 2}`;
    case 'ANNUAL': return String(y);
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function reportCard(me: Me): HTMLElement {
  const key = h('input', { id: 'period-key', name: 'key', required: true, value: currentPeriod('MONTHLY'), autocomplete: 'off' });
  const kind = h('select', { id: 'period-kind', name: 'kind', onchange: () => {
    key.value = currentPeriod(kind.value as (typeof PERIODS)[number]);
  } }, PERIODS.map((p) => h('option', { value: p }, t(`period.${p}` as Key))));
  const list = h('ol', { class: 'entries' });
  lists.set(REPORT, list);
  return h('section', { class: 'card task', 'data-report': 'true' },
    h('h2', null, t('action.submitPeriodicReport')),
    actionForm('submitPeriodicReport', [
      field('period-kind', t('fieldPeriodKind'), kind),
      field('period-key', t('fieldPeriodKey'), key),
      field('narrative', t('fieldNarrative'), h('textarea', { id: 'narrative', name: 'narrative', rows: 3, required: true })),
    ], (data) => ({ unitId: me.unit!.id, period: { kind: data.get('kind'), key: String(data.get('key')).trim() }, narrative: data.get('narrative') }), null),
    list);
}

const taskMeta = (task: FieldTask) => [
  h('span', { class: `badge s-${task.status}` }, label(task.status)), ' ',
  h('span', null, `${t('colDeadline')}: ${date(task.deadline)}`), ' · ',
  h('span', null, `${t('colProgress')}: ${task.progress === null ? '—' : `${num(task.progress, 0)}%`}`), ' · ',
  h('span', { class: 'version' }, t('fieldVersion', { v: task.version })),
];

function taskCard(task: FieldTask): HTMLElement {
  const meta = h('p', { class: 'meta small' }, taskMeta(task));
  const list = h('ol', { class: 'entries' });
  metas.set(task.id, meta);
  lists.set(task.id, list);
  return h('section', { class: 'card task', 'data-task': task.id },
    h('h2', null, task.title), h('p', { class: 'muted small' }, task.id), meta,
    progressForm(task), obstacleForm(task), completionForm(task), list);
}

function entryItem(entry: Entry): HTMLElement {
  const now = entry.problem?.now;
  return h('li', { class: `entry e-${entry.state}`, 'data-cmid': entry.clientMutationId, 'data-state': entry.state },
    h('strong', null, t(`action.${entry.kind}` as Key)), ' · ', dateTime(entry.queuedAt),
    entry.expectedVersion !== null ? ` · ${t('fieldSeenVersion', { v: entry.expectedVersion })}` : '',
    ' — ', h('span', { class: 'state' }, t(`entry.${entry.state}` as Key)),
    entry.problem ? h('div', { class: 'problem', role: 'alert' },
      h('p', null, entry.problem.message),
      now ? h('p', { class: 'now' }, t('fieldNow', {
        v: now.version, status: label(now.status), deadline: date(now.deadline), progress: now.progress === null ? '—' : `${num(now.progress, 0)}%`,
      })) : null,
      h('p', { class: 'muted small' }, t('fieldNotRetried'))) : null);
}

function drawBar(): void {
  if (!bar) return;
  const snap = readSnapshot();
  const pending = outbox.filter((e) => e.state === 'pending').length;
  replace(bar,
    h('span', { class: `net ${navigator.onLine ? 'on' : 'off'}` }, navigator.onLine ? t('fieldOnline') : t('fieldOffline')),
    h('span', { class: 'pending', 'data-pending': pending }, t('fieldPending', { n: pending })),
    h('button', { type: 'button', class: 'btn secondary small-btn', disabled: pending === 0, onclick: () => void sync() }, t('fieldSyncNow')),
    h('button', { type: 'button', class: 'btn secondary small-btn', onclick: () => void reload() }, t('fieldRefresh')),
    snap ? h('span', { class: 'muted small' }, t('fieldCachedAt', { at: dateTime(snap.at) })) : null,
    notice ? h('p', { class: 'alert error', role: 'alert' }, notice) : null);
}

async function refreshOutbox(): Promise<void> {
  const snap = readSnapshot();
  outbox = (await entries()).filter((e) => e.actor === snap?.me.id);
  for (const [key, list] of lists) {
    replace(list, outbox.filter((e) => (e.taskId ?? REPORT) === key).reverse().map(entryItem));
  }
  for (const task of snap?.tasks ?? []) {
    const meta = metas.get(task.id);
    if (meta) replace(meta, taskMeta(task));
  }
  drawBar();
}

function render(): void {
  document.documentElement.lang = getLang();
  if (!token.get()) {
    signInPage();
    return;
  }
  const snap = readSnapshot();
  lists.clear();
  metas.clear();
  bar = h('div', { class: 'toolbar field-bar', role: 'status' });
  document.title = t('fieldTitle');
  replace(app, header(snap), bar, h('main', { id: 'main', class: 'field' },
    snap ? [
      h('h1', null, t('fieldTasks', { unit: snap.me.unit?.name ?? '' })),
      snap.tasks.length ? snap.tasks.map(taskCard) : h('p', { class: 'muted' }, t('fieldNoTasks')),
      reportCard(snap.me),
    ] : h('p', { class: 'alert' }, t('fieldNoCache'))));
  drawBar();
  void refreshOutbox().then(() => ready('tasks'));
}

/**
 * The task list from the server (when online). Drawn again only when asked: redrawing by itself
 * would empty a form the user is filling in; otherwise only the versions and statuses move.
 */
async function reload(redraw = true): Promise<void> {
  try {
    await fetchSnapshot();
    if (redraw) render();
    else await refreshOutbox();
  } catch (error) {
    if (error instanceof Refused && error.code === 'UNAUTHENTICATED') signedOut();
    // Offline: the cached list stays.
  }
}

/** The token was refused: sign in again; the outbox and the cached tasks stay. */
function signedOut(): void {
  token.forget();
  notice = t('fieldReSignIn');
  render();
}

/** Sends what waits; one round at a time. */
function sync(): Promise<void> {
  syncing ??= (async () => {
    const snap = readSnapshot();
    // Known offline: nothing to try (an 'online' event starts the next round).
    if (!snap || !navigator.onLine) return;
    const result = await drain(snap.me.id, () => void refreshOutbox());
    await refreshOutbox();
    if (result === 'signedOut') signedOut();
  })().finally(() => {
    syncing = null;
  });
  return syncing;
}

window.addEventListener('online', () => {
  drawBar();
  void sync().then(() => reload(false));
});
window.addEventListener('offline', drawBar);
setInterval(() => {
  if (navigator.onLine && outbox.some((e) => e.state === 'pending')) void sync();
}, RETRY_MS);

render();
if (token.get() && navigator.onLine) void sync().then(() => reload(false));
// After the page is drawn: the worker's download does not compete with the page's own.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/field-sw.js', { scope: '/field' }).catch((error: unknown) => console.warn('field: no offline copy', error));
  });
}
