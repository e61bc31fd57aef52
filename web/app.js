// Westhoek Observatory — map page.
//
// Plain ES module, no bundler. MapLibre GL JS is loaded beforehand as a
// classic script from /vendor/maplibre-gl/ and exposes `window.maplibregl`.
// The page loads nothing from outside its own server: no basemap, no glyphs,
// no sprite. Commune names are shown in a popup, never as map labels.
//
// Tile properties are data, not markup: everything taken from a tile is put
// in the page with textContent / DOM nodes only.

const maplibregl = window.maplibregl;

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/** Initial view: the Westhoek and French Flanders. [[west, south], [east, north]] */
const REGION_BOUNDS = [[2.0, 50.0], [3.8, 51.4]];

/** Upper bounds (exclusive) of the density classes, inhabitants per km². */
const DENSITY_BREAKS = [50, 100, 250, 500, 1000, 2500];

/** One colour per class: DENSITY_BREAKS.length + 1 colours, light to dark. */
const DENSITY_COLOURS = [
  '#ffffd4',
  '#fee391',
  '#fec44f',
  '#fe9929',
  '#ec7014',
  '#cc4c02',
  '#8c2d04',
];

const COLOURS = {
  background: '#e8edf1', // outside the communes: sea, other regions
  noData: '#d6d6d6', // communes without a known density
  noDataHatch: '#9e9e9e',
  outline: '#4a5260',
  hover: '#1f2937',
  selected: '#0b3d91',
  border: '#1d2433',
  borderCasing: '#ffffff',
};

const LAYER = {
  background: 'background',
  fill: 'communes-fill',
  noData: 'communes-no-data',
  outline: 'communes-outline',
  hover: 'communes-hover',
  selected: 'communes-selected',
  borderCasing: 'borders-casing',
  border: 'borders-line',
  arrondissement: 'borders-arrondissements',
  services: 'services-points',
};

/** Services are drawn as points from this zoom on, coloured by taxonomy group. */
const SERVICES_MIN_ZOOM = 10;
const GROUP_COLOURS = [
  'match', ['get', 'group'],
  'health', '#d62728',
  'education', '#1f77b4',
  'shops', '#ff7f0e',
  'public_services', '#9467bd',
  'mobility', '#2ca02c',
  'finance', '#8c564b',
  '#555555',
];
const IS_NATIONAL_BORDER = ['==', ['get', 'kind'], 'national'];

const NO_DATA_PATTERN = 'no-data-hatch';
const LANGUAGES = ['nl', 'fr', 'en'];
const STORAGE_KEY = 'westhoek-observatory.lang';

// ---------------------------------------------------------------------------
// Every string the interface shows, per language.
// ---------------------------------------------------------------------------

