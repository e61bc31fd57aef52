// @ts-check
// Calls for projects: the calls and their dates, a form to submit a project idea to an
// open one (contact e-mail required: the partner answers), and the project ideas a
// partner selected, listed and on the map, each with "I support this".

import { el } from '../dom.js';
import { applyTexts, pickText } from '../i18n/apply.js';
import { strings } from '../i18n/index.js';
import * as api from './api.js';
import { CommuneField } from './commune-field.js';
import { formatDay } from './events.js';
import { field, form, honeypotValue, input, showReceipt, text, textarea, wireSubmit } from './form.js';
import { themeName } from './idea.js';
import { supportButton } from './support.js';

/** @typedef {import('./panel.js').Context} Context */

/** @param {Context} ctx */
export function createCalls(ctx) {
  const id = 'project';
  const callList = el('ul', { className: 'plain calls', attrs: { id: 'calls-list', 'aria-live': 'polite' } });
  const call = el('select', { attrs: { id: `${id}-call`, name: 'call' } });
  const title = input('text', `${id}-title`, 'title', { maxlength: '120', autocomplete: 'off' });
  const description = textarea(`${id}-description`, 'description', 2000, 5);
  const communes = new CommuneField(`${id}-communes`, 'communes', ctx.lang, { multiple: true, max: 20, labelPath: 'part.calls.communes' });
  const email = input('email', `${id}-email`, 'contact_email', { maxlength: '200', autocomplete: 'email', required: '' });
  const node = form(`${id}-form`, [
    text('h4', 'part.calls.formHeading'),
    field('part.calls.call', call, { names: ['call', 'call_id'] }),
    field('part.calls.title', title),
    field('part.calls.description', description),
    communes.element,
    field('part.calls.email', email, { hintPath: 'part.calls.emailHint' }),
  ]);
  const formBox = el('div', { attrs: { id: 'project-form-box' } }, [node]);
  const closedNote = text('p', 'part.calls.noneOpen', 'hint');
  const selectedList = el('ul', { className: 'plain projects', attrs: { id: 'projects-list', 'aria-live': 'polite' } });
  const element = el('div', {}, [
    text('p', 'part.calls.intro', 'intro'),
    callList,
    closedNote,
    formBox,
    text('h4', 'part.calls.selectedHeading'),
    selectedList,
  ]);

  /** @type {api.Call[]} */
  let calls = [];
  /** @type {api.ProjectIdea[]} */
  let projects = [];

  wireSubmit(node, ctx.lang, () => api.sendProjectIdea(Number(call.value), {
    title: title.value.trim(),
    description: description.value.trim(),
    communes: communes.ids(),
    contact_email: email.value.trim(),
    language: ctx.lang(),
    website: honeypotValue(node),
  }), (created) => {
    showReceipt(node, created, ctx.lang(), 'part.calls.thanks');
    title.value = '';
    description.value = '';
    communes.reset();
  });

  const renderCalls = () => {
    const lang = ctx.lang();
    const t = strings(lang).part.calls;
    callList.replaceChildren(...calls.map((c) => {
      const name = pickText(c.title, lang);
      const about = pickText(c.description, lang);
      const themes = c.themes.map((th) => themeName(ctx.themes(), th, lang)).join(', ');
      return el('li', { className: c.open ? 'call open' : 'call', attrs: { 'data-call': String(c.id), 'data-open': String(c.open) } }, [
        el('strong', { text: name.text, attrs: { lang: name.lang } }),
        el('p', { className: 'dates', text: `${t.period(formatDay(lang, c.opens_on), formatDay(lang, c.closes_on))} — ${c.open ? t.open : t.closed}` }),
        ...(themes ? [el('p', { className: 'themes', text: `${t.themes}: ${themes}` })] : []),
        ...(about.text ? [el('p', { className: 'description', text: about.text, attrs: { lang: about.lang } })] : []),
      ]);
    }));
    if (calls.length === 0) callList.replaceChildren(el('li', { className: 'hint', text: t.none }));
    const open = calls.filter((c) => c.open);
    const value = call.value;
    call.replaceChildren(...open.map((c) => el('option', { text: pickText(c.title, lang).text, attrs: { value: String(c.id) } })));
    if (open.some((c) => String(c.id) === value)) call.value = value;
    formBox.hidden = open.length === 0;
    closedNote.hidden = open.length > 0 || calls.length === 0;
  };

  const renderProjects = () => {
    const lang = ctx.lang();
    const t = strings(lang).part.calls;
    const selected = projects.filter((p) => p.status === 'selected');
    selectedList.replaceChildren(...(selected.length ? selected.map((p) => projectItem(p, lang)) : [el('li', { className: 'hint', text: t.noneSelected })]));
  };

  /** @param {api.ProjectIdea} p @param {import('../i18n/index.js').Lang} lang */
  const projectItem = (p, lang) => {
    const names = p.communes.map((c) => c.name).join(', ');
    return el('li', { className: 'project', attrs: { 'data-project': String(p.id) } }, [
      el('strong', { text: p.title }),
      ...(names ? [el('p', { className: 'communes', text: names })] : []),
      el('p', { className: 'description', text: p.description }),
      supportButton('project', p.id, p.supports, lang),
    ]);
  };

  return {
    element,
    async load() {
      const [c, p] = await Promise.allSettled([api.calls(), api.projectIdeas()]);
      calls = c.status === 'fulfilled' ? c.value : [];
      projects = p.status === 'fulfilled' ? p.value : [];
      if (c.status === 'rejected') ctx.error(`calls: ${c.reason}`);
      if (p.status === 'rejected') ctx.error(`project ideas: ${p.reason}`);
      renderCalls();
      renderProjects();
      element.dataset.loaded = 'true';
      await ctx.layers.set('projects', projects.filter((x) => x.status === 'selected'));
    },
    relabel() {
      renderCalls();
      renderProjects();
      communes.render();
      applyTexts(element, ctx.lang());
    },
    /** The popup of a selected project idea on the map. */
    popup(/** @type {api.ProjectIdea} */ p) {
      const lang = ctx.lang();
      const item = projectItem(p, lang);
      return el('div', { className: 'part-popup', attrs: { lang } }, [...item.childNodes]);
    },
  };
}
