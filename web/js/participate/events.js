// @ts-check
// Discovery days: the agenda from today on, by date, and the same days on the map.

import { el } from '../dom.js';
import { pickText } from '../i18n/apply.js';
import { strings } from '../i18n/index.js';
import * as api from './api.js';
import { text } from './form.js';

/** @typedef {import('./panel.js').Context} Context */
/** @typedef {import('../i18n/index.js').Lang} Lang */

/** A day as the reader writes it (`zaterdag 6 juni 2026`). */
export function formatDay(/** @type {Lang} */ lang, /** @type {string} */ day) {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(strings(lang).locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

/**
 * The days grouped by date, in date order.
 * @param {api.DiscoveryDay[]} days
 * @returns {[string, api.DiscoveryDay[]][]}
 */
export function byDate(days) {
  /** @type {Map<string, api.DiscoveryDay[]>} */
  const groups = new Map();
  for (const d of [...days].sort((a, b) => a.starts_on.localeCompare(b.starts_on) || a.id - b.id)) {
    groups.set(d.starts_on, [...(groups.get(d.starts_on) ?? []), d]);
  }
  return [...groups.entries()];
}

/** @param {Context} ctx */
export function createAgenda(ctx) {
  const list = el('div', { className: 'agenda', attrs: { id: 'events-list', 'aria-live': 'polite' } });
  const element = el('div', {}, [text('p', 'part.events.intro', 'intro'), list]);
  /** @type {api.DiscoveryDay[]} */
  let days = [];

  const render = () => {
    const lang = ctx.lang();
    const t = strings(lang).part.events;
    if (days.length === 0) {
      list.replaceChildren(el('p', { className: 'hint', text: t.none }));
      return;
    }
    list.replaceChildren(...byDate(days).map(([day, items]) => el('section', { className: 'agenda-day', attrs: { 'data-day': day } }, [
      el('h4', { text: formatDay(lang, day) }),
      el('ul', { className: 'plain' }, items.map((d) => {
        const title = pickText(d.title, lang);
        const description = pickText(d.description, lang);
        const show = el('button', { className: 'link', text: t.showOnMap, attrs: { type: 'button' } });
        show.addEventListener('click', () => ctx.flyTo(d.longitude, d.latitude));
        return el('li', { attrs: { 'data-event': String(d.id) } }, [
          el('strong', { text: title.text, attrs: { lang: title.lang } }),
          el('span', { className: 'place', text: ` — ${d.place}` }),
          ...(description.text ? [el('p', { className: 'description', text: description.text, attrs: { lang: description.lang } })] : []),
          show,
        ]);
      })),
    ])));
  };

  return {
    element,
    async load() {
      try {
        days = await api.events(api.today());
      } catch (err) {
        ctx.error(`events: ${err}`);
        days = [];
      }
      render();
      element.dataset.loaded = String(days.length);
      await ctx.layers.set('events', days);
    },
    render,
    /** The popup of one day on the map. */
    popup(/** @type {api.DiscoveryDay} */ d) {
      const lang = ctx.lang();
      const title = pickText(d.title, lang);
      const description = pickText(d.description, lang);
      return el('div', { className: 'part-popup', attrs: { lang } }, [
        el('h2', { text: title.text, attrs: { lang: title.lang } }),
        el('p', { text: `${formatDay(lang, d.starts_on)} — ${d.place}` }),
        ...(description.text ? [el('p', { text: description.text, attrs: { lang: description.lang } })] : []),
      ]);
    },
  };
}