const I18N = {
  nl: {
    locale: 'nl-BE',
    subtitle: 'Gemeenten van de Westhoek en Frans-Vlaanderen',
    languageGroup: 'Taal',
    legendTitle: 'Bevolkingsdichtheid (inw./km²)',
    legendNotKnown: 'niet bekend',
    legendBorder: 'Landsgrens (België–Frankrijk)',
    legendOutline: 'Gemeentegrens',
    hint: 'Klik op een gemeente voor haar cijfers. Met de kaart in focus verschuift u met de pijltjestoetsen; Enter toont de gemeente in het midden.',
    loading: 'De kaart wordt geladen…',
    loadError: 'De kaartgegevens konden niet worden geladen.',
    noWebgl: 'Deze kaart vereist WebGL, dat in deze browser niet beschikbaar is.',
    mapLabel: 'Kaart van de bevolkingsdichtheid per gemeente',
    mapCanvas: 'Kaart',
    zoomIn: 'Inzoomen',
    zoomOut: 'Uitzoomen',
    resetBearing: 'Noorden boven',
    closePopup: 'Sluiten',
    toggleAttribution: 'Bronvermelding tonen of verbergen',
    code: 'Code',
    codeBE: 'NIS-code',
    codeFR: 'INSEE-code',
    country: 'Land',
    countries: { BE: 'België', FR: 'Frankrijk' },
    population: 'Inwoners',
    area: 'Oppervlakte',
    density: 'Dichtheid',
    densityUnit: 'inw./km²',
    notKnownHere: 'hier niet bekend',
    notKnown: 'niet bekend',
  },
  fr: {
    locale: 'fr-BE',
    subtitle: 'Communes du Westhoek et de la Flandre française',
    languageGroup: 'Langue',
    legendTitle: 'Densité de population (hab./km²)',
    legendNotKnown: 'inconnue',
    legendBorder: 'Frontière nationale (Belgique–France)',
    legendOutline: 'Limite communale',
    hint: 'Cliquez sur une commune pour voir ses chiffres. Carte active, les flèches la déplacent et Entrée montre la commune au centre.',
    loading: 'Chargement de la carte…',
    loadError: 'Les données de la carte n’ont pas pu être chargées.',
    noWebgl: 'Cette carte demande WebGL, qui n’est pas disponible dans ce navigateur.',
    mapLabel: 'Carte de la densité de population par commune',
    mapCanvas: 'Carte',
    zoomIn: 'Zoom avant',
    zoomOut: 'Zoom arrière',
    resetBearing: 'Remettre le nord en haut',
    closePopup: 'Fermer',
    toggleAttribution: 'Afficher ou masquer les sources',
    code: 'Code',
    codeBE: 'Code INS',
    codeFR: 'Code INSEE',
    country: 'Pays',
    countries: { BE: 'Belgique', FR: 'France' },
    population: 'Population',
    area: 'Superficie',
    density: 'Densité',
    densityUnit: 'hab./km²',
    notKnownHere: 'inconnue ici',
    notKnown: 'inconnue',
  },
  en: {
    locale: 'en-GB',
    subtitle: 'Communes of the Westhoek and French Flanders',
    languageGroup: 'Language',
    legendTitle: 'Population density (inh./km²)',
    legendNotKnown: 'not known',
    legendBorder: 'National border (Belgium–France)',
    legendOutline: 'Commune boundary',
    hint: 'Click a commune for its figures. With the map focused, the arrow keys move it and Enter shows the commune at the centre.',
    loading: 'Loading the map…',
    loadError: 'The map data could not be loaded.',
    noWebgl: 'This map needs WebGL, which this browser does not provide.',
    mapLabel: 'Map of population density by commune',
    mapCanvas: 'Map',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    resetBearing: 'Reset north',
    closePopup: 'Close',
    toggleAttribution: 'Show or hide attribution',
    code: 'Code',
    codeBE: 'NIS code',
    codeFR: 'INSEE code',
    country: 'Country',
    countries: { BE: 'Belgium', FR: 'France' },
    population: 'Population',
    area: 'Area',
    density: 'Density',
    densityUnit: 'inh./km²',
    notKnownHere: 'not known here',
    notKnown: 'not known',
  },
};

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/** A finite number from a tile property (number or numeric string), else null. */
function toNumber(value) {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A non-empty trimmed string from a tile property, else null. */
function toText(value) {
  if (value === null || value === undefined) return null;
  const s = String(value).trim();
  return s === '' ? null : s;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function formatNumber(lang, value, maximumFractionDigits = 0) {
  return new Intl.NumberFormat(I18N[lang].locale, {
    maximumFractionDigits,
    minimumFractionDigits: 0,
  }).format(value);
}

function initialLanguage() {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (LANGUAGES.includes(stored)) return stored;
  } catch {
    // storage unavailable (privacy mode): fall through
  }
  const preferred = navigator.languages && navigator.languages.length
    ? navigator.languages
    : [navigator.language || 'en'];
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base === 'nl' || base === 'fr') return base;
    if (base === 'en') return 'en';
  }
  return 'en';
}

/**
 * The commune's name in the chosen language and, when it differs, its name in
 * the other language: { primary, alt, altLang }.
 */
function communeNames(props, lang) {
  const official = toText(props.name);
  const nl = toText(props.name_nl);
  const fr = toText(props.name_fr);
  let primary;
  let candidates;
  if (lang === 'nl') {
    primary = nl || official;
    candidates = [[fr, 'fr'], [official, null]];
  } else if (lang === 'fr') {
    primary = fr || official;
    candidates = [[nl, 'nl'], [official, null]];
  } else {
    primary = official || nl || fr;
    candidates = [[fr, 'fr'], [nl, 'nl']];
  }
  const other = candidates.find(([name]) => name && name !== primary);
  return {
    primary: primary || toText(props.id) || '?',
    alt: other ? other[0] : null,
    altLang: other ? other[1] : null,
  };
}

// ---------------------------------------------------------------------------
// Map style
// ---------------------------------------------------------------------------

function tileJsonUrl(name) {
  return new URL(`/tiles/${name}.json`, window.location.href).href;
}

