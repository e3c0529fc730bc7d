import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hodgesLehmann, meanAndStandardError } from '../../bench/measure.js';

/** Every mean of two of `values` (each with itself included), ascending. */
function pairMeans(values: readonly number[]): number[] {
  const means: number[] = [];
  for (let i = 0; i < values.length; i++) for (let j = i; j < values.length; j++) means.push((values[i] + values[j]) / 2);
  return means.sort((a, b) => a - b);
}

test('the 95 % interval cuts the pairwise means at the tabled signed-rank critical values', () => {
  // Two-sided 5 % critical values of the Wilcoxon signed-rank statistic: n = 14 → 21, n = 20 → 52.
  for (const [n, critical] of [
    [14, 21],
    [20, 52],
  ]) {
    const values = Array.from({ length: n }, (_, i) => (i * 7919) % 31);
    const sorted = pairMeans(values);
    const { low, high } = hodgesLehmann(values);
    assert.equal(low, sorted[critical], `n = ${n}`);
    assert.equal(high, sorted[sorted.length - 1 - critical], `n = ${n}`);
  }
});

test('the estimate is the median of the pairwise means and lies inside its interval', () => {
  const { estimate, low, high } = hodgesLehmann([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(estimate, 5.5);
  assert.ok(low < estimate && estimate < high);
});

test('one far-off value moves the estimate far less than the mean', () => {
  const steady = [2.1, 1.4, 3.0, 2.6, 1.8, 2.2, 2.9, 1.1, 2.4, 1.9, 2.0, 2.7, 1.6, 2.3];
  const withOutlier = [...steady.slice(1), 25];
  const estimateShift = hodgesLehmann(withOutlier).estimate - hodgesLehmann(steady).estimate;
  const meanShift = meanAndStandardError(withOutlier).mean - meanAndStandardError(steady).mean;
  assert.ok(meanShift > 1.5, `mean moved by ${meanShift}`);
  assert.ok(estimateShift < 0.3, `estimate moved by ${estimateShift}`);
});

test('too few values for the confidence asked give the whole range of pairwise means', () => {
  assert.deepEqual(hodgesLehmann([1, 2, 3]), { estimate: 2, low: 1, high: 3 });
});
