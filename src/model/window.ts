/**
 * Windows: one series over one UTC-aligned bucket, the unit Velocity stores and merges.
 * @module
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from './duration.js';
import type { Labels } from './labels.js';
import type { Sketch } from './sketch.js';

/**
 * What a series measures. `distribution`: observed values (latency) with a quantile sketch;
 * `counter`: increases (bytes, requests), `sum` is the increase within the window;
 * `gauge`: sampled levels (CPU %, memory), `last` is the newest sample.
 */
export type WindowKind = 'distribution' | 'counter' | 'gauge';

/** A storage tier: the bucket width of its windows. */
export type Tier = '1m' | '1h' | '1d';

/** Bucket width of each tier, in milliseconds. */
export const TIER_MS: Readonly<Record<Tier, number>> = { '1m': MINUTE_MS, '1h': HOUR_MS, '1d': DAY_MS };

/** The identity of a series: metric name, kind and label set, with its canonical key. */
export interface SeriesDescriptor {
  /** Canonical key from `seriesKey(metric, labels)`. */
  readonly key: string;
  readonly metric: string;
  readonly kind: WindowKind;
  readonly labels: Labels;
}

/** The numbers of one window, without the series it belongs to. */
export interface WindowValues {
  /** Bucket start, epoch milliseconds, aligned to the tier's width in UTC. */
  readonly start: number;
  /** Observations (distribution), increments (counter) or samples (gauge) in the window. */
  readonly count: number;
  /** Sum of observed values, the counter's increase, or the sum of gauge samples. */
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** Newest gauge sample; null for other kinds. */
  readonly last: number | null;
  /** Precomputed quantiles of a distribution, from its sketch; null for other kinds. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  /** The encoded quantile sketch of a distribution (see `Sketch.encode`); null otherwise. */
  readonly sketch: Uint8Array | null;
  /**
   * Of a window that merges the status classes of one route (a route-totals window, see
   * `pipeline/route-totals.ts`): its requests per status class, in `STATUS_CLASSES` order.
   * Null or absent for every other window.
   */
  readonly statusCounts?: readonly number[] | null;
}

/** A sealed window ready to be stored: its series and its values. */
export interface Window extends WindowValues {
  readonly series: SeriesDescriptor;
}

/** A window read back from a store: its values and the store's id for its series. */
export interface StoredWindow extends WindowValues {
  readonly seriesId: number;
  readonly statusCounts: readonly number[] | null;
}

/** The values of a distribution window holding what `sketch` recorded: stats, quantiles, encoding. */
export function distributionValues(sketch: Sketch, start: number): WindowValues {
  return {
    start,
    count: sketch.count,
    sum: sketch.sum,
    min: sketch.min,
    max: sketch.max,
    last: null,
    p50: sketch.quantile(0.5),
    p95: sketch.quantile(0.95),
    p99: sketch.quantile(0.99),
    sketch: sketch.encode(),
  };
}
