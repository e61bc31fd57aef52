// @ts-check
// A commune's profile in the side panel: identity, downloads, every indicator beside its
// arrondissement, country and region, the nearest services on both sides of the border,
// and its population and services over time.

import * as api from './api.js';
import { lineChart, yearOf } from './charts.js';
import { el, byId } from './dom.js';
import { communeName, countryName, formatDistance, formatNumber, formatValue, reasonText, strings, unitLabel } from './i18n/index.js';
import { GROUP_COLOURS, OTHER_GROUP_COLOUR } from './map-style.js';

/** @typedef {import('./i18n/index.js').Lang} Lang */
/** @typedef {{label: (id: string) => string, group: (id: string) => string | null}} Taxonomy */

/**
 * @param {Lang} lang
 * @param {api.Profile} p
 * @param {api.Indicator[]} indicators
 * @param {Taxonomy} taxonomy
 * @param {string | null} openIndicator the indicator the map shows, opened first
 */
export function renderProfile(lang, p, indicators, taxonomy, openIndicator) {
  const t = strings(lang);
  const panel = byId('profile');
  panel.hidden = false;
  panel.dataset.commune = p.id;
  panel.setAttribute('lang', lang);

  const names = communeName(p, lang);
  const title = byId('profile-name');
  title.replaceChildren(el('span', { text: names.primary }));
  if (names.alt) title.append(el('span', { className: 'alt-name', text: ` / ${names.alt}`, attrs: names.altLang ? { lang: names.altLang } : {} }));

  const country = countryName(lang, p.country);
  const code = /** @type {Record<string, string>} */ (t.profileCode)[p.country] ?? p.country;
  /** @type {[string, string][]} */
  const facts = [[code, p.code], [t.serviceCountry, country]];
  const arr = p.arrondissement;
  if (arr.code) facts.push([t.profileArrondissement, (lang === 'nl' ? arr.nl : arr.fr) ?? arr.fr ?? arr.nl ?? arr.code]);
  if (p.intercommunality) facts.push([t.profileIntercommunality, p.intercommunality.name]);
  facts.push([t.profilePopulation, p.population === null ? t.notKnownHere : `${formatNumber(lang, p.population)}${p.population_year ? ` (${p.population_year})` : ''}`]);
  if (p.area_km2 !== null) facts.push([t.profileArea, `${formatNumber(lang, p.area_km2, 1)} km²`]);
  byId('profile-facts').replaceChildren(...facts.map(([k, v]) => el('div', {}, [el('dt', { text: k }), el('dd', { text: v })])));

  const links = api.communeExports(p.id);
  /** @type {[keyof typeof links, string, string][]} */
  const downloads = [
    ['communeCsv', t.downloadCommuneCsv, `${p.id}.csv`],
    ['communeGeojson', t.downloadCommuneGeojson, `${p.id}.geojson`],
    ['servicesCsv', t.downloadServicesCsv, `${p.id}-services.csv`],
    ['servicesGeojson', t.downloadServicesGeojson, `${p.id}-services.geojson`],
  ];
  byId('profile-downloads').replaceChildren(
    ...downloads.map(([key, label, file]) => el('li', {}, [el('a', { text: label, attrs: { href: links[key], download: file, 'data-export': key } })])),
  );

  renderIndicators(lang, p, indicators, taxonomy, openIndicator);
  renderNearest(lang, p, taxonomy);
  renderCharts(lang, p, taxonomy);
}

/**
 * @param {Lang} lang
 * @param {api.Profile} p
 * @param {api.Indicator[]} indicators
 * @param {Taxonomy} taxonomy
 * @param {string | null} openIndicator
 */
