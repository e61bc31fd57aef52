// @ts-check
// What every participation form shares: labelled fields, the honeypot, sending with the
// button held, the server's message shown at the form and at the field it names, and
// the receipt with the secret withdraw link. Labels are bound by path (data-t) so they
// change language without losing what was typed; whatever the reader or the server
// wrote is set as text only.

import { el } from '../dom.js';
import { applyTexts, lookup } from '../i18n/apply.js';
import { strings } from '../i18n/index.js';
import { withdrawLink } from './api.js';
import { RequestFailed } from './http.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */

/** An element whose text is the string at `path`, kept in the reader's language. */
export function text(/** @type {keyof HTMLElementTagNameMap} */ tag, /** @type {string} */ path, className = '') {
  return el(tag, { className, attrs: { 'data-t': path } });
}

/**
 * A control with its label and the place for its error. `names` are the request fields
 * it answers for (an error naming one of them is shown here); the control's name by
 * default.
 * @param {string} labelPath
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control (with an id)
 * @param {{names?: string[], hintPath?: string, optional?: boolean}} [options]
 */
export function field(labelPath, control, { names, hintPath, optional = false } = {}) {
  const label = el('label', { attrs: { for: control.id } }, [text('span', labelPath)]);
  if (optional) label.append(' ', text('span', 'part.optional', 'optional'));
  const error = el('p', { className: 'field-error', attrs: { id: `${control.id}-error` } });
  error.hidden = true;
  /** @type {HTMLElement[]} */
  const parts = [label];
  if (hintPath) {
    const hint = el('p', { className: 'hint', attrs: { id: `${control.id}-hint`, 'data-t': hintPath } });
    control.setAttribute('aria-describedby', hint.id);
    parts.push(hint);
  }
  const wrapper = el('div', { className: 'field', attrs: { 'data-fields': (names ?? [control.name]).join(' ') } }, [...parts, control, error]);
  return wrapper;
}

/**
 * A group of controls under one legend (radio buttons, a point), answering for `names`.
 * @param {string} legendPath
 * @param {string[]} names
 * @param {(Node | string)[]} children
 * @param {string} id
 */
export function group(legendPath, names, children, id) {
  const error = el('p', { className: 'field-error', attrs: { id: `${id}-error` } });
  error.hidden = true;
  return el('fieldset', { className: 'field group', attrs: { id, 'data-fields': names.join(' ') } }, [
    el('legend', {}, [text('span', legendPath)]),
    ...children,
    error,
  ]);
}

/**
 * @param {string} type
 * @param {string} id
 * @param {string} name
 * @param {Record<string, string>} [attrs]
 */
export function input(type, id, name, attrs = {}) {
  return el('input', { attrs: { type, id, name, ...attrs } });
}

export function textarea(/** @type {string} */ id, /** @type {string} */ name, /** @type {number} */ maxlength, rows = 4) {
  return el('textarea', { attrs: { id, name, maxlength: String(maxlength), rows: String(rows) } });
}

/**
 * A select of fixed values whose labels are strings of the page.
 * @param {string} id
 * @param {string} name
 * @param {[string, string][]} options value and label path
 */
export function select(id, name, options) {
  return el('select', { attrs: { id, name } }, options.map(([value, path]) => el('option', { attrs: { value, 'data-t': path } })));
}

/**
 * The field robots fill and people never see: off-screen, out of the tab order, hidden
 * from assistive technology, never autofilled. The server refuses a form that fills it.
 */
export function honeypot(/** @type {string} */ prefix) {
  const id = `${prefix}-website`;
  return el('div', { className: 'hp', attrs: { 'aria-hidden': 'true' } }, [
    el('label', { attrs: { for: id }, text: 'Website' }),
    input('text', id, 'website', { tabindex: '-1', autocomplete: 'off' }),
  ]);
}

/** A form that the page checks itself and the server checks for good (novalidate: the
 * browser's bubbles would speak the browser's language, not the page's). */
