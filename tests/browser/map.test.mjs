// End-to-end test of the map page in headless Chromium.
//
// Before the tests: a fresh database is created, the default manifest is
// ingested into it with `observatory ingest`, and `observatory serve` is started
// on a free loopback port. After them everything is torn down again.
//
// Environment:
//   TEST_DATABASE_URL  admin URL of a PostgreSQL server allowed to create
//                      databases, e.g. postgresql:///postgres?host=/run/pg&user=observatory
//   OBSERVATORY_BIN    the observatory binary (default target/debug/observatory,
//                      relative to the repository root)
//   CHROMIUM           Chromium executable (default /usr/bin/chromium)
//   OBSERVATORY_URL    optional: test an already running server at this base URL
//                      instead (no database, ingest or server is started)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const ARTIFACTS = path.join(HERE, 'artifacts');

const OBSERVATORY_BIN = path.resolve(REPO_ROOT, process.env.OBSERVATORY_BIN || 'target/debug/observatory');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Headless WebGL through SwiftShader (software rendering): no GPU needed.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-gl=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
];

const FILL_LAYER = 'communes-fill';
const VIEWPORT = { width: 1280, height: 860 };

const INGEST_TIMEOUT_MS = 10 * 60_000;
const HEALTH_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------
// Process helpers
// ---------------------------------------------------------------------------

