// @ts-check
// The needs questionnaire for a commune: for each kind of service, where the resident
// uses it (in the own commune, a neighbouring one, across the border, or not at all) and
// how they get there; and which services they miss. Anonymous: no withdraw link.

import { el } from '../dom.js';
import { applyTexts } from '../i18n/apply.js';
import * as api from './api.js';
import { CommuneField } from './commune-field.js';
import { form, honeypotValue, showReceipt, text, wireSubmit } from './form.js';

/** @typedef {import('./panel.js').Context} Context */

export const WHERE = ['own_commune', 'neighbour', 'across_border', 'not_used'];
export const HOW = ['walk', 'bike', 'car', 'public_transport', 'other'];

/** @param {Context} ctx */
export function createQuestionnaire(ctx) {
  const id = 'needs';
  const commune = new CommuneField(`${id}-commune`, 'commune', ctx.lang);
  const rows = el('div', { className: 'needs-rows' });
  const missing = el('div', { className: 'needs-missing' });
  const missingSet = el('fieldset', { className: 'field group', attrs: { id: `${id}-missing`, 'data-fields': 'missing' } }, [el('legend', { attrs: { 'data-t': 'part.needs.missing' } }), missing]);
  const usesSet = el('fieldset', { className: 'field group', attrs: { id: `${id}-uses`, 'data-fields': 'uses' } }, [
    el('legend', { attrs: { 'data-t': 'part.needs.uses' } }),
    text('p', 'part.needs.usesHint', 'hint'),
    rows,
  ]);
  const usesError = el('p', { className: 'field-error', attrs: { id: `${id}-uses-error` } });
  usesError.hidden = true;
  usesSet.append(usesError);
  const missingError = el('p', { className: 'field-error', attrs: { id: `${id}-missing-error` } });
  missingError.hidden = true;
  missingSet.append(missingError);
  const node = form(`${id}-form`, [text('p', 'part.needs.intro', 'intro'), commune.element, usesSet, missingSet]);

  /** Builds a row per category, keeping what was answered. */
  const build = () => {
    const lang = ctx.lang();
    const before = answers();
    const missed = new Set(missedCategories());
    const categories = ctx.groups().flatMap((g) => g.categories);
    rows.replaceChildren(...categories.map((c) => {
      const where = el('select', { attrs: { id: `${id}-where-${c.id}`, name: `where-${c.id}`, 'data-category': c.id } }, [
        el('option', { attrs: { value: '', 'data-t': 'part.needs.noAnswer' } }),
        ...WHERE.map((w) => el('option', { attrs: { value: w, 'data-t': `part.needs.where.${w}` } })),
      ]);
      const how = el('select', { attrs: { id: `${id}-how-${c.id}`, name: `how-${c.id}` } }, [
        el('option', { attrs: { value: '', 'data-t': 'part.needs.noAnswer' } }),
        ...HOW.map((h) => el('option', { attrs: { value: h, 'data-t': `part.needs.how.${h}` } })),
      ]);
      const previous = before.find((u) => u.category === c.id);
      where.value = previous?.where ?? '';
      how.value = previous?.how ?? '';
      const sync = () => {
        how.disabled = where.value === '' || where.value === 'not_used';
        if (how.disabled) how.value = '';
      };
      where.addEventListener('change', sync);
      sync();
      return el('fieldset', { className: 'needs-row', attrs: { 'data-category': c.id } }, [
        el('legend', { text: c.label[lang] }),
        el('div', { className: 'field-row' }, [
          el('div', { className: 'field' }, [el('label', { attrs: { for: where.id, 'data-t': 'part.needs.whereLabel' } }), where]),
          el('div', { className: 'field' }, [el('label', { attrs: { for: how.id, 'data-t': 'part.needs.howLabel' } }), how]),
        ]),
      ]);
    }));
    missing.replaceChildren(...categories.map((c) => {
      const box = el('input', { attrs: { type: 'checkbox', id: `${id}-missing-${c.id}`, name: 'missing', value: c.id } });
      box.checked = missed.has(c.id);
      return el('div', { className: 'choice' }, [box, el('label', { text: c.label[lang], attrs: { for: box.id } })]);
    }));
    applyTexts(node, lang);
  };

  /** @returns {{category: string, where: string, how?: string}[]} */
  function answers() {
    return [...rows.querySelectorAll('select[data-category]')].flatMap((node) => {
      const where = /** @type {HTMLSelectElement} */ (node);
      if (!where.value) return [];
      const category = where.dataset.category ?? '';
      const how = /** @type {HTMLSelectElement | null} */ (rows.querySelector(`select[name="how-${category}"]`))?.value;
      return [{ category, where: where.value, ...(how ? { how } : {}) }];
    });
  }

  function missedCategories() {
    return [...missing.querySelectorAll('input[name="missing"]:checked')].map((b) => /** @type {HTMLInputElement} */ (b).value);
  }

  wireSubmit(node, ctx.lang, () => api.sendQuestionnaire({
    commune: commune.ids()[0] ?? '',
    uses: answers(),
    missing: missedCategories(),
    website: honeypotValue(node),
  }), () => {
    showReceipt(node, null, ctx.lang(), 'part.needs.thanks');
    for (const s of rows.querySelectorAll('select')) /** @type {HTMLSelectElement} */ (s).value = '';
    for (const b of missing.querySelectorAll('input')) /** @type {HTMLInputElement} */ (b).checked = false;
    for (const s of rows.querySelectorAll('select[data-category]')) s.dispatchEvent(new Event('change'));
    const c = commune.chosen[0];
    if (c) ctx.needsChanged(c.id);
  });

  return {
    element: node,
    commune,
    relabel() {
      build();
      commune.render();
    },
  };
}
