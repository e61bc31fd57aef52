// @ts-check
// The map itself: created with the observatory's style, kept centred on the part the
// panel leaves visible, and turning pointer and keyboard into the atlas's events (a
// commune chosen, a service clicked). What those events do is main.js's business.

import * as api from './api.js';
import { byId, el } from './dom.js';
import { strings } from './i18n/index.js';
import { addBasemap, buildStyle, hatchImage, LAYER, NO_DATA_PATTERN } from './map-style.js';

/** @typedef {import('maplibre-gl').Map} MaplibreMap */
/** @typedef {import('maplibre-gl').IControl} IControl */
/** @typedef {import('./i18n/index.js').Lang} Lang */

/** @typedef {[number, number, number, number]} Box west, south, east, north */

/**
 * @typedef {object} Hooks
 * @property {(e: import('maplibre-gl').MapMouseEvent) => boolean} onClick any click, first: true when
 *   it was handled (a place chosen for a form, a participation feature's popup)
 * @property {(id: string) => void} onCommune a commune clicked, or chosen by Enter at the centre
 * @property {(props: Record<string, unknown>, at: import('maplibre-gl').LngLat) => void} onService
 * @property {() => void} onLoad the first complete frame
 * @property {() => void} onFirstCommunes the first frame with communes in it
 * @property {() => void} onReady idle with the communes drawn, once
 * @property {(message: string) => void} onError
 */

/**
 * @param {{lang: Lang, servicesUrl: string, bounds: Box | 'data' | null, hooks: Hooks}} options
 *   `bounds`: the box to open on (the region's view); 'data' for the communes' extent,
 *   once the tiles say it (no region is loaded); null to keep the link's position
 * @returns {{map: MaplibreMap, styleLoaded: Promise<void>}} the map, and a promise kept
 *   once its style is parsed and its sources exist (feature state can be set from then
 *   on; isStyleLoaded() cannot tell, being false again whenever tiles load)
 */
export function createAtlasMap({ lang, servicesUrl, bounds, hooks }) {
  const maplibregl = window.maplibregl;
  const t = strings(lang);
  const map = new maplibregl.Map({
    container: 'map',
    style: buildStyle({ lang, servicesUrl }),
    minZoom: 5,
    maxZoom: 17,
    hash: 'map',
    dragRotate: false,
    pitchWithRotate: false,
    renderWorldCopies: false,
    attributionControl: { compact: true },
    locale: {
      'Map.Title': t.mapCanvas,
      'NavigationControl.ZoomIn': t.zoomIn,
      'NavigationControl.ZoomOut': t.zoomOut,
      'Popup.Close': t.closePopup,
      'AttributionControl.ToggleAttribution': t.toggleAttribution,
    },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.setPadding(panelInset());
  if (Array.isArray(bounds)) fitBox(map, bounds, false);
  if (bounds === 'data') {
    const fitData = (/** @type {import('maplibre-gl').MapSourceDataEvent} */ e) => {
      if (e.sourceId !== 'communes' || e.sourceDataType !== 'metadata') return;
      map.off('sourcedata', fitData);
      const source = /** @type {import('maplibre-gl').VectorTileSource} */ (map.getSource('communes'));
      if (source?.bounds) fitBox(map, /** @type {Box} */ (source.bounds), false);
    };
    map.on('sourcedata', fitData);
  }
  placeCrosshair(map);
  map.on('resize', () => {
    map.setPadding(panelInset());
    placeCrosshair(map);
  });
  map.on('move', () => placeCrosshair(map));

  const addHatch = () => {
    if (!map.hasImage(NO_DATA_PATTERN)) map.addImage(NO_DATA_PATTERN, hatchImage(), { pixelRatio: 2 });
  };
  const styleLoaded = new Promise((resolve) => {
    map.on('style.load', () => {
      addHatch();
      resolve(undefined);
    });
  });
  map.on('styleimagemissing', (e) => {
    if (e.id === NO_DATA_PATTERN) addHatch();
  });
  map.on('load', hooks.onLoad);
  map.on('error', (e) => hooks.onError(e?.error?.message ?? String(e?.error)));

  // Ready once a communes tile has arrived and the map has gone idle after it.
  let communesTileSeen = false;
  let firstCommunes = false;
  let ready = false;
  map.on('sourcedata', (e) => {
    if (e.sourceId === 'communes' && e.tile) communesTileSeen = true;
  });
  map.on('render', () => {
    if (communesTileSeen && !firstCommunes) {
      firstCommunes = true;
      hooks.onFirstCommunes();
    }
  });
  map.on('idle', () => {
    if (ready || !communesTileSeen || !map.isSourceLoaded('communes')) return;
    ready = true;
    hooks.onReady();
  });

  let hovered = '';
  map.on('mousemove', LAYER.land, (e) => {
    map.getCanvas().style.cursor = 'pointer';
    const id = String(e.features?.[0]?.properties?.id ?? '');
    if (id !== hovered) {
      hovered = id;
      map.setFilter(LAYER.hover, ['==', ['get', 'id'], id]);
    }
  });
  map.on('mouseleave', LAYER.land, () => {
    map.getCanvas().style.cursor = '';
    hovered = '';
    map.setFilter(LAYER.hover, ['==', ['get', 'id'], '']);
  });
  map.on('click', (e) => {
    if (hooks.onClick(e)) return;
    const service = map.queryRenderedFeatures(e.point, { layers: [LAYER.services] })[0];
    if (service) {
      hooks.onService(service.properties ?? {}, e.lngLat);
      return;
    }
    const commune = map.queryRenderedFeatures(e.point, { layers: [LAYER.land] })[0];
    if (commune?.properties?.id) hooks.onCommune(String(commune.properties.id));
  });
  // Keyboard: the canvas is focusable; Enter opens the commune at the centre, marked by
  // a crosshair while the canvas has the focus.
  map.getCanvas().addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const commune = map.queryRenderedFeatures(map.project(map.getCenter()), { layers: [LAYER.land] })[0];
    if (commune?.properties?.id) hooks.onCommune(String(commune.properties.id));
  });

  return { map, styleLoaded };
}

