// @ts-check
// The map's style: the project's own layers only (land, communes, borders, services,
// labels), every source and glyph from this server; an installation that is online may
// put an external basemap beneath them (web/config.json, see the README).

/** @typedef {import('maplibre-gl').StyleSpecification} StyleSpecification */
/** @typedef {import('maplibre-gl').LayerSpecification} LayerSpecification */
/** @typedef {import('./i18n/index.js').Lang} Lang */

export const LAYER = {
  background: 'background',
  land: 'communes-land',
  noData: 'communes-no-data',
  fill: 'communes-fill',
  otherRegion: 'communes-other-region',
  outline: 'communes-outline',
  hover: 'communes-hover',
  arrondissement: 'borders-arrondissements',
  borderCasing: 'borders-casing',
  border: 'borders-national',
  selected: 'communes-selected',
  services: 'services-points',
  labels: 'communes-labels',
};

export const NO_DATA_PATTERN = 'no-data-hatch';
export const LABEL_FONT = 'Noto Sans Regular';
/** Services are drawn from this zoom on: below it they would hide the choropleth. */
export const SERVICES_MIN_ZOOM = 9;

export const COLOURS = {
  sea: '#dfe8ee',
  land: '#f4f1ea',
  noData: '#e2e2e2',
  noDataHatch: '#9a9a9a',
  otherRegion: '#c9c6bf',
  outline: '#5b6472',
  hover: '#111827',
  selected: '#c2410c',
  border: '#1d2433',
  borderCasing: '#ffffff',
  label: '#1f2937',
  labelHalo: '#ffffff',
};

/** One colour per taxonomy group (data/taxonomy.toml); others are grey. */
export const GROUP_COLOURS = {
  health: '#d62728',
  education: '#1f77b4',
  shops: '#ff7f0e',
  public_services: '#9467bd',
  mobility: '#2ca02c',
  finance: '#8c564b',
};
export const OTHER_GROUP_COLOUR = '#555555';

const IS_NATIONAL_BORDER = ['==', ['get', 'kind'], 'national'];
const CLASS = ['coalesce', ['feature-state', 'cls'], -1];

const absolute = (/** @type {string} */ path) => new URL(path, window.location.href).href;

/** The commune name a label shows in this language (the official one in English).
 * @returns {import('maplibre-gl').ExpressionSpecification} */
export function labelText(/** @type {Lang} */ lang) {
  if (lang === 'en') return ['get', 'name'];
  return /** @type {any} */ (['coalesce', ['get', `name_${lang}`], ['get', 'name']]);
}

/** The fill colour of a class set in feature state, transparent without one. */
export function classColourExpression(/** @type {string[]} */ colours) {
  if (colours.length === 0) return 'rgba(0,0,0,0)';
  return ['match', CLASS, ...colours.flatMap((c, i) => [i, c]), 'rgba(0,0,0,0)'];
}

/** Keeps the choropleth and its "not known here" hatching to the communes of one region
 * (the tiles' `region`), and greys the others; every commune when `region` is null.
 * @param {import('maplibre-gl').Map} map
 * @param {string | null} region */
export function showRegion(map, region) {
  /** @type {any} */
  const inRegion = region === null ? null : ['==', ['get', 'region'], region];
  map.setFilter(LAYER.noData, inRegion);
  map.setFilter(LAYER.fill, inRegion);
  map.setFilter(LAYER.otherRegion, region === null ? ['boolean', false] : ['!', inRegion]);
}

/** The services filter for the groups shown.
 * @returns {import('maplibre-gl').FilterSpecification} */
export function groupFilter(/** @type {string[]} */ groups) {
  return /** @type {any} */ (['in', ['get', 'group'], ['literal', groups]]);
}

/**
 * @param {{lang: Lang, servicesUrl: string}} options
 * @returns {StyleSpecification}
 */
