// @ts-check
// Reporting a service that opened, closed or changed: a place on the map, its category,
// what happened and when. For a closure or a change the resident says which existing
// service it is, from those of the category within 50 m (/api/reports/nearby).

import { el } from '../dom.js';
import { applyTexts } from '../i18n/apply.js';
import { formatDistance, strings } from '../i18n/index.js';
import * as api from './api.js';
import { field, fillCategories, form, group, honeypotValue, input, optionalValue, showReceipt, text, textarea, wireSubmit } from './form.js';
import { PointPicker } from './point.js';

/** @typedef {import('./panel.js').Context} Context */

const ACTIONS = ['closed', 'changed', 'opened'];

/** @param {Context} ctx */
export function createReportForm(ctx) {
  const id = 'report';
  const actions = ACTIONS.map((action) => {
    const radio = input('radio', `${id}-action-${action}`, 'action', { value: action });
    if (action === 'closed') radio.checked = true;
    return el('div', { className: 'choice' }, [radio, el('label', { attrs: { for: radio.id, 'data-t': `part.report.actions.${action}` } })]);
  });
  const category = el('select', { attrs: { id: `${id}-category`, name: 'category' } });
  const picker = new PointPicker(`${id}-point`, ctx.map, ctx.lang, () => refreshNearby());
  const nearbyList = el('div', { className: 'nearby-list', attrs: { id: `${id}-nearby-list` } });
  const nearbyStatus = el('p', { className: 'hint', attrs: { id: `${id}-nearby-status`, 'aria-live': 'polite' } });
  const nearby = group('part.report.nearbyLegend', ['service_id'], [nearbyStatus, nearbyList], `${id}-nearby`);
  const date = input('date', `${id}-date`, 'observed_on', { max: api.today() });
  date.value = api.today();
  const name = input('text', `${id}-name`, 'name', { maxlength: '200', autocomplete: 'off' });
  const reason = textarea(`${id}-reason`, 'reason', 500, 3);
  const email = input('email', `${id}-email`, 'contact_email', { maxlength: '200', autocomplete: 'email' });

  const node = form(`${id}-form`, [
    text('p', 'part.report.intro', 'intro'),
    group('part.report.action', ['action'], actions, `${id}-actions`),
    field('part.report.category', category),
    picker.element,
    nearby,
    field('part.report.date', date),
    field('part.report.name', name, { optional: true }),
    field('part.report.reason', reason, { optional: true }),
    field('part.email', email, { optional: true, hintPath: 'part.emailHint' }),
  ]);

  const action = () => /** @type {HTMLInputElement | null} */ (node.querySelector('input[name="action"]:checked'))?.value ?? 'closed';

  let ticket = 0;
  /** Lists the services the report can be about; `nearby` data attributes say what it shows. */
  async function refreshNearby() {
    const lang = ctx.lang();
    const needed = action() !== 'opened';
    nearby.hidden = !needed;
    const mine = ++ticket;
    const before = /** @type {HTMLInputElement | null} */ (nearbyList.querySelector('input:checked'))?.value ?? null;
    nearbyList.replaceChildren();
    if (!needed) return;
    const point = picker.point;
    if (!point || !category.value) {
      setNearbyStatus('part.report.nearbyFirst', 'waiting');
      return;
    }
    setNearbyStatus('part.report.nearbyLoading', 'loading');
    let found;
    try {
      found = await api.nearby(point, category.value);
    } catch {
      if (mine !== ticket) return;
      setNearbyStatus('part.report.nearbyFailed', 'error');
      return;
    }
    if (mine !== ticket) return;
    nearby.dataset.count = String(found.length);
    if (found.length === 0) {
      setNearbyStatus('part.report.nearbyNone', 'ready');
      return;
    }
    setNearbyStatus('part.report.nearbyPick', 'ready');
    const t = strings(lang);
    nearbyList.replaceChildren(...found.map((s) => {
      const radio = input('radio', `${id}-service-${s.id}`, 'service_id', { value: String(s.id) });
      radio.checked = String(s.id) === before;
      const label = el('label', { attrs: { for: radio.id } }, [
        el('span', { className: 'nearby-name', text: s.name || t.serviceUnnamed }),
        ` — ${formatDistance(lang, s.distance_m)}`,
        ...(s.closed ? [el('span', { className: 'nearby-closed', text: ` (${t.part.report.alreadyClosed})` })] : []),
      ]);
      return el('div', { className: 'choice', attrs: { 'data-service': String(s.id) } }, [radio, label]);
    }));
  }

  function setNearbyStatus(/** @type {string} */ path, /** @type {string} */ state) {
    nearbyStatus.dataset.t = path;
    nearby.dataset.state = state;
    if (state !== 'ready') nearby.dataset.count = '';
    applyTexts(nearbyStatus, ctx.lang());
  }

  for (const radio of node.querySelectorAll('input[name="action"]')) radio.addEventListener('change', refreshNearby);
  category.addEventListener('change', refreshNearby);

  wireSubmit(node, ctx.lang, () => {
    const chosen = /** @type {HTMLInputElement | null} */ (node.querySelector('input[name="service_id"]:checked'));
    const a = action();
    return api.sendReport({
      action: a,
      category: category.value,
      ...picker.fields(),
      ...(a !== 'opened' && chosen ? { service_id: Number(chosen.value) } : {}),
      observed_on: date.value,
      name: optionalValue(name),
      reason: optionalValue(reason),
      language: ctx.lang(),
      contact_email: optionalValue(email),
      website: honeypotValue(node),
    });
  }, (created) => {
    showReceipt(node, created, ctx.lang());
    for (const control of [name, reason]) control.value = '';
    picker.clear();
  });

  return {
    element: node,
    relabel() {
      fillCategories(category, ctx.groups(), ctx.lang());
      picker.render();
      refreshNearby();
    },
  };
}
