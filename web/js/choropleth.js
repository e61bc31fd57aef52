// @ts-check
// The choropleth: which indicator shades the communes (with its category, year and
// classes), its values joined to the commune tiles through feature state, and its legend.

import * as api from './api.js';
import { classify, classOf, coloursFor, METHODS } from './classify.js';
import { el, byId } from './dom.js';
import { formatValue, reasonText, strings, unitLabel } from './i18n/index.js';
import { classColourExpression, LAYER } from './map-style.js';

/** @typedef {import('./i18n/index.js').Lang} Lang */
/** @typedef {import('./classify.js').Method} Method */
/** @typedef {import('./classify.js').Classes} Classes */
/** @typedef {import('maplibre-gl').Map} MaplibreMap */

/** The indicator a first visit shows: access to a hospital, known on both sides. */
export const DEFAULT_INDICATOR = { id: 'nearest_service_m', category: 'hospital' };

/**
 * @typedef {object} Choice
 * @property {string} indicator
 * @property {string | null} category
 * @property {number | null} year
 * @property {Method} method
 */

/**
 * The choice a URL asks for, made valid against the indicators: an unknown indicator,
 * category or year falls back to a known one.
 * @param {api.Indicator[]} indicators
 * @param {Partial<Choice>} wanted
 * @returns {Choice}
 */
export function settleChoice(indicators, wanted) {
  const indicator = indicators.find((i) => i.id === wanted.indicator)
    ?? indicators.find((i) => i.id === DEFAULT_INDICATOR.id)
    ?? indicators[0];
  let category = null;
  if (indicator.per_category) {
    const preferred = [wanted.category, DEFAULT_INDICATOR.category];
    category = preferred.find((c) => c && indicator.categories.includes(c)) ?? indicator.categories[0] ?? null;
  }
  const year = wanted.year && indicator.years.includes(wanted.year) ? wanted.year : null;
  return { indicator: indicator.id, category, year, method: wanted.method ?? 'quantile' };
}

/**
 * Fills the indicator, category, year and classes selectors for a choice.
 * @param {Lang} lang
 * @param {api.Indicator[]} indicators
 * @param {Choice} choice
 * @param {(id: string) => string} categoryLabel
 */
export function renderControls(lang, indicators, choice, categoryLabel) {
  const t = strings(lang);
  const option = (/** @type {string} */ value, /** @type {string} */ label, /** @type {boolean} */ selected) => {
    const o = el('option', { text: label, attrs: { value } });
    o.selected = selected;
    return o;
  };
  const indicatorSelect = /** @type {HTMLSelectElement} */ (byId('indicator-select'));
  const sorted = [...indicators].sort((a, b) => a.name[lang].localeCompare(b.name[lang], t.locale));
  indicatorSelect.replaceChildren(...sorted.map((i) => option(i.id, i.name[lang], i.id === choice.indicator)));

  const indicator = indicators.find((i) => i.id === choice.indicator);
  const categorySelect = /** @type {HTMLSelectElement} */ (byId('category-select'));
  const categories = indicator?.per_category ? indicator.categories : [];
  categorySelect.replaceChildren(
    ...categories
      .map((c) => ({ id: c, label: categoryLabel(c) }))
      .sort((a, b) => a.label.localeCompare(b.label, t.locale))
      .map((c) => option(c.id, c.label, c.id === choice.category)),
  );
  byId('category-field').hidden = categories.length === 0;

  const yearSelect = /** @type {HTMLSelectElement} */ (byId('year-select'));
  const years = indicator?.years ?? [];
  yearSelect.replaceChildren(
    option('', t.yearLatest, choice.year === null),
    ...[...years].reverse().map((y) => option(String(y), String(y), y === choice.year)),
  );
  byId('year-field').hidden = years.length === 0;

  const methodSelect = /** @type {HTMLSelectElement} */ (byId('method-select'));
  methodSelect.replaceChildren(...METHODS.map((m) => option(m, t.methods[m], m === choice.method)));

  if (indicator) {
    byId('indicator-definition').textContent = indicator.definition[lang];
    const meta = byId('indicator-meta');
    const row = (/** @type {string} */ label, /** @type {string} */ value) =>
      el('div', {}, [el('dt', { text: label }), el('dd', { text: value, attrs: { lang: 'en' } })]);
    // Sources, reference dates, licence and method are recorded in English only.
    meta.replaceChildren(
      row(t.source, indicator.sources),
      row(t.reference, indicator.reference),
      row(t.licence, indicator.licence),
      row(t.method, indicator.method),
    );
  }
}

