// Two regions in one atlas, in headless Chromium: the Westhoek and the generated Meuse
// valley (scripts/generate_region.py), loaded from two manifests (harness.mjs). The
// region in the URL opens on its communes, with its choropleth, legend, search and
// downloads; the chooser on the map switches region; a link without a region opens the
// first one loaded, as links did before regions.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import en from '../../web/js/i18n/en.js';
import fr from '../../web/js/i18n/fr.js';
import { ARTIFACTS, INGEST_TIMEOUT_MS, startFixture } from './harness.mjs';

const VIEWPORT = { width: 1280, height: 860 };
const READY_TIMEOUT_MS = 60_000;

let fixture;
/** @type {{id: string, name: {nl: string, fr: string, en: string}, bbox: number[], view: number[], communes: number}[]} */
let regions = [];
before(async () => {
  fixture = await startFixture({ ardennes: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  regions = await api('/api/regions');
}, { timeout: 2 * INGEST_TIMEOUT_MS + 3 * 60_000 });
after(async () => fixture && fixture.stop(), { timeout: 60_000 });

async function api(pathAndQuery) {
  const response = await fetch(`${fixture.baseUrl}${pathAndQuery}`);
  assert.equal(response.status, 200, `GET ${pathAndQuery}`);
  return response.json();
}

/** Opens the atlas at `query` and waits until the map is drawn and shaded for `region`. */
async function openAtlas(query, region) {
  const context = await fixture.browser.newContext({ locale: 'en-GB', viewport: VIEWPORT, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
  const response = await page.goto(`${fixture.baseUrl}/${query ? `?${query}` : ''}`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  await waitForRegion(page, region);
  const close = async (name) => {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    const errors = await page.evaluate(() => window.__observatory.errors);
    await context.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(errors, [], 'the atlas reported no errors');
  };
  return { page, close };
}

/** Waits until the map is idle and shaded with the values of `region`. */
async function waitForRegion(page, region) {
  await page.waitForFunction(
    (r) => document.documentElement.dataset.mapReady === 'true'
      && document.documentElement.dataset.region === r
      && document.documentElement.dataset.choroplethRegion === r,
    region,
    { timeout: READY_TIMEOUT_MS },
  );
  await page.evaluate(() => new Promise((resolve) => {
    const { map } = window.__observatory;
    if (!map.isMoving() && map.loaded()) resolve(undefined);
    else map.once('idle', resolve);
  }));
}

/** What the page shows of the region: chooser, legend, shaded communes, centre, links. */
function shown(page) {
  return page.evaluate(() => {
    const { map, layers } = window.__observatory;
    const select = document.getElementById('region-select');
    const legend = [...document.querySelectorAll('#legend-classes li.legend-class')]
      .reduce((n, li) => n + Number(li.dataset.count), 0)
      + Number(document.getElementById('legend-no-data').dataset.count);
    const ids = (layer) => [...new Set(map.queryRenderedFeatures({ layers: [layer] }).map((f) => String(f.properties.id)))];
    return {
      chooserShown: !select.closest('.region-control').hidden,
      chosen: select.value,
      options: [...select.options].map((o) => [o.value, o.textContent]),
      label: document.querySelector('label[for="region-select"]').textContent,
      legend,
      shaded: ids('communes-fill'),
      hatched: ids('communes-no-data'),
      other: ids(layers.otherRegion ?? 'communes-other-region'),
      center: map.getCenter(),
      downloads: [...document.querySelectorAll('#region-downloads a')].map((a) => a.getAttribute('href')),
      search: window.location.search,
    };
  });
}

function inside(point, box) {
  return point.lng >= box[0] && point.lng <= box[2] && point.lat >= box[1] && point.lat <= box[3];
}

/** The search's first answers for `q`, as ids. */
async function search(page, q) {
  await page.fill('#search-input', '');
  await page.fill('#search-input', q);
  await page.waitForFunction((query) => {
    const input = document.getElementById('search-input');
    return input.value === query && document.querySelector('#search-results:not([hidden]) li');
  }, q, { timeout: 10_000 });
  // the list answers the last query typed
  await page.waitForTimeout(400);
  return page.evaluate(() => [...document.querySelectorAll('#search-results li[data-id]')].map((li) => li.dataset.id));
}

describe('regions in the atlas', () => {
  test('the region in the URL opens on its communes, its choropleth, search and downloads; the chooser switches region', { timeout: 240_000 }, async (t) => {
    if (regions.length < 2) {
      t.skip('the server has one region');
      return;
    }
    const [first, second] = regions;
    const secondValues = (await api(`/api/indicators/population_change_pct?region=${second.id}`)).values;
    const secondIds = new Set(secondValues.map((v) => v.commune));
    assert.equal(secondIds.size, second.communes);

    const { page, close } = await openAtlas(`region=${second.id}&lang=fr`, second.id);
    let s = await shown(page);
    assert.ok(s.chooserShown, 'the chooser is on the map');
    assert.equal(s.chosen, second.id);
    assert.equal(s.label, fr.regionLabel);
    assert.deepEqual(s.options, regions.map((r) => [r.id, r.name.fr]), 'the regions by name, in the reader\'s language');
    assert.equal(s.legend, second.communes, 'the legend counts the region\'s communes');
    assert.ok(inside(s.center, second.view), `the map opens on the region: ${JSON.stringify(s.center)}`);
    assert.ok(s.shaded.length + s.hatched.length > 20, `its communes are drawn shaded (${s.shaded.length}) or hatched (${s.hatched.length})`);
    for (const id of [...s.shaded, ...s.hatched]) assert.ok(secondIds.has(id), `${id} is shaded but not of ${second.id}`);
    assert.ok(s.downloads.length === 4 && s.downloads.every((href) => href.endsWith(`region=${second.id}`)), `${s.downloads}`);
    assert.match(s.search, new RegExp(`region=${second.id}`));

    // The search keeps to the region: its communes are found, Ieper is not.
    const target = secondValues[0];
    const found = await search(page, target.name);
    assert.ok(found.includes(target.commune), `${target.name}: ${found}`);
    assert.ok(found.every((id) => secondIds.has(id)), `only the region's communes: ${found}`);
    assert.deepEqual(await search(page, 'ieper'), [], 'a commune of the other region is not found');
    assert.equal(await page.textContent('#search-results li'), fr.searchNoMatch);
    await page.fill('#search-input', '');

    // The chooser switches to the first region: the map fits it, the legend and the
    // downloads follow, and the link drops the region (the first is the default).
    await page.selectOption('#region-select', first.id);
    await waitForRegion(page, first.id);
    s = await shown(page);
    assert.equal(s.legend, first.communes, 'the legend counts the first region\'s communes');
    assert.ok(inside(s.center, first.view), `the map fits the first region: ${JSON.stringify(s.center)}`);
    assert.ok(s.downloads.every((href) => href.endsWith(`region=${first.id}`)), `${s.downloads}`);
    assert.doesNotMatch(s.search, /region=/, 'the default region is not written in the link');
    for (const id of s.shaded) assert.ok(!secondIds.has(id), `${id} of ${second.id} is still shaded`);
    await close('regions-switch');
  });

  test('a link without a region opens the first region loaded', { timeout: 120_000 }, async (t) => {
    if (regions.length < 2) {
      t.skip('the server has one region');
      return;
    }
    const [first] = regions;
    const { page, close } = await openAtlas('', first.id);
    const s = await shown(page);
    assert.equal(s.chosen, first.id);
    assert.equal(s.label, en.regionLabel);
    assert.equal(s.legend, first.communes);
    assert.ok(inside(s.center, first.view), `${JSON.stringify(s.center)}`);
    await close('regions-default');
  });
});
