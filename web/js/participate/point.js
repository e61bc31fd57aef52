// @ts-check
// A place on the map for a form: armed by its button, the next click on the map puts a
// pin there; from the keyboard, "use the map centre" takes the point under the
// crosshair. One picker is armed at a time; the atlas asks handleMapClick first.

import { el } from '../dom.js';
import { applyTexts } from '../i18n/apply.js';
import { formatNumber } from '../i18n/index.js';
import { group, text } from './form.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */
/** @typedef {{longitude: number, latitude: number}} Point */

/** @type {PointPicker | null} */
let armed = null;

/**
 * Gives an armed picker the map's click; true when it took it.
 * @param {{lng: number, lat: number}} lngLat
 */
export function handleMapClick(lngLat) {
  if (!armed) return false;
  const picker = armed;
  picker.set({ longitude: lngLat.lng, latitude: lngLat.lat });
  picker.disarm();
  return true;
}

export class PointPicker {
  /**
   * @param {string} id
   * @param {() => import('maplibre-gl').Map | null} map
   * @param {() => Lang} lang
   * @param {(point: Point | null) => void} [onChange]
   */
  constructor(id, map, lang, onChange = () => {}) {
    this.map = map;
    this.lang = lang;
    this.onChange = onChange;
    /** @type {Point | null} */
    this.point = null;
    /** @type {import('maplibre-gl').Marker | null} */
    this.marker = null;
    this.readout = el('output', { className: 'point-readout', attrs: { id: `${id}-readout`, 'aria-live': 'polite', 'data-t': 'part.point.none' } });
    this.pick = el('button', { className: 'secondary', attrs: { type: 'button', id: `${id}-pick`, 'aria-pressed': 'false', 'data-t': 'part.point.pick' } });
    this.centre = el('button', { className: 'secondary', attrs: { type: 'button', id: `${id}-centre`, 'data-t': 'part.point.centre' } });
    this.hint = text('p', 'part.point.armedHint', 'hint');
    this.hint.hidden = true;
    this.pick.addEventListener('click', () => (armed === this ? this.disarm() : this.arm()));
    this.centre.addEventListener('click', () => {
      const m = this.map();
      if (!m) return;
      const c = m.getCenter();
      this.set({ longitude: c.lng, latitude: c.lat });
      this.disarm();
    });
    this.element = group('part.point.legend', ['longitude', 'latitude'], [
      el('div', { className: 'field-inline' }, [this.pick, this.centre]),
      this.hint,
      this.readout,
    ], id);
    this.element.classList.add('point-picker');
  }

  arm() {
    armed?.disarm();
    armed = this;
    this.pick.setAttribute('aria-pressed', 'true');
    this.hint.hidden = false;
    const m = this.map();
    if (m) m.getCanvas().classList.add('picking');
    document.documentElement.dataset.picking = this.element.id;
  }

  disarm() {
    if (armed === this) armed = null;
    this.pick.setAttribute('aria-pressed', 'false');
    this.hint.hidden = true;
    this.map()?.getCanvas().classList.remove('picking');
    if (document.documentElement.dataset.picking === this.element.id) delete document.documentElement.dataset.picking;
  }

  /** @param {Point} point */
  set(point) {
    this.point = { longitude: round(point.longitude), latitude: round(point.latitude) };
    const m = this.map();
    if (m) {
      if (!this.marker) {
        this.marker = new window.maplibregl.Marker({ color: '#0b3d91' });
        this.marker.getElement().setAttribute('aria-hidden', 'true');
      }
      this.marker.setLngLat([this.point.longitude, this.point.latitude]).addTo(m);
    }
    this.render();
    this.onChange(this.point);
  }

  clear() {
    this.point = null;
    this.marker?.remove();
    this.disarm();
    this.render();
    this.onChange(null);
  }

  render() {
    const p = this.point;
    this.element.dataset.longitude = p ? String(p.longitude) : '';
    this.element.dataset.latitude = p ? String(p.latitude) : '';
    if (p) {
      delete this.readout.dataset.t;
      const lang = this.lang();
      this.readout.textContent = `${formatNumber(lang, p.latitude, 5)}, ${formatNumber(lang, p.longitude, 5)}`;
    } else {
      this.readout.dataset.t = 'part.point.none';
      applyTexts(this.readout, this.lang());
    }
  }

  /** The point's fields for a request (nothing when no point is chosen: the server names the field). */
  fields() {
    return this.point ? { longitude: this.point.longitude, latitude: this.point.latitude } : {};
  }
}

/** Six decimals: about 10 cm, more than a click can tell. */
function round(/** @type {number} */ degrees) {
  return Math.round(degrees * 1e6) / 1e6;
}