const HAS_DENSITY = ['==', ['typeof', ['get', 'density']], 'number'];

function densityColourExpression() {
  const step = ['step', ['get', 'density'], DENSITY_COLOURS[0]];
  DENSITY_BREAKS.forEach((brk, i) => step.push(brk, DENSITY_COLOURS[i + 1]));
  return ['case', HAS_DENSITY, step, COLOURS.noData];
}

function buildStyle() {
  return {
    version: 8,
    name: 'Westhoek Observatory',
    sources: {
      communes: { type: 'vector', url: tileJsonUrl('communes') },
      borders: { type: 'vector', url: tileJsonUrl('borders') },
      services: { type: 'vector', url: tileJsonUrl('services') },
    },
    layers: [
      {
        id: LAYER.background,
        type: 'background',
        paint: { 'background-color': COLOURS.background },
      },
      {
        id: LAYER.fill,
        type: 'fill',
        source: 'communes',
        'source-layer': 'communes',
        paint: {
          'fill-color': densityColourExpression(),
          'fill-opacity': 0.92,
        },
      },
      {
        id: LAYER.noData,
        type: 'fill',
        source: 'communes',
        'source-layer': 'communes',
        filter: ['!', HAS_DENSITY],
        paint: { 'fill-pattern': NO_DATA_PATTERN },
      },
      {
        id: LAYER.outline,
        type: 'line',
        source: 'communes',
        'source-layer': 'communes',
        paint: {
          'line-color': COLOURS.outline,
          'line-opacity': 0.55,
          'line-width': ['interpolate', ['linear'], ['zoom'], 7, 0.3, 10, 0.8, 14, 1.6],
        },
      },
      {
        id: LAYER.hover,
        type: 'line',
        source: 'communes',
        'source-layer': 'communes',
        filter: ['==', ['get', 'id'], ''],
        paint: {
          'line-color': COLOURS.hover,
          'line-width': ['interpolate', ['linear'], ['zoom'], 7, 1, 12, 2],
        },
      },
      {
        id: LAYER.arrondissement,
        type: 'line',
        source: 'borders',
        'source-layer': 'borders',
        filter: ['==', ['get', 'kind'], 'arrondissement'],
        paint: {
          'line-color': COLOURS.outline,
          'line-opacity': 0.8,
          'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.8, 12, 2],
        },
      },
      {
        id: LAYER.borderCasing,
        type: 'line',
        source: 'borders',
        'source-layer': 'borders',
        filter: IS_NATIONAL_BORDER,
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: {
          'line-color': COLOURS.borderCasing,
          'line-opacity': 0.85,
          'line-width': ['interpolate', ['linear'], ['zoom'], 6, 3.5, 10, 6, 14, 9],
        },
      },
      {
        id: LAYER.border,
        type: 'line',
        source: 'borders',
        'source-layer': 'borders',
        filter: IS_NATIONAL_BORDER,
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': COLOURS.border,
          'line-width': ['interpolate', ['linear'], ['zoom'], 6, 2, 10, 3.2, 14, 5],
          'line-dasharray': [3, 1.5],
        },
      },
      {
        id: LAYER.selected,
        type: 'line',
        source: 'communes',
        'source-layer': 'communes',
        filter: ['==', ['get', 'id'], ''],
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': COLOURS.selected,
          'line-width': ['interpolate', ['linear'], ['zoom'], 7, 2, 12, 3.5],
        },
      },
      {
        id: LAYER.services,
        type: 'circle',
        source: 'services',
        'source-layer': 'services',
        minzoom: SERVICES_MIN_ZOOM,
        paint: {
          'circle-color': GROUP_COLOURS,
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 14, 5],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1,
        },
      },
    ],
  };
}

