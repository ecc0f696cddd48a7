/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import './styles.css';
import { ApiError, SIGNED_OUT, clearCache, gql, session } from './api.js';
import { h, replace } from './dom.js';
import { date, getLang, label, t, todayVN } from './i18n.js';
import { langSwitch } from './lang-switch.js';
import { ME } from './queries.js';
import { asOf, current, isDate, link, navigate } from './route.js';
import type { ViewContext } from './views/context.js';
import { compareView } from './views/compare.js';
import { programmeView } from './views/programme.js';
import { searchView } from './views/search.js';
import { taskView } from './views/task.js';
import { unitView } from './views/unit.js';

interface Me { id: string; role: string; unit: { id: string; name: string } | null }

const app = document.getElementById('app')!;
let me: Me | null = null;
let generation = 0;
let controller: AbortController | null = null;
let signInNotice: string | null = null;
let firstRender = true;
/** True while the sign-in form checks a token: a refusal then is the form's to report. */
let signingIn = false;

function star(): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 32 32');
  svg.setAttribute('class', 'emblem');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M16 3l3.3 10.1H30l-8.6 6.3 3.3 10.1L16 23.2l-8.7 6.3 3.3-10.1L2 13.1h10.7z');
  svg.append(path);
  return svg;
}

function brand(): HTMLElement {
  return h('a', { class: 'brand', href: link('/') }, star(), h('span', null, h('span', { class: 'brand-name' }, t('appName')), h('span', { class: 'brand-tag' }, t('appTagline'))));
}

/** The current address without its as-of date: the same view, current figures. */
function withoutAsOf(): string {
  const p = new URLSearchParams(location.search);
  p.delete('asOf');
  const qs = p.toString();
  return `${location.pathname}${qs ? `?${qs}` : ''}`;
}

function shell(): { main: HTMLElement } {
  const { route, params } = current();
  const day = asOf();
  // Applied on submit (button or Enter), not on every change: typing a year digit by digit
  // would otherwise redraw the page under the user's fingers.
  const asOfInput = h('input', { id: 'asof', type: 'date', name: 'asOf', value: day ?? '', max: todayVN(), min: '2000-01-01' });
  const applyAsOf = (ev: Event) => {
    ev.preventDefault();
    const v = asOfInput.value;
    const p = new URLSearchParams(location.search);
    if (isDate(v) && v >= '2000-01-01' && v < todayVN()) p.set('asOf', v);
    else p.delete('asOf');
    const qs = p.toString();
    navigate(`${location.pathname}${qs ? `?${qs}` : ''}`);
  };
  const searchInput = h('input', { id: 'q', type: 'search', name: 'q', value: route.name === 'search' ? params.get('q') ?? '' : '', placeholder: t('searchPlaceholder'), autocomplete: 'off' });
  const main = h('main', { id: 'main', tabindex: '-1' });
  const navLink = (href: string, text: string, active: boolean) => h('a', { href, ...(active ? { 'aria-current': 'page' } : {}) }, text);

  replace(app,
    h('header', { class: 'top' },
      h('div', { class: 'top-row' }, brand(),
        h('div', { class: 'top-right' },
          me ? h('span', { class: 'who', title: t('signedInAs') }, `${me.id} · ${label(me.role)}${me.unit ? ` · ${me.unit.name}` : ''}`) : null,
          langSwitch(render),
          h('button', { type: 'button', class: 'btn ghost', onclick: signOut }, t('signOut'))))),
    h('div', { class: 'toolbar' },
      h('nav', { 'aria-label': t('navMain') }, h('ul', null,
        h('li', null, navLink(link('/'), t('navProgramme'), route.name === 'programme')),
        h('li', null, navLink(link('/compare'), t('navCompare'), route.name === 'compare')))),
      h('form', { role: 'search', class: 'search', onsubmit: (ev: Event) => {
        ev.preventDefault();
        const q = searchInput.value.trim();
        if (q) navigate(link('/search', { q }));
      } }, h('label', { for: 'q', class: 'sr-only' }, t('searchLabel')), searchInput, h('button', { type: 'submit', class: 'btn' }, t('searchButton'))),
      h('form', { class: 'asof', onsubmit: applyAsOf }, h('label', { for: 'asof' }, t('asOfLabel')), asOfInput,
        h('button', { type: 'submit', class: 'btn', id: 'asof-apply' }, t('asOfApply')),
        h('button', { type: 'button', class: 'btn secondary', disabled: !day, onclick: () => navigate(withoutAsOf()) }, t('asOfToday')))),
    day ? h('div', { class: 'banner', role: 'note' }, t('asOfBanner', { date: date(day) }), ' ', h('a', { href: withoutAsOf() }, t('asOfBack'))) : null,
    main,
    h('footer', { class: 'foot' }, h('p', null, t('footer'))));
  return { main };
}

