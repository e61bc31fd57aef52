// The web atlas end to end in headless Chromium, against `observatory serve` on freshly
// ingested Westhoek data (harness.mjs): languages, the choropleth and its legend against
// the API, the commune profile, search, service groups and dates, downloads, the URL.
// Each test keeps a screenshot in tests/browser/artifacts/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { classify, classOf } from '../../web/js/classify.js';
import en from '../../web/js/i18n/en.js';
import fr from '../../web/js/i18n/fr.js';
import nl from '../../web/js/i18n/nl.js';
import { ARTIFACTS, INGEST_TIMEOUT_MS, startFixture } from './harness.mjs';

const STRINGS = { nl, fr, en };
const VIEWPORT = { width: 1280, height: 860 };
const READY_TIMEOUT_MS = 60_000;
const IEPER = { id: 'BE-33011', lon: 2.885, lat: 50.851 };
const DUNKERQUE = { id: 'FR-59183', lon: 2.37, lat: 51.035 };

let fixture;
before(async () => {
  fixture = await startFixture();
  mkdirSync(ARTIFACTS, { recursive: true });
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

/**
 * Opens the atlas at `query` (without `?`) in a new context, waits until the map has
 * drawn its communes and the choropleth is applied; records requests and page errors.
 */
async function openAtlas(query = '', { locale = 'en-GB', viewport = VIEWPORT } = {}) {
  const context = await fixture.browser.newContext({ locale, viewport, acceptDownloads: true });
  const page = await context.newPage();
  const requests = [];
  const pageErrors = [];
  page.on('request', (req) => requests.push(req.url()));
  page.on('pageerror', (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
  // What the Content-Security-Policy blocks, reported by the page and on the console.
  const cspViolations = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const response = await page.goto(`${fixture.baseUrl}/${query ? `?${query}` : ''}`, { waitUntil: 'load' });
  assert.equal(response.status(), 200, 'GET / answers 200');
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/, 'the page is served with its Content-Security-Policy');
  await page.waitForFunction(
    () => document.documentElement.dataset.mapReady === 'true' && Boolean(document.documentElement.dataset.choropleth),
    null,
    { timeout: READY_TIMEOUT_MS },
  );
  const close = async (name) => {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    const errors = await page.evaluate(() => window.__observatory.errors);
    const violations = await page.evaluate(() => window.__cspViolations);
    await context.close();
    assert.deepEqual([...violations, ...cspViolations], [], 'the Content-Security-Policy blocked nothing');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(errors, [], 'the atlas reported no errors');
  };
  return { page, requests, close };
}

/** Waits until the map has nothing left to load or draw. */
function idle(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const { map } = window.__observatory;
    if (map.loaded() && !map.isMoving()) {
      map.once('idle', resolve);
      map.triggerRepaint();
    } else map.once('idle', resolve);
  }));
}

async function jumpTo(page, lon, lat, zoom) {
  await page.evaluate(([lng, lt, z]) => new Promise((resolve) => {
    const { map } = window.__observatory;
    map.once('idle', resolve);
    map.jumpTo({ center: [lng, lt], zoom: z });
  }), [lon, lat, zoom]);
}

/** Centres the map on a point at zoom 8.5 (below the services, which a click would
 * open instead) and clicks it. */
