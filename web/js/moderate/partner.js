// @ts-check
// Partner tools: open a call for projects, and put a discovery day on the agenda (its
// place clicked on a small map, or typed as longitude and latitude).

import { el, byId } from '../dom.js';
import { applyTexts, pickText } from '../i18n/apply.js';
import { field, form, input, showReceipt, text, textarea, wireSubmit } from '../participate/form.js';
import { get } from '../participate/http.js';
import { buildStyle } from '../map-style.js';
import { change } from './session.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */
/** @typedef {import('../participate/api.js').Theme} Theme */

/** Two fields, Dutch and French, for one bilingual text (`title` → title.nl, title.fr). */
function bilingual(/** @type {string} */ prefix, /** @type {string} */ name, /** @type {string} */ labelPath, long = false) {
  const make = (/** @type {'nl' | 'fr'} */ l) => {
    const control = long ? textarea(`${prefix}-${name}-${l}`, `${name}.${l}`, 2000, 3) : input('text', `${prefix}-${name}-${l}`, `${name}.${l}`, { maxlength: '120' });
    control.setAttribute('lang', l);
    return field(`${labelPath}.${l}`, control, { names: [`${name}.${l}`, `${name}_${l}`, name] });
  };
  return { nl: make('nl'), fr: make('fr'), value: () => ({ nl: value(`${prefix}-${name}-nl`), fr: value(`${prefix}-${name}-fr`) }) };
}

function value(/** @type {string} */ id) {
  return /** @type {HTMLInputElement} */ (byId(id)).value.trim();
}

