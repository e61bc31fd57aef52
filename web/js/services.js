// @ts-check
// The services layer: one toggle per taxonomy group (with its categories listed), a date
// that keeps the services known to exist on that day, and a popup per service with its
// category, sources, dates and licence.

import * as api from './api.js';
import { el, byId } from './dom.js';
import { countryName, strings } from './i18n/index.js';
import { GROUP_COLOURS, groupFilter, LAYER, OTHER_GROUP_COLOUR } from './map-style.js';

/** @typedef {import('./i18n/index.js').Lang} Lang */

/** The services TileJSON, for one day or for all. */
export function servicesTileJsonUrl(/** @type {string | null} */ date) {
  const url = new URL('/tiles/services.json', window.location.href);
  if (date) url.searchParams.set('date', date);
  return url.href;
}

/** The days the services are known over (the OGC collection's temporal extent). */
export async function servicesPeriod() {
  try {
    const response = await fetch('/ogc/collections/services', { headers: { Accept: 'application/json' } });
    if (!response.ok) return null;
    const body = await response.json();
    const interval = body?.extent?.temporal?.interval?.[0];
    if (!Array.isArray(interval)) return null;
    const day = (/** @type {unknown} */ v) => (typeof v === 'string' ? v.slice(0, 10) : null);
    return { start: day(interval[0]), end: day(interval[1]) };
  } catch {
    return null;
  }
}

/**
 * The group toggles, each with its colour and categories.
 * @param {Lang} lang
 * @param {api.Group[]} groups
 * @param {Set<string>} hidden
 * @param {(hidden: Set<string>) => void} onChange
 */
export function renderGroupToggles(lang, groups, hidden, onChange) {
  const list = byId('service-groups');
  list.replaceChildren(
    ...groups.map((group) => {
      const input = el('input', { attrs: { type: 'checkbox', 'data-group': group.id, id: `group-${group.id}` } });
      input.checked = !hidden.has(group.id);
      input.addEventListener('change', () => {
        if (input.checked) hidden.delete(group.id);
        else hidden.add(group.id);
        onChange(hidden);
      });
      const dot = el('span', { className: 'group-dot', attrs: { 'aria-hidden': 'true' } });
      dot.style.backgroundColor = /** @type {Record<string, string>} */ (GROUP_COLOURS)[group.id] ?? OTHER_GROUP_COLOUR;
      const categories = group.categories.map((c) => c.label[lang]).join(', ');
      return el('li', {}, [
        input,
        el('label', { attrs: { for: `group-${group.id}` } }, [dot, group.label[lang]]),
        el('span', { className: 'group-categories', text: categories }),
      ]);
    }),
  );
}

/**
 * Shows only the groups not hidden.
 * @param {import('maplibre-gl').Map} map
 * @param {api.Group[]} groups
 * @param {Set<string>} hidden
 */
export function applyGroups(map, groups, hidden) {
  map.setFilter(LAYER.services, groupFilter(groups.map((g) => g.id).filter((id) => !hidden.has(id))));
}

/**
 * A service's popup content, from its tile properties (text only, never markup).
 * @param {Lang} lang
 * @param {Record<string, unknown>} props
 * @param {Map<string, api.Source>} sources
 */
export function servicePopup(lang, props, sources) {
  const t = strings(lang);
  const text = (/** @type {string} */ key) => {
    const v = props[key];
    return v === null || v === undefined || v === '' ? null : String(v);
  };
  const root = el('div', { className: 'service-popup', attrs: { lang } });
  root.append(el('h2', { className: 'service-name', text: text('name') ?? t.serviceUnnamed }));
  const dl = el('dl', { className: 'facts' });
  const row = (/** @type {string} */ label, /** @type {string | Node} */ value) => dl.append(el('div', {}, [el('dt', { text: label }), el('dd', {}, [value])]));
  row(t.serviceCategory, text(`label_${lang}`) ?? text('category') ?? t.notKnown);
  const country = text('country');
  if (country) row(t.serviceCountry, countryName(lang, country));
  row(t.serviceFirstSeen, text('first_seen') ?? t.notKnown);
  row(t.serviceLastSeen, text('last_seen') ?? t.notKnown);
  const ids = (text('sources') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const list = el('ul', { className: 'service-sources' });
  for (const id of ids) {
    const s = sources.get(id);
    list.append(el('li', {}, s ? [el('span', { text: s.title }), ` — ${s.publisher} (${t.licence}: ${s.licence})`] : [id]));
  }
  row(t.serviceSources, list);
  root.append(dl);
  if (props.closure_candidate === true || props.closure_candidate === 'true') {
    root.append(el('p', { className: 'closure-candidate', text: t.serviceClosureCandidate }));
  }
  return root;
}
