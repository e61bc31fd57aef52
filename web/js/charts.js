// @ts-check
// Small line charts in SVG for the commune profile: no library, text only as text.

import { formatNumber } from './i18n/index.js';

/** @typedef {import('./i18n/index.js').Lang} Lang */
/** @typedef {{label: string, colour: string, points: {x: number, y: number}[], dashed?: boolean}} Series */

const SVG = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 150;
const PAD = { top: 10, right: 10, bottom: 22, left: 46 };

/** @param {string} tag @param {Record<string, string | number>} attrs */
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/**
 * A line chart of one or more series over x (years, or days as fractional years).
 * @param {{lang: Lang, title: string, series: Series[], yFromZero?: boolean}} options
 */
export function lineChart({ lang, title, series, yFromZero = false }) {
  const points = series.flatMap((s) => s.points);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart' });
  const titleNode = svg('title', {});
  titleNode.textContent = title;
  root.append(titleNode);
  if (points.length === 0) return root;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [yFromZero ? Math.min(0, ...ys) : Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (/** @type {number} */ x) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (/** @type {number} */ y) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);

  const axis = svg('g', { class: 'chart-axis' });
  axis.append(svg('line', { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }));
  const label = (/** @type {string} */ text, /** @type {Record<string, string | number>} */ attrs) => {
    const node = svg('text', attrs);
    node.textContent = text;
    axis.append(node);
  };
  for (const y of [y0, y1]) label(formatNumber(lang, y), { x: PAD.left - 4, y: sy(y) + 4, 'text-anchor': 'end' });
  for (const x of [x0, x1]) label(String(Math.floor(x)), { x: sx(x), y: H - 6, 'text-anchor': 'middle' });
  root.append(axis);

  for (const s of series) {
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    const g = svg('g', { class: 'chart-series' });
    const name = svg('title', {});
    name.textContent = s.label;
    g.append(name);
    if (sorted.length > 1) {
      g.append(svg('polyline', {
        points: sorted.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' '),
        fill: 'none',
        stroke: s.colour,
        'stroke-width': 2,
        ...(s.dashed ? { 'stroke-dasharray': '4 3' } : {}),
      }));
    }
    for (const p of sorted) g.append(svg('circle', { cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 2.5, fill: s.colour }));
    root.append(g);
  }
  return root;
}

/** A day `YYYY-MM-DD` as a fractional year, for a time axis. */
export function yearOf(/** @type {string} */ day) {
  const d = new Date(`${day}T00:00:00Z`);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  const end = Date.UTC(d.getUTCFullYear() + 1, 0, 1);
  return d.getUTCFullYear() + (d.getTime() - start) / (end - start);
}