export function buildStyle({ lang, servicesUrl }) {
  const groupColours = ['match', ['get', 'group'], ...Object.entries(GROUP_COLOURS).flat(), OTHER_GROUP_COLOUR];
  /** @type {any[]} */
  const layers = [
    { id: LAYER.background, type: 'background', paint: { 'background-color': COLOURS.sea } },
    {
      id: LAYER.land,
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      paint: { 'fill-color': COLOURS.land },
    },
    {
      id: LAYER.noData,
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      paint: { 'fill-pattern': NO_DATA_PATTERN, 'fill-opacity': ['case', ['>=', CLASS, 0], 0, 0.8] },
    },
    {
      id: LAYER.fill,
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      paint: {
        'fill-color': classColourExpression([]),
        'fill-opacity': ['case', ['>=', CLASS, 0], 0.92, 0],
      },
    },
    {
      // the communes of the regions not shown: neither shaded nor "not known here"
      id: LAYER.otherRegion,
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      filter: ['boolean', false],
      paint: { 'fill-color': COLOURS.otherRegion, 'fill-opacity': 0.6 },
    },
    {
      id: LAYER.outline,
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      paint: {
        'line-color': COLOURS.outline,
        'line-opacity': 0.5,
        'line-width': ['interpolate', ['linear'], ['zoom'], 7, 0.3, 10, 0.8, 14, 1.6],
      },
    },
    {
      id: LAYER.hover,
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      filter: ['==', ['get', 'id'], ''],
      paint: { 'line-color': COLOURS.hover, 'line-width': ['interpolate', ['linear'], ['zoom'], 7, 1, 12, 2] },
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
        'line-opacity': 0.9,
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
      paint: { 'line-color': COLOURS.selected, 'line-width': ['interpolate', ['linear'], ['zoom'], 7, 2.5, 12, 4] },
    },
    {
      id: LAYER.services,
      type: 'circle',
      source: 'services',
      'source-layer': 'services',
      minzoom: SERVICES_MIN_ZOOM,
      paint: {
        'circle-color': groupColours,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 2.5, 14, 6],
        'circle-stroke-color': ['case', ['get', 'closure_candidate'], '#000000', '#ffffff'],
        'circle-stroke-width': 1,
      },
    },
    {
      id: LAYER.labels,
      type: 'symbol',
      source: 'labels',
      layout: {
        'text-field': labelText(lang),
        'text-font': [LABEL_FONT],
        'text-size': ['interpolate', ['linear'], ['zoom'], 8, 11, 12, 14],
        'symbol-sort-key': ['-', 0, ['coalesce', ['get', 'population'], 0]],
        'text-padding': 4,
        'text-max-width': 8,
      },
      paint: { 'text-color': COLOURS.label, 'text-halo-color': COLOURS.labelHalo, 'text-halo-width': 1.5 },
    },
  ];
  /** @type {Record<string, any>} */
  const sources = {
    communes: { type: 'vector', url: absolute('/tiles/communes.json'), promoteId: 'id' },
    borders: { type: 'vector', url: absolute('/tiles/borders.json') },
    services: { type: 'vector', url: servicesUrl },
    labels: { type: 'geojson', data: absolute('/api/labels') },
  };
  return {
    version: 8,
    name: 'Westhoek Observatory',
    // Built by hand: URL() would escape the template's braces.
    glyphs: `${window.location.origin}/glyphs/{fontstack}/{range}.pbf`,
    sources,
    layers,
  };
}

/**
 * Puts an external basemap's layers beneath the observatory's, and lets it show through
 * the land and the classes. Its labels would need its own glyphs, which the map does not
 * load (the observatory's come from this server), so its text layers are left out.
 * @param {import('maplibre-gl').Map} map
 * @param {StyleSpecification} basemap
 */
export function addBasemap(map, basemap) {
  for (const [id, source] of Object.entries(basemap.sources ?? {})) map.addSource(`basemap-${id}`, source);
  for (const layer of basemap.layers ?? []) {
    if (layer.type === 'symbol' || layer.type === 'background') continue;
    const source = 'source' in layer && typeof layer.source === 'string' ? { source: `basemap-${layer.source}` } : {};
    map.addLayer(/** @type {LayerSpecification} */ ({ ...layer, id: `basemap-${layer.id}`, ...source }), LAYER.land);
  }
  map.setPaintProperty(LAYER.land, 'fill-opacity', 0);
  map.setPaintProperty(LAYER.fill, 'fill-opacity', ['case', ['>=', CLASS, 0], 0.75, 0]);
}

/** A diagonal hatch drawn into raw pixels: "not known here" needs no sprite. */
export function hatchImage() {
  const size = 16; // device pixels; registered with pixelRatio 2
  const data = new Uint8Array(size * size * 4);
  const parse = (/** @type {string} */ hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const bg = parse(COLOURS.noData);
  const fg = parse(COLOURS.noDataHatch);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const [r, g, b] = (x + y) % 8 < 2 ? fg : bg;
      data.set([r, g, b, 255], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}