export function form(/** @type {string} */ id, /** @type {(Node | string)[]} */ children, submitPath = 'part.send', { withHoneypot = true } = {}) {
  const message = el('p', { className: 'form-message', attrs: { role: 'alert', id: `${id}-message` } });
  message.hidden = true;
  const receipt = el('div', { className: 'receipt', attrs: { id: `${id}-receipt`, role: 'status' } });
  receipt.hidden = true;
  const button = el('button', { className: 'primary', attrs: { type: 'submit', 'data-t': submitPath } });
  const node = el('form', { className: 'part-form', attrs: { id, novalidate: '' } }, [...children, ...(withHoneypot ? [honeypot(id)] : []), message, el('div', { className: 'actions' }, [button]), receipt]);
  return node;
}

/** Clears the errors a previous attempt left. */
export function clearErrors(/** @type {HTMLFormElement} */ node) {
  for (const wrapper of node.querySelectorAll('.invalid')) wrapper.classList.remove('invalid');
  for (const control of node.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  for (const error of node.querySelectorAll('.field-error')) {
    error.textContent = '';
    /** @type {HTMLElement} */ (error).hidden = true;
  }
  const message = node.querySelector('.form-message');
  if (message) {
    message.textContent = '';
    /** @type {HTMLElement} */ (message).hidden = true;
  }
  delete node.dataset.errorField;
}

/**
 * The part of a form that answers for a request field: the one naming it, else the one
 * naming the field it is part of (`uses[2].how` → `uses`, `title.nl` → `title`).
 * @param {HTMLFormElement} node
 * @param {string} name
 */
export function fieldWrapper(node, name) {
  const wrappers = [...node.querySelectorAll('[data-fields]')];
  const naming = (/** @type {string} */ n) => wrappers.find((w) => (w.getAttribute('data-fields') ?? '').split(' ').includes(n));
  let candidate = name;
  for (;;) {
    const found = naming(candidate);
    if (found) return found;
    const shorter = candidate.replace(/(\[\d+\]|\.[^.[\]]+)$/, '');
    if (shorter === candidate || shorter === '') return null;
    candidate = shorter;
  }
}

/** The label a field is known by, in the reader's language. */
function fieldLabel(/** @type {Element} */ wrapper) {
  const label = wrapper.querySelector(':scope > label, :scope > legend');
  const first = label?.querySelector('[data-t]');
  return (first ?? label)?.textContent?.trim() ?? '';
}

/**
 * Shows why a form was refused: the server's message at the field it names (marked
 * invalid and focused), and at the form with that field's label.
 * @param {HTMLFormElement} node
 * @param {unknown} err
 * @param {Lang} lang
 */
export function showError(node, err, lang) {
  const t = strings(lang).part;
  const failed = err instanceof RequestFailed ? err : new RequestFailed(0, '');
  let text = failed.serverMessage;
  if (failed.status === 0) text = t.errors.network;
  else if (failed.status === 429) text = t.errors.tooMany(failed.retryAfter ?? 60);
  else if (!text) text = t.errors.generic(failed.status);
  const wrapper = failed.field ? fieldWrapper(node, failed.field) : null;
  const message = /** @type {HTMLElement} */ (node.querySelector('.form-message'));
  if (wrapper) {
    wrapper.classList.add('invalid');
    const error = /** @type {HTMLElement | null} */ (wrapper.querySelector(':scope > .field-error'));
    if (error) {
      error.textContent = text;
      error.hidden = false;
    }
    const controls = /** @type {HTMLElement[]} */ ([...wrapper.querySelectorAll('input, select, textarea, button')]);
    for (const control of controls) {
      control.setAttribute('aria-invalid', 'true');
      if (error) {
        const described = new Set((control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean));
        described.add(error.id);
        control.setAttribute('aria-describedby', [...described].join(' '));
      }
    }
    node.dataset.errorField = failed.field ?? '';
    message.textContent = t.errors.atField(fieldLabel(wrapper), text);
    controls[0]?.focus();
  } else {
    message.textContent = text;
  }
  message.hidden = false;
  node.dataset.state = 'error';
  node.dataset.status = String(failed.status);
}

/**
 * Sends the form on submit, once at a time: `send` builds and sends the request (or
 * throws a RequestFailed of its own for what the page can tell by itself); `done`
 * receives the answer.
 * @template T
 * @param {HTMLFormElement} node
 * @param {() => Lang} lang
 * @param {() => Promise<T>} send
 * @param {(answer: T) => void} done
 */
export function wireSubmit(node, lang, send, done) {
  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (node.dataset.state === 'sending') return;
    clearErrors(node);
    hideReceipt(node);
    node.dataset.state = 'sending';
    node.setAttribute('aria-busy', 'true');
    const button = /** @type {HTMLButtonElement | null} */ (node.querySelector('button[type="submit"]'));
    if (button) button.disabled = true;
    try {
      const answer = await send();
      node.dataset.state = 'sent';
      done(answer);
    } catch (err) {
      showError(node, err, lang());
    } finally {
      node.removeAttribute('aria-busy');
      if (button) button.disabled = false;
    }
  });
}

