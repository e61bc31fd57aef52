// @ts-check
// The reader's language: chosen in the URL (?lang=), remembered in the browser, else
// taken from the browser's preferences. Strings live per language in nl.js, fr.js, en.js.

import en from './en.js';
import fr from './fr.js';
import nl from './nl.js';

/** @typedef {'nl' | 'fr' | 'en'} Lang */
/** @typedef {typeof en} Strings */

/** @type {readonly Lang[]} */
export const LANGUAGES = ['nl', 'fr', 'en'];
const STORAGE_KEY = 'westhoek-observatory.lang';

/** @type {Record<Lang, Strings>} */
const STRINGS = { nl, fr, en };

/** @param {unknown} value @returns {value is Lang} */
export function isLang(value) {
  return typeof value === 'string' && /** @type {readonly string[]} */ (LANGUAGES).includes(value);
}

/** @param {Lang} lang */
export function strings(lang) {
  return STRINGS[lang];
}

/** The language asked for in the URL, else the remembered one, else the browser's. */
export function initialLanguage(/** @type {string | null} */ fromUrl) {
  if (isLang(fromUrl)) return fromUrl;
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (isLang(stored)) return stored;
  } catch {
    // storage unavailable (privacy mode): fall through
  }
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

/** @param {Lang} lang */
export function rememberLanguage(lang) {
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
}

/** An indicator's unit in the reader's language (the API gives it in English). */
export function unitLabel(/** @type {Lang} */ lang, /** @type {string} */ unit) {
  const units = /** @type {Record<string, string>} */ (STRINGS[lang].units);
  return units[unit] ?? unit;
}

/**
 * A commune's name in the reader's language where one exists (Ypres in French, Duinkerke
 * in Dutch), and its other name when it differs.
 * @param {{name?: string | null, name_nl?: string | null, name_fr?: string | null}} names
 * @param {Lang} lang
 * @returns {{primary: string, alt: string | null, altLang: Lang | null}}
 */
export function communeName(names, lang) {
  const official = names.name || null;
  const nl = names.name_nl || null;
  const fr = names.name_fr || null;
  const primary = (lang === 'nl' ? nl : lang === 'fr' ? fr : null) || official || nl || fr || '?';
  /** @type {[string | null, Lang | null][]} */
  const others = lang === 'nl' ? [[fr, 'fr'], [official, null]] : lang === 'fr' ? [[nl, 'nl'], [official, null]] : [[fr, 'fr'], [nl, 'nl']];
  const other = others.find(([name]) => name && name !== primary);
  return { primary, alt: other ? other[0] : null, altLang: other ? other[1] : null };
}

/** A country's name in the reader's language (`BE` → België); an unknown code as it is. */
export function countryName(/** @type {Lang} */ lang, /** @type {string} */ code) {
  return /** @type {Record<string, string>} */ (STRINGS[lang].countries)[code] ?? code;
}

/**
 * The reason a value is not known, in the reader's language. The observatory states its
 * reasons in English in a few fixed forms; one it does not know is shown as it is.
 * @param {Lang} lang
 * @param {string} reason
 * @param {(id: string) => string} categoryLabel the taxonomy's label of a category id
 * @returns {{text: string, lang: Lang}}
 */
export function reasonText(lang, reason, categoryLabel) {
  const t = STRINGS[lang];
  const country = (/** @type {string} */ code) => countryName(lang, code);
  let m = /^no source gives (\S+) locations in (BE|FR)$/.exec(reason);
  if (m) return { text: t.reasons.noSource(categoryLabel(m[1]), country(m[2])), lang };
  m = /^no locations in (BE|FR) yet for: (.+)$/.exec(reason);
  if (m) {
    const items = /** @type {Record<string, string>} */ (t.basketItems);
    const list = m[2].split(', ').map((item) => items[item] ?? item).join(', ');
    return { text: t.reasons.noLocations(country(m[1]), list), lang };
  }
  if (reason === 'no population below the commune level in the data') return { text: t.reasons.noPopulationBelow, lang };
  m = /^no population for (\d{4}) in the data$/.exec(reason);
  if (m) return { text: t.reasons.noPopulationYear(m[1]), lang };
  if (reason === 'no railway station with a series of stops here') return { text: t.reasons.noStation, lang };
  if (reason === 'no value for this commune') return { text: t.reasons.noValue, lang };
  m = /^no (\d{4}) inventory covers this commune$/.exec(reason);
  if (m) return { text: t.reasons.noInventory(m[1]), lang };
  return { text: reason, lang: 'en' };
}

/** A number in the reader's language. */
export function formatNumber(/** @type {Lang} */ lang, /** @type {number} */ value, maximumFractionDigits = 0) {
  return new Intl.NumberFormat(STRINGS[lang].locale, { maximumFractionDigits }).format(value);
}

/** A number with as many decimals as its size calls for. */
export function formatValue(/** @type {Lang} */ lang, /** @type {number} */ value) {
  const size = Math.abs(value);
  return formatNumber(lang, value, size >= 100 ? 0 : size >= 10 ? 1 : 2);
}

/** A distance in metres, as m below 1 km and km above. */
export function formatDistance(/** @type {Lang} */ lang, /** @type {number} */ metres) {
  return metres < 1000 ? `${formatNumber(lang, metres)} m` : `${formatNumber(lang, metres / 1000, 1)} km`;
}
