// First render of the atlas in headless Chromium, and the JavaScript it loads.
//
//   node tests/browser/bench-first-render.mjs http://127.0.0.1:8080 [runs]
//
// Each run opens the page in a fresh browser context (empty cache) and reads, from the
// page's own clock: the first frame drawn with communes in it, the map idle with every
// tile, label and glyph drawn, and the first indicator shaded. The JavaScript is counted as sent over the wire
// (gzip, as the server compresses it), the observatory's modules apart from MapLibre.

import { chromium } from 'playwright-core';

const base = (process.argv[2] || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const runs = Number(process.argv[3] || 10);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-gl=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
});

const firstFrame = [];
const ready = [];
const shaded = [];
let scripts = new Map();
for (let i = 0; i < runs; i += 1) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'fr-BE' });
  const page = await context.newPage();
  const seen = new Map();
  page.on('response', async (response) => {
    const url = response.url();
    if (!url.endsWith('.js')) return;
    const sizes = await response.request().sizes().catch(() => null);
    if (sizes) seen.set(new URL(url).pathname, { wire: sizes.responseBodySize, encoding: (await response.allHeaders())['content-encoding'] ?? 'identity' });
  });
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.__observatory?.ready && window.__observatory.shadedAt > 0, null, { timeout: 60_000 });
  const times = await page.evaluate(() => ({ first: window.__observatory.firstFrameAt, ready: window.__observatory.readyAt, shaded: window.__observatory.shadedAt }));
  firstFrame.push(times.first);
  ready.push(times.ready);
  shaded.push(times.shaded);
  scripts = seen;
  await context.close();
}
await browser.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `median ${median(xs).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;
console.log(`runs: ${runs}`);
console.log(`first frame with communes: ${fmt(firstFrame)}`);
console.log(`every tile, label and glyph drawn (map idle): ${fmt(ready)}`);
console.log(`first indicator shaded: ${fmt(shaded)}`);
let own = 0;
let maplibre = 0;
for (const [path, { wire, encoding }] of [...scripts].sort()) {
  if (path.startsWith('/vendor/')) maplibre += wire;
  else own += wire;
  console.log(`  ${path}: ${wire} bytes (${encoding})`);
}
console.log(`observatory JavaScript: ${own} bytes on the wire in ${[...scripts.keys()].filter((p) => !p.startsWith('/vendor/')).length} modules; MapLibre GL JS: ${maplibre} bytes`);
