// @ts-check
// Commune search: a combobox over GET /api/communes?q= (either language, accents and
// case ignored by the server), with arrow keys, Enter and Escape. The atlas's search
// box, and the commune fields of the participation forms (their own input and list).

import * as api from './api.js';
import { el, byId } from './dom.js';
import { communeName, strings } from './i18n/index.js';

/** @typedef {import('./i18n/index.js').Lang} Lang */

const DEBOUNCE_MS = 150;

/**
 * @param {() => Lang} lang the reader's language now
 * @param {(match: api.CommuneMatch) => void} onChoose
 * @param {{input?: HTMLInputElement, list?: HTMLElement, keepText?: boolean, region?: () => string | null}} [elements]
 *   the combobox's input and list (default the atlas's search box); `keepText` false
 *   empties the input once a commune is chosen; `region` the region searched now (every
 *   region without it)
 */
export function wireSearch(lang, onChoose, elements = {}) {
  const input = elements.input ?? /** @type {HTMLInputElement} */ (byId('search-input'));
  const list = elements.list ?? byId('search-results');
  const keepText = elements.keepText ?? true;
  const region = elements.region ?? (() => null);
  const optionId = (/** @type {number} */ i) => `${list.id}-option-${i}`;
  /** @type {api.CommuneMatch[]} */
  let matches = [];
  let active = -1;
  /** @type {AbortController | null} */
  let pending = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const highlight = (/** @type {number} */ index) => {
    active = index;
    for (const [i, option] of [...list.children].entries()) option.setAttribute('aria-selected', String(i === index));
    if (index >= 0) input.setAttribute('aria-activedescendant', optionId(index));
    else input.removeAttribute('aria-activedescendant');
  };

  const choose = (/** @type {number} */ index) => {
    const match = matches[index];
    if (!match) return;
    input.value = keepText ? communeName(match, lang()).primary : '';
    close();
    onChoose(match);
  };

  const render = () => {
    const t = strings(lang());
    if (matches.length === 0) {
      list.replaceChildren(el('li', { className: 'search-empty', text: t.searchNoMatch, attrs: { role: 'option', 'aria-disabled': 'true' } }));
    } else {
      list.replaceChildren(...matches.map((m, i) => {
        const names = communeName(m, lang());
        const option = el('li', { attrs: { role: 'option', id: optionId(i), 'data-id': m.id, 'aria-selected': 'false' } }, [
          el('span', { className: 'search-name', text: names.primary }),
          ...(names.alt ? [el('span', { className: 'alt-name', text: ` / ${names.alt}` })] : []),
          el('span', { className: 'search-country', text: ` ${m.country}` }),
        ]);
        option.addEventListener('mousedown', (e) => e.preventDefault()); // keep the input's focus
        option.addEventListener('click', () => choose(i));
        return option;
      }));
    }
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(-1);
  };

  const search = async () => {
    const q = input.value.trim();
    pending?.abort();
    if (!/[\p{L}\p{N}]/u.test(q)) {
      matches = [];
      close();
      return;
    }
    pending = new AbortController();
    try {
      matches = await api.searchCommunes(q, pending.signal, region());
      render();
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return;
      matches = [];
      close();
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && matches.length) {
      e.preventDefault();
      if (list.hidden) render();
      highlight((active + 1) % matches.length);
    } else if (e.key === 'ArrowUp' && matches.length) {
      e.preventDefault();
      highlight(active <= 0 ? matches.length - 1 : active - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (!list.hidden && matches.length) choose(active >= 0 ? active : 0);
    } else if (e.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', close);
}
