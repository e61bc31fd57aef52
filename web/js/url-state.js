// @ts-check
// What a shared link restores: language, region, indicator, category, year, classes,
// selected commune, services date and hidden service groups in the query string; the
// map's position in the hash (#map=zoom/lat/lon, kept by MapLibre itself).

import { isLang } from './i18n/index.js';
import { METHODS } from './classify.js';

/** @typedef {import('./i18n/index.js').Lang} Lang */
/** @typedef {import('./classify.js').Method} Method */

/**
 * @typedef {object} ViewState
 * @property {Lang | null} lang
 * @property {string | null} region a region id; null for the default (the first loaded)
 * @property {string | null} indicator
 * @property {string | null} category
 * @property {number | null} year inventory year; null for the latest
 * @property {Method} method
 * @property {string | null} commune `BE-33011`
 * @property {string | null} date services that existed on this day, `YYYY-MM-DD`
 * @property {string[]} hiddenGroups service groups not drawn
 */

const COMMUNE_ID = /^(BE|FR)-[0-9A-Z]{5}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[a-z0-9_]{1,64}$/;
/** As the server's region ids: lower-case words joined by hyphens, at most 40 characters. */
const REGION = /^(?=.{1,40}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The view a URL asks for; anything malformed is ignored, never trusted. */
export function readState(/** @type {string} */ href) {
  const params = new URL(href).searchParams;
  const text = (/** @type {string} */ name, /** @type {RegExp} */ pattern) => {
    const value = params.get(name);
    return value !== null && pattern.test(value) ? value : null;
  };
  const year = Number(params.get('year'));
  const method = params.get('classes');
  const date = text('date', DATE);
  /** @type {ViewState} */
  const state = {
    lang: isLang(params.get('lang')) ? /** @type {Lang} */ (params.get('lang')) : null,
    region: text('region', REGION),
    indicator: text('indicator', ID),
    category: text('category', ID),
    year: Number.isInteger(year) && year >= 1800 && year <= 2200 ? year : null,
    method: METHODS.find((m) => m === method) ?? 'quantile',
    commune: text('commune', COMMUNE_ID),
    date: date && !Number.isNaN(Date.parse(date)) ? date : null,
    hiddenGroups: (params.get('hide') ?? '').split(',').filter((g) => ID.test(g)),
  };
  return state;
}

/** Writes the view into the address bar without a new history entry. */
export function writeState(/** @type {ViewState} */ state) {
  const url = new URL(window.location.href);
  const params = new URLSearchParams();
  if (state.lang) params.set('lang', state.lang);
  if (state.region) params.set('region', state.region);
  if (state.indicator) params.set('indicator', state.indicator);
  if (state.category) params.set('category', state.category);
  if (state.year) params.set('year', String(state.year));
  if (state.method !== 'quantile') params.set('classes', state.method);
  if (state.commune) params.set('commune', state.commune);
  if (state.date) params.set('date', state.date);
  if (state.hiddenGroups.length) params.set('hide', state.hiddenGroups.join(','));
  url.search = params.toString();
  window.history.replaceState(window.history.state, '', url.href);
}
