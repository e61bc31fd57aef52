// @ts-check
// "Take part": the citizen's side of the atlas. A section per way of taking part
// (report a service, the idea box, calls for projects, discovery days, the needs
// questionnaire, then-and-now photos), the participation's map layers, and what residents
// said in the commune profile. main.js creates it and tells it about the language, the
// commune opened and the map's clicks.

import { el, byId } from '../dom.js';
import { applyTexts } from '../i18n/apply.js';
import * as api from './api.js';
import { createCalls } from './calls.js';
import { createCommuneParticipation } from './commune.js';
import { createAgenda } from './events.js';
import { text } from './form.js';
import { createIdeaForm } from './idea.js';
import { ParticipationLayers } from './layers.js';
import { createPhotos } from './photos.js';
import { handleMapClick } from './point.js';
import { createQuestionnaire } from './questionnaire.js';
import { createReportForm } from './report.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */

/**
 * What the participation's parts read from the atlas.
 * @typedef {object} Context
 * @property {() => Lang} lang
 * @property {() => import('maplibre-gl').Map | null} map
 * @property {() => import('../api.js').Group[]} groups
 * @property {(id: string) => string} categoryLabel
 * @property {() => api.Theme[]} themes
 * @property {ParticipationLayers} layers
 * @property {(longitude: number, latitude: number) => void} flyTo
 * @property {(message: string) => void} error
 * @property {(commune: string) => void} needsChanged a questionnaire was answered
 */

/**
 * @typedef {object} Options
 * @property {() => Lang} lang
 * @property {() => import('maplibre-gl').Map | null} map
 * @property {() => Promise<void>} styleLoaded
 * @property {() => import('../api.js').Group[]} groups
 * @property {(id: string) => string} categoryLabel
 * @property {(content: Node, at: import('maplibre-gl').LngLatLike) => void} showPopup
 * @property {(message: string) => void} error
 */

/** @param {Options} options */
export function createParticipation(options) {
  /** @type {api.Theme[]} */
  let themes = [];
  const layers = new ParticipationLayers(options.map, options.styleLoaded);
  /** @type {string | null} */
  let openCommune = null;
  /** @type {Context} */
  const ctx = {
    lang: options.lang,
    map: options.map,
    groups: options.groups,
    categoryLabel: options.categoryLabel,
    themes: () => themes,
    layers,
    flyTo(longitude, latitude) {
      options.map()?.flyTo({ center: [longitude, latitude], zoom: Math.max(options.map()?.getZoom() ?? 0, 12) });
    },
    error: options.error,
    needsChanged(commune) {
      if (commune === openCommune) profile.show(commune);
    },
  };

  const report = createReportForm(ctx);
  const idea = createIdeaForm(ctx);
  const calls = createCalls(ctx);
  const agenda = createAgenda(ctx);
  const needs = createQuestionnaire(ctx);
  const photos = createPhotos(ctx);
  const profile = createCommuneParticipation(ctx);
  layers.popup('events', agenda.popup);
  layers.popup('photos', photos.popup);
  layers.popup('projects', calls.popup);

  /** @type {[string, string, Node][]} */
  const sections = [
    ['report', 'part.report.heading', report.element],
    ['idea', 'part.idea.heading', idea.element],
    ['calls', 'part.calls.heading', calls.element],
    ['events', 'part.events.heading', agenda.element],
    ['needs', 'part.needs.heading', needs.element],
    ['photos', 'part.photos.heading', photos.element],
  ];
  const toggles = /** @type {[import('./layers.js').Kind, string][]} */ ([['events', 'part.layers.events'], ['photos', 'part.layers.photos'], ['projects', 'part.layers.projects']]).map(([kind, path]) => {
    const box = el('input', { attrs: { type: 'checkbox', id: `part-layer-${kind}`, 'data-layer': kind } });
    box.checked = true;
    box.addEventListener('change', () => layers.show(kind, box.checked));
    return el('div', { className: 'choice' }, [box, el('label', { attrs: { for: box.id, 'data-t': path } }), el('span', { className: `layer-dot layer-dot-${kind}`, attrs: { 'aria-hidden': 'true' } })]);
  });
  const root = byId('participate');
  root.replaceChildren(
    text('p', 'part.intro', 'intro'),
    el('fieldset', { className: 'part-layers' }, [el('legend', { attrs: { 'data-t': 'part.layers.legend' } }), ...toggles]),
    ...sections.map(([id, heading, content]) => el('details', { className: 'part-section', attrs: { id: `part-${id}` } }, [
      el('summary', {}, [el('h3', { attrs: { 'data-t': heading } })]),
      content,
    ])),
  );

  const relabel = () => {
    applyTexts(root, options.lang());
    report.relabel();
    idea.relabel();
    calls.relabel();
    agenda.render();
    needs.relabel();
    photos.relabel();
    profile.render();
  };
  relabel();

  return {
    /** Loads the themes and the lists; the taxonomy is the atlas's (call once it is loaded). */
    async start() {
      try {
        themes = await api.themes();
      } catch (err) {
        options.error(`themes: ${err}`);
      }
      relabel();
      await Promise.all([calls.load(), agenda.load(), photos.load()]);
      document.documentElement.dataset.participation = 'ready';
    },
    relabel,
    /** A commune opened on the map: the forms follow it, its profile shows what residents said. */
    communeOpened(/** @type {import('../api.js').Profile} */ p) {
      openCommune = p.id;
      idea.commune.follow(p);
      needs.commune.follow(p);
      profile.show(p.id);
    },
    communeClosed() {
      openCommune = null;
      profile.hide();
    },
    /**
     * A click on the map: a place for an armed form, else a participation feature's
     * popup; false when it is the atlas's to handle.
     * @param {import('maplibre-gl').MapMouseEvent} e
     */
    handleClick(e) {
      if (handleMapClick(e.lngLat)) return true;
      const content = layers.popupAt(e.point);
      if (!content) return false;
      options.showPopup(content, e.lngLat);
      return true;
    },
  };
}