function hideReceipt(/** @type {HTMLFormElement} */ node) {
  const receipt = /** @type {HTMLElement | null} */ (node.querySelector('.receipt'));
  if (receipt) {
    receipt.hidden = true;
    receipt.replaceChildren();
  }
}

/**
 * Thanks the writer and gives the secret link that withdraws the contribution.
 * @param {HTMLFormElement} node
 * @param {{id?: number, status?: string, withdraw_token?: string} | null} created
 * @param {Lang} lang
 * @param {string} thanksPath
 */
export function showReceipt(node, created, lang, thanksPath = 'part.thanks') {
  const receipt = /** @type {HTMLElement} */ (node.querySelector('.receipt'));
  const parts = [text('p', thanksPath, 'thanks')];
  if (created?.withdraw_token) {
    const link = withdrawLink(created.withdraw_token);
    const anchor = el('a', { className: 'withdraw-link', text: link, attrs: { href: link, target: '_blank', rel: 'noopener noreferrer' } });
    const copy = el('button', { className: 'secondary', attrs: { type: 'button', 'data-t': 'part.copyLink' } });
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(link);
        copy.dataset.t = 'part.copied';
      } catch {
        window.getSelection()?.selectAllChildren(anchor);
      }
      applyTexts(copy, lang);
    });
    parts.push(text('p', 'part.withdrawIntro'), el('p', { className: 'withdraw-line' }, [anchor, ' ', copy]));
    receipt.dataset.withdrawToken = created.withdraw_token;
  }
  if (created?.id !== undefined) receipt.dataset.id = String(created.id);
  receipt.replaceChildren(...parts);
  applyTexts(receipt, lang);
  receipt.hidden = false;
}

/** The value of a text control, trimmed; undefined when empty (an optional field left out). */
export function optionalValue(/** @type {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} */ control) {
  const value = control.value.trim();
  return value === '' ? undefined : value;
}

/** The honeypot's value: sent as it is, so the server can refuse robots. */
export function honeypotValue(/** @type {HTMLFormElement} */ node) {
  return /** @type {HTMLInputElement | null} */ (node.querySelector('input[name="website"]'))?.value ?? '';
}

/** The string at a path, for the few texts built outside a bound element. */
export function say(/** @type {Lang} */ lang, /** @type {string} */ path) {
  return lookup(lang, path) ?? path;
}

/**
 * Fills a select with the taxonomy's categories, by group, in the reader's language,
 * keeping the value chosen; `emptyPath` adds a first option without a value.
 * @param {HTMLSelectElement} control
 * @param {import('../api.js').Group[]} groups
 * @param {Lang} lang
 * @param {string | null} [emptyPath]
 */
export function fillCategories(control, groups, lang, emptyPath = 'part.chooseCategory') {
  const value = control.value;
  const options = groups.map((g) => el('optgroup', { attrs: { label: g.label[lang] } }, g.categories.map((c) => el('option', { text: c.label[lang], attrs: { value: c.id } }))));
  const first = emptyPath ? [el('option', { text: lookup(lang, emptyPath) ?? '', attrs: { value: '' } })] : [];
  control.replaceChildren(...first, ...options);
  control.value = value;
}
