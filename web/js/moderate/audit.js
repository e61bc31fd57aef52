// @ts-check
// The audit log: who decided what on which contribution, and its status before and after.

import { el, byId } from '../dom.js';
import { applyTexts, lookup } from '../i18n/apply.js';
import { strings } from '../i18n/index.js';
import { get, withQuery } from '../participate/http.js';
import { formatWhen } from './queue.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */
/** @typedef {{id: number, at: string, account: string | null, action: string, contribution_id: number | null, subject?: string | null, before: unknown, after: unknown}} Entry */

/** @param {() => Lang} lang @param {(message: string) => void} report */
export function createAudit(lang, report) {
  const refresh = el('button', { className: 'secondary', attrs: { type: 'button', id: 'audit-refresh', 'data-t': 'mod.audit.refresh' } });
  const table = el('table', { className: 'audit', attrs: { id: 'audit-table' } });
  byId('audit-section').append(el('div', { className: 'actions' }, [refresh]), el('div', { className: 'table-scroll' }, [table]));
  refresh.addEventListener('click', () => load());
  /** @type {Entry[]} */
  let entries = [];

  async function load() {
    try {
      entries = await get(withQuery('/api/moderation/audit', { limit: 200 }));
      render();
    } catch (err) {
      report(String(err instanceof Error ? err.message : err));
    }
  }

  function render() {
    const l = lang();
    const t = strings(l).mod.audit;
    const cell = (/** @type {unknown} */ v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : lookup(l, `mod.statuses.${v}`) ?? String(v));
    table.replaceChildren(
      el('caption', { text: t.caption }),
      el('thead', {}, [el('tr', {}, [t.at, t.account, t.action, t.contribution, t.before, t.after].map((h) => el('th', { text: h, attrs: { scope: 'col' } })))]),
      el('tbody', {}, entries.map((e) => el('tr', { attrs: { 'data-contribution': String(e.contribution_id ?? ''), 'data-action': e.action } }, [
        el('td', { text: formatWhen(l, e.at) }),
        el('td', { text: e.account ?? '' }),
        el('td', { text: lookup(l, `mod.actions.${e.action}`) ?? e.action }),
        el('td', { text: e.contribution_id === null || e.contribution_id === undefined ? e.subject ?? '' : `#${e.contribution_id}` }),
        el('td', { text: cell(e.before) }),
        el('td', { text: cell(e.after) }),
      ]))),
    );
    table.dataset.count = String(entries.length);
  }

  return {
    load,
    relabel() {
      applyTexts(byId('audit-section'), lang());
      render();
    },
  };
}
