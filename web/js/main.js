// @ts-check
// The atlas page: wires the map, the region, the indicator choropleth, the services, the
// commune profile, the search and the URL together. Each concern lives in its own module.
//
// MapLibre GL JS is loaded beforehand as a classic script from /vendor/maplibre-gl/ and
// exposes `window.maplibregl`. Nothing is loaded from outside this server unless the
// installation names an external basemap in web/config.json.

import * as api from './api.js';
import * as choropleth from './choropleth.js';
import { byId, el } from './dom.js';
import { initialLanguage, LANGUAGES, rememberLanguage, strings } from './i18n/index.js';
import { createAtlasMap, fitBox, labelControls, loadBasemap, RegionControl } from './atlas-map.js';
import { LAYER, labelText, showRegion } from './map-style.js';
import { createParticipation } from './participate/panel.js';
import { renderProfile } from './profile.js';
import { wireSearch } from './search.js';
import * as services from './services.js';
import { readState, writeState } from './url-state.js';

/** @typedef {import('./i18n/index.js').Lang} Lang */
/** @typedef {import('maplibre-gl').Map} MaplibreMap */

const maplibregl = window.maplibregl;

const view = readState(window.location.href);
/** Whether the link gave a position (#map=…), which then wins over fitting a commune. */
const linkHasPosition = /[#&]map=/.test(window.location.hash);
/** Asked for at once: the map opens on the chosen region. */
const regionsRequest = api.regions();
const page = {
  lang: initialLanguage(view.lang),
  /** @type {api.Region[]} */
  regions: [],
  /** The region shown: the link's, else the first loaded; null when none is loaded. @type {string | null} */
  region: /** @type {string | null} */ (null),
  /** @type {MaplibreMap | null} */
  map: null,
  /** @type {api.Indicator[]} */
  indicators: [],
  /** @type {api.Group[]} */
  groups: [],
  /** @type {Map<string, {label: api.Label, group: string}>} */
  categories: new Map(),
  /** @type {Map<string, api.Source>} */
  sources: new Map(),
  /** @type {choropleth.Choice | null} */
  choice: null,
  /** @type {{values: api.IndicatorValues, classes: import('./classify.js').Classes} | null} */
  shown: null,
  /** @type {api.Profile | null} */
  profile: null,
  /** The commune opened (its profile may still be on its way). */
  commune: view.commune,
  hiddenGroups: new Set(view.hiddenGroups),
  date: view.date,
  /** @type {import('maplibre-gl').Popup | null} */
  popup: null,
  /** Kept once the map's style is parsed and its sources exist. */
  styleLoaded: Promise.resolve(),
};

/** What the browser tests read: the map, whether it is ready, and what went wrong. */
const observatory = {
  /** @type {MaplibreMap | null} */
  map: null,
  ready: false,
  /** Milliseconds from the page's start until the first frame with communes in it. */
  firstFrameAt: 0,
  /** Milliseconds from the page's start until every tile, label and glyph was drawn. */
  readyAt: 0,
  /** Milliseconds from the page's start until the first choropleth was applied. */
  shadedAt: 0,
  /** @type {string[]} */
  errors: [],
  layers: { ...LAYER },
  get lang() {
    return page.lang;
  },
};
/** @type {any} */ (window).__observatory = observatory;

const categoryLabel = (/** @type {string} */ id) => page.categories.get(id)?.label[page.lang] ?? id;
const taxonomy = { label: categoryLabel, group: (/** @type {string} */ id) => page.categories.get(id)?.group ?? null };

// "Take part": the citizen's forms, their layers and what residents said in the profile.
const participation = createParticipation({
  lang: () => page.lang,
  map: () => page.map,
  styleLoaded: () => page.styleLoaded,
  groups: () => page.groups,
  categoryLabel,
  showPopup: (content, at) => showPopup(content, at),
  error: (message) => {
    observatory.errors.push(message);
    console.warn('participation:', message);
  },
});

function saveUrl() {
  writeState({
    lang: page.lang,
    // the first region is the default: links without one keep opening it
    region: page.region !== (page.regions[0]?.id ?? null) ? page.region : null,
    indicator: page.choice?.indicator ?? null,
    category: page.choice?.category ?? null,
    year: page.choice?.year ?? null,
    method: page.choice?.method ?? 'quantile',
    commune: page.commune,
    date: page.date,
    hiddenGroups: [...page.hiddenGroups].sort(),
  });
}

// --- status line -----------------------------------------------------------------

/** @param {'loading' | 'loadError' | 'apiError' | 'noWebgl' | null} key */
function setStatus(key) {
  const status = byId('status');
  status.hidden = key === null;
  status.dataset.key = key ?? '';
  status.textContent = key ? strings(page.lang)[key] : '';
  status.classList.toggle('status-error', key !== null && key !== 'loading');
}

// --- language --------------------------------------------------------------------

function applyStaticStrings() {
  const t = /** @type {Record<string, unknown>} */ (strings(page.lang));
  document.documentElement.lang = page.lang;
  document.title = String(t.title);
  /** @type {[string, string, (node: Element, text: string) => void][]} */
  const bindings = [
    ['data-i18n', 'i18n', (node, text) => { node.textContent = text; }],
    ['data-i18n-aria-label', 'i18nAriaLabel', (node, text) => node.setAttribute('aria-label', text)],
    ['data-i18n-placeholder', 'i18nPlaceholder', (node, text) => node.setAttribute('placeholder', text)],
  ];
  for (const [attribute, key, set] of bindings) {
    for (const node of document.querySelectorAll(`[${attribute}]`)) {
      const text = t[/** @type {HTMLElement} */ (node).dataset[key] ?? ''];
      if (typeof text === 'string') set(node, text);
    }
  }
  for (const button of document.querySelectorAll('#lang-switch [data-lang]')) {
    button.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (button).dataset.lang === page.lang));
  }
  const status = byId('status');
  if (status.dataset.key) status.textContent = String(t[status.dataset.key]);
}