/** Keeps the last `limit` characters written to it. */
function tailBuffer(limit = 20_000) {
  let text = '';
  return {
    push(chunk) {
      text += chunk.toString();
      if (text.length > limit) text = text.slice(-limit);
    },
    get text() {
      return text;
    },
  };
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(command, args, { env = process.env, cwd = REPO_ROOT, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const output = tailBuffer();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => output.push(d));
    child.stderr.on('data', (d) => output.push(d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output.text);
      else {
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${why}):\n${output.text}`));
      }
    });
  });
}

function psql(adminUrl, sql) {
  return run('psql', [adminUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeoutMs: 60_000 });
}

/** A loopback TCP port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForHealth(baseUrl, server, serverLog) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`observatory serve exited early (${server.exitCode ?? server.signalCode}):\n${serverLog.text}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await sleep(250);
  }
  throw new Error(`GET /health did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s (${last}):\n${serverLog.text}`);
}

async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

// ---------------------------------------------------------------------------
// Page helpers
// ---------------------------------------------------------------------------

/** A new page in its own context; records requests and page errors. */
async function openPage(browser, { locale = 'nl-BE' } = {}) {
  const context = await browser.newContext({ locale, viewport: VIEWPORT });
  const page = await context.newPage();
  const requests = [];
  const pageErrors = [];
  page.on('request', (req) => requests.push(req.url()));
  page.on('pageerror', (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
  return { context, page, requests, pageErrors };
}

async function gotoReady(page, baseUrl) {
  const response = await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
  assert.equal(response.status(), 200, 'GET / answers 200');
  await page.waitForFunction(() => window.__observatory && window.__observatory.ready === true, null, {
    timeout: READY_TIMEOUT_MS,
  });
}

/**
 * Centres the map on a point, waits until it is drawn, and clicks it.
 * Centring keeps the point clear of the panel whatever the window size.
 */
async function clickLonLat(page, lon, lat) {
  const point = await page.evaluate(
    async ([lng, lt]) => {
      const { map } = window.__observatory;
      await new Promise((resolve) => {
        map.once('idle', resolve);
        map.jumpTo({ center: [lng, lt], zoom: 10 });
      });
      const p = map.project([lng, lt]);
      const rect = map.getCanvas().getBoundingClientRect();
      const x = rect.left + p.x;
      const y = rect.top + p.y;
      const hit = document.elementFromPoint(x, y);
      return { x, y, onCanvas: hit === map.getCanvas() };
    },
    [lon, lat],
  );
  assert.ok(point.onCanvas, `the map canvas is clickable at lon ${lon}, lat ${lat}`);
  await page.mouse.click(point.x, point.y);
}

async function popupTexts(page) {
  return page.evaluate(() => {
    const text = (sel) => {
      const node = document.querySelector(`.commune-popup ${sel}`);
      return node ? node.textContent : null;
    };
    return {
      name: text('.commune-name'),
      primary: text('.commune-name-primary'),
      code: text('.commune-code'),
      population: text('.commune-population'),
    };
  });
}

/** Waits until the popup's name matches `pattern`. */
async function waitForPopupName(page, pattern) {
  await page.waitForSelector('.commune-popup .commune-name', { timeout: 10_000 });
  await page.waitForFunction(
    ([source, flags]) => {
      const node = document.querySelector('.commune-popup .commune-name');
      return node && new RegExp(source, flags).test(node.textContent);
    },
    [pattern.source, pattern.flags],
    { timeout: 10_000 },
  );
  return popupTexts(page);
}

// ---------------------------------------------------------------------------
// Fixture: database, ingest, server, browser
// ---------------------------------------------------------------------------

let baseUrl;
let browser;
let server;
let adminUrl;
let databaseName;

before(async () => {
  if (process.env.OBSERVATORY_URL) {
    baseUrl = process.env.OBSERVATORY_URL.replace(/\/+$/, '');
  } else {
    adminUrl = process.env.TEST_DATABASE_URL;
    assert.ok(adminUrl, 'TEST_DATABASE_URL must name a PostgreSQL server where databases can be created');
    assert.ok(existsSync(OBSERVATORY_BIN), `observatory binary not found at ${OBSERVATORY_BIN} (build it first or set OBSERVATORY_BIN)`);

    databaseName = `browser_${randomBytes(6).toString('hex')}`;
    await psql(adminUrl, `CREATE DATABASE ${databaseName}`);
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${databaseName}`;
    const env = { ...process.env, DATABASE_URL: dbUrl.href };

    await run(OBSERVATORY_BIN, ['ingest'], { env, timeoutMs: INGEST_TIMEOUT_MS });

    const port = await freePort();
    const serverLog = tailBuffer();
    server = spawn(OBSERVATORY_BIN, ['serve', '--listen', `127.0.0.1:${port}`], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => serverLog.push(d));
    server.stderr.on('data', (d) => serverLog.push(d));
    server.on('error', (err) => serverLog.push(`spawn error: ${err.message}\n`));
    baseUrl = `http://127.0.0.1:${port}`;
    await waitForHealth(baseUrl, server, serverLog);
  }

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, { timeout: INGEST_TIMEOUT_MS + 3 * 60_000 });

after(async () => {
  const problems = [];
  if (browser) await browser.close().catch((err) => problems.push(err));
  await stopProcess(server).catch((err) => problems.push(err));
  if (databaseName) {
    await psql(adminUrl, `DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch((err) => problems.push(err));
  }
  if (problems.length > 0) throw problems[0];
}, { timeout: 60_000 });

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('map page', () => {
  test('loads from the server alone, without errors, and draws communes of both countries', { timeout: 120_000 }, async () => {
    const { context, page, requests, pageErrors } = await openPage(browser);
    try {
      await gotoReady(page, baseUrl);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'map.png') });

      const rendered = await page.evaluate((layer) => {
        const { map, errors } = window.__observatory;
        const features = map.queryRenderedFeatures({ layers: [layer] });
        return {
          count: features.length,
          countries: [...new Set(features.map((f) => f.properties.country))].sort(),
          withDensity: features.filter((f) => typeof f.properties.density === 'number').length,
          mapErrors: errors || [],
          lang: document.documentElement.lang,
          title: document.querySelector('h1') && document.querySelector('h1').textContent,
        };
      }, FILL_LAYER);

      assert.ok(rendered.count > 100, `more than 100 rendered commune features (got ${rendered.count})`);
      assert.deepEqual(rendered.countries, ['BE', 'FR'], 'communes of both countries are drawn');
      assert.ok(rendered.withDensity > 0, 'some communes have a density');
      assert.deepEqual(rendered.mapErrors, [], 'the map reported no errors');
      assert.equal(rendered.lang, 'nl', 'a Dutch browser gets the Dutch page');
      assert.match(rendered.title, /Westhoek Observatory/);

      const network = requests.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:'));
      assert.ok(network.length > 0, 'requests were recorded');
      const elsewhere = network.filter((url) => new URL(url).hostname !== '127.0.0.1');
      assert.deepEqual(elsewhere, [], 'every request goes to the local server');
      assert.ok(network.some((url) => url.includes('/tiles/communes/')), 'commune tiles were requested');
      assert.ok(network.some((url) => url.includes('/tiles/borders')), 'border tiles were requested');
      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    } finally {
      await context.close();
    }
  });

  test('a click on a commune shows its name, code and population', { timeout: 120_000 }, async () => {
    const { context, page, pageErrors } = await openPage(browser, { locale: 'nl-BE' });
    try {
      await gotoReady(page, baseUrl);

      // Ieper (BE-33011)
      await clickLonLat(page, 2.885, 50.851);
      const ieper = await waitForPopupName(page, /Ieper/);
      assert.match(ieper.primary, /^Ieper$/, 'the Dutch name comes first');
      assert.match(ieper.code, /33011/);
      assert.ok(ieper.population && ieper.population.trim().length > 0, 'a population line is shown');

      // Dunkerque (FR-59183): Duinkerke in Dutch when the data has that name.
      await clickLonLat(page, 2.37, 51.035);
      const dunkerque = await waitForPopupName(page, /Dunkerque|Duinkerke/);
      assert.match(dunkerque.code, /59183/);
      assert.ok(dunkerque.population && dunkerque.population.trim().length > 0, 'a population line is shown');

      // The popup follows the language.
      await page.click('.lang-switch [data-lang="fr"]');
      await page.waitForFunction(
        () => document.querySelector('.commune-popup')?.getAttribute('lang') === 'fr',
        null,
        { timeout: 5_000 },
      );
      const inFrench = await popupTexts(page);
      assert.equal(inFrench.primary, 'Dunkerque', 'the French name comes first in French');

      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    } finally {
      await context.close();
    }
  });

  test('the language switch changes the lang attribute and the legend', { timeout: 120_000 }, async () => {
    const { context, page, pageErrors } = await openPage(browser, { locale: 'nl-BE' });
    try {
      await gotoReady(page, baseUrl);
      const read = () =>
        page.evaluate(() => ({
          lang: document.documentElement.lang,
          legend: document.getElementById('legend-title').textContent,
          pressed: [...document.querySelectorAll('.lang-switch [aria-pressed="true"]')].map((b) => b.dataset.lang),
        }));

      const dutch = await read();
      assert.equal(dutch.lang, 'nl');
      assert.deepEqual(dutch.pressed, ['nl']);

      await page.click('.lang-switch [data-lang="fr"]');
      const french = await read();
      assert.equal(french.lang, 'fr');
      assert.notEqual(french.legend, dutch.legend, 'the legend title changes');
      assert.match(french.legend, /Densité/);
      assert.deepEqual(french.pressed, ['fr']);

      // The switch works from the keyboard too.
      await page.focus('.lang-switch [data-lang="en"]');
      await page.keyboard.press('Enter');
      const english = await read();
      assert.equal(english.lang, 'en');
      assert.match(english.legend, /Population density/);

      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    } finally {
      await context.close();
    }
  });
});