/** Shows a box (west, south, east, north) in the part of the map the panel leaves. */
export function fitBox(/** @type {MaplibreMap} */ map, /** @type {Box} */ box, animate = true) {
  map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 16, animate });
}

/**
 * The region chooser, drawn on the map: the loaded regions by name in the reader's
 * language; hidden while there is only one.
 * @implements {IControl}
 */
export class RegionControl {
  /** @param {(id: string) => void} onChoose */
  constructor(onChoose) {
    this.select = /** @type {HTMLSelectElement} */ (el('select', { attrs: { id: 'region-select' } }));
    this.label = el('label', { attrs: { for: 'region-select' } });
    this.container = el('div', { className: 'maplibregl-ctrl maplibregl-ctrl-group region-control' }, [this.label, this.select]);
    this.container.hidden = true;
    this.select.addEventListener('change', () => onChoose(this.select.value));
  }

  onAdd() {
    return this.container;
  }

  onRemove() {
    this.container.remove();
  }

  /**
   * @param {Lang} lang
   * @param {api.Region[]} regions
   * @param {string | null} chosen
   */
  render(lang, regions, chosen) {
    this.label.textContent = strings(lang).regionLabel;
    this.select.replaceChildren(...regions.map((r) => el('option', { text: r.name[lang], attrs: { value: r.id } })));
    if (chosen) this.select.value = chosen;
    this.container.hidden = regions.length < 2;
  }
}

/** Names the map's controls in the reader's language. */
export function labelControls(/** @type {MaplibreMap} */ map, /** @type {Lang} */ lang) {
  const t = strings(lang);
  map.getCanvas().setAttribute('aria-label', t.mapCanvas);
  const label = (/** @type {string} */ selector, /** @type {string} */ text) => {
    for (const node of map.getContainer().querySelectorAll(selector)) {
      node.setAttribute('aria-label', text);
      node.setAttribute('title', text);
    }
  };
  label('.maplibregl-ctrl-zoom-in', t.zoomIn);
  label('.maplibregl-ctrl-zoom-out', t.zoomOut);
  label('.maplibregl-ctrl-attrib-button', t.toggleAttribution);
  label('.maplibregl-popup-close-button', t.closePopup);
}

/**
 * The installation's external basemap, if web/config.json names one, beneath the
 * observatory's layers; the map does not wait for it.
 * @param {MaplibreMap} map
 * @param {Promise<void>} styleLoaded
 * @returns {Promise<string | null>} what went wrong, if anything
 */
export async function loadBasemap(map, styleLoaded) {
  const config = await api.config();
  if (!config.basemapStyle) return null;
  try {
    const response = await fetch(config.basemapStyle);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const style = await response.json();
    await styleLoaded;
    addBasemap(map, style);
    return null;
  } catch (err) {
    return `basemap ${config.basemapStyle}: ${err}`;
  }
}

/** The part of the map the panel hides, as padding: the centre is then the visible one's. */
function panelInset() {
  const inset = { top: 0, right: 0, bottom: 0, left: 0 };
  const rect = byId('panel').getBoundingClientRect();
  if (window.innerWidth >= 720 && rect.width < window.innerWidth / 2) inset.left = Math.round(rect.right);
  return inset;
}

function placeCrosshair(/** @type {MaplibreMap} */ map) {
  const p = map.project(map.getCenter());
  const crosshair = byId('crosshair');
  crosshair.style.left = `${Math.round(p.x)}px`;
  crosshair.style.top = `${Math.round(p.y)}px`;
}
