// @ts-check
// Project ideas submitted to the calls, for partners: read them with their contact, and
// move each along submitted → under review → selected or not selected.

import { el, byId } from '../dom.js';
import { applyTexts, lookup, pickText } from '../i18n/apply.js';
import { strings } from '../i18n/index.js';
import { field, form, select, wireSubmit } from '../participate/form.js';
import { get, withQuery } from '../participate/http.js';
import { change } from './session.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */
/**
 * @typedef {object} ProjectIdea
 * @property {number} id
 * @property {number} call_id
 * @property {string} title
 * @property {string} description
 * @property {{id: string, name: string}[]} communes
 * @property {string} review `submitted`, `under_review`, `selected` or `not_selected`
 * @property {string} status the moderation status (`pending`, `accepted`…)
 * @property {string | null} [contact_email]
 * @property {number} [supports]
 */

/** The statuses a project idea can move to from each one. */
export const NEXT = /** @type {Record<string, string[]>} */ ({
  submitted: ['under_review'],
  under_review: ['selected', 'not_selected'],
  selected: [],
  not_selected: [],
});

/** @param {() => Lang} lang @param {(message: string) => void} report */
export function createProjects(lang, report) {
  const call = el('select', { attrs: { id: 'projects-call', name: 'call' } });
  const list = el('ul', { className: 'plain projects', attrs: { id: 'mod-projects-list', 'aria-live': 'polite' } });
  const section = byId('projects-section');
  section.append(field('mod.projects.call', call), list);
  call.addEventListener('change', () => load());
  /** @type {import('../participate/api.js').Call[]} */
  let calls = [];
  /** @type {ProjectIdea[]} */
  let ideas = [];

  async function loadCalls() {
    try {
      calls = await get('/api/calls');
    } catch (err) {
      report(String(err instanceof Error ? err.message : err));
    }
    renderCalls();
  }

  async function load() {
    try {
      ideas = await get(withQuery('/api/moderation/project-ideas', { call: call.value }));
      render();
    } catch (err) {
      report(String(err instanceof Error ? err.message : err));
    }
  }

  function renderCalls() {
    const l = lang();
    const value = call.value;
    call.replaceChildren(
      el('option', { text: strings(l).mod.projects.allCalls, attrs: { value: '' } }),
      ...calls.map((c) => el('option', { text: pickText(c.title, l).text, attrs: { value: String(c.id) } })),
    );
    call.value = value;
  }

  function render() {
    const l = lang();
    const t = strings(l).mod.projects;
    list.replaceChildren(...(ideas.length ? ideas.map((p) => {
      /** @type {HTMLElement[]} */
      const parts = [
        el('h3', {}, [`#${p.id} ${p.title} — `, el('span', { className: 'status-tag', text: lookup(l, `mod.statuses.${p.review}`) ?? p.review, attrs: { 'data-status': p.review } })]),
        el('p', { className: 'communes', text: p.communes.map((c) => c.name).join(', ') }),
        el('p', { className: 'description', text: p.description }),
        ...(p.contact_email ? [el('p', { className: 'contact', text: `${t.contact}: ${p.contact_email}` })] : []),
      ];
      const next = NEXT[p.review] ?? [];
      if (next.length) {
        const to = select(`project-${p.id}-status`, 'status', next.map((s) => /** @type {[string, string]} */ ([s, `mod.statuses.${s}`])));
        const move = form(`project-${p.id}-move`, [field('mod.projects.moveTo', to)], 'mod.projects.move', { withHoneypot: false });
        wireSubmit(move, lang, () => change('POST', `/api/moderation/project-ideas/${p.id}/status`, { status: to.value }), () => {
          p.review = to.value;
          render();
        });
        applyTexts(move, l);
        parts.push(move);
      }
      return el('li', { className: 'card', attrs: { 'data-project': String(p.id), 'data-review': p.review, 'data-status': p.status } }, parts);
    }) : [el('li', { className: 'hint', text: t.none })]));
  }

  return {
    async load() {
      await loadCalls();
      await load();
    },
    relabel() {
      applyTexts(section, lang());
      renderCalls();
      render();
    },
  };
}
