// @ts-check
// The participation's layers on the atlas: discovery days, accepted photos and selected
// project ideas, each a GeoJSON source built from its list (never from markup), drawn
// above the services and below the labels; a click opens the item's popup.

import { LAYER } from '../map-style.js';

/** @typedef {'events' | 'photos' | 'projects'} Kind */
/** @typedef {{id: number, longitude: number | null, latitude: number | null}} Located */

export const PART_LAYER = /** @type {const} */ ({ events: 'part-events', photos: 'part-photos', projects: 'part-projects' });
const COLOURS = { events: '#7c3aed', photos: '#0f766e', projects: '#b45309' };

/**
 * The items that have a position, as RFC 7946 points whose only property is the id.
 * @param {Located[]} items
 * @returns {GeoJSON.FeatureCollection<GeoJSON.Point, {id: number}>}
 */
export function toFeatureCollection(items) {
  return {
    type: 'FeatureCollection',
    features: items
      .filter((i) => Number.isFinite(i.longitude) && Number.isFinite(i.latitude))
      .map((i) => ({ type: 'Feature', id: i.id, properties: { id: i.id }, geometry: { type: 'Point', coordinates: [Number(i.longitude), Number(i.latitude)] } })),
  };
}

export class ParticipationLayers {
  /**
   * @param {() => import('maplibre-gl').Map | null} map
   * @param {() => Promise<void>} styleLoaded
   */
  constructor(map, styleLoaded) {
    this.map = map;
    this.styleLoaded = styleLoaded;
    /** @type {Record<Kind, Map<number, any>>} */
    this.items = { events: new Map(), photos: new Map(), projects: new Map() };
    /** @type {Record<Kind, boolean>} */
    this.visible = { events: true, photos: true, projects: true };
    /** @type {Partial<Record<Kind, (item: any) => Node>>} */
    this.popups = {};
  }

  /**
   * Draws `items` as the layer of `kind` (added on first use).
   * @param {Kind} kind
   * @param {Located[]} items
   */
  async set(kind, items) {
    this.items[kind] = new Map(items.map((i) => [i.id, i]));
    const map = this.map();
    if (!map) return;
    await this.styleLoaded();
    const data = toFeatureCollection(items);
    const source = /** @type {import('maplibre-gl').GeoJSONSource | undefined} */ (map.getSource(PART_LAYER[kind]));
    if (source) source.setData(data);
    else {
      map.addSource(PART_LAYER[kind], { type: 'geojson', data });
      map.addLayer({
        id: PART_LAYER[kind],
        type: 'circle',
        source: PART_LAYER[kind],
        layout: { visibility: this.visible[kind] ? 'visible' : 'none' },
        paint: {
          'circle-color': COLOURS[kind],
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 7, 4, 14, 9],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
        },
      }, map.getLayer(LAYER.labels) ? LAYER.labels : undefined);
    }
    document.documentElement.dataset[`layer${kind[0].toUpperCase()}${kind.slice(1)}`] = String(data.features.length);
  }

  /** @param {Kind} kind @param {boolean} visible */
  show(kind, visible) {
    this.visible[kind] = visible;
    const map = this.map();
    if (map?.getLayer(PART_LAYER[kind])) map.setLayoutProperty(PART_LAYER[kind], 'visibility', visible ? 'visible' : 'none');
  }

  /** @param {Kind} kind @param {(item: any) => Node} build */
  popup(kind, build) {
    this.popups[kind] = build;
  }

  /**
   * The popup of the participation feature at a clicked point, if there is one there.
   * @param {import('maplibre-gl').PointLike} point
   * @returns {Node | null}
   */
  popupAt(point) {
    const map = this.map();
    if (!map) return null;
    const layers = Object.values(PART_LAYER).filter((id) => map.getLayer(id));
    if (layers.length === 0) return null;
    const feature = map.queryRenderedFeatures(point, { layers })[0];
    if (!feature) return null;
    const kind = /** @type {Kind | undefined} */ (/** @type {Kind[]} */ (Object.keys(PART_LAYER)).find((k) => PART_LAYER[k] === feature.layer.id));
    if (!kind) return null;
    const item = this.items[kind].get(Number(feature.properties?.id));
    const build = this.popups[kind];
    return item && build ? build(item) : null;
  }
}
