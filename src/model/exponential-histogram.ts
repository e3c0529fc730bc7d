/**
 * OpenTelemetry exponential histograms as sketches. A data point at scale `s` counts in its
 * positive bucket `offset + k` the values in `(base^(offset+k), base^(offset+k+1)]`, with
 * `base = 2^(2^-s)`: the sketch's own bucket scheme at another scale.
 *
 * - `s = SKETCH_SCALE`: the buckets are the sketch's buckets.
 * - `s > SKETCH_SCALE` (finer): exact. Every bucket lies inside one sketch bucket, the one of
 *   index `floor(i / 2^(s − SKETCH_SCALE))`, so downscaling adds counts and loses nothing the
 *   sketch could have held.
 * - `s < SKETCH_SCALE` (coarser): refused. Each bucket spans several sketch buckets and where
 *   its values lie inside it is unknown, so any placement would invent precision.
 * @module
 */
import { invalidParameter } from '../errors.js';
import { SKETCH_MAX_INDEX, SKETCH_SCALE, Sketch, type SketchBucket, type SketchStats } from './sketch.js';

/** The finest scale OpenTelemetry defines. */
export const MAX_HISTOGRAM_SCALE = 20;

/** The coarsest scale OpenTelemetry defines. */
export const MIN_HISTOGRAM_SCALE = -10;

/** The part of an OpenTelemetry exponential-histogram data point that holds the values. */
export interface ExponentialHistogram {
  /** The resolution: `2^scale` buckets per power of two. */
  readonly scale: number;
  /** Values counted as zero. */
  readonly zeroCount: number;
  /** The index of `positiveCounts[0]`. */
  readonly offset: number;
  /** Counts of consecutive positive buckets from `offset` on (zeros allowed). */
  readonly positiveCounts: readonly number[];
}

/**
 * The non-empty sketch buckets (at SKETCH_SCALE, ascending) holding what `histogram`'s
 * positive buckets hold. Errors name their field under `at` (`histogram.scale`): a scale
 * outside OpenTelemetry's range or coarser than SKETCH_SCALE, an offset whose buckets fall
 * outside the sketch's index range.
 */
export function downscaleBuckets(histogram: ExponentialHistogram, at = 'histogram'): SketchBucket[] {
  const { scale, offset, positiveCounts } = histogram;
  if (!Number.isInteger(scale) || scale < MIN_HISTOGRAM_SCALE || scale > MAX_HISTOGRAM_SCALE) {
    throw invalidParameter(`${at}.scale`, `must be an integer from ${MIN_HISTOGRAM_SCALE} to ${MAX_HISTOGRAM_SCALE}, not ${scale}`);
  }
  if (scale < SKETCH_SCALE) {
    throw invalidParameter(
      `${at}.scale`,
      `${scale} is coarser than the sketch's scale ${SKETCH_SCALE}, and buckets cannot be split without inventing precision: ` +
        `record at scale ${SKETCH_SCALE} or finer (give the OpenTelemetry aggregation more buckets, max_size ≥ 64 per power of two the values span) or send the raw values`,
    );
  }
  const divisor = 2 ** (scale - SKETCH_SCALE);
  const first = Math.floor(offset / divisor);
  const last = Math.floor((offset + Math.max(positiveCounts.length - 1, 0)) / divisor);
  if (!Number.isSafeInteger(offset) || first < -SKETCH_MAX_INDEX || last > SKETCH_MAX_INDEX) {
    throw invalidParameter(
      `${at}.positive.offset`,
      `${offset} puts buckets outside the sketch's index range ±${SKETCH_MAX_INDEX} (at scale ${SKETCH_SCALE})`,
    );
  }
  const buckets: SketchBucket[] = [];
  for (let k = 0; k < positiveCounts.length; k++) {
    const count = positiveCounts[k];
    if (count === 0) continue;
    const index = Math.floor((offset + k) / divisor);
    const previous = buckets[buckets.length - 1];
    if (previous !== undefined && previous.index === index) buckets[buckets.length - 1] = { index, count: previous.count + count };
    else buckets.push({ index, count });
  }
  return buckets;
}

/**
 * The sketch of `histogram` with `stats` (the data point's sum, min and max). Throws like
 * `downscaleBuckets`.
 * @example
 * sketchFromHistogram({ scale: 8, zeroCount: 0, offset: 1300, positiveCounts: [3, 1] }, { sum: 135.4, min: 33.8, max: 33.9 });
 */
export function sketchFromHistogram(histogram: ExponentialHistogram, stats: SketchStats, at = 'histogram'): Sketch {
  return Sketch.fromBuckets(histogram.zeroCount, downscaleBuckets(histogram, at), stats);
}