function setLanguage(/** @type {Lang} */ lang) {
  page.lang = lang;
  rememberLanguage(lang);
  applyStaticStrings();
  relabelMapControls();
  if (page.map?.getLayer(LAYER.labels)) page.map.setLayoutProperty(LAYER.labels, 'text-field', labelText(lang));
  renderIndicatorPanel();
  renderServicesPanel();
  renderRegion();
  if (page.profile) renderProfile(lang, page.profile, page.indicators, taxonomy, page.choice?.indicator ?? null);
  participation.relabel();
  page.popup?.remove();
  saveUrl();
}

// --- indicator -------------------------------------------------------------------

function renderIndicatorPanel() {
  if (!page.choice || page.indicators.length === 0) return;
  choropleth.renderControls(page.lang, page.indicators, page.choice, categoryLabel);
  const indicator = page.indicators.find((i) => i.id === page.choice?.indicator);
  // The legend waits for the chosen values: the previous ones under the new title would mislead.
  const shown = page.shown;
  const current = shown && shown.values.indicator === page.choice.indicator
    && shown.values.category === page.choice.category && shown.values.year === page.choice.year
    && shown.values.region === page.region;
  if (indicator && shown && current) choropleth.renderLegend(page.lang, indicator, shown.values, shown.classes, categoryLabel);
}

/** @type {Map<string, Promise<api.IndicatorValues>>} */
const valuesCache = new Map();
let showing = 0;

/** The chosen values, of the region shown; `key` names the choice (the page's
 * data-choropleth), the region apart (data-region).
 * @param {{indicator: string, category: string | null, year: number | null}} choice */
function fetchValues(choice) {
  const key = `${choice.indicator}|${choice.category ?? ''}|${choice.year ?? ''}`;
  const cached = `${key}|${page.region ?? ''}`;
  let request = valuesCache.get(cached);
  if (!request) {
    request = api.indicatorValues(choice.indicator, choice.category, choice.year, page.region);
    valuesCache.set(cached, request);
    request.catch(() => valuesCache.delete(cached));
  }
  return { key, request };
}

/** Loads the chosen indicator's values, classes them and shades the map. */
async function showChoice(/** @type {choropleth.Choice} */ choice) {
  page.choice = choice;
  saveUrl();
  renderIndicatorPanel();
  const ticket = ++showing;
  const { key, request } = fetchValues(choice);
  let values;
  try {
    values = await request;
  } catch (err) {
    observatory.errors.push(String(err));
    setStatus('apiError');
    return;
  }
  if (ticket !== showing) return; // a later choice won
  const classes = choropleth.classesOf(values, choice.method);
  page.shown = { values, classes };
  renderIndicatorPanel();
  const map = page.map;
  if (!map) return;
  await page.styleLoaded;
  if (ticket !== showing) return;
  choropleth.applyToMap(map, values, classes);
  document.documentElement.dataset.choroplethRegion = values.region ?? '';
  document.documentElement.dataset.choropleth = `${key}|${choice.method}`;
  if (!observatory.shadedAt) observatory.shadedAt = performance.now();
}

function wireIndicatorControls() {
  for (const id of ['indicator-select', 'category-select', 'year-select', 'method-select']) {
    byId(id).addEventListener('change', () => {
      const wanted = choropleth.readControls(page.choice?.method ?? 'quantile');
      // A new indicator keeps the category and year when it has them.
      showChoice(choropleth.settleChoice(page.indicators, wanted));
    });
  }
}

// --- region ----------------------------------------------------------------------

/** @type {RegionControl | null} */
let regionControl = null;

