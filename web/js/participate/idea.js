// @ts-check
// The idea box: an idea for a commune, under a theme, with a title and a text.
// Published once a moderator accepts it.

import { el } from '../dom.js';
import { pickText } from '../i18n/apply.js';
import { strings } from '../i18n/index.js';
import * as api from './api.js';
import { CommuneField } from './commune-field.js';
import { field, form, honeypotValue, input, optionalValue, showReceipt, text, textarea, wireSubmit } from './form.js';

/** @typedef {import('./panel.js').Context} Context */

/** @param {Context} ctx */
export function createIdeaForm(ctx) {
  const id = 'idea';
  const commune = new CommuneField(`${id}-commune`, 'commune', ctx.lang);
  const theme = el('select', { attrs: { id: `${id}-theme`, name: 'theme' } });
  const title = input('text', `${id}-title`, 'title', { maxlength: '120', autocomplete: 'off' });
  const body = textarea(`${id}-body`, 'body', 2000, 5);
  const email = input('email', `${id}-email`, 'contact_email', { maxlength: '200', autocomplete: 'email' });
  const node = form(`${id}-form`, [
    text('p', 'part.idea.intro', 'intro'),
    commune.element,
    field('part.idea.theme', theme),
    field('part.idea.title', title),
    field('part.idea.body', body),
    field('part.email', email, { optional: true, hintPath: 'part.emailHint' }),
  ]);

  wireSubmit(node, ctx.lang, () => api.sendIdea({
    commune: commune.ids()[0] ?? '',
    theme: theme.value,
    title: title.value.trim(),
    body: body.value.trim(),
    language: ctx.lang(),
    contact_email: optionalValue(email),
    website: honeypotValue(node),
  }), (created) => {
    showReceipt(node, created, ctx.lang(), 'part.idea.thanks');
    title.value = '';
    body.value = '';
  });

  return {
    element: node,
    commune,
    relabel() {
      fillThemes(theme, ctx.themes(), ctx.lang());
      commune.render();
    },
  };
}

/**
 * @param {HTMLSelectElement} control
 * @param {api.Theme[]} themes
 * @param {import('../i18n/index.js').Lang} lang
 */
export function fillThemes(control, themes, lang) {
  const value = control.value;
  control.replaceChildren(
    el('option', { text: strings(lang).part.chooseTheme, attrs: { value: '' } }),
    ...themes.map((th) => el('option', { text: pickText(th.name, lang).text || th.id, attrs: { value: th.id } })),
  );
  control.value = value;
}

/** A theme's name in the reader's language (its id when unknown). */
export function themeName(/** @type {api.Theme[]} */ themes, /** @type {string} */ id, /** @type {import('../i18n/index.js').Lang} */ lang) {
  const theme = themes.find((th) => th.id === id);
  return theme ? pickText(theme.name, lang).text || id : id;
}
