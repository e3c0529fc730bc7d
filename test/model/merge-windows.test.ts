import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeWindows } from '../../src/model/merge-windows.js';
import { FOLDED_LABELS, rollupLabels, rollupSeries, tiersFedBy } from '../../src/model/rollup.js';
import { Sketch } from '../../src/model/sketch.js';
import { distributionValues, type WindowValues } from '../../src/model/window.js';

const HOUR = Date.UTC(2026, 10, 20, 13);

function sketchOf(values: readonly number[]): Sketch {
  const sketch = new Sketch();
  for (const v of values) sketch.record(v);
  return sketch;
}

function scalar(start: number, values: readonly number[], last: number | null = null): WindowValues {
  return {
    start,
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    last,
    p50: null,
    p95: null,
    p99: null,
    sketch: null,
  };
}

describe('mergeWindows', () => {
  it('merges distributions exactly: the merged sketch is the sketch of every value', () => {
    const parts = [[1, 2, 3.5], [120, 0.25], [7, 7, 7, 900]];
    const windows = parts.map((values, i) => distributionValues(sketchOf(values), HOUR + i * 60_000));
    const all = sketchOf(parts.flat());
    assert.deepEqual(mergeWindows('distribution', windows, HOUR), { ...distributionValues(all, HOUR), statusCounts: null });
  });

  it('adds counters and keeps their extremes', () => {
    const merged = mergeWindows('counter', [scalar(HOUR, [10, 30]), scalar(HOUR + 60_000, [5])], HOUR);
    assert.deepEqual(merged, { ...scalar(HOUR, [10, 30, 5]), last: null, statusCounts: null });
  });

  it('keeps the last sample of the newest gauge window, of equal starts the later one', () => {
    const windows = [scalar(HOUR + 120_000, [0.5, 0.75], 0.75), scalar(HOUR, [0.25], 0.25), scalar(HOUR + 120_000, [0.125], 0.125)];
    const merged = mergeWindows('gauge', windows, HOUR);
    assert.deepEqual([merged.count, merged.sum, merged.min, merged.max, merged.last], [4, 1.625, 0.125, 0.75, 0.125]);
    assert.equal(merged.start, HOUR);
  });

  it('leaves a sketch that does not decode out of the quantiles, its count and sum still added', () => {
    const good = distributionValues(sketchOf([4, 8, 16]), HOUR);
    const corrupt: WindowValues = { ...distributionValues(sketchOf([1_000]), HOUR + 60_000), sketch: new Uint8Array([1, 6, 9, 0]) };
    const merged = mergeWindows('distribution', [good, corrupt, good], HOUR);
    const expected = distributionValues(sketchOf([4, 8, 16, 4, 8, 16]), HOUR);
    assert.deepEqual([merged.count, merged.sum, merged.max], [7, 1_056, 1_000]);
    assert.deepEqual([merged.p50, merged.p99, merged.sketch], [expected.p50, expected.p99, expected.sketch]);
  });

  it('adds status counts class by class when any window has them', () => {
    const windows = [
      { ...distributionValues(sketchOf([1, 2]), HOUR), statusCounts: [0, 2] },
      distributionValues(sketchOf([3]), HOUR),
      { ...distributionValues(sketchOf([4, 5, 6]), HOUR + 60_000), statusCounts: [1, 1, 0, 1] },
    ];
    assert.deepEqual(mergeWindows('distribution', windows, HOUR).statusCounts, [1, 3, 0, 1]);
  });

  it('refuses to merge nothing', () => {
    assert.throws(() => mergeWindows('counter', [], HOUR), RangeError);
  });
});

describe('rollupLabels', () => {
  it('folds the instance label away and keeps the others', () => {
    assert.deepEqual(FOLDED_LABELS, ['instance']);
    assert.deepEqual(rollupLabels({ service: 'api', instance: 'web-1:42', route: '/a' }), { service: 'api', route: '/a' });
    assert.deepEqual(rollupLabels({}), {});
    const a = rollupSeries('m', 'counter', { route: '/a', instance: 'x:1' });
    const b = rollupSeries('m', 'counter', { instance: 'y:2', route: '/a' });
    assert.deepEqual(a, b);
    assert.equal(a.key, 'm{route="/a"}');
  });

  it('knows which rolled tiers each tier feeds', () => {
    assert.deepEqual([tiersFedBy('1m'), tiersFedBy('1h'), tiersFedBy('1d')], [['1h', '1d'], ['1d'], []]);
  });
});
