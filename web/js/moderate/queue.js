// @ts-check
// The moderation queue: contributions filtered by kind, status and commune, each shown
// with everything it holds (as text), and accepted, rejected with a public reason, or
// merged into another contribution it repeats.

import { el, byId } from '../dom.js';
import { applyTexts, lookup } from '../i18n/apply.js';
import { formatNumber, strings } from '../i18n/index.js';
import { CommuneField } from '../participate/commune-field.js';
import { field, form, input, select, showReceipt, textarea, wireSubmit } from '../participate/form.js';
import { get, withQuery } from '../participate/http.js';
import { change } from './session.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */
/**
 * @typedef {object} Contribution
 * @property {number} id
 * @property {string} kind
 * @property {string} status
 * @property {string} created_at
 * @property {string | null} language
 * @property {string | null} commune
 * @property {string | null} [commune_name]
 * @property {string | null} contact_email
 * @property {number | null} [merged_into]
 * @property {string | null} [decided_by]
 * @property {number} [supports]
 * @property {string | null} public_reason
 * @property {Record<string, unknown>} detail
 */

/** @typedef {{nl: string, fr: string, en: string}} Named */

/** The names of themes and categories by id, read once, so that a card says
 * "Mobilité" rather than `mobility`. */
/** @type {Promise<Map<string, Named>> | null} */
let names = null;

function loadNames() {
  names ??= (async () => {
    /** @type {Map<string, Named>} */
    const byId = new Map();
    try {
      const [themes, taxonomy] = await Promise.all([get('/api/participation/themes'), get('/api/categories')]);
      for (const theme of /** @type {{id: string, name: Named}[]} */ (themes)) byId.set(`theme:${theme.id}`, theme.name);
      for (const group of /** @type {{groups: {categories: {id: string, label: Named}[]}[]}} */ (taxonomy).groups) {
        for (const category of group.categories) byId.set(`category:${category.id}`, category.label);
      }
    } catch {
      names = null; // the ids are shown meanwhile; asked again on the next load
    }
    return byId;
  })();
  return names;
}

/** @type {Map<string, Named>} */
let named = new Map();

export const KINDS = ['service_report', 'idea', 'photo', 'project_idea'];
export const STATUSES = ['pending', 'accepted', 'rejected', 'merged', 'withdrawn'];
const PAGE = 50;
/** Detail fields the card shows otherwise (the kind in its title, the image as an image). */
const HIDDEN_DETAIL = new Set(['kind', 'image_url']);

