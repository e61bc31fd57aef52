// @ts-check
// "I support this" on an accepted idea or a selected project idea: one support per
// person (the server knows a person by a cookie it sets), the count the server answers.

import { el } from '../dom.js';
import { formatNumber, strings } from '../i18n/index.js';
import * as api from './api.js';
import { RequestFailed } from './http.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */

/**
 * @param {'idea' | 'project'} kind
 * @param {number} id
 * @param {number} supports
 * @param {Lang} lang
 */
export function supportButton(kind, id, supports, lang) {
  const t = strings(lang).part.support;
  const count = el('span', { className: 'support-count', text: formatNumber(lang, supports), attrs: { 'data-count': String(supports) } });
  const button = el('button', { className: 'support', attrs: { type: 'button', 'aria-pressed': 'false', 'data-kind': kind, 'data-id': String(id) } }, [el('span', { text: t.button })]);
  const note = el('span', { className: 'support-note', attrs: { 'aria-live': 'polite' } });
  const wrapper = el('div', { className: 'support-line' }, [button, ' ', count, el('span', { className: 'support-of', text: ` ${t.supporters(supports)}` }), ' ', note]);
  const mark = (/** @type {string} */ message) => {
    button.setAttribute('aria-pressed', 'true');
    button.disabled = true;
    note.textContent = message;
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    wrapper.dataset.state = 'sending';
    try {
      const answer = await api.support(kind, id);
      count.textContent = formatNumber(lang, answer.supports);
      count.dataset.count = String(answer.supports);
      /** @type {HTMLElement} */ (wrapper.querySelector('.support-of')).textContent = ` ${t.supporters(answer.supports)}`;
      mark(t.thanks);
      wrapper.dataset.state = 'supported';
    } catch (err) {
      if (err instanceof RequestFailed && err.status === 409) {
        mark(t.already);
        wrapper.dataset.state = 'supported';
      } else {
        button.disabled = false;
        note.textContent = err instanceof RequestFailed && err.status === 429 ? strings(lang).part.errors.tooMany(err.retryAfter ?? 60) : (err instanceof RequestFailed && err.serverMessage) || t.failed;
        wrapper.dataset.state = 'error';
      }
    }
  });
  return wrapper;
}
