/**
 * The mergeable quantile sketch carried by every distribution window: a base-2 exponential
 * histogram with the OpenTelemetry bucket scheme at the fixed scale {@link SKETCH_SCALE}.
 *
 * Buckets. Bucket index `i` holds the values in `(base^i, base^(i+1)]`, with
 * `base = 2^(2^-SKETCH_SCALE)` (64 buckets per power of two at scale 6). Exact powers of two
 * are upper bounds: `2^k` lands in bucket `64k − 1`. Values `<= 0` (and `-Infinity`) are
 * counted, as 0, in a separate zero bucket; NaN and `+Infinity` are ignored. Merging two
 * sketches adds their bucket counts, so it is exact; a quantile read from any merge is within
 * {@link SKETCH_RELATIVE_ERROR} (≈ 0.54 %) of the exact value of the same rank.
 *
 * Encoding (`encode`/`decode`), format version 1. It carries the buckets only; sum, min and
 * max live in the stored window's own columns and are handed back to `decode`.
 *
 * ```text
 * byte 0      format version, 1
 * byte 1      scale, 6
 * varint      N, the total count = zero count + every bucket count
 * varint      Z, the zero count (Z <= N)
 * if N > Z:
 *   varint    zigzag(F), F the index of the lowest non-empty bucket
 *   pairs     one per non-empty bucket, in ascending index order, until their counts add
 *             up to N − Z. Each pair is (gap, count): gap = index − previous index, where
 *             the "previous index" of the first pair is F − 1, so every gap is >= 1 and the
 *             first is 1; count >= 1. A pair is either
 *             0ggg cccc   one byte, when gap <= 8 and count <= 16: ggg = gap − 1,
 *                         cccc = count − 1; or
 *             1000 0000   an escape byte (its low 7 bits are reserved and must be 0),
 *                         then varint gap, then varint count.
 * nothing else: bytes after the pair that completes N are an error.
 * ```
 *
 * Varints are unsigned LEB128 (7 bits per byte, low group first, high bit = more), at most
 * 8 bytes and at most `Number.MAX_SAFE_INTEGER`; zigzag maps 0, −1, 1, −2 … to 0, 1, 2, 3 ….
 * The encoder always picks the one-byte form when it fits, so re-encoding a decoded sketch
 * gives the same bytes. Indexes beyond ±{@link SKETCH_MAX_INDEX} are rejected. Any malformed
 * input throws the CORRUPT_SKETCH error of `corruptSketch`, never another error.
 *
 * @example
 * const sketch = new Sketch();
 * for (const ms of latencies) sketch.record(ms);
 * sketch.quantile(0.95); // within 0.54 % of the exact p95
 * const copy = Sketch.decode(sketch.encode(), { sum: sketch.sum, min: sketch.min, max: sketch.max });
 * @module
 */
import { corruptSketch, invalidParameter } from '../errors.js';
import { varintLength, writeVarint } from './varint.js';

/** The fixed scale of every sketch. */
export const SKETCH_SCALE = 6;

/** The version byte that starts every encoded sketch. */
export const SKETCH_FORMAT_VERSION = 1;

/** The largest bucket index magnitude `decode` accepts (every finite double lies within ±68,737). */
export const SKETCH_MAX_INDEX = 2 ** 20;

const BUCKETS_PER_OCTAVE = 2 ** SKETCH_SCALE;
const INDEX_FACTOR = BUCKETS_PER_OCTAVE / Math.LN2;
const BASE = 2 ** (1 / BUCKETS_PER_OCTAVE);
// The estimate 2LU/(L+U) written as L × this factor, so it cannot overflow near 2^1024.
const ESTIMATE_FACTOR = (2 * BASE) / (1 + BASE);

/** The worst relative error of a quantile estimate, (base − 1)/(base + 1) ≈ 0.0054. */
export const SKETCH_RELATIVE_ERROR = (BASE - 1) / (BASE + 1);