function renderIndicators(lang, p, indicators, taxonomy, openIndicator) {
  const t = strings(lang);
  /** @type {Map<string, api.ProfileIndicator[]>} */
  const rows = new Map();
  for (const row of p.indicators) rows.set(row.indicator, [...(rows.get(row.indicator) ?? []), row]);
  const ordered = [...indicators].sort((a, b) => (a.id === openIndicator ? -1 : b.id === openIndicator ? 1 : a.name[lang].localeCompare(b.name[lang], t.locale)));
  const sections = ordered.filter((i) => rows.has(i.id)).map((indicator) => {
    const unit = unitLabel(lang, indicator.unit);
    const value = (/** @type {number | null} */ v) => (v === null ? '–' : formatValue(lang, v));
    // The intercommunality's mean beside the arrondissement's, for a commune that has one.
    const epci = p.intercommunality !== null;
    const columns = [t.profileColValue, t.profileColArrondissement, ...(epci ? [t.profileColIntercommunality] : []), t.profileColCountry, t.profileColRegion];
    const head = el('tr', {}, [
      el('th', { text: indicator.per_category ? t.categoryLabel : '', attrs: { scope: 'col' } }),
      ...columns.map((h) => el('th', { text: h, attrs: { scope: 'col' } })),
    ]);
    const body = (rows.get(indicator.id) ?? [])
      .sort((a, b) => taxonomy.label(a.category ?? '').localeCompare(taxonomy.label(b.category ?? ''), t.locale))
      .map((r) => {
        let own;
        if (r.value === null) {
          const reason = r.no_data ? reasonText(lang, r.no_data, taxonomy.label) : null;
          own = el('td', { className: 'value not-known', attrs: { colspan: String(columns.length) } }, [
            el('span', { text: t.notKnownHere }),
            ...(reason ? [el('span', { className: 'reason', text: ` — ${reason.text}`, attrs: { lang: reason.lang } })] : []),
          ]);
          return el('tr', { attrs: { 'data-indicator': r.indicator, 'data-category': r.category ?? '' } }, [
            el('th', { text: r.category ? taxonomy.label(r.category) : '', attrs: { scope: 'row' } }),
            own,
          ]);
        }
        own = el('td', { className: 'value', text: value(r.value), attrs: { 'data-value': String(r.value) } });
        if (r.rank) own.title = t.profileRank(r.rank, r.ranked);
        return el('tr', { attrs: { 'data-indicator': r.indicator, 'data-category': r.category ?? '' } }, [
          el('th', { text: r.category ? taxonomy.label(r.category) : '', attrs: { scope: 'row' } }),
          own,
          el('td', { text: value(r.arrondissement_mean) }),
          ...(epci ? [el('td', { text: value(r.intercommunality_mean) })] : []),
          el('td', { text: value(r.country_mean) }),
          el('td', { text: value(r.region_mean) }),
        ]);
      });
    const details = el('details', { className: 'profile-indicator', attrs: { 'data-indicator': indicator.id } }, [
      el('summary', {}, [el('span', { text: indicator.name[lang] }), el('span', { className: 'unit', text: ` (${unit})` })]),
      el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]),
    ]);
    details.open = indicator.id === openIndicator;
    return details;
  });
  byId('profile-indicators').replaceChildren(...sections);
}

/** @param {Lang} lang @param {api.Profile} p @param {Taxonomy} taxonomy */
function renderNearest(lang, p, taxonomy) {
  const t = strings(lang);
  /** @type {Map<string, {any?: api.ProfileNearest, national?: api.ProfileNearest}>} */
  const byCategory = new Map();
  for (const n of p.nearest) byCategory.set(n.category, { ...byCategory.get(n.category), [n.scope]: n });
  const items = [...byCategory.entries()]
    .sort((a, b) => taxonomy.label(a[0]).localeCompare(taxonomy.label(b[0]), t.locale))
    .map(([category, scopes]) => {
      const line = (/** @type {api.ProfileNearest} */ n, /** @type {string} */ scope) =>
        el('span', { className: `nearest-${n.scope}`, attrs: { 'data-scope': n.scope, 'data-country': n.service.country, 'data-distance': String(n.distance_m) } }, [
          `${formatDistance(lang, n.distance_m)} (${countryName(lang, n.service.country)}, ${scope})`,
          ...(n.service.name ? [el('span', { className: 'nearest-name', text: ` — ${n.service.name}` })] : []),
        ]);
      const parts = [];
      if (scopes.any) parts.push(line(scopes.any, t.profileScopeAny));
      // Within the own country only when the nearest overall lies across the border.
      if (scopes.national && scopes.any?.service.id !== scopes.national.service.id) parts.push(line(scopes.national, t.profileScopeNational));
      return el('li', { attrs: { 'data-category': category } }, [el('strong', { text: taxonomy.label(category) }), ...parts]);
    });
  byId('profile-nearest').replaceChildren(...(items.length ? items : [el('li', { text: t.profileNoNearest })]));
}

/** @param {Lang} lang @param {api.Profile} p @param {Taxonomy} taxonomy */
function renderCharts(lang, p, taxonomy) {
  const t = strings(lang);
  const population = p.population_series.map((s) => ({ x: s.year, y: s.population }));
  byId('profile-population-chart').replaceChildren(
    population.length ? lineChart({ lang, title: t.profilePopulationChart, series: [{ label: t.profilePopulation, colour: '#2c7fb8', points: population }] }) : el('p', { text: t.profileNoSeries }),
  );

  /** @type {Map<string, import('./charts.js').Series>} */
  const series = new Map();
  for (const s of p.services_series) {
    const key = `${s.category}|${s.form}`;
    const group = taxonomy.group(s.category);
    const colour = (group && /** @type {Record<string, string>} */ (GROUP_COLOURS)[group]) || OTHER_GROUP_COLOUR;
    const label = s.form === 'counts' ? `${taxonomy.label(s.category)} (${t.profileServicesCounts})` : taxonomy.label(s.category);
    const entry = series.get(key) ?? { label, colour, points: [], dashed: s.form === 'counts' };
    entry.points.push({ x: yearOf(s.date), y: s.count });
    series.set(key, entry);
  }
  const all = [...series.values()];
  const legend = el('ul', { className: 'chart-legend' }, all.map((s) => {
    const dot = el('span', { className: 'group-dot', attrs: { 'aria-hidden': 'true' } });
    dot.style.backgroundColor = s.colour;
    const last = s.points[s.points.length - 1];
    return el('li', {}, [dot, `${s.label}: ${formatNumber(lang, last.y)}`]);
  }));
  byId('profile-services-chart').replaceChildren(
    ...(all.length ? [lineChart({ lang, title: t.profileServicesChart, series: all, yFromZero: true }), legend] : [el('p', { text: t.profileNoSeries })]),
  );
}
