// @ts-check
// Strings of a page that is built once and relabelled on a change of language: an element
// names its string by a dotted path into the language's strings (`data-t="part.title"`,
// `data-t-aria-label`, `data-t-placeholder`, `data-t-title`), so a form keeps what the
// reader typed while its labels change language.

import { initialLanguage, LANGUAGES, rememberLanguage, strings } from './index.js';

/** @typedef {import('./index.js').Lang} Lang */

/**
 * The string at a dotted path (`part.report.heading`); null when the path names none.
 * @param {Lang} lang
 * @param {string} path
 * @returns {string | null}
 */
export function lookup(lang, path) {
  /** @type {unknown} */
  let node = strings(lang);
  for (const key of path.split('.')) {
    if (!node || typeof node !== 'object') return null;
    node = /** @type {Record<string, unknown>} */ (node)[key];
  }
  return typeof node === 'string' ? node : null;
}

/** @type {[string, string, (node: HTMLElement, text: string) => void][]} */
const BINDINGS = [
  ['data-t', 't', (node, text) => { node.textContent = text; }],
  ['data-t-aria-label', 'tAriaLabel', (node, text) => node.setAttribute('aria-label', text)],
  ['data-t-placeholder', 'tPlaceholder', (node, text) => node.setAttribute('placeholder', text)],
  ['data-t-title', 'tTitle', (node, text) => node.setAttribute('title', text)],
];

/** Sets every bound string under `root` (itself included) in `lang`. */
export function applyTexts(/** @type {ParentNode & Node} */ root, /** @type {Lang} */ lang) {
  for (const [attribute, key, set] of BINDINGS) {
    const nodes = /** @type {HTMLElement[]} */ ([...root.querySelectorAll(`[${attribute}]`)]);
    if (root instanceof HTMLElement && root.hasAttribute(attribute)) nodes.push(root);
    for (const node of nodes) {
      const text = lookup(lang, node.dataset[key] ?? '');
      if (text !== null) set(node, text);
    }
  }
}

/**
 * A page's language: from ?lang=, else remembered, else the browser's; the buttons of
 * `#lang-switch` change it, remember it and call `onChange`.
 * @param {(lang: Lang) => void} onChange
 * @returns {Lang} the language to start in
 */
export function wireLanguageSwitch(onChange) {
  const lang = initialLanguage(new URL(window.location.href).searchParams.get('lang'));
  for (const button of document.querySelectorAll('#lang-switch [data-lang]')) {
    button.addEventListener('click', () => {
      const chosen = LANGUAGES.find((l) => l === /** @type {HTMLElement} */ (button).dataset.lang);
      if (!chosen) return;
      rememberLanguage(chosen);
      markLanguage(chosen);
      onChange(chosen);
    });
  }
  markLanguage(lang);
  return lang;
}

/** The document's language and the switch's pressed button. */
export function markLanguage(/** @type {Lang} */ lang) {
  document.documentElement.lang = lang;
  for (const button of document.querySelectorAll('#lang-switch [data-lang]')) {
    button.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (button).dataset.lang === lang));
  }
}

/**
 * A text the observatory holds in Dutch and French only (calls, discovery days), in the
 * reader's language where it exists, else the other one; with the language it is in.
 * @param {{nl?: string | null, fr?: string | null, en?: string | null}} text
 * @param {Lang} lang
 * @returns {{text: string, lang: Lang}}
 */
export function pickText(text, lang) {
  const order = /** @type {Lang[]} */ (lang === 'nl' ? ['nl', 'fr', 'en'] : lang === 'fr' ? ['fr', 'nl', 'en'] : ['en', 'fr', 'nl']);
  for (const l of order) {
    const value = text?.[l];
    if (typeof value === 'string' && value !== '') return { text: value, lang: l };
  }
  return { text: '', lang };
}