/** The chooser on the map and the region's downloads in the panel. */
function renderRegion() {
  regionControl?.render(page.lang, page.regions, page.region);
  byId('legend-other-region').hidden = page.regions.length < 2;
  const block = byId('region-downloads-block');
  block.hidden = page.region === null;
  if (page.region === null) return;
  const t = strings(page.lang);
  const links = api.regionExports(page.region);
  /** @type {[keyof typeof links, string][]} */
  const downloads = [
    ['communesCsv', t.downloadRegionCommunesCsv],
    ['communesGeojson', t.downloadRegionCommunesGeojson],
    ['servicesCsv', t.downloadServicesCsv],
    ['servicesGeojson', t.downloadServicesGeojson],
  ];
  byId('region-downloads').replaceChildren(
    ...downloads.map(([key, label]) => el('li', {}, [el('a', { text: label, attrs: { href: links[key], download: '', 'data-export': key } })])),
  );
}

/** Shows another region: the map fits it, and the choropleth, its legend and classes,
 * the search and the downloads keep to its communes. */
function chooseRegion(/** @type {string} */ id) {
  const region = page.regions.find((r) => r.id === id);
  if (!region || id === page.region) return;
  page.region = id;
  document.documentElement.dataset.region = id;
  renderRegion();
  const map = page.map;
  if (map) {
    const box = region.view ?? region.bbox;
    if (box) fitBox(map, box);
    page.styleLoaded.then(() => showRegion(map, id));
  }
  if (page.choice) showChoice(page.choice);
  else saveUrl();
}

// --- services --------------------------------------------------------------------

function renderServicesPanel() {
  if (page.groups.length === 0) return;
  services.renderGroupToggles(page.lang, page.groups, page.hiddenGroups, () => {
    if (page.map) services.applyGroups(page.map, page.groups, page.hiddenGroups);
    saveUrl();
  });
}

function wireServicesDate() {
  const input = /** @type {HTMLInputElement} */ (byId('service-date'));
  input.value = page.date ?? '';
  const apply = () => {
    const value = input.value && !Number.isNaN(Date.parse(input.value)) ? input.value : null;
    page.date = value;
    const source = page.map?.getSource('services');
    if (source && 'setUrl' in source) /** @type {import('maplibre-gl').VectorTileSource} */ (source).setUrl(services.servicesTileJsonUrl(value));
    document.documentElement.dataset.servicesDate = value ?? '';
    saveUrl();
  };
  input.addEventListener('change', apply);
  byId('service-date-clear').addEventListener('click', () => {
    input.value = '';
    apply();
  });
  services.servicesPeriod().then((period) => {
    if (period?.start) input.min = period.start;
    if (period?.end) input.max = period.end;
  });
}

// --- commune profile -------------------------------------------------------------

let profileTicket = 0;

/**
 * Opens a commune's profile and outlines it.
 * @param {string} id
 * @param {{fit?: boolean}} [options]
 */
async function openCommune(id, { fit = false } = {}) {
  const ticket = ++profileTicket;
  page.commune = id;
  const panel = byId('profile');
  panel.hidden = false;
  panel.setAttribute('aria-busy', 'true');
  page.map?.setFilter(LAYER.selected, ['==', ['get', 'id'], id]);
  let p;
  try {
    p = await api.profile(id);
  } catch (err) {
    if (ticket !== profileTicket) return;
    observatory.errors.push(String(err));
    panel.removeAttribute('aria-busy');
    closeProfile();
    setStatus('apiError');
    return;
  }
  if (ticket !== profileTicket) return;
  page.profile = p;
  renderProfile(page.lang, p, page.indicators, taxonomy, page.choice?.indicator ?? null);
  participation.communeOpened(p);
  panel.removeAttribute('aria-busy');
  document.documentElement.dataset.profile = p.id;
  if (fit && page.map) page.map.fitBounds([[p.bbox[0], p.bbox[1]], [p.bbox[2], p.bbox[3]]], { padding: 40, maxZoom: 12, duration: 0 });
  saveUrl();
}

function closeProfile() {
  profileTicket += 1;
  page.profile = null;
  page.commune = null;
  byId('profile').hidden = true;
  participation.communeClosed();
  delete document.documentElement.dataset.profile;
  page.map?.setFilter(LAYER.selected, ['==', ['get', 'id'], '']);
  saveUrl();
}

// --- map -------------------------------------------------------------------------

/**
 * @param {Record<string, unknown>} props
 * @param {import('maplibre-gl').LngLat} at
 */
function showServicePopup(props, at) {
  showPopup(services.servicePopup(page.lang, props, page.sources), at);
}

