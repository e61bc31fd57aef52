// @ts-check
// A commune for a form (one, or up to `max`): the atlas's search combobox on its own
// input, the chosen ones shown by name in the reader's language. A single field follows
// the commune opened on the map until the reader picks one.

import { el } from '../dom.js';
import { applyTexts } from '../i18n/apply.js';
import { communeName, strings } from '../i18n/index.js';
import { wireSearch } from '../search.js';
import { text } from './form.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */
/** @typedef {{id: string, country?: string, name: string, name_nl?: string | null, name_fr?: string | null}} Commune */

export class CommuneField {
  /**
   * @param {string} id
   * @param {string} name the request field it answers for (`commune`, `communes`)
   * @param {() => Lang} lang
   * @param {{multiple?: boolean, max?: number, labelPath?: string, hintPath?: string, onChange?: (chosen: Commune[]) => void}} [options]
   */
  constructor(id, name, lang, { multiple = false, max = 20, labelPath = 'part.commune', hintPath, onChange = () => {} } = {}) {
    this.lang = lang;
    this.multiple = multiple;
    this.max = max;
    this.onChange = onChange;
    /** @type {Commune[]} */
    this.chosen = [];
    /** Whether the reader chose, so the map's commune no longer replaces the choice. */
    this.touched = false;
    const listId = `${id}-results`;
    this.input = el('input', {
      attrs: {
        id, type: 'search', autocomplete: 'off', spellcheck: 'false', role: 'combobox', 'aria-autocomplete': 'list',
        'aria-expanded': 'false', 'aria-controls': listId, maxlength: '100', 'data-t-placeholder': 'searchPlaceholder',
      },
    });
    this.list = el('ul', { className: 'combo-results', attrs: { id: listId, role: 'listbox', 'aria-labelledby': `${id}-label` } });
    this.list.hidden = true;
    this.shown = el('ul', { className: multiple ? 'chips' : 'chosen', attrs: { id: `${id}-chosen`, 'aria-live': 'polite' } });
    const label = el('label', { attrs: { for: id, id: `${id}-label` } }, [text('span', labelPath)]);
    const error = el('p', { className: 'field-error', attrs: { id: `${id}-error` } });
    error.hidden = true;
    this.element = el('div', { className: 'field commune-field', attrs: { 'data-fields': name } }, [
      label,
      el('div', { className: 'combo' }, [this.input, this.list]),
      text('p', hintPath ?? (multiple ? 'part.communesHint' : 'part.communeHint'), 'hint'),
      this.shown,
      error,
    ]);
    wireSearch(lang, (match) => {
      this.touched = true;
      this.add(match);
    }, { input: this.input, list: this.list, keepText: false });
  }

  /** @param {Commune} commune */
  add(commune) {
    if (this.multiple) {
      if (!this.chosen.some((c) => c.id === commune.id) && this.chosen.length < this.max) this.chosen.push(commune);
    } else {
      this.chosen = [commune];
    }
    this.render();
    this.onChange(this.chosen);
  }

  /** The commune opened on the map, taken while the reader has not chosen. */
  follow(/** @type {Commune | null} */ commune) {
    if (this.touched || this.multiple || !commune) return;
    this.chosen = [commune];
    this.render();
    this.onChange(this.chosen);
  }

  /** Empties the field (after a form was sent). */
  reset() {
    this.touched = false;
    if (this.multiple) this.chosen = [];
    this.render();
  }

  ids() {
    return this.chosen.map((c) => c.id);
  }

  render() {
    const lang = this.lang();
    const t = strings(lang);
    this.element.dataset.value = this.ids().join(' ');
    this.shown.replaceChildren(...this.chosen.map((c) => {
      const name = communeName(c, lang).primary;
      const item = el('li', { attrs: { 'data-commune': c.id } }, [el('span', { text: name })]);
      if (this.multiple) {
        const remove = el('button', { className: 'chip-remove', text: '×', attrs: { type: 'button', 'aria-label': t.part.removeCommune(name) } });
        remove.addEventListener('click', () => {
          this.chosen = this.chosen.filter((x) => x.id !== c.id);
          this.render();
          this.onChange(this.chosen);
          this.input.focus();
        });
        item.append(remove);
      } else {
        item.prepend(text('span', 'part.communeChosen', 'chosen-label'), ' ');
      }
      return item;
    }));
    applyTexts(this.shown, lang);
  }
}
