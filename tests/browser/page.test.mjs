// The page's static shape, without a browser: index.html preloads every module of the
// atlas (so the browser fetches them at once, not import by import), and every language
// has every string.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import en from '../../web/js/i18n/en.js';
import fr from '../../web/js/i18n/fr.js';
import nl from '../../web/js/i18n/nl.js';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

test('index.html preloads every module of web/js, and nothing else', () => {
  const modules = readdirSync(path.join(WEB, 'js'), { recursive: true })
    .filter((f) => String(f).endsWith('.js'))
    .map((f) => `/js/${String(f).split(path.sep).join('/')}`)
    .sort();
  const html = readFileSync(path.join(WEB, 'index.html'), 'utf8');
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]).sort();
  assert.deepEqual(preloaded, modules);
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