function signInPage(): void {
  document.title = `${t('signInTitle')} — ${t('appName')}`;
  const input = h('textarea', { id: 'token', name: 'token', rows: 4, required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-hint' });
  const message = h('div', { 'aria-live': 'assertive' }, signInNotice ? h('p', { class: 'alert error' }, signInNotice) : null);
  const button = h('button', { type: 'submit', class: 'btn' }, t('signInButton'));
  replace(app,
    h('header', { class: 'top' }, h('div', { class: 'top-row' }, brand(), h('div', { class: 'top-right' }, langSwitch(render)))),
    h('main', { id: 'main', tabindex: '-1', class: 'signin' },
      h('form', { class: 'card signin-card', onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const token = input.value.trim().replace(/^Bearer\s+/i, '');
        if (!token) return;
        button.disabled = true;
        session.set(token);
        clearCache();
        signingIn = true;
        try {
          me = (await gql<{ me: Me }>(ME)).me;
          signingIn = false;
          signInNotice = null;
          void render();
        } catch (error) {
          signingIn = false;
          session.clear();
          button.disabled = false;
          const text = error instanceof ApiError && error.code !== 'UNAUTHENTICATED' ? error.message : t('signInFailed');
          replace(message, h('p', { class: 'alert error', role: 'alert' }, text));
        }
      } },
      h('h1', null, t('signInTitle')),
      h('p', null, t('signInIntro')),
      message,
      h('label', { for: 'token' }, t('tokenLabel')), input,
      h('p', { id: 'token-hint', class: 'muted small' }, t('tokenHint')),
      button)),
    h('footer', { class: 'foot' }, h('p', null, t('footer'))));
  input.focus();
}

function signOut(): void {
  session.clear();
  clearCache();
  me = null;
  signInNotice = null;
  render();
}

async function render(): Promise<void> {
  controller?.abort();
  controller = new AbortController();
  const mine = ++generation;
  document.documentElement.lang = getLang();
  const skip = document.querySelector('.skip');
  if (skip) skip.textContent = t('skip');
  if (!session.get()) {
    signInPage();
    return;
  }
  if (!me) {
    try {
      me = (await gql<{ me: Me }>(ME, {}, controller.signal)).me;
    } catch (error) {
      if (mine !== generation) return;
      if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return; // SIGNED_OUT redraws
      me = null;
    }
    if (mine !== generation) return;
  }
  const { main } = shell();
  const { route, params } = current();
  const ctx: ViewContext = {
    main, params, asOf: asOf(), signal: controller.signal,
    alive: () => mine === generation,
    setTitle: (title) => {
      if (mine === generation) document.title = `${title} — ${t('appName')}`;
    },
  };
  const focus = () => {
    if (firstRender) return;
    (main.querySelector('h1') ?? main).focus({ preventScroll: false });
  };
  const done = (() => {
    switch (route.name) {
      case 'programme': return programmeView(ctx);
      case 'unit': return unitView(ctx, route.id);
      case 'task': return taskView(ctx, route.id);
      case 'compare': return compareView(ctx);
      case 'search': return searchView(ctx);
      default:
        ctx.setTitle(t('notFound'));
        replace(main, h('h1', { tabindex: '-1' }, t('notFound')), h('p', null, h('a', { href: link('/') }, t('backHome'))));
        return Promise.resolve();
    }
  })();
  window.scrollTo(0, 0);
  await done.catch((error: unknown) => {
    // Aborted fetches of a page the user has left are expected.
    if ((error as Error).name !== 'AbortError') console.error(error);
  });
  if (mine === generation) {
    main.setAttribute('data-ready', 'true');
    focus();
    firstRender = false;
  }
}

// Same-origin links are client-side navigations.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = (ev.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.getAttribute('href')?.startsWith('#')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/graphql') || url.pathname.startsWith('/graphiql')) return;
  ev.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => void render());
window.addEventListener(SIGNED_OUT, () => {
  if (signingIn) return;
  me = null;
  signInNotice = t('sessionExpired');
  void render();
});

void render();
