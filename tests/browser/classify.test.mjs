// The choropleth's classes (web/js/classify.js) on values whose answer is known.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, classOf, coloursFor } from '../../web/js/classify.js';

const VALUES = [1, 2, 2, 3, 10, 11, 12, 30, 31, 32, 100];

describe('classes', () => {
  test('quantiles put about as many values in each class', () => {
    assert.deepEqual(classify(VALUES, 'quantile'), { bounds: [1, 2, 10, 12, 31, 100], counts: [1, 3, 2, 2, 3] });
  });

  test('natural breaks (Jenks) split at the gaps, the outlier alone', () => {
    assert.deepEqual(classify(VALUES, 'jenks'), { bounds: [1, 10, 11, 30, 100, 100], counts: [4, 1, 2, 3, 1] });
    assert.deepEqual(classify([1, 1, 2, 50, 51, 52, 900], 'jenks', 3), { bounds: [1, 50, 900, 900], counts: [3, 3, 1] });
  });

  test('equal intervals split the range evenly', () => {
    const { bounds, counts } = classify([0, 10, 20, 30, 40, 50], 'equal');
    assert.deepEqual(bounds, [0, 10, 20, 30, 40, 50]);
    assert.deepEqual(counts, [1, 1, 1, 1, 2], 'the maximum is in the last class');
  });

  test('few distinct values give fewer classes, never an empty one', () => {
    assert.deepEqual(classify([5, 5, 5], 'quantile'), { bounds: [5, 5], counts: [3] });
    assert.deepEqual(classify([0, 0, 0, 0, 1], 'quantile'), { bounds: [0, 1, 1], counts: [4, 1] });
    // Equal intervals keep their classes even when one is empty: the range decides them.
    for (const method of ['quantile', 'jenks']) {
      const { counts } = classify([0, 0, 0, 1, 1, 7], method);
      assert.ok(counts.length <= 3, `${method}: ${counts}`);
      assert.ok(counts.every((c) => c > 0), `${method}: ${counts}`);
    }
  });

  test('no values, no classes; non-finite values are left out', () => {
    assert.deepEqual(classify([], 'jenks'), { bounds: [], counts: [] });
    assert.deepEqual(classify([NaN, Infinity, 4], 'quantile'), { bounds: [4, 4], counts: [1] });
  });

  test('every value falls in exactly one class; outside the range in none', () => {
    const big = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1013);
    for (const method of ['quantile', 'jenks', 'equal']) {
      const { bounds, counts } = classify(big, method);
      const tally = new Array(counts.length).fill(0);
      for (const v of big) tally[classOf(v, bounds)] += 1;
      assert.deepEqual(tally, counts, method);
    }
    assert.equal(classOf(-1, [0, 5, 10]), -1);
    assert.equal(classOf(Number.NaN, [0, 5, 10]), -1);
    assert.equal(classOf(10, [0, 5, 10]), 1);
  });

  test('colours run light to dark, one per class', () => {
    assert.equal(coloursFor(5).length, 5);
    assert.equal(new Set(coloursFor(3)).size, 3);
    assert.deepEqual(coloursFor(0), []);
  });
});