/** Summary statistics stored beside an encoded sketch (window columns). */
export interface SketchStats {
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** One non-empty bucket: its index and how many values it holds. */
export interface SketchBucket {
  readonly index: number;
  readonly count: number;
}

// The bucket index from the double's bits, as OpenTelemetry's exponent mapping does: the
// exponent gives the octave, the top MANTISSA_SLOT_BITS of the mantissa pick a slot, and a
// slot holds at most one bucket bound (a slot, 2^-8 of an octave's mantissa, is narrower than
// the narrowest bucket, ≈ 0.0109), so one comparison with that bound finishes it. Recording
// takes about half the time it took with Math.log (bench/record.bench.ts, the sketch row).
const MANTISSA_SLOT_BITS = 8;
const MANTISSA_SLOTS = 1 << MANTISSA_SLOT_BITS;
/** The upper 20 of the mantissa's 52 bits, read from the high word of the double. */
const HIGH_MANTISSA_BITS = 20;
const HIGH_MANTISSA_UNITS = 2 ** HIGH_MANTISSA_BITS;
const EXPONENT_BIAS = 1023;
const bitsOf = new Float64Array(1);
const wordsOf = new Uint32Array(bitsOf.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH_WORD = littleEndian ? 1 : 0;
/** Per slot: the position (0–63, or −1 below the octave's first bound) of the bucket at its start. */
const slotBucket = new Int32Array(MANTISSA_SLOTS);
/** Per slot: the first bucket bound at or after its start, in high-mantissa units, rounded down. */
const slotBound = new Int32Array(MANTISSA_SLOTS);
{
  const slotUnits = HIGH_MANTISSA_UNITS / MANTISSA_SLOTS;
  let position = 0;
  for (let slot = 0; slot < MANTISSA_SLOTS; slot++) {
    while ((2 ** (position / BUCKETS_PER_OCTAVE) - 1) * HIGH_MANTISSA_UNITS < slot * slotUnits) position++;
    slotBucket[slot] = position - 1;
    slotBound[slot] = Math.floor((2 ** (position / BUCKETS_PER_OCTAVE) - 1) * HIGH_MANTISSA_UNITS);
  }
}

/**
 * The index of the bucket that holds a positive, finite `value`: the `i` with
 * `base^i < value <= base^(i+1)`.
 * @example bucketIndex(1) // -1: 1 = 2^0 is the upper bound of bucket −1
 */
export function bucketIndex(value: number): number {
  bitsOf[0] = value;
  const high = wordsOf[HIGH_WORD];
  const slot = (high >>> (HIGH_MANTISSA_BITS - MANTISSA_SLOT_BITS)) & (MANTISSA_SLOTS - 1);
  const distance = (high & (HIGH_MANTISSA_UNITS - 1)) - slotBound[slot];
  // Within one unit of a bound (a relative 2^-20; about 2 values in 10,000 land there) the 20
  // bits cannot tell the side, and subnormals have no implicit leading 1: both take the
  // logarithm. Farther from a bound, the logarithm's last-bit errors could not move a value
  // across it either, so the two ways agree on every value: the buckets are the same as ever.
  if ((distance + 1) >>> 0 <= 2 || high < HIGH_MANTISSA_UNITS) return logBucketIndex(value);
  // `-distance >>> 31` is 1 above the bound: branch-free, as the side is a coin toss.
  return ((high >>> HIGH_MANTISSA_BITS) - EXPONENT_BIAS) * BUCKETS_PER_OCTAVE + slotBucket[slot] + (-distance >>> 31);
}

/** `bucketIndex` by the logarithm: slower, and the reference that the fast path agrees with. */
function logBucketIndex(value: number): number {
  const index = Math.ceil(Math.log(value) * INDEX_FACTOR) - 1;
  // Math.log can be off by an ulp, which moves a value at (or within an ulp of) a power of
  // two, the only exactly representable bounds, across it. Check those two cases exactly.
  const position = index & (BUCKETS_PER_OCTAVE - 1);
  if (position === 0) {
    if (value <= 2 ** (index >> SKETCH_SCALE)) return index - 1;
  } else if (position === BUCKETS_PER_OCTAVE - 1) {
    if (value > 2 ** ((index + 1) >> SKETCH_SCALE)) return index + 1;
  }
  return index;
}

/** The exclusive lower bound of bucket `index`, `base^index`. */
export function bucketLowerBound(index: number): number {
  return 2 ** (index / BUCKETS_PER_OCTAVE);
}

/** The inclusive upper bound of bucket `index`, `base^(index+1)`. */
export function bucketUpperBound(index: number): number {
  return 2 ** ((index + 1) / BUCKETS_PER_OCTAVE);
}

/**
 * The value reported for bucket `index`: `2LU/(L+U)` of its bounds, the point whose worst
 * relative error to any value of the bucket is smallest ({@link SKETCH_RELATIVE_ERROR}).
 */
export function bucketEstimate(index: number): number {
  return bucketLowerBound(index) * ESTIMATE_FACTOR;
}

/**
 * The exact quantile by the rank definition the sketch uses: `sorted[floor(q × (n − 1))]`,
 * NaN when there are no values. `sortedValues` must be sorted ascending. For tests and
 * benchmarks, which compare it with `Sketch.quantile`.
 * @example exactQuantile([1, 2, 3, 4], 0.5) // 2
 */
export function exactQuantile(sortedValues: ArrayLike<number>, q: number): number {
  checkQuantile(q);
  const n = sortedValues.length;
  return n === 0 ? NaN : sortedValues[Math.floor(q * (n - 1))];
}

function checkQuantile(q: number): void {
  if (!(q >= 0 && q <= 1)) throw invalidParameter('q', `quantile ${q} is not between 0 and 1`);
}

const MIN_CAPACITY = 64;
const NO_BUCKETS = new Float64Array(0);
// Sentinels outside every valid index, so `index < lo` / `index > hi` hold for the first
// bucket; both stay small integers, keeping the fields' representation stable.
const EMPTY_LO = 2 * SKETCH_MAX_INDEX + 1;
const EMPTY_HI = -EMPTY_LO;

/**
 * Base-2 exponential histogram (OpenTelemetry bucket scheme) at SKETCH_SCALE. The bucket
 * counts live in one dense Float64Array covering a window of indexes, allocated on the
 * first positive value and grown (doubled, re-centred) when a value falls outside it.
 */
export class Sketch {
  /** Values recorded: the zero bucket's count plus every bucket's. */
  count = 0;
  /** Sum of the values recorded (negative values count as 0). */
  sum = 0;
  /** Smallest value recorded; Infinity when empty. */
  min = Infinity;
  /** Largest value recorded; -Infinity when empty. */
  max = -Infinity;
  /** Values <= 0 recorded. */
  zeroCount = 0;

  #counts: Float64Array = NO_BUCKETS;
  /** The bucket index held by `#counts[0]`. */
  #offset = 0;
  /** Lowest and highest non-empty bucket index; EMPTY_LO/EMPTY_HI when there is none. */
  #lo = EMPTY_LO;
  #hi = EMPTY_HI;

  /**
   * Records one value. NaN and +Infinity are ignored; values <= 0 go to the zero bucket
   * and count as 0. Allocates nothing unless the bucket array has to grow.
   */
  record(value: number): void {
    if (value > 0) {
      if (value === Infinity) return;
      this.count++;
      this.sum += value;
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
      const index = bucketIndex(value);
      let slot = index - this.#offset;
      if (slot < 0 || slot >= this.#counts.length) {
        this.#grow(index, index);
        slot = index - this.#offset;
      }
      this.#counts[slot]++;
      if (index < this.#lo) this.#lo = index;
      if (index > this.#hi) this.#hi = index;
    } else if (value <= 0) {
      // NaN fails both comparisons and ends up here in neither branch.
      this.count++;
      this.zeroCount++;
      if (this.min > 0) this.min = 0;
      if (this.max < 0) this.max = 0;
    }
  }

  /** Adds every value of `other` to this sketch; exact (bucket counts add up). */
  merge(other: Sketch): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.zeroCount += other.zeroCount;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    const lo = other.#lo;
    const hi = other.#hi;
    if (hi < lo) return;
    if (lo - this.#offset < 0 || hi - this.#offset >= this.#counts.length) this.#grow(lo, hi);
    // Read other's array after growing: `other` may be `this`.
    const target = this.#counts;
    const targetOffset = this.#offset;
    const source = other.#counts;
    const sourceOffset = other.#offset;
    for (let index = lo; index <= hi; index++) {
      target[index - targetOffset] += source[index - sourceOffset];
    }
    if (lo < this.#lo) this.#lo = lo;
    if (hi > this.#hi) this.#hi = hi;
  }

  /**
   * The estimated `q`-quantile (0 <= q <= 1), null when empty: the value of rank
   * `floor(q × (count − 1))` in sorted order, as its bucket's estimate clamped to
   * [min, max]; 0 (clamped) when that rank falls in the zero bucket.
   * @example sketch.quantile(0.99)
   */
  quantile(q: number): number | null {
    checkQuantile(q);
    if (this.count === 0) return null;
    const rank = Math.floor(q * (this.count - 1));
    let estimate = 0;
    if (rank >= this.zeroCount) {
      const counts = this.#counts;
      const offset = this.#offset;
      let seen = this.zeroCount;
      let index = this.#lo;
      for (; index < this.#hi; index++) {
        seen += counts[index - offset];
        if (seen > rank) break;
      }
      estimate = bucketEstimate(index);
    }
    if (estimate < this.min) estimate = this.min;
    if (estimate > this.max) estimate = this.max;
    return estimate;
  }

  /**
   * The estimates `quantile` gives for each of `qs` (ascending, each 0 <= q <= 1), in one
   * pass over the buckets rather than one per quantile; all null when empty.
   * @example const [p50, p95, p99] = sketch.quantiles([0.5, 0.95, 0.99]);
   */
  quantiles(qs: readonly number[]): Array<number | null> {
    for (let i = 0; i < qs.length; i++) {
      checkQuantile(qs[i]);
      if (i > 0 && qs[i] < qs[i - 1]) throw invalidParameter('qs', `quantiles ${qs.join(', ')} are not in ascending order`);
    }
    const estimates: Array<number | null> = new Array(qs.length).fill(null);
    if (this.count === 0) return estimates;
    const counts = this.#counts;
    const offset = this.#offset;
    // Values below bucket `index`: the zero bucket's and every lower bucket's.
    let below = this.zeroCount;
    let index = this.#lo;
    for (let i = 0; i < qs.length; i++) {
      const rank = Math.floor(qs[i] * (this.count - 1));
      let estimate = 0;
      if (rank >= this.zeroCount) {
        while (index < this.#hi && below + counts[index - offset] <= rank) below += counts[index++ - offset];
        estimate = bucketEstimate(index);
      }
      estimates[i] = Math.min(Math.max(estimate, this.min), this.max);
    }
    return estimates;
  }

  /** Empties the sketch, keeping its allocated bucket array for reuse. */
  reset(): void {
    if (this.#hi >= this.#lo) {
      this.#counts.fill(0, this.#lo - this.#offset, this.#hi - this.#offset + 1);
    }
    this.#lo = EMPTY_LO;
    this.#hi = EMPTY_HI;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.zeroCount = 0;
  }

  /** A deep copy: recording into either afterwards leaves the other unchanged. */
  clone(): Sketch {
    const copy = new Sketch();
    copy.count = this.count;
    copy.sum = this.sum;
    copy.min = this.min;
    copy.max = this.max;
    copy.zeroCount = this.zeroCount;
    if (this.#hi >= this.#lo) {
      copy.#counts = this.#counts.slice();
      copy.#offset = this.#offset;
      copy.#lo = this.#lo;
      copy.#hi = this.#hi;
    }
    return copy;
  }

  /** The non-empty buckets (the zero bucket excluded), in ascending index order. */
  nonZeroBuckets(): SketchBucket[] {
    const buckets: SketchBucket[] = [];
    const counts = this.#counts;
    for (let index = this.#lo; index <= this.#hi; index++) {
      const count = counts[index - this.#offset];
      if (count !== 0) buckets.push({ index, count });
    }
    return buckets;
  }

  /** The compact binary form described in this module's doc comment (buckets only). */
  encode(): Uint8Array {
    const counts = this.#counts;
    const offset = this.#offset;
    const lo = this.#lo;
    const hi = this.#hi;
    // First pass: the exact size, so the result is one allocation with no slack.
    let total = this.zeroCount;
    let size = 0;
    let previous = lo - 1;
    for (let index = lo; index <= hi; index++) {
      const count = counts[index - offset];
      if (count === 0) continue;
      total += count;
      size += pairLength(index - previous, count);
      previous = index;
    }
    const hasBuckets = total > this.zeroCount;
    size += 2 + varintLength(total) + varintLength(this.zeroCount);
    if (hasBuckets) size += varintLength(zigzag(lo));

    const out = new Uint8Array(size);
    out[0] = SKETCH_FORMAT_VERSION;
    out[1] = SKETCH_SCALE;
    let at = writeVarint(out, 2, total);
    at = writeVarint(out, at, this.zeroCount);
    if (hasBuckets) {
      at = writeVarint(out, at, zigzag(lo));
      previous = lo - 1;
      for (let index = lo; index <= hi; index++) {
        const count = counts[index - offset];
        if (count === 0) continue;
        const gap = index - previous;
        if (gap <= PACKED_MAX_GAP && count <= PACKED_MAX_COUNT) {
          out[at++] = ((gap - 1) << 4) | (count - 1);
        } else {
          out[at++] = ESCAPE;
          at = writeVarint(out, at, gap);
          at = writeVarint(out, at, count);
        }
        previous = index;
      }
    }
    return out;
  }

  /**
   * A sketch of `zeroCount` values ≤ 0 plus the values counted in `buckets` (indexes at
   * SKETCH_SCALE, in any order, repeats added up), with `stats` as its sum, min and max when
   * it holds values: the way to build one from bucket counts another histogram made. Throws
   * INVALID_PARAMETER for a count that is not a safe integer (≥ 0 for `zeroCount`, ≥ 1 for a
   * bucket) or an index that is not an integer within ±SKETCH_MAX_INDEX.
   */
  static fromBuckets(zeroCount: number, buckets: readonly SketchBucket[], stats: SketchStats): Sketch {
    if (!Number.isSafeInteger(zeroCount) || zeroCount < 0) {
      throw invalidParameter('zeroCount', `must be a whole number ≥ 0, not ${zeroCount}`);
    }
    const sketch = new Sketch();
    for (const { index, count } of buckets) {
      if (!Number.isSafeInteger(count) || count < 1) {
        throw invalidParameter('count', `bucket ${index}: must be a whole number ≥ 1, not ${count}`);
      }
      if (!Number.isInteger(index) || Math.abs(index) > SKETCH_MAX_INDEX) {
        throw invalidParameter('index', `${index} is not an integer within ±${SKETCH_MAX_INDEX}`);
      }
      if (index - sketch.#offset < 0 || index - sketch.#offset >= sketch.#counts.length) sketch.#grow(index, index);
      sketch.#counts[index - sketch.#offset] += count;
      if (index < sketch.#lo) sketch.#lo = index;
      if (index > sketch.#hi) sketch.#hi = index;
      sketch.count += count;
    }
    sketch.count += zeroCount;
    sketch.zeroCount = zeroCount;
    if (!Number.isSafeInteger(sketch.count)) throw invalidParameter('count', `the total ${sketch.count} exceeds 2^53 − 1`);
    if (sketch.count > 0) {
      sketch.sum = stats.sum;
      sketch.min = stats.min;
      sketch.max = stats.max;
    }
    return sketch;
  }

  /**
   * Reads a sketch written by `encode`, throwing CORRUPT_SKETCH for anything malformed.
   * `stats` (the stored window's sum, min and max) become the sketch's sum/min/max when it
   * holds values. Without them, min and max are derived from the bucket bounds (the lowest
   * bucket's lower bound, or 0 with a zero bucket; the highest bucket's upper bound) and
   * sum from each bucket's count × the midpoint of its bounds: estimates, not the data.
   */
  static decode(bytes: Uint8Array, stats?: SketchStats): Sketch {
    const sketch = new Sketch();
    sketch.#addEncoded(bytes);
    const total = sketch.count;
    const zeroCount = sketch.zeroCount;
    if (total === 0) return sketch; // sum 0, min Infinity, max -Infinity whatever stats say
    if (stats !== undefined) {
      sketch.sum = stats.sum;
      sketch.min = stats.min;
      sketch.max = stats.max;
      return sketch;
    }
    const hasBuckets = sketch.#hi >= sketch.#lo;
    sketch.min = zeroCount > 0 || !hasBuckets ? 0 : bucketLowerBound(sketch.#lo);
    sketch.max = hasBuckets ? bucketUpperBound(sketch.#hi) : 0;
    let sum = 0;
    for (let index = sketch.#lo; index <= sketch.#hi; index++) {
      const count = sketch.#counts[index - sketch.#offset];
      if (count !== 0) sum += (count * (bucketLowerBound(index) + bucketUpperBound(index))) / 2;
    }
    sketch.sum = sum;
    return sketch;
  }

  /**
   * Adds the values of an encoded sketch to this one, as `merge(Sketch.decode(bytes, stats))`
   * would, without building the decoded sketch: the way to merge many stored windows. Throws
   * CORRUPT_SKETCH like `decode`; this sketch is then partly merged and should be dropped.
   */
  mergeEncoded(bytes: Uint8Array, stats: SketchStats): void {
    const before = this.count;
    this.#addEncoded(bytes);
    if (this.count === before) return;
    this.sum += stats.sum;
    if (stats.min < this.min) this.min = stats.min;
    if (stats.max > this.max) this.max = stats.max;
  }

  /** Parses `bytes` (validating as it goes) and adds its counts and buckets to this sketch. */
  #addEncoded(bytes: Uint8Array): void {
    const reader = new Reader(bytes);
    if (bytes.length === 0) throw corruptSketch('empty input');
    if (bytes[0] !== SKETCH_FORMAT_VERSION) {
      throw corruptSketch(`unknown format version ${bytes[0]} (expected ${SKETCH_FORMAT_VERSION})`);
    }
    if (bytes.length < 2) throw corruptSketch('truncated header: no scale byte');
    if (bytes[1] !== SKETCH_SCALE) {
      throw corruptSketch(`scale ${bytes[1]} does not match ${SKETCH_SCALE}`);
    }
    reader.at = 2;
    const total = reader.varint('total count');
    const zeroCount = reader.varint('zero count');
    if (zeroCount > total) {
      throw corruptSketch(`zero count ${zeroCount} exceeds the total count ${total}`);
    }
    let remaining = total - zeroCount;
    if (remaining > 0) {
      const first = unzigzag(reader.varint('first bucket index'));
      if (first < -SKETCH_MAX_INDEX || first > SKETCH_MAX_INDEX) {
        throw corruptSketch(`bucket index ${first} out of range ±${SKETCH_MAX_INDEX}`);
      }
      let previous = first - 1;
      while (remaining > 0) {
        if (reader.at >= bytes.length) {
          throw corruptSketch(`bucket counts add up to ${total - remaining} of the header's total ${total}`);
        }
        const at = reader.at;
        const byte = bytes[reader.at++];
        let gap: number;
        let count: number;
        if (byte < ESCAPE) {
          gap = (byte >> 4) + 1;
          count = (byte & 0x0f) + 1;
        } else {
          if (byte !== ESCAPE) {
            throw corruptSketch(`escape byte 0x${byte.toString(16)} at byte ${at} has reserved bits set`);
          }
          gap = reader.varint('bucket gap');
          count = reader.varint('bucket count');
          if (gap === 0) throw corruptSketch(`bucket gap 0 at byte ${at}`);
          if (count === 0) throw corruptSketch(`bucket count 0 at byte ${at}`);
        }
        const index = previous + gap;
        if (index > SKETCH_MAX_INDEX) {
          throw corruptSketch(`bucket index ${index} out of range ±${SKETCH_MAX_INDEX}`);
        }
        if (count > remaining) {
          throw corruptSketch(`bucket counts add up to more than the header's total ${total} (at byte ${at})`);
        }
        if (index - this.#offset < 0 || index - this.#offset >= this.#counts.length) this.#grow(index, index);
        this.#counts[index - this.#offset] += count;
        if (index < this.#lo) this.#lo = index;
        if (index > this.#hi) this.#hi = index;
        remaining -= count;
        previous = index;
      }
    }
    if (reader.at !== bytes.length) {
      throw corruptSketch(`${bytes.length - reader.at} trailing bytes after the buckets`);
    }
    this.count += total;
    this.zeroCount += zeroCount;
  }

  /** Makes room for indexes `low..high` (and what the sketch holds) in a new, centred array. */
  #grow(low: number, high: number): void {
    const hasBuckets = this.#hi >= this.#lo;
    const lo = hasBuckets ? Math.min(this.#lo, low) : low;
    const hi = hasBuckets ? Math.max(this.#hi, high) : high;
    const span = hi - lo + 1;
    const old = this.#counts;
    // Keep the size when the range fits (only re-centre), otherwise double until it does.
    let capacity = Math.max(old.length, MIN_CAPACITY);
    while (capacity < span) capacity *= 2;
    const offset = lo - ((capacity - span) >> 1);
    const next = new Float64Array(capacity);
    if (hasBuckets) {
      next.set(old.subarray(this.#lo - this.#offset, this.#hi - this.#offset + 1), this.#lo - offset);
    }
    this.#counts = next;
    this.#offset = offset;
  }
}

const ESCAPE = 0x80;
const PACKED_MAX_GAP = 8;
const PACKED_MAX_COUNT = 16;
const MAX_VARINT_BYTES = 8;

function pairLength(gap: number, count: number): number {
  return gap <= PACKED_MAX_GAP && count <= PACKED_MAX_COUNT
    ? 1
    : 1 + varintLength(gap) + varintLength(count);
}

function zigzag(value: number): number {
  return value >= 0 ? 2 * value : -2 * value - 1;
}

function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}


/** A cursor over encoded bytes whose reads throw CORRUPT_SKETCH, never a RangeError. */
class Reader {
  readonly bytes: Uint8Array;
  at = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  varint(what: string): number {
    const bytes = this.bytes;
    const start = this.at;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.at >= bytes.length) throw corruptSketch(`truncated varint (${what}) at byte ${start}`);
      const byte = bytes[this.at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) {
          throw corruptSketch(`varint (${what}) at byte ${start} exceeds 2^53 − 1`);
        }
        return value;
      }
      scale *= 128;
    }
    throw corruptSketch(`varint too long (${what}) at byte ${start}: more than ${MAX_VARINT_BYTES} bytes`);
  }
}
