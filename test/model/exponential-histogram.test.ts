import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VelocityError } from '../../src/errors.js';
import { downscaleBuckets, sketchFromHistogram, type ExponentialHistogram } from '../../src/model/exponential-histogram.js';
import { SKETCH_MAX_INDEX, SKETCH_SCALE, Sketch } from '../../src/model/sketch.js';
import { lognormal, mulberry32 } from '../support/random.js';

/**
 * The OpenTelemetry exponential histogram of `values` (all > 0) at `scale`, computed the
 * plain way: bucket i holds (2^(i/2^scale), 2^((i+1)/2^scale)].
 */
function otelHistogram(values: readonly number[], scale: number): ExponentialHistogram {
  const indexes = values.map((v) => Math.ceil(Math.log2(v) * 2 ** scale) - 1);
  const offset = Math.min(...indexes);
  const positiveCounts = new Array<number>(Math.max(...indexes) - offset + 1).fill(0);
  for (const index of indexes) positiveCounts[index - offset]++;
  return { scale, zeroCount: 0, offset, positiveCounts };
}

function sketchOf(values: readonly number[]): Sketch {
  const sketch = new Sketch();
  for (const v of values) sketch.record(v);
  return sketch;
}

describe('OpenTelemetry exponential histograms as sketches', () => {
  const rand = mulberry32(11);
  // Sub-millisecond to seconds: negative and positive bucket indexes alike.
  const values = Array.from({ length: 2_000 }, () => lognormal(rand, Math.log(20), 2.5));

  it('downscales every finer scale exactly: the buckets of recording the values at the sketch scale', () => {
    const expected = sketchOf(values).nonZeroBuckets();
    assert.ok(expected.some((b) => b.index < 0) && expected.some((b) => b.index > 0));
    for (let scale = SKETCH_SCALE; scale <= 20; scale++) {
      assert.deepEqual(downscaleBuckets(otelHistogram(values, scale)), expected, `scale ${scale}`);
    }
  });

  it('builds a sketch with the given stats, quantiles and zero count', () => {
    const stats = { sum: values.reduce((a, b) => a + b, 0), min: 0, max: Math.max(...values) };
    const sketch = sketchFromHistogram({ ...otelHistogram(values, 9), zeroCount: 5 }, stats);
    const direct = sketchOf([...values, 0, 0, 0, 0, 0]);
    assert.equal(sketch.count, values.length + 5);
    assert.equal(sketch.zeroCount, 5);
    assert.deepEqual([sketch.sum, sketch.min, sketch.max], [stats.sum, stats.min, stats.max]);
    for (const q of [0, 0.5, 0.95, 0.99, 1]) assert.equal(sketch.quantile(q), direct.quantile(q), `q ${q}`);
    assert.deepEqual(sketch.encode(), direct.encode());
  });

  it('refuses a coarser scale or one outside OpenTelemetry\'s range, naming the field', () => {
    for (const scale of [SKETCH_SCALE - 1, 0, -10, 21, 6.5]) {
      assert.throws(
        () => downscaleBuckets({ scale, zeroCount: 0, offset: 0, positiveCounts: [1] }, 'windows[2].histogram'),
        (error: VelocityError) => error.param === 'windows[2].histogram.scale',
        `scale ${scale}`,
      );
    }
  });

  it('refuses buckets beyond the sketch index range', () => {
    const beyond = { scale: SKETCH_SCALE, zeroCount: 0, offset: SKETCH_MAX_INDEX, positiveCounts: [0, 1] };
    assert.throws(() => downscaleBuckets(beyond), (error: VelocityError) => error.param === 'histogram.positive.offset');
    assert.deepEqual(downscaleBuckets({ ...beyond, positiveCounts: [1] }), [{ index: SKETCH_MAX_INDEX, count: 1 }]);
  });

  it('Sketch.fromBuckets adds repeated indexes, ignores stats when empty and refuses bad counts', () => {
    const sketch = Sketch.fromBuckets(0, [{ index: 3, count: 2 }, { index: -4, count: 1 }, { index: 3, count: 5 }], { sum: 9, min: 0.9, max: 1.05 });
    assert.deepEqual(sketch.nonZeroBuckets(), [{ index: -4, count: 1 }, { index: 3, count: 7 }]);
    assert.equal(sketch.count, 8);
    const empty = Sketch.fromBuckets(0, [], { sum: 9, min: 1, max: 2 });
    assert.deepEqual([empty.count, empty.sum, empty.min, empty.max], [0, 0, Infinity, -Infinity]);
    assert.throws(() => Sketch.fromBuckets(0, [{ index: 1, count: 0 }], { sum: 0, min: 0, max: 0 }), /whole number ≥ 1/);
    assert.throws(() => Sketch.fromBuckets(-1, [], { sum: 0, min: 0, max: 0 }), /whole number ≥ 0/);
    assert.throws(() => Sketch.fromBuckets(0, [{ index: 1.5, count: 1 }], { sum: 0, min: 0, max: 0 }), /not an integer/);
  });
});
