/** The Tiếng Việt / English switch of the dashboard and the field page. */
import { h } from './dom.js';
import { type Lang, getLang, setLang, t } from './i18n.js';

export function langSwitch(redraw: () => void): HTMLElement {
  const button = (code: Lang, text: string) => h('button', {
    type: 'button', class: 'lang-btn', lang: code, 'aria-pressed': String(getLang() === code),
    onclick: () => {
      setLang(code);
      redraw();
    },
  }, text);
  return h('div', { class: 'lang', role: 'group', 'aria-label': t('language') }, button('vi', 'Tiếng Việt'), button('en', 'English'));
}