async function clickLonLat(page, lon, lat) {
  await jumpTo(page, lon, lat, 8.5);
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

async function waitForChoropleth(page, key) {
  try {
    await page.waitForFunction((k) => document.documentElement.dataset.choropleth === k, key, { timeout: 20_000 });
  } catch (err) {
    const shown = await page.evaluate(() => `${document.documentElement.dataset.choropleth} at ${window.location.search}`);
    throw new Error(`the map did not show ${key}: it shows ${shown}`, { cause: err });
  }
}

async function waitForProfile(page, id) {
  await page.waitForFunction((i) => document.documentElement.dataset.profile === i, id, { timeout: 20_000 });
}

/** The legend's classes and "not known here" line, as the page shows them. */
function readLegend(page) {
  return page.evaluate(() => ({
    classes: [...document.querySelectorAll('#legend-classes li.legend-class')].map((li) => ({
      lower: Number(li.dataset.lower),
      upper: Number(li.dataset.upper),
      count: Number(li.dataset.count),
    })),
    noData: Number(document.getElementById('legend-no-data').dataset.count),
    why: [...document.querySelectorAll('#legend-why-list li')].map((li) => li.textContent),
    whyShown: !document.getElementById('legend-why').hidden,
    title: document.getElementById('legend-title').textContent,
    unit: document.getElementById('legend-unit').textContent,
  }));
}

/** The classes the API's values make, as the page must draw them. */
function expectedClasses(values, method) {
  return classify(values.values.filter((v) => v.value !== null).map((v) => v.value), method);
}

function assertLegendMatches(legend, values, method) {
  const expected = expectedClasses(values, method);
  assert.equal(legend.classes.length, expected.counts.length, `${method}: number of classes`);
  legend.classes.forEach((c, i) => {
    assert.equal(c.lower, expected.bounds[i], `${method}: class ${i} lower bound`);
    assert.equal(c.upper, expected.bounds[i + 1], `${method}: class ${i} upper bound`);
    assert.equal(c.count, expected.counts[i], `${method}: class ${i} count`);
  });
  assert.equal(legend.classes.reduce((n, c) => n + c.count, 0), values.count, 'every commune with a value is in a class');
  assert.equal(legend.noData, values.no_data, '"not known here" counts the communes without a value');
  assert.equal(legend.classes.length + legend.noData > 0, true);
  if (values.count > 0) {
    assert.equal(legend.classes[0].lower, values.min, 'the first class starts at the minimum');
    assert.equal(legend.classes.at(-1).upper, values.max, 'the last class ends at the maximum');
  }
}

/** Services drawn now, with their group and dates. */
function renderedServices(page) {
  return page.evaluate(() => {
    const { map, layers } = window.__observatory;
    return map.queryRenderedFeatures({ layers: [layers.services] }).map((f) => ({
      id: f.id,
      group: f.properties.group,
      first: f.properties.first_seen,
      last: f.properties.last_seen,
    }));
  });
}

const countBy = (items, key) => items.reduce((m, i) => m.set(i[key], (m.get(i[key]) ?? 0) + 1), new Map());

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('web atlas', () => {
  for (const lang of ['nl', 'fr', 'en']) {
    test(`loads in ${lang} from the server alone, with names, labels and legend in ${lang}`, { timeout: 120_000 }, async () => {
      const t = STRINGS[lang];
      const indicators = await api('/api/indicators');
      const { page, requests, close } = await openAtlas(`lang=${lang}`);
      const shown = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        title: document.querySelector('h1').textContent,
        pressed: [...document.querySelectorAll('#lang-switch [aria-pressed="true"]')].map((b) => b.dataset.lang),
        labelField: JSON.stringify(window.__observatory.map.getLayoutProperty(window.__observatory.layers.labels, 'text-field')),
        communes: window.__observatory.map.queryRenderedFeatures({ layers: [window.__observatory.layers.land] }).map((f) => f.properties.country),
        labels: window.__observatory.map.queryRenderedFeatures({ layers: [window.__observatory.layers.labels] }).length,
        selectLabels: [...document.querySelectorAll('select, input')].filter((n) => !n.labels || n.labels.length === 0 || !n.labels[0].textContent.trim()).map((n) => n.id),
        indicatorOption: document.querySelector('#indicator-select option:checked').textContent,
      }));
      assert.equal(shown.lang, lang);
      assert.equal(shown.title, t.title);
      assert.deepEqual(shown.pressed, [lang]);
      assert.equal(shown.indicatorOption, indicators.find((i) => i.id === 'nearest_service_m').name[lang], 'the indicator is named in the language');
      assert.ok(shown.communes.includes('BE') && shown.communes.includes('FR'), 'communes of both countries are drawn');
      assert.ok(shown.labels > 20, `commune names are drawn as labels (${shown.labels})`);
      assert.equal(shown.labelField.includes(`name_${lang}`), lang !== 'en', `labels use the ${lang} names: ${shown.labelField}`);
      assert.deepEqual(shown.selectLabels, [], 'every control has a label');

      // A commune's name in the language where one exists: Ypres in French, Ieper in Dutch.
      await page.fill('#search-input', 'ieper');
      await page.waitForSelector('#search-results li[data-id="BE-33011"]');
      const name = await page.textContent('#search-results li[data-id="BE-33011"] .search-name');
      assert.equal(name, lang === 'fr' ? 'Ypres' : 'Ieper');

      const network = requests.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:'));
      assert.deepEqual(network.filter((url) => new URL(url).host !== new URL(fixture.baseUrl).host), [], 'every request goes to this server');
      for (const part of ['/tiles/communes/', '/tiles/borders/', '/glyphs/Noto%20Sans%20Regular/', '/api/labels', '/vendor/maplibre-gl/']) {
        assert.ok(network.some((url) => url.includes(part)), `${part} was requested`);
      }
      await close(`atlas-${lang}`);
    });
  }

  test('the legend of any indicator, year and classification matches /api/indicators/{id}', { timeout: 180_000 }, async () => {
    const { page, close } = await openAtlas('lang=en');

    await page.selectOption('#indicator-select', 'nearest_service_m');
    await page.selectOption('#category-select', 'rail_station');
    await waitForChoropleth(page, 'nearest_service_m|rail_station||quantile');
    const rail = await api('/api/indicators/nearest_service_m?category=rail_station');
    for (const method of ['quantile', 'jenks', 'equal']) {
      await page.selectOption('#method-select', method);
      await waitForChoropleth(page, `nearest_service_m|rail_station||${method}`);
      assertLegendMatches(await readLegend(page), rail, method);
    }
    const equal = await readLegend(page);
    const widths = equal.classes.map((c) => c.upper - c.lower);
    for (const w of widths) assert.ok(Math.abs(w - widths[0]) < 1e-6 * widths[0], `equal intervals: ${widths}`);
    assert.equal(equal.unit, 'm');

    // Each commune carries the class of its value in feature state.
    const dunkerque = rail.values.find((v) => v.commune === DUNKERQUE.id);
    const state = await page.evaluate((id) => window.__observatory.map.getFeatureState({ source: 'communes', sourceLayer: 'communes', id }), DUNKERQUE.id);
    assert.equal(state.cls, classOf(dunkerque.value, expectedClasses(rail, 'equal').bounds));

    // An inventory year: INSEE's counts cover the French communes only, and the Belgian
    // ones say so.
    await page.selectOption('#indicator-select', 'service_count');
    await page.selectOption('#category-select', 'general_practitioner');
    await page.selectOption('#year-select', '2013');
    await page.selectOption('#method-select', 'quantile');
    await waitForChoropleth(page, 'service_count|general_practitioner|2013|quantile');
    const gp = await api('/api/indicators/service_count?category=general_practitioner&year=2013');
    const gpLegend = await readLegend(page);
    assertLegendMatches(gpLegend, gp, 'quantile');
    assert.match(gpLegend.title, /2013/);
    assert.ok(gpLegend.noData >= 63, `the Belgian communes are not known in 2013 (${gpLegend.noData})`);
    assert.ok(gpLegend.why.some((line) => /no 2013 inventory covers this commune/.test(line)), gpLegend.why.join(' | '));
    const ieperState = await page.evaluate((id) => window.__observatory.map.getFeatureState({ source: 'communes', sourceLayer: 'communes', id }), IEPER.id);
    assert.equal(ieperState.cls, -1, 'a Belgian commune has no class in a French inventory year');

    // No data, drawn hatched and explained: no source locates pharmacies in France.
    await page.selectOption('#indicator-select', 'nearest_service_m');
    await page.selectOption('#category-select', 'pharmacy');
    await waitForChoropleth(page, 'nearest_service_m|pharmacy||quantile');
    const pharmacy = await api('/api/indicators/nearest_service_m?category=pharmacy');
    const legend = await readLegend(page);
    assertLegendMatches(legend, pharmacy, 'quantile');
    assert.ok(legend.noData > 600, `the French communes are not known here (${legend.noData})`);
    assert.ok(legend.whyShown);
    assert.ok(legend.why.some((line) => /no source gives Pharmacy locations in France/.test(line)), legend.why.join(' | '));
    const noData = await page.evaluate((id) => window.__observatory.map.getFeatureState({ source: 'communes', sourceLayer: 'communes', id }), DUNKERQUE.id);
    assert.equal(noData.cls, -1, 'a commune without a value has no class');
    await close('legend');
  });

  test('a click on a commune opens its profile: indicators beside the means, nearest services, series, in the reader\'s language', { timeout: 120_000 }, async () => {
    const profile = await api(`/api/communes/${IEPER.id}`);
    const { page, close } = await openAtlas('lang=fr');
    await clickLonLat(page, IEPER.lon, IEPER.lat);
    await waitForProfile(page, IEPER.id);
    const shown = await page.evaluate(() => ({
      name: document.getElementById('profile-name').textContent,
      facts: document.getElementById('profile-facts').textContent,
      rows: [...document.querySelectorAll('#profile-indicators tr[data-indicator]')].map((tr) => ({
        indicator: tr.dataset.indicator,
        category: tr.dataset.category,
        value: tr.querySelector('td.value')?.dataset.value ?? null,
        text: tr.textContent,
      })),
      nearest: [...document.querySelectorAll('#profile-nearest li[data-category]')].map((li) => ({
        category: li.dataset.category,
        scopes: [...li.querySelectorAll('[data-scope]')].map((s) => ({ scope: s.dataset.scope, country: s.dataset.country, distance: Number(s.dataset.distance) })),
      })),
      populationPoints: document.querySelectorAll('#profile-population-chart circle').length,
      servicesLines: document.querySelectorAll('#profile-services-chart .chart-series').length,
      downloads: [...document.querySelectorAll('#profile-downloads a')].map((a) => a.getAttribute('href')),
      selected: JSON.stringify(window.__observatory.map.getFilter(window.__observatory.layers.selected)),
    }));
    assert.match(shown.name, /^Ypres \/ Ieper$/, 'the French name first, the Dutch beside it');
    assert.ok(shown.facts.replace(/\D/g, '').includes(String(profile.population)), `population ${profile.population} in ${shown.facts}`);
    assert.match(shown.facts, /Belgique/);
    assert.equal(shown.rows.length, profile.indicators.length, 'every indicator row of the profile is shown');
    for (const row of profile.indicators.filter((r) => r.value !== null)) {
      const line = shown.rows.find((r) => r.indicator === row.indicator && r.category === (row.category ?? ''));
      assert.ok(line, `${row.indicator} ${row.category}`);
      assert.equal(Number(line.value), row.value, `${row.indicator} ${row.category} value`);
    }
    const unknown = shown.rows.find((r) => r.value === null);
    assert.ok(unknown && /inconnu ici/.test(unknown.text), 'a value the data cannot support says so');
    const hospital = shown.nearest.find((n) => n.category === 'hospital');
    const api_hospital = profile.nearest.find((n) => n.category === 'hospital' && n.scope === 'any');
    assert.equal(hospital.scopes[0].country, api_hospital.service.country);
    assert.equal(hospital.scopes[0].distance, api_hospital.distance_m);
    assert.equal(shown.populationPoints, profile.population_series.length, 'one point per population figure');
    assert.ok(shown.servicesLines > 0, 'services over time are drawn');
    assert.equal(shown.downloads.length, 4);
    assert.match(shown.selected, /BE-33011/, 'the commune is outlined on the map');

    // The profile follows the language.
    await page.click('#lang-switch [data-lang="nl"]');
    await page.waitForFunction(() => document.getElementById('profile').getAttribute('lang') === 'nl');
    assert.match(await page.textContent('#profile-name'), /^Ieper \/ Ypres$/);
    assert.match(await page.textContent('#profile-facts'), /België/);

    // A commune across the border, by keyboard: Enter opens the commune at the map's centre.
    await jumpTo(page, DUNKERQUE.lon, DUNKERQUE.lat, 10);
    await page.focus('#map canvas');
    await page.keyboard.press('Enter');
    await waitForProfile(page, DUNKERQUE.id);
    assert.match(await page.textContent('#profile-name'), /^Duinkerke \/ Dunkerque$/);
    // A French commune is also set beside its intercommunality.
    const columns = await page.$$eval('#profile-indicators details[data-indicator="nearest_service_m"] thead th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(columns.slice(1), [nl.profileColValue, nl.profileColArrondissement, nl.profileColIntercommunality, nl.profileColCountry, nl.profileColRegion]);
    await close('profile');
  });

  test('search finds communes in either language, with or without accents and capitals', { timeout: 120_000 }, async () => {
    const { page, close } = await openAtlas('lang=fr');
    const first = async (q) => {
      await page.fill('#search-input', '');
      await page.fill('#search-input', q);
      await page.waitForFunction(() => document.querySelector('#search-results:not([hidden]) li'), null, { timeout: 10_000 });
      await page.waitForFunction((query) => {
        const input = document.getElementById('search-input');
        return input.value === query && document.querySelector('#search-results li');
      }, q);
      // The list answers the last query typed (a slower earlier answer is dropped).
      await page.waitForTimeout(400);
      return page.evaluate(() => document.querySelector('#search-results li')?.dataset.id ?? null);
    };
    assert.equal(await first('Armentières'), 'FR-59017');
    assert.equal(await first('armentieres'), 'FR-59017');
    assert.equal(await first('ARMENTIERS'), 'FR-59017', 'the Dutch name');
    assert.equal(await first('perenchies'), 'FR-59457');
    assert.equal(await first('Duinkerke'), DUNKERQUE.id);
    assert.equal(await first('ypres'), IEPER.id);
    assert.equal(await first('zzqx'), null, 'no match says so');
    assert.equal(await page.textContent('#search-results li'), fr.searchNoMatch);

    // Keyboard: arrow down and Enter open the profile and zoom to the commune.
    await page.fill('#search-input', '');
    await page.type('#search-input', 'komen-waasten');
    await page.waitForSelector('#search-results li[data-id]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await waitForProfile(page, 'BE-57097');
    await idle(page);
    const zoom = await page.evaluate(() => window.__observatory.map.getZoom());
    assert.ok(zoom > 9, `the map zooms to the commune (zoom ${zoom})`);
    assert.match(page.url(), /commune=BE-57097/);
    await close('search');
  });

  test('service groups toggle, and the date keeps the services that existed then', { timeout: 180_000 }, async () => {
    const { page, requests, close } = await openAtlas('lang=en');
    await jumpTo(page, DUNKERQUE.lon, DUNKERQUE.lat, 11);
    const all = await renderedServices(page);
    const groups = countBy(all, 'group');
    assert.ok(all.length > 10, `services are drawn at zoom 11 (${all.length})`);
    assert.ok(groups.get('public_services') > 0, 'post points are drawn');

    await page.uncheck('#service-groups input[data-group="public_services"]');
    await idle(page);
    const without = countBy(await renderedServices(page), 'group');
    assert.equal(without.get('public_services') ?? 0, 0, 'the hidden group is gone');
    for (const [group, n] of groups) if (group !== 'public_services') assert.equal(without.get(group), n, `${group} stays`);
    assert.match(page.url(), /hide=public_services/);
    await page.check('#service-groups input[data-group="public_services"]');
    await idle(page);
    assert.equal(countBy(await renderedServices(page), 'group').get('public_services'), groups.get('public_services'));

    // La Poste's 2016 list: only services known on that day.
    const day = '2016-09-01';
    await page.fill('#service-date', day);
    await page.dispatchEvent('#service-date', 'change');
    await page.waitForFunction((d) => document.documentElement.dataset.servicesDate === d, day);
    await page.waitForFunction(() => window.__observatory.map.isSourceLoaded('services'));
    await idle(page);
    const then = await renderedServices(page);
    assert.ok(then.length > 0, 'services existed then');
    assert.ok(then.length < all.length, `fewer services on ${day} (${then.length}) than over all dates (${all.length})`);
    for (const s of then) assert.ok(s.first <= day && day <= s.last, `service ${s.id} (${s.first}–${s.last}) existed on ${day}`);
    assert.ok(requests.some((url) => url.includes('/tiles/services/') && url.includes(`date=${day}`)), 'tiles asked for that day');
    assert.match(page.url(), /date=2016-09-01/);

    await page.click('#service-date-clear');
    await page.waitForFunction(() => document.documentElement.dataset.servicesDate === '');
    await page.waitForFunction(() => window.__observatory.map.isSourceLoaded('services'));
    await idle(page);
    assert.equal((await renderedServices(page)).length, all.length, 'all dates again');

    // A service's popup: name, category, sources with their licence, dates.
    const target = await page.evaluate(() => {
      const { map, layers } = window.__observatory;
      const f = map.queryRenderedFeatures({ layers: [layers.services] })[0];
      const p = map.project(f.geometry.coordinates);
      const rect = map.getCanvas().getBoundingClientRect();
      return { x: rect.left + p.x, y: rect.top + p.y, name: f.properties.name };
    });
    await page.mouse.click(target.x, target.y);
    await page.waitForSelector('.service-popup');
    const popup = await page.textContent('.service-popup');
    assert.match(popup, /Licence/);
    assert.match(popup, /First seen/);
    await close('services');
  });

  test('the profile\'s downloads give the commune\'s data as CSV and GeoJSON', { timeout: 120_000 }, async () => {
    const { page, close } = await openAtlas(`lang=en&commune=${IEPER.id}`);
    await waitForProfile(page, IEPER.id);
    const services = (await api(`/exports/services.geojson?commune=${IEPER.id}`)).features;
    assert.ok(services.length > 0);
    for (const key of ['communeCsv', 'communeGeojson', 'servicesCsv', 'servicesGeojson']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#profile-downloads a[data-export="${key}"]`)]);
      const file = await download.path();
      const body = readFileSync(file, 'utf8');
      if (key.endsWith('Csv')) {
        const lines = body.trim().split('\n');
        const rows = key === 'communeCsv' ? 1 : services.length;
        assert.equal(lines.length, rows + 1, `${key}: a header and ${rows} rows`);
        assert.ok(lines.slice(1).every((l) => l.includes(IEPER.id) || l.includes('33011')), `${key}: every row is Ieper's`);
      } else {
        const collection = JSON.parse(body);
        assert.equal(collection.type, 'FeatureCollection');
        assert.equal(collection.features.length, key === 'communeGeojson' ? 1 : services.length, key);
      }
      assert.match(download.suggestedFilename(), /BE-33011/);
    }
    await close('downloads');
  });

  test('the URL keeps position, indicator, year, classes, language and commune', { timeout: 120_000 }, async () => {
    const first = await openAtlas('lang=fr');
    await first.page.selectOption('#indicator-select', 'service_count');
    await first.page.selectOption('#category-select', 'bank');
    await first.page.selectOption('#year-select', '2009');
    await first.page.selectOption('#method-select', 'jenks');
    await waitForChoropleth(first.page, 'service_count|bank|2009|jenks');
    await clickLonLat(first.page, DUNKERQUE.lon, DUNKERQUE.lat);
    await waitForProfile(first.page, DUNKERQUE.id);
    await jumpTo(first.page, 2.4, 51.0, 11.5);
    await first.page.waitForFunction(() => /map=11\.5\//.test(window.location.hash));
    const url = first.page.url();
    await first.close('url-before');

    const second = await openAtlas(url.split('?')[1]);
    await waitForProfile(second.page, DUNKERQUE.id);
    const restored = await second.page.evaluate(() => ({
      lang: document.documentElement.lang,
      indicator: document.getElementById('indicator-select').value,
      category: document.getElementById('category-select').value,
      year: document.getElementById('year-select').value,
      method: document.getElementById('method-select').value,
      zoom: window.__observatory.map.getZoom(),
      center: window.__observatory.map.getCenter(),
    }));
    assert.deepEqual(
      { lang: restored.lang, indicator: restored.indicator, category: restored.category, year: restored.year, method: restored.method },
      { lang: 'fr', indicator: 'service_count', category: 'bank', year: '2009', method: 'jenks' },
    );
    assert.equal(Math.round(restored.zoom * 10) / 10, 11.5);
    assert.ok(Math.abs(restored.center.lng - 2.4) < 0.01 && Math.abs(restored.center.lat - 51.0) < 0.01, JSON.stringify(restored.center));
    await second.close('url-after');

    // A hostile or malformed URL is ignored, not trusted.
    const third = await openAtlas('lang=xx&indicator=%3Cscript%3E&category=nope&year=abc&classes=evil&commune=BE-1');
    const settled = await third.page.evaluate(() => ({
      lang: document.documentElement.lang,
      indicator: document.getElementById('indicator-select').value,
      profileHidden: document.getElementById('profile').hidden,
    }));
    assert.equal(settled.indicator, 'nearest_service_m');
    assert.ok(settled.profileHidden);
    assert.equal(settled.lang, 'en');
    await third.close('url-malformed');
  });

  test('an installation that names a basemap style gets it beneath the observatory\'s layers, without its text', { timeout: 120_000 }, async () => {
    const context = await fixture.browser.newContext({ viewport: VIEWPORT, locale: 'en-GB' });
    const page = await context.newPage();
    // web/config.json as an online installation would write it, and the style it names.
    await page.route('**/config.json', (route) => route.fulfill({ json: { basemapStyle: '/test-basemap/style.json' } }));
    await page.route('**/test-basemap/style.json', (route) => route.fulfill({
      json: {
        version: 8,
        sources: { land: { type: 'geojson', data: { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[1, 49], [5, 49], [5, 52], [1, 52], [1, 49]]] } } } },
        layers: [
          { id: 'sea', type: 'background', paint: { 'background-color': '#aaccee' } },
          { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#eeeeee' } },
          { id: 'places', type: 'symbol', source: 'land', layout: { 'text-field': 'x', 'text-font': ['Other Font'] } },
        ],
      },
    }));
    await page.goto(`${fixture.baseUrl}/`);
    await page.waitForFunction(() => window.__observatory?.map?.getLayer('basemap-land'), null, { timeout: READY_TIMEOUT_MS });
    const layers = await page.evaluate(() => {
      const { map, layers: ours } = window.__observatory;
      const ids = map.getStyle().layers.map((l) => l.id);
      return { ids, landIndex: ids.indexOf(ours.land), landOpacity: map.getPaintProperty(ours.land, 'fill-opacity'), errors: window.__observatory.errors };
    });
    assert.ok(layers.ids.indexOf('basemap-land') < layers.landIndex, `beneath the communes: ${layers.ids}`);
    assert.ok(!layers.ids.includes('basemap-places'), 'its text layers are left out');
    assert.ok(!layers.ids.includes('basemap-sea'), 'the observatory keeps its own background');
    assert.equal(layers.landOpacity, 0, 'the communes\' land lets the basemap show');
    assert.deepEqual(layers.errors, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'basemap.png') });
    await context.close();
  });

  test('works at phone width: map and panel both on screen', { timeout: 120_000 }, async () => {
    const { page, close } = await openAtlas('lang=nl', { viewport: { width: 390, height: 844 }, locale: 'nl-BE' });
    const boxes = await page.evaluate(() => {
      const box = (el) => el.getBoundingClientRect().toJSON();
      return { panel: box(document.getElementById('panel')), canvas: box(window.__observatory.map.getCanvas()), width: window.innerWidth };
    });
    assert.ok(boxes.panel.width <= boxes.width, 'the panel fits the width');
    assert.ok(boxes.panel.top >= boxes.canvas.height * 0.4, `the panel leaves the top of the map free (${boxes.panel.top})`);
    await close('phone');
  });
});