/** @param {() => Lang} lang @param {(message: string) => void} report */
export function createQueue(lang, report) {
  const kind = select('queue-kind', 'kind', [['', 'mod.queue.allKinds'], ...KINDS.map((k) => /** @type {[string, string]} */ ([k, `mod.kinds.${k}`]))]);
  const status = select('queue-status', 'status', STATUSES.map((s) => /** @type {[string, string]} */ ([s, `mod.statuses.${s}`])));
  status.value = 'pending';
  const commune = new CommuneField('queue-commune', 'commune', lang, { labelPath: 'mod.queue.commune', hintPath: 'mod.queue.communeHint' });
  const clearCommune = el('button', { className: 'secondary', attrs: { type: 'button', 'data-t': 'mod.queue.anyCommune' } });
  clearCommune.addEventListener('click', () => {
    commune.chosen = [];
    commune.touched = false;
    commune.render();
    load();
  });
  const filters = el('form', { className: 'filters', attrs: { id: 'queue-filters' } }, [
    el('div', { className: 'field-row' }, [field('mod.queue.kind', kind), field('mod.queue.status', status)]),
    commune.element,
    el('div', { className: 'actions' }, [
      el('button', { className: 'primary', attrs: { type: 'submit', 'data-t': 'mod.queue.refresh' } }),
      clearCommune,
    ]),
  ]);
  const list = el('ol', { className: 'plain queue', attrs: { id: 'queue-list', 'aria-live': 'polite' } });
  const more = el('button', { className: 'secondary', attrs: { type: 'button', id: 'queue-more', 'data-t': 'mod.queue.more' } });
  more.hidden = true;
  byId('queue-section').append(filters, list, more);
  commune.onChange = () => load();
  for (const control of [kind, status]) control.addEventListener('change', () => load());
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  more.addEventListener('click', () => load(true));

  /** @type {Contribution[]} */
  let items = [];
  let ticket = 0;

  async function load(append = false) {
    const mine = ++ticket;
    list.setAttribute('aria-busy', 'true');
    const offset = append ? items.length : 0;
    try {
      const page = /** @type {Contribution[]} */ (await get(withQuery('/api/moderation/queue', {
        kind: kind.value, status: status.value, commune: commune.ids()[0], limit: PAGE, offset,
      })));
      named = await loadNames();
      if (mine !== ticket) return;
      items = append ? [...items, ...page] : page;
      more.hidden = page.length < PAGE;
      render();
    } catch (err) {
      if (mine === ticket) report(String(err instanceof Error ? err.message : err));
    } finally {
      if (mine === ticket) list.removeAttribute('aria-busy');
    }
  }

  function render() {
    const l = lang();
    list.replaceChildren(...(items.length ? items.map((c) => card(c, l)) : [el('li', { className: 'hint', text: strings(l).mod.queue.empty })]));
    list.dataset.count = String(items.length);
    document.documentElement.dataset.queue = String(++renders);
  }
  let renders = 0;

  /** @param {Contribution} c @param {Lang} l */
  function card(c, l) {
    const t = strings(l).mod;
    const facts = el('dl', { className: 'facts' });
    const row = (/** @type {string} */ label, /** @type {string | Node} */ value, /** @type {string} */ key = '') =>
      facts.append(el('div', { attrs: key ? { 'data-key': key } : {} }, [el('dt', { text: label }), el('dd', {}, [value])]));
    row(t.queue.created, formatWhen(l, c.created_at));
    if (c.commune) row(t.queue.commune, c.commune_name ? `${c.commune_name} (${c.commune})` : c.commune);
    if (c.language) row(t.queue.language, c.language);
    if (c.contact_email) row(t.queue.email, c.contact_email);
    if (c.public_reason) row(t.queue.reason, c.public_reason);
    if (c.merged_into) row(t.queue.mergedInto, `#${c.merged_into}`);
    if (c.decided_by) row(t.queue.decidedBy, c.decided_by);
    if (c.supports) row(t.queue.supports, String(c.supports));
    for (const [key, value] of Object.entries(c.detail ?? {})) {
      if (value === null || value === undefined || value === '' || HIDDEN_DETAIL.has(key)) continue;
      const name = (key === 'theme' || key === 'category') ? named.get(`${key}:${value}`)?.[l] : undefined;
      row(lookup(l, `mod.fields.${key}`) ?? key, name ?? valueText(l, value), key);
    }
    const parts = [
      el('h3', {}, [`${lookup(l, `mod.kinds.${c.kind}`) ?? c.kind} #${c.id} — `, el('span', { className: 'status-tag', text: lookup(l, `mod.statuses.${c.status}`) ?? c.status, attrs: { 'data-status': c.status } })]),
      facts,
    ];
    if (c.kind === 'photo') {
      const url = c.detail?.image_url;
      const src = typeof url === 'string' && /^\/api\/photos\/\d+\/image$/.test(url) ? url : `/api/photos/${c.id}/image`;
      parts.push(el('img', { className: 'part-photo', attrs: { src, alt: String(c.detail?.caption ?? ''), loading: 'lazy' } }));
    }
    if (c.status === 'pending') parts.push(actions(c, l));
    return el('li', { className: 'card contribution', attrs: { 'data-id': String(c.id), 'data-kind': c.kind, 'data-status': c.status } }, parts);
  }

  /** The three decisions, each its own small form (so an error lands at its field). */
  function actions(/** @type {Contribution} */ c, /** @type {Lang} */ l) {
    const done = (/** @type {{status?: string}} */ answer) => {
      const item = items.find((x) => x.id === c.id);
      if (item) item.status = answer?.status ?? item.status;
      render();
      report('');
    };
    const accept = form(`accept-${c.id}`, [], 'mod.queue.accept', { withHoneypot: false });
    accept.classList.add('decision', 'accept');
    wireSubmit(accept, lang, () => change('POST', `/api/moderation/contributions/${c.id}/accept`), (answer) => {
      showReceipt(accept, null, lang(), 'mod.queue.accepted');
      done(answer);
    });
    const reason = textarea(`reject-${c.id}-reason`, 'reason', 500, 2);
    const reject = form(`reject-${c.id}`, [field('mod.queue.rejectReason', reason, { hintPath: 'mod.queue.rejectHint' })], 'mod.queue.reject', { withHoneypot: false });
    reject.classList.add('decision', 'reject');
    wireSubmit(reject, lang, () => change('POST', `/api/moderation/contributions/${c.id}/reject`, { reason: reason.value.trim() }), done);
    const into = input('number', `merge-${c.id}-into`, 'into', { min: '1', step: '1', inputmode: 'numeric' });
    const merge = form(`merge-${c.id}`, [field('mod.queue.mergeInto', into)], 'mod.queue.merge', { withHoneypot: false });
    merge.classList.add('decision', 'merge');
    wireSubmit(merge, lang, () => change('POST', `/api/moderation/contributions/${c.id}/merge`, { into: Number(into.value) }), done);
    const box = el('div', { className: 'decisions' }, [accept, reject, merge]);
    applyTexts(box, l);
    return box;
  }

  return {
    load,
    relabel() {
      applyTexts(filters, lang());
      commune.render();
      render();
    },
  };
}

/** A value of a contribution's detail, as text (a list joined, an object as JSON). */
function valueText(/** @type {Lang} */ l, /** @type {unknown} */ value) {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatNumber(l, value, 6);
  if (Array.isArray(value)) return value.map((v) => (v && typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function formatWhen(/** @type {Lang} */ l, /** @type {string} */ iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(strings(l).locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