/** One popup at a time, built as DOM (never markup). */
function showPopup(/** @type {Node} */ content, /** @type {import('maplibre-gl').LngLatLike} */ at) {
  if (!page.map) return;
  page.popup?.remove();
  page.popup = new maplibregl.Popup({ className: 'observatory-popup', maxWidth: '320px', focusAfterOpen: true })
    .setLngLat(at)
    .setDOMContent(content)
    .addTo(page.map);
  relabelMapControls();
}

function relabelMapControls() {
  if (page.map) labelControls(page.map, page.lang);
}

// --- start -----------------------------------------------------------------------

async function loadReferences() {
  const [indicators, taxonomy, sources] = await Promise.all([api.indicators(), api.categories(), api.sources()]);
  page.indicators = indicators;
  page.groups = taxonomy.groups;
  for (const g of taxonomy.groups) for (const c of g.categories) page.categories.set(c.id, { label: c.label, group: g.id });
  for (const s of sources) page.sources.set(s.id, s);
}

async function start() {
  for (const button of document.querySelectorAll('#lang-switch [data-lang]')) {
    const lang = /** @type {HTMLElement} */ (button).dataset.lang;
    button.addEventListener('click', () => {
      const chosen = LANGUAGES.find((l) => l === lang);
      if (chosen) setLanguage(chosen);
    });
  }
  byId('profile-close').addEventListener('click', closeProfile);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && page.popup?.isOpen()) page.popup.remove();
  });
  applyStaticStrings();
  setStatus('loading');
  wireIndicatorControls();
  wireServicesDate();
  wireSearch(() => page.lang, (match) => openCommune(match.id, { fit: true }), { region: () => page.region });
  if (window.matchMedia('(max-width: 719px)').matches) {
    for (const d of document.querySelectorAll('#panel details[data-collapse-small]')) /** @type {HTMLDetailsElement} */ (d).open = false;
  }

  const references = loadReferences();
  try {
    page.regions = await regionsRequest;
  } catch (err) {
    // the map still opens, on every commune
    observatory.errors.push(String(err));
  }
  page.region = (page.regions.find((r) => r.id === view.region) ?? page.regions[0])?.id ?? null;
  if (page.region) document.documentElement.dataset.region = page.region;
  renderRegion();
  const shownRegion = page.regions.find((r) => r.id === page.region);
  // The first values are asked for at once, beside the references: what the link names,
  // or the default indicator (settleChoice later checks the choice against the list).
  if (!view.indicator || view.category) {
    fetchValues(view.indicator
      ? { indicator: view.indicator, category: view.category, year: view.year }
      : { indicator: choropleth.DEFAULT_INDICATOR.id, category: choropleth.DEFAULT_INDICATOR.category, year: null });
  }
  if (!maplibregl) {
    setStatus('noWebgl');
    observatory.errors.push('maplibre-gl not loaded');
  } else {
    try {
      const created = createAtlasMap({
        lang: page.lang,
        servicesUrl: services.servicesTileJsonUrl(page.date),
        bounds: linkHasPosition ? null : shownRegion?.view ?? shownRegion?.bbox ?? 'data',
        hooks: {
          onClick: (e) => participation.handleClick(e),
          onCommune: (id) => openCommune(id),
          onService: showServicePopup,
          onLoad: () => {
            relabelMapControls();
            if (page.map && page.groups.length) services.applyGroups(page.map, page.groups, page.hiddenGroups);
          },
          onFirstCommunes: () => {
            observatory.firstFrameAt = performance.now();
          },
          onReady: () => {
            observatory.ready = true;
            observatory.readyAt = performance.now();
            document.documentElement.dataset.mapReady = 'true';
            if (byId('status').dataset.key === 'loading') setStatus(null);
          },
          onError: (message) => {
            observatory.errors.push(message);
            console.warn('map:', message);
            if (!observatory.ready) setStatus('loadError');
          },
        },
      });
      page.map = created.map;
      page.styleLoaded = created.styleLoaded;
      observatory.map = page.map;
      regionControl = new RegionControl(chooseRegion);
      page.map.addControl(regionControl, 'top-right');
      renderRegion();
      const map = page.map;
      page.styleLoaded.then(() => showRegion(map, page.region));
      loadBasemap(page.map, page.styleLoaded).then((problem) => {
        if (problem) observatory.errors.push(problem);
      });
    } catch (err) {
      // Most often: WebGL is not available.
      setStatus('noWebgl');
      observatory.errors.push(String(err));
    }
  }

  try {
    await references;
  } catch (err) {
    observatory.errors.push(String(err));
    setStatus('apiError');
    return;
  }
  renderServicesPanel();
  participation.start();
  if (page.map?.isStyleLoaded()) services.applyGroups(page.map, page.groups, page.hiddenGroups);
  if (page.indicators.length) {
    await showChoice(choropleth.settleChoice(page.indicators, view));
  }
  if (view.commune) openCommune(view.commune, { fit: !linkHasPosition });
}

start();
