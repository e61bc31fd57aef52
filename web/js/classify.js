// @ts-check
// Classes for a choropleth: quantiles, natural breaks (Jenks) or equal intervals.
// Pure functions of the values, so the legend, the map and the tests agree.

/** @typedef {'quantile' | 'jenks' | 'equal'} Method */
/** @type {readonly Method[]} */
export const METHODS = ['quantile', 'jenks', 'equal'];
export const DEFAULT_CLASSES = 5;

/**
 * Class bounds: `bounds[i]` to `bounds[i + 1]` is class i, each class holding its lower
 * bound and the last also its upper one (the maximum; a last class of the maximum alone
 * has both bounds equal to it). Fewer classes than asked come
 * back when the values have fewer distinct values; none when there are no values.
 * @typedef {{bounds: number[], counts: number[]}} Classes
 */

/**
 * @param {number[]} values finite numbers, in any order
 * @param {Method} method
 * @param {number} [k] classes wanted
 * @returns {Classes}
 */
export function classify(values, method, k = DEFAULT_CLASSES) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return { bounds: [], counts: [] };
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  let inner;
  if (min === max) inner = [];
  else if (method === 'equal') inner = equalBreaks(min, max, k);
  else if (method === 'jenks') inner = jenksBreaks(sorted, k);
  else inner = quantileBreaks(sorted, k);
  // Bounds increasing: a break equal to its neighbour would make an empty class. The
  // maximum closes the last class even when that class holds only the maximum.
  const bounds = [min];
  for (const b of inner) if (b > bounds[bounds.length - 1] && b <= max) bounds.push(b);
  bounds.push(max);
  const counts = new Array(bounds.length - 1).fill(0);
  for (const v of sorted) counts[classOf(v, bounds)] += 1;
  return { bounds, counts };
}

/**
 * The class of a value: the last class whose lower bound it reaches, so the maximum
 * falls in the last class. -1 for a value below the first bound or not finite.
 * @param {number} value
 * @param {number[]} bounds
 */
export function classOf(value, bounds) {
  if (!Number.isFinite(value) || bounds.length < 2 || value < bounds[0]) return -1;
  let lo = 0;
  let hi = bounds.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (value >= bounds[mid]) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** @param {number} min @param {number} max @param {number} k */
function equalBreaks(min, max, k) {
  const step = (max - min) / k;
  return Array.from({ length: k - 1 }, (_, i) => min + step * (i + 1));
}

/** Breaks at the k-quantiles of the sorted values (the value at each rank i·n/k). */
function quantileBreaks(/** @type {number[]} */ sorted, /** @type {number} */ k) {
  const n = sorted.length;
  return Array.from({ length: k - 1 }, (_, i) => sorted[Math.floor(((i + 1) * n) / k)]);
}

/** Above this many values, natural breaks are found on an evenly spaced sample of the
 * sorted values: the optimisation is quadratic in the values it sees. */
const JENKS_MAX_VALUES = 2000;

/**
 * Fisher–Jenks natural breaks: the classes that minimise the sum of squared deviations
 * from their means, by dynamic programming over the sorted values. Each break is the
 * lowest value of a class.
 * @param {number[]} all sorted values
 * @param {number} k
 */
function jenksBreaks(all, k) {
  const data = all.length <= JENKS_MAX_VALUES
    ? all
    : Array.from({ length: JENKS_MAX_VALUES }, (_, i) => all[Math.round((i * (all.length - 1)) / (JENKS_MAX_VALUES - 1))]);
  const n = data.length;
  const classes = Math.min(k, n);
  // lower[j][m]: first index (1-based) of the last class in the best split of the first
  // m values into j classes; cost[j][m]: that split's sum of squared deviations.
  const lower = Array.from({ length: classes + 1 }, () => new Int32Array(n + 1));
  const cost = Array.from({ length: classes + 1 }, () => new Float64Array(n + 1).fill(Infinity));
  for (let j = 1; j <= classes; j += 1) {
    lower[j][1] = 1;
    cost[j][1] = 0;
  }
  for (let m = 2; m <= n; m += 1) {
    let sum = 0;
    let sumSquares = 0;
    for (let count = 1; count <= m; count += 1) {
      const first = m - count + 1; // the candidate last class is first..m
      const v = data[first - 1];
      sum += v;
      sumSquares += v * v;
      const deviation = sumSquares - (sum * sum) / count;
      if (first === 1) {
        lower[1][m] = 1;
        cost[1][m] = deviation;
      } else {
        for (let j = 2; j <= classes; j += 1) {
          const total = deviation + cost[j - 1][first - 1];
          if (total <= cost[j][m]) {
            lower[j][m] = first;
            cost[j][m] = total;
          }
        }
      }
    }
  }
  const breaks = [];
  let m = n;
  for (let j = classes; j >= 2; j -= 1) {
    const first = lower[j][m];
    breaks.unshift(data[first - 1]);
    m = first - 1;
  }
  return breaks;
}

/** Five colours, light to dark (ColorBrewer YlGnBu), for up to five classes. */
export const PALETTE = ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'];

/** The colours of `count` classes: spread over the palette, always light to dark. */
export function coloursFor(/** @type {number} */ count) {
  if (count <= 0) return [];
  if (count === 1) return [PALETTE[2]];
  return Array.from({ length: count }, (_, i) => PALETTE[Math.round((i * (PALETTE.length - 1)) / (count - 1))]);
}
