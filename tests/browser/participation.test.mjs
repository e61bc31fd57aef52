// Citizen participation end to end in headless Chromium, against `observatory serve` on
// freshly ingested Westhoek data (harness.mjs) with a moderator made on the command line:
// a resident reports a pharmacy closed and a moderator's acceptance changes the map and
// the indicators; every form speaks the reader's language and shows the server's refusal
// at the field it names; an idea written as markup is shown as text; the withdraw page
// withdraws. The tests wait on the pages' data attributes, never on time.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import en from '../../web/js/i18n/en.js';
import fr from '../../web/js/i18n/fr.js';
import nl from '../../web/js/i18n/nl.js';
import { ARTIFACTS, INGEST_TIMEOUT_MS, startFixture } from './harness.mjs';

const STRINGS = { nl, fr, en };
const VIEWPORT = { width: 1280, height: 900 };
const READY_TIMEOUT_MS = 60_000;
const MODERATOR = { username: 'moderator.test', password: 'a long test password 4 moderation' };
const IEPER = { id: 'BE-33011', lon: 2.885, lat: 50.851 };
/** In the North Sea, off Dunkirk: no commune there. */
const SEA = { lon: 2.2, lat: 51.3 };
const XSS = '<img src=x onerror=window.__xss=1><script>window.__xss=2</script>';

let fixture;
/** An open call for projects, made by the moderator (who may do what partners do). */
let openCall = null;

before(async () => {
  fixture = await startFixture();
  mkdirSync(ARTIFACTS, { recursive: true });
  await fixture.addUser(MODERATOR.username, 'moderator', MODERATOR.password);
  const session = await apiSession();
  const today = new Date().toISOString().slice(0, 10);
  const closes = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const created = await session.send('POST', '/api/calls', {
    title: { nl: 'Dorpen die leven', fr: 'Villages vivants' },
    description: { nl: 'Projecten voor voorzieningen in de dorpen.', fr: 'Des projets pour les services des villages.' },
    themes: ['shops'],
    opens_on: today,
    closes_on: closes,
  });
  assert.equal(created.status, 201, `POST /api/calls: ${JSON.stringify(created.body)}`);
  openCall = created.body.id;
}, { timeout: INGEST_TIMEOUT_MS + 3 * 60_000 });
after(async () => fixture && fixture.stop(), { timeout: 60_000 });

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

async function api(pathAndQuery) {
  const response = await fetch(`${fixture.baseUrl}${pathAndQuery}`);
  assert.equal(response.status, 200, `GET ${pathAndQuery}`);
  return response.json();
}

/** The moderator's session from outside the browser, for what the tests set up. */
async function apiSession() {
  const response = await fetch(`${fixture.baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(MODERATOR),
  });
  assert.equal(response.status, 200, 'the moderator signs in');
  const { csrf_token: csrf } = await response.json();
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return {
    async send(method, pathAndQuery, body) {
      const r = await fetch(`${fixture.baseUrl}${pathAndQuery}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Cookie: cookie },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
  };
}

/** A browser context that records uncaught errors; `close` keeps a screenshot and checks them. */
async function newPage({ locale = 'en-GB', viewport = VIEWPORT } = {}) {
  const context = await fixture.browser.newContext({ locale, viewport });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
  const close = async (name) => {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    await context.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  };
  return { context, page, close };
}

