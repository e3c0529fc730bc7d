/**
 * The recorder: every series' open one-minute window, sealed at each UTC minute boundary.
 * Callers obtain a series handle once (`distribution(...)`) and call `observe` on it per
 * observation; the handle lookup is theirs to cache.
 *
 * Cardinality is capped per metric: once a metric holds `maxSeriesPerMetric` series, a new
 * label set gets that metric's one overflow series instead, whose labels are the new set's
 * with every label not in `keepOnOverflow` (service, instance, env, release_sha, build_time)
 * replaced by `__overflow__`. Memory stays bounded whatever label values arrive.
 * @module
 */
import { MINUTE_MS } from '../model/duration.js';
import { seriesKey, type Labels } from '../model/labels.js';
import { bucketStart } from '../model/time.js';
import type { Window } from '../model/window.js';
import { DistributionSeries } from './distribution-series.js';

/** The value that replaces every varying label of an overflow series. */
export const OVERFLOW_LABEL = '__overflow__';

/** How many series a metric may hold before new label sets overflow, by default. */
export const DEFAULT_MAX_SERIES_PER_METRIC = 2_000;

/** The labels an overflow series keeps, so that it stays one series per process. */
export const KEEP_ON_OVERFLOW: readonly string[] = ['service', 'instance', 'env', 'release_sha', 'build_time'];

/** Options of the Recorder. */
export interface RecorderOptions {
  /** Most series per metric before new label sets fold into the overflow series. Default 2,000. */
  maxSeriesPerMetric?: number;
}

/** One metric's series count and overflow series, as /healthz reports them. */
export interface MetricCardinality {
  /** Series of the metric, the overflow series not included. */
  series: number;
  /** Observations recorded into the overflow series since start (0 while it does not exist). */
  overflow_observations: number;
}

interface MetricState {
  series: number;
  overflow: DistributionSeries | null;
  /** Observations of the overflow series in windows sealed so far. */
  overflowSealed: number;
}

/** Holds every series' open window and seals them minute by minute. */
export class Recorder {
  /** Most series per metric before new label sets fold into the overflow series. */
  readonly maxSeriesPerMetric: number;
  private readonly distributions = new Map<string, DistributionSeries>();
  private readonly metrics = new Map<string, MetricState>();
  private openStart: number;

  /** @param nowMs the current time, which fixes the first open window. */
  constructor(nowMs: number, options: RecorderOptions = {}) {
    this.openStart = bucketStart(nowMs, MINUTE_MS);
    this.maxSeriesPerMetric = options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC;
  }

  /** Start of the open window, epoch ms. */
  get openWindowStart(): number {
    return this.openStart;
  }

  /** How many series the recorder holds, overflow series included. */
  get seriesCount(): number {
    return this.distributions.size;
  }

  /**
   * The distribution series for `metric` and `labels`, created on first use; once the metric
   * holds `maxSeriesPerMetric` series, its overflow series. Not for the hot path: cache the
   * handle.
   */
  distribution(metric: string, labels: Labels): DistributionSeries {
    const key = seriesKey(metric, labels);
    const existing = this.distributions.get(key);
    if (existing !== undefined) return existing;
    const state = this.stateOf(metric);
    if (state.series >= this.maxSeriesPerMetric) return this.overflowOf(state, metric, labels);
    const series = new DistributionSeries(metric, labels);
    this.distributions.set(key, series);
    state.series++;
    return series;
  }

  /** Whether `metric` holds as many series as it may: new label sets would overflow. */
  isFull(metric: string): boolean {
    const state = this.metrics.get(metric);
    return state !== undefined && state.series >= this.maxSeriesPerMetric;
  }

  /**
   * The overflow series of `metric`, created on first use from `labels` (its labels not in
   * KEEP_ON_OVERFLOW replaced by `__overflow__`). Later calls return the same series,
   * whatever labels they pass.
   */
  overflow(metric: string, labels: Labels): DistributionSeries {
    return this.overflowOf(this.stateOf(metric), metric, labels);
  }

  /** Series and overflow observations per metric, by metric name. */
  cardinality(): Record<string, MetricCardinality> {
    const result: Record<string, MetricCardinality> = {};
    for (const [metric, state] of this.metrics) {
      result[metric] = { series: state.series, overflow_observations: state.overflowSealed + (state.overflow?.current.count ?? 0) };
    }
    return result;
  }

  /** Every distribution series held, in creation order. */
  allDistributions(): IterableIterator<DistributionSeries> {
    return this.distributions.values();
  }

  /**
   * Seals the open windows when `nowMs` has passed into a later minute and returns them
   * (only non-empty ones); returns [] while the minute is still open. Observations recorded
   * after the boundary but before this call count toward the sealed minute.
   */
  rotate(nowMs: number): Window[] {
    const start = bucketStart(nowMs, MINUTE_MS);
    if (start <= this.openStart) return [];
    const sealed = this.sealOpen();
    this.openStart = start;
    return sealed;
  }

  /**
   * Seals the open windows now, even though their minute has not ended (at shutdown).
   * Later observations start a fresh window for the same minute.
   */
  sealOpen(): Window[] {
    // Counted here rather than per observation: the overflow series is a plain series, so the
    // hot path's call site stays monomorphic and passes numbers unboxed.
    for (const state of this.metrics.values()) {
      if (state.overflow !== null) state.overflowSealed += state.overflow.current.count;
    }
    const sealed: Window[] = [];
    for (const series of this.distributions.values()) {
      const window = series.seal(this.openStart);
      if (window !== null) sealed.push(window);
    }
    return sealed;
  }

  private stateOf(metric: string): MetricState {
    let state = this.metrics.get(metric);
    if (state === undefined) {
      state = { series: 0, overflow: null, overflowSealed: 0 };
      this.metrics.set(metric, state);
    }
    return state;
  }

  private overflowOf(state: MetricState, metric: string, labels: Labels): DistributionSeries {
    if (state.overflow === null) {
      const folded: Record<string, string> = {};
      for (const name of Object.keys(labels)) folded[name] = KEEP_ON_OVERFLOW.includes(name) ? labels[name] : OVERFLOW_LABEL;
      state.overflow = new DistributionSeries(metric, folded);
      this.distributions.set(state.overflow.descriptor.key, state.overflow);
    }
    return state.overflow;
  }
}
