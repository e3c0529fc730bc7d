import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VelocityError } from '../../src/errors.js';
import {
  bucketEstimate,
  bucketIndex,
  bucketLowerBound,
  bucketUpperBound,
  exactQuantile,
  Sketch,
  SKETCH_MAX_INDEX,
  SKETCH_RELATIVE_ERROR,
  SKETCH_SCALE,
  type SketchStats,
} from '../../src/model/sketch.js';
import { lognormal, mulberry32, type Random } from '../support/random.js';

const QUANTILES = [0.5, 0.95, 0.99];
const ALL_QUANTILES = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
// The promise is 0.54 %; allow for the last bits of floating point in the bucket bounds.
const BOUND = SKETCH_RELATIVE_ERROR * (1 + 1e-9);

function sketchOf(values: readonly number[]): Sketch {
  const sketch = new Sketch();
  for (const value of values) sketch.record(value);
  return sketch;
}

function statsOf(sketch: Sketch): SketchStats {
  return { sum: sketch.sum, min: sketch.min, max: sketch.max };
}

function relativeError(estimate: number, exact: number): number {
  return exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / Math.abs(exact);
}

/** Asserts every quantile of `qs` is within 1 % (and the 0.54 % bound); returns the worst. */
function assertQuantiles(sketch: Sketch, values: readonly number[], qs = QUANTILES): number {
  const sorted = Float64Array.from(values).sort();
  let worst = 0;
  for (const q of qs) {
    const exact = exactQuantile(sorted, q);
    const estimate = sketch.quantile(q);
    assert.ok(estimate !== null, `q=${q}: a value`);
    const error = relativeError(estimate, exact);
    assert.ok(error <= 0.01, `q=${q}: estimate ${estimate} vs exact ${exact} (error ${error})`);
    assert.ok(error <= BOUND, `q=${q}: error ${error} above the ${SKETCH_RELATIVE_ERROR} bound`);
    worst = Math.max(worst, error);
  }
  return worst;
}

function percent(error: number): string {
  return `${(error * 100).toFixed(3)} %`;
}

/** The total count in the header of an encoding (the varint at byte 2), or null. */
function headerCount(bytes: Uint8Array): number | null {
  let value = 0;
  let scale = 1;
  for (let at = 2; at < bytes.length && at < 10; at++) {
    value += (bytes[at] & 0x7f) * scale;
    if (bytes[at] < 0x80) return value;
    scale *= 128;
  }
  return null;
}