/** @param {() => Lang} lang @param {() => void} changed a call was created */
export function createPartnerTools(lang, changed) {
  const section = byId('partner-section');

  // A call for projects.
  const callTitle = bilingual('call', 'title', 'mod.partner.title');
  const callDescription = bilingual('call', 'description', 'mod.partner.description', true);
  const themes = el('div', { className: 'themes-choice', attrs: { id: 'call-themes-list' } });
  const themesSet = el('fieldset', { className: 'field group', attrs: { id: 'call-themes', 'data-fields': 'themes' } }, [
    el('legend', { attrs: { 'data-t': 'mod.partner.themes' } }), themes, el('p', { className: 'field-error', attrs: { id: 'call-themes-error' } }),
  ]);
  const opens = input('date', 'call-opens', 'opens_on');
  const closes = input('date', 'call-closes', 'closes_on');
  const callForm = form('call-form', [
    callTitle.nl, callTitle.fr, callDescription.nl, callDescription.fr, themesSet,
    el('div', { className: 'field-row' }, [field('mod.partner.opensOn', opens), field('mod.partner.closesOn', closes)]),
  ], 'mod.partner.createCall', { withHoneypot: false });
  wireSubmit(callForm, lang, () => change('POST', '/api/calls', {
    title: callTitle.value(),
    description: callDescription.value(),
    themes: [...themes.querySelectorAll('input:checked')].map((b) => /** @type {HTMLInputElement} */ (b).value),
    opens_on: opens.value,
    closes_on: closes.value,
  }), (created) => {
    showReceipt(callForm, null, lang(), 'mod.partner.callCreated');
    callForm.querySelector('.receipt')?.setAttribute('data-id', String(created?.id ?? ''));
    changed();
  });

  // A discovery day.
  const eventTitle = bilingual('event', 'title', 'mod.partner.title');
  const eventDescription = bilingual('event', 'description', 'mod.partner.description', true);
  const starts = input('date', 'event-starts', 'starts_on');
  const place = input('text', 'event-place', 'place', { maxlength: '200' });
  const lon = input('number', 'event-longitude', 'longitude', { step: 'any', min: '-180', max: '180' });
  const lat = input('number', 'event-latitude', 'latitude', { step: 'any', min: '-90', max: '90' });
  const mapBox = el('div', { className: 'mini-map', attrs: { id: 'event-map', role: 'region', 'data-t-aria-label': 'mod.partner.mapLabel' } });
  const eventForm = form('event-form', [
    eventTitle.nl, eventTitle.fr, eventDescription.nl, eventDescription.fr,
    el('div', { className: 'field-row' }, [field('mod.partner.startsOn', starts), field('mod.partner.place', place)]),
    text('p', 'mod.partner.mapHint', 'hint'),
    mapBox,
    el('div', { className: 'field-row' }, [field('mod.partner.longitude', lon), field('mod.partner.latitude', lat)]),
  ], 'mod.partner.createEvent', { withHoneypot: false });
  wireSubmit(eventForm, lang, () => change('POST', '/api/events', {
    title: eventTitle.value(),
    description: eventDescription.value(),
    starts_on: starts.value,
    place: place.value.trim(),
    longitude: lon.value === '' ? null : Number(lon.value),
    latitude: lat.value === '' ? null : Number(lat.value),
  }), (created) => {
    showReceipt(eventForm, null, lang(), 'mod.partner.eventCreated');
    eventForm.querySelector('.receipt')?.setAttribute('data-id', String(created?.id ?? ''));
  });

  section.append(
    el('details', { className: 'part-section', attrs: { id: 'call-tools', open: '' } }, [el('summary', {}, [el('h3', { attrs: { 'data-t': 'mod.partner.callHeading' } })]), callForm]),
    el('details', { className: 'part-section', attrs: { id: 'event-tools', open: '' } }, [el('summary', {}, [el('h3', { attrs: { 'data-t': 'mod.partner.eventHeading' } })]), eventForm]),
  );

  /** @type {Theme[]} */
  let themeList = [];
  const renderThemes = () => {
    const l = lang();
    const checked = new Set([...themes.querySelectorAll('input:checked')].map((b) => /** @type {HTMLInputElement} */ (b).value));
    themes.replaceChildren(...themeList.map((th) => {
      const box = el('input', { attrs: { type: 'checkbox', id: `call-theme-${th.id}`, name: 'themes', value: th.id } });
      box.checked = checked.has(th.id);
      return el('div', { className: 'choice' }, [box, el('label', { text: pickText(th.name, l).text || th.id, attrs: { for: box.id } })]);
    }));
  };

  /** @type {import('maplibre-gl').Map | null} */
  let map = null;
  /** @type {import('maplibre-gl').Marker | null} */
  let marker = null;
  const place_ = (/** @type {number} */ lng, /** @type {number} */ lt) => {
    if (!map) return;
    marker = marker ?? new window.maplibregl.Marker({ color: '#7c3aed' });
    marker.setLngLat([lng, lt]).addTo(map);
  };
  const startMap = () => {
    if (map || !window.maplibregl) return;
    const servicesUrl = new URL('/tiles/services.json', window.location.href).href;
    map = new window.maplibregl.Map({ container: mapBox, style: buildStyle({ lang: lang(), servicesUrl }), center: [2.75, 50.85], zoom: 8, dragRotate: false, attributionControl: false });
    map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.on('click', (e) => {
      const lng = Math.round(e.lngLat.lng * 1e6) / 1e6;
      const lt = Math.round(e.lngLat.lat * 1e6) / 1e6;
      lon.value = String(lng);
      lat.value = String(lt);
      place_(lng, lt);
    });
    map.on('load', () => { mapBox.dataset.ready = 'true'; });
  };
  for (const control of [lon, lat]) {
    control.addEventListener('change', () => {
      if (lon.value !== '' && lat.value !== '') place_(Number(lon.value), Number(lat.value));
    });
  }

  return {
    async load() {
      try {
        themeList = await get('/api/participation/themes');
      } catch {
        themeList = [];
      }
      renderThemes();
      startMap();
    },
    relabel() {
      applyTexts(section, lang());
      renderThemes();
    },
  };
}
