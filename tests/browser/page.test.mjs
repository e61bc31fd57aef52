// The pages' static shape, without a browser: each page preloads every module it loads
// (so the browser fetches them at once, not import by import), every module belongs to a
// page, no page needs 'unsafe-inline', and every language has every string.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import en from '../../web/js/i18n/en.js';
import fr from '../../web/js/i18n/fr.js';
import nl from '../../web/js/i18n/nl.js';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

/** The modules a module imports, by path from web/ (`/js/main.js`), static imports only. */
function importsOf(modulePath) {
  const source = readFileSync(path.join(WEB, modulePath), 'utf8');
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => path.posix.join(path.posix.dirname(modulePath), s));
}

/** Every module a page's entry module loads, itself included. */
function moduleGraph(entry) {
  const seen = new Set();
  const queue = [entry];
  while (queue.length) {
    const next = queue.pop();
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...importsOf(next));
  }
  return [...seen].sort();
}

const PAGES = ['index.html', 'moderate.html', 'withdraw.html'];

for (const page of PAGES) {
  test(`${page} preloads every module it loads, and nothing else`, () => {
    const html = readFileSync(path.join(WEB, page), 'utf8');
    const entries = [...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)].map((m) => m[1]);
    assert.equal(entries.length, 1, `${page} has one entry module`);
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]).sort();
    assert.deepEqual(preloaded, moduleGraph(entries[0]));
  });
}

test('every module of web/js is loaded by a page', () => {
  const modules = readdirSync(path.join(WEB, 'js'), { recursive: true })
    .filter((f) => String(f).endsWith('.js'))
    .map((f) => `/js/${String(f).split(path.sep).join('/')}`)
    .sort();
  const loaded = new Set(PAGES.flatMap((page) => {
    const html = readFileSync(path.join(WEB, page), 'utf8');
    return [...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)].flatMap((m) => moduleGraph(m[1]));
  }));
  assert.deepEqual(modules.filter((m) => !loaded.has(m)), []);
});

test('no page has an inline script or an inline event handler (for a Content-Security-Policy without unsafe-inline)', () => {
  for (const page of PAGES) {
    const html = readFileSync(path.join(WEB, page), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    for (const attrs of scripts) assert.match(attrs, /\ssrc="/, `${page}: every script has a src`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${page}: no on* attribute`);
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${page}: no style attribute`);
  }
});

test('every language has every string, of the same kind', () => {
  const shape = (value) => (value && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
    : typeof value);
  assert.deepEqual(shape(nl), shape(en), 'nl.js');
  assert.deepEqual(shape(fr), shape(en), 'fr.js');
});

test('every data-i18n key of index.html is a string in each language', () => {
  const html = readFileSync(path.join(WEB, 'index.html'), 'utf8');
  const keys = [...html.matchAll(/data-i18n(?:-aria-label|-placeholder)?="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(keys.length > 20, `${keys.length} keys`);
  for (const [name, strings] of Object.entries({ nl, fr, en })) {
    for (const key of keys) assert.equal(typeof strings[key], 'string', `${name}: ${key}`);
  }
});

test('every data-t path of the pages is a string in each language', () => {
  const at = (strings, dotted) => dotted.split('.').reduce((node, key) => (node && typeof node === 'object' ? node[key] : undefined), strings);
  for (const page of PAGES) {
    const html = readFileSync(path.join(WEB, page), 'utf8');
    const paths = [...html.matchAll(/data-t(?:-aria-label|-placeholder|-title)?="([^"]+)"/g)].map((m) => m[1]);
    for (const [name, strings] of Object.entries({ nl, fr, en })) {
      for (const p of paths) assert.equal(typeof at(strings, p), 'string', `${page}, ${name}: ${p}`);
    }
  }
});