function bucketTotal(sketch: Sketch): number {
  return sketch.nonZeroBuckets().reduce((total, bucket) => total + bucket.count, 0);
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function zigzag(value: number): number {
  return value >= 0 ? 2 * value : -2 * value - 1;
}

function isCorrupt(pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof VelocityError, `a VelocityError, not ${String(error)}`);
    assert.equal(error.code, 'CORRUPT_SKETCH');
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
/** The next double above (step 1) or below (step −1) a positive double. */
function nextDouble(value: number, step: 1 | -1): number {
  f64[0] = value;
  i64[0] += BigInt(step);
  return f64[0];
}

function lognormalValues(rand: Random, n: number, median: number, sigma: number): number[] {
  return Array.from({ length: n }, () => lognormal(rand, Math.log(median), sigma));
}

describe('Sketch buckets', () => {
  it('uses scale 6 with a 0.54 % relative error', () => {
    assert.equal(SKETCH_SCALE, 6);
    assert.ok(Math.abs(SKETCH_RELATIVE_ERROR - 0.005415) < 1e-6, String(SKETCH_RELATIVE_ERROR));
  });

  it('puts every exact power of two in the bucket it is the upper bound of', () => {
    for (let k = -1074; k <= 1023; k++) {
      const value = 2 ** k;
      assert.equal(bucketIndex(value), 64 * k - 1, `2^${k}`);
      // Below 2^-1021 the neighbouring doubles are not within a bucket of 2^k.
      if (k < -1021) continue;
      assert.equal(bucketIndex(nextDouble(value, 1)), 64 * k, `just above 2^${k}`);
      assert.equal(bucketIndex(nextDouble(value, -1)), 64 * k - 1, `just below 2^${k}`);
    }
  });

  it('puts values just inside each bucket bound in that bucket', () => {
    for (let index = -4000; index <= 4000; index++) {
      const lower = bucketLowerBound(index);
      const upper = bucketUpperBound(index);
      assert.equal(upper, bucketLowerBound(index + 1));
      assert.equal(bucketIndex(lower * (1 + 1e-9)), index, `above the lower bound of ${index}`);
      assert.equal(bucketIndex(upper * (1 - 1e-9)), index, `below the upper bound of ${index}`);
      assert.equal(bucketIndex(lower * (1 - 1e-9)), index - 1, `below the lower bound of ${index}`);
      const estimate = bucketEstimate(index);
      assert.ok(lower < estimate && estimate < upper, `estimate of ${index} inside its bounds`);
    }
  });

  it('puts values well inside a bucket in it, for every bucket of the normal doubles', () => {
    // 1e-5 and the geometric middle are far from the bounds, where the index comes from the
    // double's bits; the tests above, within 1e-9 of a bound, take the logarithm.
    for (let index = -64 * 1022; index < 64 * 1024 - 1; index++) {
      const lower = bucketLowerBound(index);
      const upper = bucketUpperBound(index);
      for (const value of [lower * (1 + 1e-5), Math.sqrt(lower) * Math.sqrt(upper), upper * (1 - 1e-5)]) {
        if (bucketIndex(value) !== index) assert.fail(`${value} in bucket ${bucketIndex(value)}, not ${index}`);
      }
    }
  });

  it('records powers of two and bucket bounds into the documented bucket', () => {
    const sketch = sketchOf([1, 1, 2, 1024, 0.5, bucketUpperBound(100) * (1 - 1e-9), bucketLowerBound(100) * (1 + 1e-9)]);
    assert.deepEqual(sketch.nonZeroBuckets(), [
      { index: -65, count: 1 },
      { index: -1, count: 2 },
      { index: 63, count: 1 },
      { index: 100, count: 2 },
      { index: 639, count: 1 },
    ]);
  });

  it('holds the smallest and largest doubles', () => {
    const sketch = sketchOf([Number.MIN_VALUE, Number.MAX_VALUE]);
    assert.deepEqual(sketch.nonZeroBuckets(), [
      { index: -68737, count: 1 },
      { index: 65535, count: 1 },
    ]);
    assert.equal(sketch.quantile(0), Number.MIN_VALUE); // the estimate, clamped to min
    assert.ok(relativeError(sketch.quantile(1) ?? 0, Number.MAX_VALUE) <= BOUND);
    const decoded = Sketch.decode(sketch.encode(), statsOf(sketch));
    assert.deepEqual(decoded.nonZeroBuckets(), sketch.nonZeroBuckets());
  });
});

describe('Sketch.record', () => {
  it('ignores NaN and +Infinity', () => {
    const sketch = sketchOf([NaN, Infinity, NaN]);
    assert.equal(sketch.count, 0);
    assert.equal(sketch.zeroCount, 0);
    assert.equal(sketch.sum, 0);
    assert.equal(sketch.min, Infinity);
    assert.equal(sketch.max, -Infinity);
    assert.equal(sketch.quantile(0.5), null);
    assert.deepEqual(sketch.encode(), new Sketch().encode());
  });

  it('counts zero and negative values, as 0, in the zero bucket', () => {
    const sketch = sketchOf([0, -3, -0, -Infinity]);
    assert.equal(sketch.count, 4);
    assert.equal(sketch.zeroCount, 4);
    assert.equal(sketch.sum, 0);
    assert.equal(sketch.min, 0);
    assert.equal(sketch.max, 0);
    assert.deepEqual(sketch.nonZeroBuckets(), []);
    assert.equal(sketch.quantile(0.5), 0);
  });

  it('keeps count, sum, min and max beside the buckets', () => {
    const sketch = sketchOf([0, 10, 2.5, NaN, 7]);
    assert.equal(sketch.count, 4);
    assert.equal(sketch.zeroCount, 1);
    assert.equal(sketch.sum, 19.5);
    assert.equal(sketch.min, 0);
    assert.equal(sketch.max, 10);
    assert.equal(bucketTotal(sketch), 3);
    assert.equal(sketch.quantile(0), 0);
    assert.ok(relativeError(sketch.quantile(1) ?? 0, 10) <= BOUND);
  });

  it('keeps exact counts while the bucket array grows and re-centres', () => {
    const rand = mulberry32(7);
    const sketch = new Sketch();
    const expected = new Map<number, number>();
    // Creep outward in both directions, then jump far, to force re-centring and doubling.
    const values: number[] = [];
    for (let i = 0; i < 2000; i++) values.push(40 * 1.003 ** i, 40 / 1.003 ** i);
    for (let i = 0; i < 500; i++) values.push(10 ** (rand() * 12 - 6));
    for (const value of values) {
      sketch.record(value);
      const index = bucketIndex(value);
      expected.set(index, (expected.get(index) ?? 0) + 1);
    }
    const buckets = [...expected].sort((a, b) => a[0] - b[0]).map(([index, count]) => ({ index, count }));
    assert.deepEqual(sketch.nonZeroBuckets(), buckets);
    assert.equal(sketch.count, values.length);
  });
});

describe('Sketch.quantile', () => {
  const n = 10_000;
  const cases: Array<{ name: string; values: (rand: Random) => number[] }> = [
    { name: 'lognormal (median 40, sigma 0.6)', values: (rand) => lognormalValues(rand, n, 40, 0.6) },
    {
      name: 'bimodal (lognormals at 3 and 2,000)',
      values: (rand) =>
        Array.from({ length: n }, () =>
          rand() < 0.7 ? lognormal(rand, Math.log(3), 0.3) : lognormal(rand, Math.log(2000), 0.4),
        ),
    },
    { name: 'uniform (1 .. 1,000)', values: (rand) => Array.from({ length: n }, () => 1 + 999 * rand()) },
    { name: 'constant (42.5)', values: () => new Array<number>(n).fill(42.5) },
    { name: 'single value (7.3)', values: () => [7.3] },
    {
      name: 'lognormal with 20 % zeros',
      values: (rand) => Array.from({ length: n }, () => (rand() < 0.2 ? 0 : lognormal(rand, Math.log(40), 0.6))),
    },
  ];
  for (const [i, { name, values }] of cases.entries()) {
    it(`p50/p95/p99 within 1 % on ${name}`, (t) => {
      const data = values(mulberry32(100 + i));
      const sketch = sketchOf(data);
      assert.equal(sketch.count, data.length);
      const worst = assertQuantiles(sketch, data);
      const worstAll = assertQuantiles(sketch, data, ALL_QUANTILES);
      t.diagnostic(`worst relative error: p50/p95/p99 ${percent(worst)}, all quantiles ${percent(worstAll)}`);
    });
  }

  it('quantiles gives what quantile gives for each, in one call', () => {
    for (const [i, { values }] of cases.entries()) {
      const sketch = sketchOf(values(mulberry32(200 + i)));
      assert.deepEqual(sketch.quantiles(ALL_QUANTILES), ALL_QUANTILES.map((q) => sketch.quantile(q)));
      assert.deepEqual(sketch.quantiles([0.5, 0.5, 0.99]), [0.5, 0.5, 0.99].map((q) => sketch.quantile(q)));
    }
    assert.deepEqual(new Sketch().quantiles([0.5, 0.95]), [null, null]);
    assert.deepEqual(sketchOf([7.3]).quantiles([]), []);
    for (const qs of [[0.9, 0.5], [0.5, 1.5], [NaN]]) {
      assert.throws(
        () => sketchOf([1, 2]).quantiles(qs),
        (error) => error instanceof VelocityError && error.code === 'INVALID_PARAMETER',
      );
    }
  });

  it('is exact at the clamps: constant and single-value data give the value', () => {
    assert.equal(sketchOf(new Array<number>(100).fill(42.5)).quantile(0.95), 42.5);
    assert.equal(sketchOf([7.3]).quantile(0.5), 7.3);
  });

  it('is null when empty and rejects q outside [0, 1]', () => {
    const sketch = new Sketch();
    assert.equal(sketch.quantile(0.5), null);
    sketch.record(1);
    for (const q of [-0.1, 1.5, NaN]) {
      assert.throws(
        () => sketch.quantile(q),
        (error) => error instanceof VelocityError && error.code === 'INVALID_PARAMETER',
      );
    }
  });

  it('exactQuantile uses rank floor(q × (n − 1))', () => {
    assert.equal(exactQuantile([1, 2, 3, 4], 0.5), 2);
    assert.equal(exactQuantile([1, 2, 3, 4], 1), 4);
    assert.equal(exactQuantile([1, 2, 3, 4], 0), 1);
    assert.ok(Number.isNaN(exactQuantile([], 0.5)));
  });

  it('p50/p95/p99 within 1 % after merging 1,440 minutes of uneven traffic', (t) => {
    const rand = mulberry32(1440);
    const all: number[] = [];
    const day = new Sketch();
    const observationsPerMinute: number[] = [];
    for (let minute = 0; minute < 1440; minute++) {
      // Diurnal: quiet at midnight, 500 a minute at noon, with idle and one-request minutes.
      const load = (1 - Math.cos((2 * Math.PI * minute) / 1440)) / 2;
      let observations = Math.round(500 * load);
      if (minute % 60 === 7) observations = 0;
      if (minute % 60 === 31) observations = 1;
      observationsPerMinute.push(observations);
      const window = new Sketch();
      for (let i = 0; i < observations; i++) {
        const value = lognormal(rand, Math.log(20 + 40 * load), 0.5 + 0.3 * load);
        window.record(value);
        all.push(value);
      }
      // Through the codec, as windows come back from the store.
      day.merge(Sketch.decode(window.encode(), statsOf(window)));
    }
    assert.ok(observationsPerMinute.includes(0) && observationsPerMinute.includes(1));
    assert.ok(observationsPerMinute.includes(500));
    assert.equal(day.count, all.length);
    assert.equal(bucketTotal(day), all.length);
    assert.deepEqual(day.encode(), sketchOf(all).encode());
    const worst = assertQuantiles(day, all);
    const worstAll = assertQuantiles(day, all, ALL_QUANTILES);
    t.diagnostic(`${all.length} values; worst relative error: p50/p95/p99 ${percent(worst)}, all ${percent(worstAll)}`);
  });
});

describe('Sketch.merge', () => {
  it('gives the same counts and bytes as recording every value into one sketch', () => {
    const rand = mulberry32(3);
    const a = [...lognormalValues(rand, 3000, 5, 0.4), 0, 0, -1];
    const b = [...lognormalValues(rand, 2000, 50_000, 1.5), 0];
    const merged = sketchOf(a);
    merged.merge(sketchOf(b));
    const together = sketchOf([...a, ...b]);
    assert.equal(merged.count, 5004);
    assert.equal(merged.zeroCount, 4);
    assert.equal(merged.min, together.min);
    assert.equal(merged.max, together.max);
    assert.ok(Math.abs(merged.sum - together.sum) <= 1e-9 * together.sum);
    assert.deepEqual(merged.nonZeroBuckets(), together.nonZeroBuckets());
    assert.deepEqual(merged.encode(), together.encode());
    for (const q of ALL_QUANTILES) assert.equal(merged.quantile(q), together.quantile(q));
  });

  it('merges into and from empty sketches', () => {
    const values = lognormalValues(mulberry32(4), 500, 40, 0.6);
    const into = new Sketch();
    into.merge(sketchOf(values));
    into.merge(new Sketch());
    assert.equal(into.count, 500);
    assert.deepEqual(into.encode(), sketchOf(values).encode());
    assert.equal(into.min, Math.min(...values));
  });

  it('merging a sketch into itself doubles every count', () => {
    const sketch = sketchOf([0, 1, 1, 3, 100]);
    sketch.merge(sketch);
    assert.equal(sketch.count, 10);
    assert.equal(sketch.zeroCount, 2);
    assert.deepEqual(
      sketch.nonZeroBuckets().map((bucket) => bucket.count),
      [4, 2, 2],
    );
  });
});

describe('Sketch.mergeEncoded', () => {
  it('equals merging the decoded sketches, window by window', () => {
    const rand = mulberry32(11);
    const viaDecode = new Sketch();
    const viaEncoded = new Sketch();
    for (let w = 0; w < 200; w++) {
      const window = new Sketch();
      const n = w % 7 === 0 ? 0 : 1 + Math.floor(rand() * 300);
      for (let i = 0; i < n; i++) window.record(w % 11 === 0 ? 0 : lognormal(rand, 2 + (w % 5), 0.8));
      const bytes = window.encode();
      viaDecode.merge(Sketch.decode(bytes, window));
      viaEncoded.mergeEncoded(bytes, window);
    }
    assert.ok(viaDecode.count > 10_000);
    assert.equal(viaEncoded.count, viaDecode.count);
    assert.equal(viaEncoded.zeroCount, viaDecode.zeroCount);
    assert.equal(viaEncoded.sum, viaDecode.sum);
    assert.equal(viaEncoded.min, viaDecode.min);
    assert.equal(viaEncoded.max, viaDecode.max);
    assert.deepEqual(viaEncoded.encode(), viaDecode.encode());
  });

  it('rejects corrupt bytes like decode', () => {
    const sketch = new Sketch();
    assert.throws(() => sketch.mergeEncoded(new Uint8Array([1, 6, 5, 0]), { sum: 1, min: 1, max: 1 }), {
      code: 'CORRUPT_SKETCH',
    });
  });
});

describe('Sketch.reset and clone', () => {
  it('reset empties the sketch and it records afresh', () => {
    const sketch = sketchOf(lognormalValues(mulberry32(5), 1000, 40, 2));
    sketch.record(0);
    sketch.reset();
    assert.equal(sketch.count, 0);
    assert.equal(sketch.zeroCount, 0);
    assert.equal(sketch.sum, 0);
    assert.equal(sketch.min, Infinity);
    assert.equal(sketch.max, -Infinity);
    assert.deepEqual(sketch.nonZeroBuckets(), []);
    assert.deepEqual(sketch.encode(), new Sketch().encode());
    const values = [3, 4, 5000, 0.001];
    for (const value of values) sketch.record(value);
    assert.deepEqual(sketch.nonZeroBuckets(), sketchOf(values).nonZeroBuckets());
    assert.equal(sketch.count, 4);
  });

  it('clone is a deep copy', () => {
    const original = sketchOf([1, 2, 3]);
    const copy = original.clone();
    copy.record(2);
    copy.record(1e6);
    assert.equal(original.count, 3);
    assert.equal(bucketTotal(original), 3);
    assert.equal(original.max, 3);
    assert.equal(copy.count, 5);
    assert.equal(bucketTotal(copy), 5);
    assert.equal(new Sketch().clone().count, 0);
  });
});

describe('Sketch codec', () => {
  it('writes the documented bytes', () => {
    // 1 is in bucket −1 (zigzag 1), 1.02 in bucket 1: gap 2, count 1.
    assert.deepEqual([...sketchOf([0, 1, 1.02]).encode()], [1, 6, 3, 1, 1, 0x00, 0x10]);
    // 2 is in bucket 63: gap 64 does not fit one byte; 17 in one bucket neither.
    assert.deepEqual([...sketchOf([1, 2]).encode()], [1, 6, 2, 0, 1, 0x00, 0x80, 64, 1]);
    const seventeen = new Array<number>(17).fill(1);
    assert.deepEqual([...sketchOf(seventeen).encode()], [1, 6, 17, 0, 1, 0x80, 1, 17]);
    assert.deepEqual([...sketchOf([1, 1, 1.5]).encode()], [1, 6, 3, 0, 1, 0x01, 0x80, 38, 1]);
    assert.deepEqual([...new Sketch().encode()], [1, 6, 0, 0]);
    assert.deepEqual([...sketchOf([0, 0]).encode()], [1, 6, 2, 2]);
  });

  const rand = mulberry32(9);
  const wide = Array.from({ length: 5000 }, () => 10 ** (rand() * 9 - 3));
  const roundTrips: Array<{ name: string; values: number[] }> = [
    { name: 'empty', values: [] },
    { name: 'zero-only', values: [0, 0, 0, -2] },
    { name: 'single value', values: [3.7] },
    { name: 'wide-range (1e-3 .. 1e6)', values: [...wide, 0, 1e-3, 1e6] },
    { name: 'lognormal, 1,000 values', values: lognormalValues(rand, 1000, 40, 0.6) },
  ];
  for (const { name, values } of roundTrips) {
    it(`round-trips ${name}`, () => {
      const sketch = sketchOf(values);
      const bytes = sketch.encode();
      const decoded = Sketch.decode(bytes, statsOf(sketch));
      assert.equal(decoded.count, sketch.count);
      assert.equal(decoded.zeroCount, sketch.zeroCount);
      assert.equal(decoded.sum, sketch.sum);
      assert.equal(decoded.min, sketch.min);
      assert.equal(decoded.max, sketch.max);
      assert.deepEqual(decoded.nonZeroBuckets(), sketch.nonZeroBuckets());
      for (const q of ALL_QUANTILES) assert.equal(decoded.quantile(q), sketch.quantile(q), `q=${q}`);
      assert.deepEqual(decoded.encode(), bytes);
      // A decoded sketch keeps recording and merging like any other.
      decoded.record(5);
      decoded.merge(sketch);
      assert.equal(decoded.count, 2 * sketch.count + 1);

      // Without stats: the buckets are the same; sum, min, max are estimates from the bounds.
      const bare = Sketch.decode(bytes);
      assert.equal(bare.count, sketch.count);
      assert.deepEqual(bare.nonZeroBuckets(), sketch.nonZeroBuckets());
      assert.deepEqual(bare.encode(), bytes);
      if (values.length === 0) {
        assert.equal(bare.min, Infinity);
        assert.equal(bare.max, -Infinity);
        assert.equal(bare.sum, 0);
        assert.equal(bare.quantile(0.5), null);
      } else {
        assert.ok(bare.min <= sketch.min && bare.max >= sketch.max);
        assert.ok(relativeError(bare.sum, sketch.sum) <= BOUND);
        assertQuantiles(bare, values.map((value) => Math.max(value, 0)), ALL_QUANTILES);
      }
    });
  }

  it('ignores stats for an empty encoding', () => {
    const decoded = Sketch.decode(new Sketch().encode(), { sum: 0, min: 0, max: 0 });
    assert.equal(decoded.min, Infinity);
    assert.equal(decoded.max, -Infinity);
  });

  it('accepts a Buffer, as stores return', () => {
    const sketch = sketchOf([1, 2, 3]);
    assert.equal(Sketch.decode(Buffer.from(sketch.encode())).count, 3);
  });

  // zigzag(−1) = 1 and 0x00 is the pair (gap 1, count 1): a one-bucket body.
  const oneBucket = [1, 0x00];
  const corruptions: Array<{ name: string; bytes: number[]; message: RegExp }> = [
    { name: 'empty input', bytes: [], message: /empty input/ },
    { name: 'unknown version', bytes: [2, 6, 0, 0], message: /unknown format version 2/ },
    { name: 'version 0', bytes: [0, 6, 0, 0], message: /unknown format version 0/ },
    { name: 'no scale byte', bytes: [1], message: /truncated header/ },
    { name: 'scale mismatch', bytes: [1, 5, 0, 0], message: /scale 5 does not match 6/ },
    { name: 'truncated varint (total)', bytes: [1, 6, 0x81], message: /truncated varint \(total count\)/ },
    { name: 'truncated varint (zero count)', bytes: [1, 6, 0], message: /truncated varint \(zero count\)/ },
    { name: 'truncated varint (first index)', bytes: [1, 6, 1, 0, 0x80], message: /truncated varint \(first bucket index\)/ },
    { name: 'truncated escape pair', bytes: [1, 6, 1, 0, 1, 0x80, 2], message: /truncated varint \(bucket count\)/ },
    { name: 'varint too long', bytes: [1, 6, ...new Array<number>(8).fill(0x80), 1, 0], message: /varint too long/ },
    { name: 'absurd total count', bytes: [1, 6, ...new Array<number>(7).fill(0xff), 0x7f, 0], message: /exceeds 2\^53/ },
    { name: 'zero count above the total', bytes: [1, 6, 1, 2], message: /zero count 2 exceeds the total count 1/ },
    {
      name: 'first index out of range',
      bytes: [1, 6, 1, 0, ...varint(zigzag(SKETCH_MAX_INDEX + 1)), 0x00],
      message: /index 1048577 out of range/,
    },
    {
      name: 'negative first index out of range',
      bytes: [1, 6, 1, 0, ...varint(zigzag(-SKETCH_MAX_INDEX - 1)), 0x00],
      message: /index -1048577 out of range/,
    },
    {
      name: 'gap beyond the index range',
      bytes: [1, 6, 2, 0, ...varint(zigzag(SKETCH_MAX_INDEX)), 0x00, 0x00],
      message: /index 1048577 out of range/,
    },
    {
      name: 'huge gap',
      bytes: [1, 6, 2, 0, ...oneBucket, 0x80, ...varint(2 ** 50), 1],
      message: /out of range/,
    },
    { name: 'counts short of the header', bytes: [1, 6, 5, 0, ...oneBucket], message: /add up to 1 of the header's total 5/ },
    { name: 'no buckets for the header', bytes: [1, 6, 5, 2, 1], message: /add up to 2 of the header's total 5/ },
    { name: 'counts above the header', bytes: [1, 6, 2, 0, 1, 0x02], message: /more than the header's total 2/ },
    { name: 'trailing bytes', bytes: [1, 6, 1, 0, ...oneBucket, 0x00], message: /1 trailing bytes/ },
    { name: 'trailing bytes after an empty sketch', bytes: [1, 6, 0, 0, 7, 7], message: /2 trailing bytes/ },
    { name: 'reserved escape bits', bytes: [1, 6, 1, 0, 1, 0x81, 1, 1], message: /reserved bits/ },
    { name: 'escape with gap 0', bytes: [1, 6, 1, 0, 1, 0x80, 0, 1], message: /bucket gap 0/ },
    { name: 'escape with count 0', bytes: [1, 6, 1, 0, 1, 0x80, 1, 0], message: /bucket count 0/ },
  ];
  for (const { name, bytes, message } of corruptions) {
    it(`rejects ${name} with CORRUPT_SKETCH`, () => {
      assert.throws(() => Sketch.decode(Uint8Array.from(bytes)), isCorrupt(message));
    });
  }

  it('either decodes mutated bytes consistently or throws CORRUPT_SKETCH (fuzz)', (t) => {
    const rand = mulberry32(2024);
    const values = [...lognormalValues(rand, 300, 40, 0.6), 0, 0, 1e-4, 5e5];
    values.push(...new Array<number>(40).fill(40)); // one count above 16: an escape pair
    const valid = sketchOf(values).encode();
    const pick = (n: number): number => Math.floor(rand() * n);
    let decoded = 0;
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      let bytes: Uint8Array;
      const kind = round < 2500 ? round % 6 : 6;
      const copy = Array.from(valid);
      switch (kind) {
        case 0: // flip one bit
          copy[pick(copy.length)] ^= 1 << pick(8);
          bytes = Uint8Array.from(copy);
          break;
        case 1: // overwrite a few bytes
          for (let i = 0, n = 1 + pick(4); i < n; i++) copy[pick(copy.length)] = pick(256);
          bytes = Uint8Array.from(copy);
          break;
        case 2: // truncate
          bytes = valid.slice(0, pick(valid.length));
          break;
        case 3: // insert a byte
          copy.splice(pick(copy.length + 1), 0, pick(256));
          bytes = Uint8Array.from(copy);
          break;
        case 4: // delete a byte
          copy.splice(pick(copy.length), 1);
          bytes = Uint8Array.from(copy);
          break;
        case 5: // append bytes
          bytes = Uint8Array.from([...copy, ...Array.from({ length: 1 + pick(4) }, () => pick(256))]);
          break;
        default: // random bytes behind a valid version and scale
          bytes = Uint8Array.from([1, 6, ...Array.from({ length: pick(24) }, () => pick(256))]);
      }
      let sketch: Sketch | undefined;
      try {
        sketch = Sketch.decode(bytes);
      } catch (error) {
        isCorrupt()(error);
        rejected++;
        continue;
      }
      decoded++;
      assert.equal(sketch.count, headerCount(bytes));
      assert.equal(sketch.zeroCount + bucketTotal(sketch), sketch.count);
      assert.equal(Sketch.decode(sketch.encode()).count, sketch.count);
    }
    assert.ok(decoded > 0 && rejected > 0, `decoded ${decoded}, rejected ${rejected}`);
    t.diagnostic(`3000 mutations: ${decoded} decoded consistently, ${rejected} rejected`);
  });
});