/** A diagonal hatch drawn into raw pixels: no sprite needed. */
function hatchImage() {
  const size = 16; // device pixels; registered with pixelRatio 2
  const data = new Uint8Array(size * size * 4);
  const parse = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const bg = parse(COLOURS.noData);
  const fg = parse(COLOURS.noDataHatch);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const onLine = (x + y) % 8 < 2;
      const [r, g, b] = onLine ? fg : bg;
      const o = (y * size + x) * 4;
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
      data[o + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

// ---------------------------------------------------------------------------
// Page state
// ---------------------------------------------------------------------------

const state = {
  lang: initialLanguage(),
  map: null,
  popup: null,
  selected: null, // properties of the commune shown in the popup
  selectedLngLat: null,
  openedByKeyboard: false,
};

const statusEl = document.getElementById('status');

function setStatus(key) {
  if (!key) {
    statusEl.textContent = '';
    statusEl.hidden = true;
    statusEl.removeAttribute('data-i18n');
    return;
  }
  statusEl.hidden = false;
  statusEl.dataset.i18n = key;
  statusEl.textContent = I18N[state.lang][key];
  statusEl.classList.toggle('status-error', key !== 'loading');
}

// ---------------------------------------------------------------------------
// Legend
// ---------------------------------------------------------------------------

function renderLegend() {
  const t = I18N[state.lang];
  const list = document.getElementById('legend-classes');
  const items = [];
  const fmt = (n) => formatNumber(state.lang, n);
  DENSITY_COLOURS.forEach((colour, i) => {
    let label;
    if (i === 0) label = `< ${fmt(DENSITY_BREAKS[0])}`;
    else if (i === DENSITY_BREAKS.length) label = `≥ ${fmt(DENSITY_BREAKS[i - 1])}`;
    else label = `${fmt(DENSITY_BREAKS[i - 1])} – ${fmt(DENSITY_BREAKS[i])}`;
    const li = el('li');
    const swatch = el('span', 'swatch');
    swatch.setAttribute('aria-hidden', 'true');
    swatch.style.backgroundColor = colour;
    li.append(swatch, el('span', 'legend-label', label));
    items.push(li);
  });
  const unknown = el('li');
  const swatch = el('span', 'swatch swatch-no-data');
  swatch.setAttribute('aria-hidden', 'true');
  unknown.append(swatch, el('span', 'legend-label', t.legendNotKnown));
  items.push(unknown);
  list.replaceChildren(...items);
}

// ---------------------------------------------------------------------------
// Popup
// ---------------------------------------------------------------------------

function buildPopupContent(props, lang) {
  const t = I18N[lang];
  const root = el('div', 'commune-popup');
  root.lang = lang;

  const names = communeNames(props, lang);
  const title = el('h2', 'commune-name');
  title.append(el('span', 'commune-name-primary', names.primary));
  if (names.alt) {
    const sep = el('span', 'commune-name-sep', ' / ');
    sep.setAttribute('aria-hidden', 'true');
    const alt = el('span', 'commune-name-alt', names.alt);
    if (names.altLang) alt.lang = names.altLang;
    title.append(sep, alt);
  }
  root.append(title);

  const dl = el('dl', 'commune-facts');
  const row = (label, value, className) => {
    const wrap = el('div', 'commune-fact');
    wrap.append(el('dt', null, label), el('dd', className, value));
    dl.append(wrap);
    return wrap;
  };

  const country = toText(props.country);
  const code = toText(props.code);
  const id = toText(props.id);
  const codeLabel = country === 'BE' ? t.codeBE : country === 'FR' ? t.codeFR : t.code;
  const codeWrap = row(codeLabel, code || id || t.notKnown, 'commune-code');
  if (id && id !== code) {
    codeWrap.querySelector('dd').append(' ', el('span', 'commune-id', `(${id})`));
  }

  row(t.country, (country && t.countries[country]) || country || t.notKnown, 'commune-country');

  const population = toNumber(props.population);
  const year = toNumber(props.population_year);
  let populationText = t.notKnownHere;
  if (population !== null) {
    populationText = formatNumber(lang, population);
    if (year !== null) populationText += ` (${String(Math.trunc(year))})`;
  }
  row(t.population, populationText, 'commune-population');

  const area = toNumber(props.area_km2);
  row(t.area, area !== null ? `${formatNumber(lang, area, area < 10 ? 2 : 1)} km²` : t.notKnown, 'commune-area');

  const density = toNumber(props.density);
  row(
    t.density,
    density !== null ? `${formatNumber(lang, density, density < 10 ? 1 : 0)} ${t.densityUnit}` : t.notKnown,
    'commune-density',
  );

  root.append(dl);
  return root;
}

function labelPopupClose(popup) {
  const close = popup.getElement() && popup.getElement().querySelector('.maplibregl-popup-close-button');
  if (close) {
    const label = I18N[state.lang].closePopup;
    close.setAttribute('aria-label', label);
    close.title = label;
  }
}

function setSelectedFilter(id) {
  const map = state.map;
  if (map && map.getLayer(LAYER.selected)) {
    map.setFilter(LAYER.selected, ['==', ['get', 'id'], id || '']);
  }
}

function closePopup() {
  if (state.popup) state.popup.remove();
}

function showCommune(props, lngLat, { byKeyboard = false } = {}) {
  const map = state.map;
  // Copy: the feature's property object belongs to the map.
  state.selected = { ...props };
  state.selectedLngLat = lngLat;
  state.openedByKeyboard = byKeyboard;

  const content = buildPopupContent(state.selected, state.lang);
  if (!state.popup) {
    state.popup = new maplibregl.Popup({
      className: 'observatory-popup',
      maxWidth: '340px',
      focusAfterOpen: true,
      closeOnClick: false,
    });
    state.popup.on('close', () => {
      state.selected = null;
      state.selectedLngLat = null;
      setSelectedFilter(null);
      if (state.openedByKeyboard) map.getCanvas().focus();
      state.openedByKeyboard = false;
    });
  }
  state.popup.setLngLat(lngLat).setDOMContent(content);
  if (!state.popup.isOpen()) state.popup.addTo(map);
  labelPopupClose(state.popup);
  setSelectedFilter(toText(props.id));
}

function refreshPopup() {
  if (state.popup && state.popup.isOpen() && state.selected) {
    state.popup.setDOMContent(buildPopupContent(state.selected, state.lang));
    labelPopupClose(state.popup);
  }
}

// ---------------------------------------------------------------------------
// Language
// ---------------------------------------------------------------------------

function relabelMapControls() {
  const map = state.map;
  if (!map) return;
  const t = I18N[state.lang];
  map.getCanvas().setAttribute('aria-label', t.mapCanvas);
  const container = map.getContainer();
  const label = (selector, text) => {
    for (const node of container.querySelectorAll(selector)) {
      node.setAttribute('aria-label', text);
      node.title = text;
    }
  };
  label('.maplibregl-ctrl-zoom-in', t.zoomIn);
  label('.maplibregl-ctrl-zoom-out', t.zoomOut);
  label('.maplibregl-ctrl-compass', t.resetBearing);
  label('.maplibregl-ctrl-attrib-button', t.toggleAttribution);
}

function setLanguage(lang, { remember = true } = {}) {
  if (!LANGUAGES.includes(lang)) return;
  state.lang = lang;
  const t = I18N[lang];
  document.documentElement.lang = lang;

  for (const node of document.querySelectorAll('[data-i18n]')) {
    const text = t[node.dataset.i18n];
    if (typeof text === 'string') node.textContent = text;
  }
  for (const node of document.querySelectorAll('[data-i18n-aria-label]')) {
    const text = t[node.dataset.i18nAriaLabel];
    if (typeof text === 'string') node.setAttribute('aria-label', text);
  }
  for (const button of document.querySelectorAll('.lang-switch [data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
  document.getElementById('map').setAttribute('aria-label', t.mapLabel);

  renderLegend();
  relabelMapControls();
  refreshPopup();

  if (remember) {
    try {
      window.localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // storage unavailable: the choice lasts for this page only
    }
  }
}

function wireLanguageSwitch() {
  for (const button of document.querySelectorAll('.lang-switch [data-lang]')) {
    button.addEventListener('click', () => setLanguage(button.dataset.lang));
  }
}

// ---------------------------------------------------------------------------
// Map
// ---------------------------------------------------------------------------

/**
 * The part of the map hidden behind the panel, as map padding: the map's
 * centre (and the keyboard crosshair) is then the centre of the visible part.
 */
function panelInset() {
  const inset = { top: 0, right: 0, bottom: 0, left: 0 };
  const panel = document.querySelector('.panel');
  if (!panel) return inset;
  const rect = panel.getBoundingClientRect();
  if (window.innerWidth >= 720 && rect.width < window.innerWidth / 2) {
    inset.left = Math.round(rect.right);
  } else if (window.innerWidth < 720 && rect.height < window.innerHeight / 2) {
    inset.top = Math.round(rect.bottom);
  }
  return inset;
}

function placeCrosshair(map) {
  const crosshair = document.querySelector('.crosshair');
  if (!crosshair) return;
  const p = map.project(map.getCenter());
  crosshair.style.left = `${Math.round(p.x)}px`;
  crosshair.style.top = `${Math.round(p.y)}px`;
}

function createMap() {
  const t = I18N[state.lang];
  const map = new maplibregl.Map({
    container: 'map',
    style: buildStyle(),
    center: [2.9, 50.7],
    zoom: 8,
    minZoom: 5,
    maxZoom: 17,
    dragRotate: false,
    pitchWithRotate: false,
    renderWorldCopies: false,
    attributionControl: { compact: true },
    locale: {
      'Map.Title': t.mapCanvas,
      'NavigationControl.ZoomIn': t.zoomIn,
      'NavigationControl.ZoomOut': t.zoomOut,
      'NavigationControl.ResetBearing': t.resetBearing,
      'Popup.Close': t.closePopup,
      'AttributionControl.ToggleAttribution': t.toggleAttribution,
    },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');

  map.setPadding(panelInset());
  map.fitBounds(REGION_BOUNDS, { padding: 16, animate: false });
  placeCrosshair(map);
  map.on('resize', () => {
    map.setPadding(panelInset());
    placeCrosshair(map);
  });
  return map;
}

function wireMap(map) {
  const observatory = window.__observatory;

  map.on('style.load', () => {
    if (!map.hasImage(NO_DATA_PATTERN)) {
      map.addImage(NO_DATA_PATTERN, hatchImage(), { pixelRatio: 2 });
    }
  });
  // Should a layer still ask for the pattern before it exists, supply it.
  map.on('styleimagemissing', (e) => {
    if (e.id === NO_DATA_PATTERN && !map.hasImage(NO_DATA_PATTERN)) {
      map.addImage(NO_DATA_PATTERN, hatchImage(), { pixelRatio: 2 });
    }
  });

  // Ready once a communes tile has arrived and the map has gone idle after it.
  let communesTileSeen = false;
  map.on('sourcedata', (e) => {
    if (e.sourceId === 'communes' && e.tile) communesTileSeen = true;
  });
  map.on('idle', () => {
    if (observatory.ready || !communesTileSeen) return;
    if (map.getSource('communes') && map.isSourceLoaded('communes')) {
      observatory.ready = true;
      document.documentElement.dataset.mapReady = 'true';
      if (statusEl.dataset.i18n === 'loading') setStatus(null);
    }
  });

  map.on('error', (e) => {
    const message = (e && e.error && e.error.message) || String(e && e.error);
    observatory.errors.push(message);
    console.warn('map:', message);
    if (!observatory.ready) setStatus('loadError');
  });

  // Pointer: cursor and hover outline.
  let hoveredId = null;
  map.on('mousemove', LAYER.fill, (e) => {
    map.getCanvas().style.cursor = 'pointer';
    const id = e.features && e.features[0] ? toText(e.features[0].properties.id) : null;
    if (id !== hoveredId) {
      hoveredId = id;
      map.setFilter(LAYER.hover, ['==', ['get', 'id'], id || '']);
    }
  });
  map.on('mouseleave', LAYER.fill, () => {
    map.getCanvas().style.cursor = '';
    hoveredId = null;
    map.setFilter(LAYER.hover, ['==', ['get', 'id'], '']);
  });

  map.on('click', (e) => {
    const features = map.queryRenderedFeatures(e.point, { layers: [LAYER.fill] });
    if (features.length === 0) {
      closePopup();
      return;
    }
    showCommune(features[0].properties, e.lngLat);
  });

  // Keyboard: the canvas is focusable; Enter shows the commune at the centre.
  // A crosshair marks that centre while the canvas has keyboard focus (CSS).
  const canvas = map.getCanvas();
  canvas.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const centre = map.getCenter();
    const features = map.queryRenderedFeatures(map.project(centre), { layers: [LAYER.fill] });
    if (features.length > 0) showCommune(features[0].properties, centre, { byKeyboard: true });
    else closePopup();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.popup && state.popup.isOpen()) closePopup();
  });
}

function start() {
  wireLanguageSwitch();
  setLanguage(state.lang, { remember: false });
  setStatus('loading');

  const smallScreen = window.matchMedia('(max-width: 719px)').matches;
  if (smallScreen) document.getElementById('legend').open = false;

  if (!maplibregl) {
    setStatus('noWebgl');
    window.__observatory = { map: null, ready: false, errors: ['maplibre-gl not loaded'] };
    return;
  }

  let map;
  try {
    map = createMap();
  } catch (err) {
    // Most often: WebGL is not available.
    setStatus('noWebgl');
    window.__observatory = { map: null, ready: false, errors: [String(err && err.message)] };
    return;
  }
  state.map = map;
  window.__observatory = {
    map,
    ready: false,
    errors: [],
    layers: { ...LAYER },
    get lang() {
      return state.lang;
    },
  };
  wireMap(map);
  map.once('load', relabelMapControls);
}

start();