/** The choice the selectors show now. */
export function readControls(/** @type {Method} */ fallbackMethod) {
  const value = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ (byId(id)).value;
  const year = value('year-select');
  const method = METHODS.find((m) => m === value('method-select')) ?? fallbackMethod;
  return {
    indicator: value('indicator-select'),
    category: byId('category-field').hidden ? null : value('category-select') || null,
    year: year ? Number(year) : null,
    method,
  };
}

/** The communes each map has shaded, so that a commune absent from the next values is
 * cleared. @type {WeakMap<MaplibreMap, Set<string>>} */
const shaded = new WeakMap();

/**
 * Shades the communes: each commune with a value gets its class in feature state, every
 * other one none (drawn hatched, "not known here").
 * @param {MaplibreMap} map
 * @param {api.IndicatorValues} values
 * @param {Classes} classes
 */
export function applyToMap(map, values, classes) {
  // Every commune's state is overwritten, never removed first: MapLibre drops a falsy
  // value (class 0) set right after a removal of the whole source's state.
  const previous = shaded.get(map) ?? new Set();
  const now = new Set();
  for (const v of values.values) {
    const cls = v.value === null ? -1 : classOf(v.value, classes.bounds);
    map.setFeatureState({ source: 'communes', sourceLayer: 'communes', id: v.commune }, { cls, value: v.value });
    now.add(v.commune);
  }
  for (const id of previous) {
    if (!now.has(id)) map.setFeatureState({ source: 'communes', sourceLayer: 'communes', id }, { cls: -1, value: null });
  }
  shaded.set(map, now);
  map.setPaintProperty(LAYER.fill, 'fill-color', classColourExpression(coloursFor(classes.counts.length)));
}

/** @param {api.IndicatorValues} values @param {Method} method */
export function classesOf(values, method) {
  return classify(
    values.values.flatMap((v) => (v.value === null ? [] : [v.value])),
    method,
  );
}

/**
 * The legend: title, unit, one line per class with its bounds and number of communes,
 * "not known here" with its number and reasons.
 * @param {Lang} lang
 * @param {api.Indicator} indicator
 * @param {api.IndicatorValues} values
 * @param {Classes} classes
 * @param {(id: string) => string} categoryLabel
 */
export function renderLegend(lang, indicator, values, classes, categoryLabel) {
  const t = strings(lang);
  const parts = [indicator.name[lang]];
  if (values.category) parts.push(categoryLabel(values.category));
  parts.push(values.year ? String(values.year) : t.yearLatest);
  byId('legend-title').textContent = parts.join(' · ');
  const unit = unitLabel(lang, indicator.unit);
  byId('legend-unit').textContent = unit;

  const colours = coloursFor(classes.counts.length);
  const fmt = (/** @type {number} */ n) => formatValue(lang, n);
  const items = classes.counts.map((count, i) => {
    const lower = classes.bounds[i];
    const upper = classes.bounds[i + 1];
    const range = lower === upper ? fmt(lower) : `${fmt(lower)} – ${fmt(upper)}`;
    const swatch = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
    swatch.style.backgroundColor = colours[i];
    return el('li', {
      className: 'legend-class',
      attrs: { 'data-lower': String(lower), 'data-upper': String(upper), 'data-count': String(count) },
    }, [swatch, el('span', { className: 'legend-range', text: range }), el('span', { className: 'legend-count', text: t.legendCommunes(count) })]);
  });
  const noDataSwatch = el('span', { className: 'swatch swatch-no-data', attrs: { 'aria-hidden': 'true' } });
  items.push(el('li', { className: 'legend-no-data', attrs: { id: 'legend-no-data', 'data-count': String(values.no_data) } }, [
    noDataSwatch,
    el('span', { className: 'legend-range', text: t.legendNoData }),
    el('span', { className: 'legend-count', text: t.legendCommunes(values.no_data) }),
  ]));
  byId('legend-classes').replaceChildren(...items);
  byId('legend-equal').hidden = !(classes.counts.length === 1 && classes.bounds[0] === classes.bounds[1]);

  // Why values are missing: each reason once, with how many communes it explains.
  /** @type {Map<string, number>} */
  const reasons = new Map();
  for (const v of values.values) {
    if (v.value === null && v.no_data) reasons.set(v.no_data, (reasons.get(v.no_data) ?? 0) + 1);
  }
  const why = byId('legend-why');
  why.hidden = reasons.size === 0;
  byId('legend-why-list').replaceChildren(
    ...[...reasons.entries()].sort((a, b) => b[1] - a[1]).map(([reason, count]) => {
      const r = reasonText(lang, reason, categoryLabel);
      return el('li', {}, [el('span', { text: r.text, attrs: { lang: r.lang } }), ` (${t.legendCommunes(count)})`]);
    }),
  );
}