/** Opens the atlas and waits until its map is drawn and the participation lists are loaded. */
async function openAtlas(query, options) {
  const opened = await newPage(options);
  const { page } = opened;
  const response = await page.goto(`${fixture.baseUrl}/?${query}`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  await page.waitForFunction(
    () => document.documentElement.dataset.mapReady === 'true' && document.documentElement.dataset.participation === 'ready',
    null,
    { timeout: READY_TIMEOUT_MS },
  );
  const close = async (name) => {
    const errors = await page.evaluate(() => window.__observatory.errors);
    await opened.close(name);
    assert.deepEqual(errors, [], 'the atlas reported no errors');
  };
  return { ...opened, close };
}

/** Opens a section of "Take part" (and the panel, closed at phone width). */
async function openSection(page, id) {
  await page.evaluate(() => { document.getElementById('participate-panel').open = true; });
  const open = await page.evaluate((i) => document.getElementById(`part-${i}`).open, id);
  if (!open) await page.click(`#part-${id} > summary`);
}

async function jumpTo(page, lon, lat, zoom) {
  await page.evaluate(([lng, lt, z]) => new Promise((resolve) => {
    const { map } = window.__observatory;
    map.once('idle', resolve);
    map.jumpTo({ center: [lng, lt], zoom: z });
  }), [lon, lat, zoom]);
}

/** Clicks the map canvas at a place, as a resident does. */
async function clickMap(page, lon, lat, zoom) {
  await jumpTo(page, lon, lat, zoom);
  const point = await page.evaluate(([lng, lt]) => {
    const { map } = window.__observatory;
    const p = map.project([lng, lt]);
    const rect = map.getCanvas().getBoundingClientRect();
    const x = rect.left + p.x;
    const y = rect.top + p.y;
    return { x, y, onCanvas: document.elementFromPoint(x, y) === map.getCanvas() };
  }, [lon, lat]);
  assert.ok(point.onCanvas, `the map canvas is clickable at lon ${lon}, lat ${lat}`);
  await page.mouse.click(point.x, point.y);
}

/** Submits a form and waits until the server answered; returns its state and receipt. */
async function submit(page, formId) {
  await page.click(`#${formId} button[type="submit"]`);
  await page.waitForFunction((id) => ['sent', 'error'].includes(document.getElementById(id).dataset.state), formId, { timeout: 20_000 });
  return page.evaluate((id) => {
    const form = document.getElementById(id);
    const receipt = form.querySelector('.receipt');
    return {
      state: form.dataset.state,
      status: form.dataset.status ?? null,
      errorField: form.dataset.errorField ?? null,
      message: form.querySelector('.form-message').hidden ? null : form.querySelector('.form-message').textContent,
      invalid: [...form.querySelectorAll('.invalid')].map((w) => w.getAttribute('data-fields')),
      id: receipt.dataset.id ? Number(receipt.dataset.id) : null,
      token: receipt.dataset.withdrawToken ?? null,
      link: receipt.querySelector('a.withdraw-link')?.getAttribute('href') ?? null,
      receipt: receipt.hidden ? null : receipt.textContent,
    };
  }, formId);
}

/** Signs the moderator in on moderate.html. */
async function openModeration(lang) {
  const opened = await newPage();
  const { page } = opened;
  await page.goto(`${fixture.baseUrl}/moderate.html?lang=${lang}`);
  await page.waitForFunction(() => document.documentElement.dataset.session === 'none', null, { timeout: 20_000 });
  assert.equal(await page.textContent('label[for="login-username"]'), STRINGS[lang].mod.login.username);
  await page.fill('#login-username', MODERATOR.username);
  await page.fill('#login-password', MODERATOR.password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForFunction(() => document.documentElement.dataset.session === 'moderator', null, { timeout: 20_000 });
  return opened;
}

/** Accepts a contribution from the moderation queue, as a moderator does. */
async function acceptInQueue(page, kind, id) {
  await page.selectOption('#queue-kind', kind);
  await page.waitForSelector(`#queue-list li[data-id="${id}"][data-status="pending"]`, { timeout: 20_000 });
  await page.click(`#accept-${id} button[type="submit"]`);
  await page.waitForSelector(`#queue-list li[data-id="${id}"][data-status="accepted"]`, { timeout: 30_000 });
}

/** A commune with one open pharmacy, which is also the nearest to its inhabitants. */
async function communeWithOnePharmacy() {
  const services = await api('/exports/services.geojson?category=pharmacy');
  const byCommune = new Map();
  for (const f of services.features) {
    if (!f.properties.commune || f.properties.closure_candidate) continue;
    byCommune.set(f.properties.commune, [...(byCommune.get(f.properties.commune) ?? []), f]);
  }
  for (const [commune, features] of byCommune) {
    if (features.length !== 1) continue;
    const profile = await api(`/api/communes/${commune}`);
    const nearest = profile.nearest.find((n) => n.category === 'pharmacy' && n.scope === 'any');
    const [pharmacy] = features;
    if (nearest && nearest.service.id === pharmacy.properties.id) {
      const [lon, lat] = pharmacy.geometry.coordinates;
      return { commune, pharmacy: { id: pharmacy.properties.id, lon, lat }, nearest };
    }
  }
  throw new Error('no commune has exactly one open pharmacy that is its nearest');
}

async function pharmacyIndicator(commune) {
  const values = await api('/api/indicators/nearest_service_m?category=pharmacy');
  return values.values.find((v) => v.commune === commune)?.value ?? null;
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('participation', { timeout: 10 * 60_000 }, () => {
  test('a resident reports a closed pharmacy, a moderator accepts it, and the map and indicators change', async () => {
    const { commune, pharmacy, nearest } = await communeWithOnePharmacy();
    const indicatorBefore = await pharmacyIndicator(commune);
    assert.notEqual(indicatorBefore, null, `${commune} has a pharmacy distance`);

    // The resident, in French: the pharmacy's place clicked on the map, picked from the list.
    const resident = await openAtlas('lang=fr', { locale: 'fr-FR' });
    const { page } = resident;
    await openSection(page, 'report');
    assert.equal(await page.textContent('#part-report summary h3'), fr.part.report.heading);
    await page.check('#report-action-closed');
    await page.selectOption('#report-category', 'pharmacy');
    await page.click('#report-point-pick');
    assert.equal(await page.getAttribute('#report-point-pick', 'aria-pressed'), 'true');
    await clickMap(page, pharmacy.lon, pharmacy.lat, 16);
    await page.waitForFunction(() => document.getElementById('report-point').dataset.longitude !== '');
    await page.waitForSelector('#report-nearby[data-state="ready"]', { timeout: 20_000 });
    assert.equal(await page.textContent('#report-nearby-status'), fr.part.report.nearbyPick);
    await page.check(`#report-service-${pharmacy.id}`);
    await page.fill('#report-reason', 'Fermée depuis le début du mois, le rideau est baissé.');
    const sent = await submit(page, 'report-form');
    assert.equal(sent.state, 'sent', `the report was refused: ${sent.message}`);
    assert.ok(sent.token, 'the receipt gives the withdraw secret');
    assert.equal(new URL(sent.link).pathname, '/withdraw.html');
    assert.equal(decodeURIComponent(new URL(sent.link).hash.slice(1)), sent.token);
    assert.match(sent.receipt, new RegExp(fr.part.thanks.slice(0, 20)));
    await resident.close('participation-report-sent');

    // The moderator accepts it.
    const moderation = await openModeration('fr');
    await acceptInQueue(moderation.page, 'service_report', sent.id);
    await moderation.close('participation-report-accepted');

    // The services and the indicators now know it closed.
    const profile = await api(`/api/communes/${commune}`);
    const now = profile.nearest.find((n) => n.category === 'pharmacy' && n.scope === 'any');
    assert.notEqual(now?.service.id, pharmacy.id, 'the closed pharmacy is no longer the nearest');
    const indicatorAfter = await pharmacyIndicator(commune);
    assert.notEqual(indicatorAfter, indicatorBefore, 'the distance to the nearest pharmacy changed');
    assert.ok(indicatorAfter === null || indicatorAfter > indicatorBefore, `${indicatorAfter} > ${indicatorBefore}`);

    // Back on the atlas: the profile's nearest pharmacy is another, farther one, and the
    // pharmacy is drawn as closed.
    const atlas = await openAtlas(`lang=fr&commune=${commune}`, { locale: 'fr-FR' });
    await atlas.page.waitForFunction((c) => document.documentElement.dataset.profile === c, commune, { timeout: 20_000 });
    const distance = Number(await atlas.page.getAttribute('#profile-nearest li[data-category="pharmacy"] [data-scope="any"]', 'data-distance'));
    assert.ok(distance > nearest.distance_m, `the profile's nearest pharmacy is farther now (${distance} m > ${nearest.distance_m} m)`);
    await jumpTo(atlas.page, pharmacy.lon, pharmacy.lat, 15);
    const drawn = await atlas.page.evaluate((id) => {
      const { map, layers } = window.__observatory;
      return map.queryRenderedFeatures({ layers: [layers.services] })
        .filter((f) => f.id === id)
        .map((f) => ({ closed: f.properties.closure_candidate, lastSeen: f.properties.last_seen }));
    }, pharmacy.id);
    assert.ok(drawn.length > 0, 'the pharmacy is still drawn, as closed');
    for (const f of drawn) assert.equal(f.closed, true, 'drawn as closed');
    await atlas.close('participation-report-map');
  });

  for (const lang of ['nl', 'fr', 'en']) {
    test(`every form speaks ${lang} and shows the server's refusal at the field it names`, async () => {
      const t = STRINGS[lang].part;
      const phone = lang === 'nl';
      const { page, close } = await openAtlas(`lang=${lang}`, phone ? { viewport: { width: 390, height: 844 } } : {});
      const label = (id) => page.evaluate((i) => document.querySelector(`label[for="${i}"] [data-t]`).textContent, id);

      // The honeypot: in the form, out of sight, reach and assistive technology.
      const honeypot = await page.evaluate(() => {
        const input = document.querySelector('#report-form input[name="website"]');
        const box = input.getBoundingClientRect();
        return { tabindex: input.getAttribute('tabindex'), autocomplete: input.getAttribute('autocomplete'), hidden: input.closest('[aria-hidden="true"]') !== null, right: box.right };
      });
      assert.deepEqual(honeypot, { tabindex: '-1', autocomplete: 'off', hidden: true, right: honeypot.right });
      assert.ok(honeypot.right <= 0, 'the honeypot is off-screen');

      // A service report placed at sea, by the map's centre (the keyboard's way).
      await openSection(page, 'report');
      assert.equal(await page.textContent('#part-report summary h3'), t.report.heading);
      assert.equal(await label('report-category'), t.report.category);
      assert.equal(await page.textContent('#report-point legend'), t.point.legend);
      await page.check('#report-action-opened');
      await page.selectOption('#report-category', 'bakery');
      await jumpTo(page, SEA.lon, SEA.lat, 10);
      await page.click('#report-point-centre');
      let refused = await submit(page, 'report-form');
      assert.equal(refused.state, 'error');
      assert.equal(refused.status, '422');
      assert.equal(refused.errorField, 'longitude');
      assert.deepEqual(refused.invalid, ['longitude latitude']);
      assert.ok(refused.message.includes(t.point.legend), `the message names the field: ${refused.message}`);
      if (phone) {
        const fits = await page.evaluate(() => {
          const panel = document.getElementById('panel');
          return panel.scrollWidth <= panel.clientWidth + 1;
        });
        assert.ok(fits, 'the form fits the phone\'s width');
      }

      // An idea without a commune.
      await openSection(page, 'idea');
      assert.equal(await label('idea-title'), t.idea.title);
      assert.equal(await label('idea-theme'), t.idea.theme);
      await page.selectOption('#idea-theme', 'shops');
      await page.fill('#idea-title', 'Een bakker op het dorpsplein');
      await page.fill('#idea-body', 'Twee keer per week een bakkerswagen.');
      refused = await submit(page, 'idea-form');
      assert.equal(refused.errorField, 'commune');
      assert.ok(refused.message.includes(t.commune), refused.message);

      // A project idea without its (required) contact address.
      await openSection(page, 'calls');
      await page.waitForSelector(`#calls-list li[data-call="${openCall}"][data-open="true"]`);
      assert.equal(await label('project-email'), t.calls.email);
      await page.selectOption('#project-call', String(openCall));
      await page.fill('#project-title', 'Dorpswinkel');
      await page.fill('#project-description', 'Een coöperatieve winkel in het oude postkantoor.');
      await page.fill('#project-communes', 'ieper');
      await page.click(`#project-communes-results li[data-id="${IEPER.id}"]`);
      await page.waitForSelector(`#project-communes-chosen li[data-commune="${IEPER.id}"]`);
      refused = await submit(page, 'project-form');
      assert.equal(refused.errorField, 'contact_email');
      assert.ok(refused.message.includes(t.calls.email), refused.message);

      // A needs questionnaire without a commune.
      await openSection(page, 'needs');
      assert.equal(await page.textContent('#needs-uses legend'), t.needs.uses);
      assert.equal(await page.textContent('label[for="needs-where-pharmacy"]'), t.needs.whereLabel);
      await page.selectOption('#needs-where-pharmacy', 'across_border');
      await page.selectOption('#needs-how-pharmacy', 'car');
      refused = await submit(page, 'needs-form');
      assert.equal(refused.errorField, 'commune');

      // A photo at sea.
      await openSection(page, 'photos');
      assert.equal(await label('photo-caption'), t.photos.caption);
      await page.setInputFiles('#photo-image', { name: 'place.png', mimeType: 'image/png', buffer: tinyPng() });
      await page.fill('#photo-year', '1960');
      await page.fill('#photo-caption', 'De markt in 1960');
      await jumpTo(page, SEA.lon, SEA.lat, 10);
      await page.click('#photo-point-centre');
      refused = await submit(page, 'photo-form');
      assert.equal(refused.errorField, 'longitude');
      assert.ok(refused.message.includes(t.point.legend), refused.message);
      await close(`participation-forms-${lang}`);
    });
  }

  test('an idea written as markup is shown as text once accepted, and can be supported once', async () => {
    const resident = await openAtlas(`lang=en&commune=${IEPER.id}`);
    const { page } = resident;
    await page.waitForFunction((c) => document.documentElement.dataset.profile === c, IEPER.id, { timeout: 20_000 });
    await openSection(page, 'idea');
    // The idea's commune follows the one opened on the map.
    await page.waitForSelector(`#idea-commune-chosen li[data-commune="${IEPER.id}"]`);
    await page.selectOption('#idea-theme', 'culture');
    await page.fill('#idea-title', XSS);
    await page.fill('#idea-body', `${XSS}\nA second line.`);
    const sent = await submit(page, 'idea-form');
    assert.equal(sent.state, 'sent', `the idea was refused: ${sent.message}`);
    await resident.close('participation-idea-sent');

    const moderation = await openModeration('en');
    // The queue shows it as text too.
    await moderation.page.selectOption('#queue-kind', 'idea');
    await moderation.page.waitForSelector(`#queue-list li[data-id="${sent.id}"]`);
    assert.equal(await moderation.page.textContent(`#queue-list li[data-id="${sent.id}"] [data-key="title"] dd`), XSS);
    // Its theme by name, in the moderator's language, not by id.
    assert.equal(await moderation.page.textContent(`#queue-list li[data-id="${sent.id}"] [data-key="theme"] dd`), 'Culture, sport and leisure');
    await acceptInQueue(moderation.page, 'idea', sent.id);
    assert.equal(await moderation.page.evaluate(() => window.__xss), undefined);
    await moderation.close('participation-idea-accepted');

    const reader = await openAtlas(`lang=en&commune=${IEPER.id}`);
    const shown = await reader.page.waitForSelector(`#profile-ideas li[data-idea="${sent.id}"]`, { timeout: 20_000 });
    assert.equal(await reader.page.textContent(`#profile-ideas li[data-idea="${sent.id}"] .idea-title`), XSS);
    assert.equal(await reader.page.evaluate(() => document.querySelectorAll('#profile img, #profile script').length), 0);
    assert.equal(await reader.page.evaluate(() => window.__xss), undefined, 'no markup of the idea ran');
    // I support this: once, then the server knows this browser.
    const line = `#profile-ideas li[data-idea="${sent.id}"] .support-line`;
    await reader.page.click(`${line} button.support`);
    await reader.page.waitForSelector(`${line}[data-state="supported"]`);
    assert.equal(await reader.page.getAttribute(`${line} .support-count`, 'data-count'), '1');
    await reader.page.reload();
    await reader.page.waitForSelector(`${line} button.support`, { timeout: 30_000 });
    await reader.page.click(`${line} button.support`);
    await reader.page.waitForSelector(`${line}[data-state="supported"]`);
    assert.equal(await reader.page.textContent(`${line} .support-note`), en.part.support.already);
    assert.ok(shown);
    await reader.close('participation-idea-shown');
  });

  test('the withdraw page shows the contribution and withdraws it', async () => {
    const resident = await openAtlas(`lang=nl&commune=${IEPER.id}`, { locale: 'nl-BE' });
    await resident.page.waitForFunction((c) => document.documentElement.dataset.profile === c, IEPER.id, { timeout: 20_000 });
    await openSection(resident.page, 'idea');
    await resident.page.waitForSelector(`#idea-commune-chosen li[data-commune="${IEPER.id}"]`);
    await resident.page.selectOption('#idea-theme', 'mobility');
    await resident.page.fill('#idea-title', 'Een belbus naar het station');
    await resident.page.fill('#idea-body', 'Op zondag rijdt er geen bus.');
    await resident.page.fill('#idea-email', 'inwoner@example.org');
    const sent = await submit(resident.page, 'idea-form');
    assert.equal(sent.state, 'sent', `the idea was refused: ${sent.message}`);
    // The link opens the withdraw page (in a tab of its own), in the reader's language.
    const withdrawPage = await resident.context.newPage();
    await withdrawPage.goto(sent.link);
    await withdrawPage.waitForFunction(() => document.documentElement.dataset.withdrawStatus === 'pending', null, { timeout: 20_000 });
    assert.equal(await withdrawPage.textContent('#wd-status'), nl.wd.statuses.pending);
    assert.equal(await withdrawPage.textContent('#wd-kind'), nl.wd.kinds.idea);
    await withdrawPage.click('#wd-withdraw');
    await withdrawPage.waitForFunction(() => document.documentElement.dataset.withdrawStatus === 'withdrawn', null, { timeout: 20_000 });
    assert.equal(await withdrawPage.textContent('#wd-status-line'), nl.wd.done);
    assert.equal(await withdrawPage.isHidden('#wd-withdraw'), true);
    await withdrawPage.screenshot({ path: path.join(ARTIFACTS, 'participation-withdrawn.png') });
    const status = await api(`/api/withdraw/${encodeURIComponent(sent.token)}`);
    assert.equal(status.status, 'withdrawn');
    await resident.close('participation-withdraw-sent');

    // A link without its secret says so.
    const lost = await newPage();
    await lost.page.goto(`${fixture.baseUrl}/withdraw.html?lang=fr`);
    await lost.page.waitForFunction(() => document.documentElement.dataset.withdrawStatus === 'none');
    assert.equal(await lost.page.textContent('#wd-status-line'), fr.wd.noToken);
    await lost.close('participation-withdraw-no-token');
  });
});

/** A valid 1×1 PNG. */
function tinyPng() {
  return Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
}
