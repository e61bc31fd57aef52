// @ts-check
// What residents said about a commune, in its profile: the needs questionnaire's answers
// (hidden below the minimum number of answers, so no one can be singled out) and the
// accepted ideas, each with "I support this".

import { el, byId } from '../dom.js';
import { formatNumber, strings } from '../i18n/index.js';
import * as api from './api.js';
import { WHERE } from './questionnaire.js';
import { themeName } from './idea.js';
import { supportButton } from './support.js';

/** @typedef {import('./panel.js').Context} Context */
/** @typedef {import('../i18n/index.js').Lang} Lang */

/**
 * @param {Lang} lang
 * @param {api.Needs} needs
 * @param {(id: string) => string} categoryLabel
 */
export function needsView(lang, needs, categoryLabel) {
  const t = strings(lang).part.needs;
  const root = el('div', { className: 'needs-result', attrs: { 'data-hidden': String(needs.hidden), 'data-answers': String(needs.answers ?? '') } });
  if (needs.hidden) {
    root.append(el('p', { className: 'hint needs-hidden', text: t.hiddenBelow(needs.minimum, needs.answers) }));
    return root;
  }
  root.append(el('p', { className: 'needs-count', text: t.answers(needs.answers ?? 0) }));
  if (needs.categories.length) {
    const head = el('tr', {}, [el('th', { text: t.category, attrs: { scope: 'col' } }), ...WHERE.map((w) => el('th', { text: /** @type {Record<string, string>} */ (t.whereShort)[w], attrs: { scope: 'col' } }))]);
    const body = needs.categories.map((c) => el('tr', { attrs: { 'data-category': c.category } }, [
      el('th', { text: categoryLabel(c.category), attrs: { scope: 'row' } }),
      ...WHERE.map((w) => el('td', { text: formatNumber(lang, /** @type {Record<string, number>} */ (/** @type {unknown} */ (c))[w] ?? 0) })),
    ]));
    root.append(el('table', { className: 'needs-table' }, [el('caption', { text: t.tableCaption }), el('thead', {}, [head]), el('tbody', {}, body)]));
  }
  if (needs.missing.length) {
    root.append(el('h4', { text: t.missedHeading }), el('ul', { className: 'plain' }, needs.missing.map((m) => el('li', { attrs: { 'data-category': m.category } }, [`${categoryLabel(m.category)}: ${formatNumber(lang, m.count)}`]))));
  }
  return root;
}

/** @param {Context} ctx */
export function createCommuneParticipation(ctx) {
  let ticket = 0;
  /** @type {{id: string, needs: api.Needs | null, ideas: api.Idea[]} | null} */
  let shown = null;

  const render = () => {
    if (!shown) return;
    const lang = ctx.lang();
    const t = strings(lang).part;
    const needsBox = byId('profile-needs');
    needsBox.replaceChildren(shown.needs ? needsView(lang, shown.needs, ctx.categoryLabel) : el('p', { className: 'hint', text: t.needs.unavailable }));
    const ideas = byId('profile-ideas');
    ideas.replaceChildren(...(shown.ideas.length ? shown.ideas.map((idea) => el('li', { className: 'idea', attrs: { 'data-idea': String(idea.id) } }, [
      el('strong', { className: 'idea-title', text: idea.title, attrs: { lang: idea.language } }),
      el('p', { className: 'idea-theme', text: themeName(ctx.themes(), idea.theme, lang) }),
      el('p', { className: 'idea-body', text: idea.body, attrs: { lang: idea.language } }),
      supportButton('idea', idea.id, idea.supports, lang),
    ])) : [el('li', { className: 'hint', text: t.idea.none })]));
    byId('profile').dataset.participation = shown.id;
  };

  return {
    /** Loads and shows what residents said about the commune. */
    async show(/** @type {string} */ id) {
      const mine = ++ticket;
      const [needs, ideas] = await Promise.allSettled([api.needs(id), api.ideas(id)]);
      if (mine !== ticket) return;
      if (needs.status === 'rejected') ctx.error(`needs ${id}: ${needs.reason}`);
      if (ideas.status === 'rejected') ctx.error(`ideas ${id}: ${ideas.reason}`);
      shown = {
        id,
        needs: needs.status === 'fulfilled' ? needs.value : null,
        ideas: ideas.status === 'fulfilled' ? ideas.value.filter((i) => i.commune === id) : [],
      };
      render();
    },
    hide() {
      ticket += 1;
      shown = null;
    },
    render,
  };
}
