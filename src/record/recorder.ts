/**
 * The recorder: every series' open one-minute window, sealed at each UTC minute boundary.
 * Callers obtain a series handle once (`distribution(...)`, `gauge(...)`, `counter(...)`) and
 * call `observe` / `set` / `add` on it; the handle lookup is theirs to cache. A metric has one
 * kind: asking for it under another throws.
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
import type { Window, WindowKind } from '../model/window.js';
import { CounterSeries } from './counter-series.js';
import { DistributionSeries } from './distribution-series.js';
import { GaugeSeries } from './gauge-series.js';

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

/** A series of any kind, as the recorder holds it. */
type AnySeries = DistributionSeries | GaugeSeries | CounterSeries;

interface MetricState {
  kind: WindowKind;
  series: number;
  overflow: AnySeries | null;
  /** Observations of the overflow series in windows sealed so far. */
  overflowSealed: number;
}

/** Holds every series' open window and seals them minute by minute. */
export class Recorder {
  /** Most series per metric before new label sets fold into the overflow series. */
  readonly maxSeriesPerMetric: number;
  private readonly distributions = new Map<string, DistributionSeries>();
  private readonly gauges = new Map<string, GaugeSeries>();
  private readonly counters = new Map<string, CounterSeries>();
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
    return this.distributions.size + this.gauges.size + this.counters.size;
  }

  /**
   * The distribution series for `metric` and `labels`, created on first use; once the metric
   * holds `maxSeriesPerMetric` series, its overflow series. Not for the hot path: cache the
   * handle.
   */
  distribution(metric: string, labels: Labels): DistributionSeries {
    return this.seriesOf('distribution', this.distributions, metric, labels);
  }

  /**
   * The gauge series for `metric` and `labels` (sampled levels: last, min, max, sum, count per
   * window), created on first use, under the same cap as distributions. Cache the handle.
   */
  gauge(metric: string, labels: Labels): GaugeSeries {
    return this.seriesOf('gauge', this.gauges, metric, labels);
  }

  /**
   * The counter series for `metric` and `labels` (increases: the window's sum is the increase
   * within it), created on first use, under the same cap as distributions. Cache the handle.
   */
  counter(metric: string, labels: Labels): CounterSeries {
    return this.seriesOf('counter', this.counters, metric, labels);
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
    return this.overflowOf(this.stateOf(metric, 'distribution'), this.distributions, metric, labels);
  }

  /** Series and overflow observations per metric, by metric name. */
  cardinality(): Record<string, MetricCardinality> {
    const result: Record<string, MetricCardinality> = {};
    for (const [metric, state] of this.metrics) {
      result[metric] = { series: state.series, overflow_observations: state.overflowSealed + openCount(state.overflow) };
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
      state.overflowSealed += openCount(state.overflow);
    }
    const sealed: Window[] = [];
    for (const all of [this.distributions, this.gauges, this.counters]) {
      for (const series of all.values()) {
        const window = series.seal(this.openStart);
        if (window !== null) sealed.push(window);
      }
    }
    return sealed;
  }

  private seriesOf<S extends AnySeries>(kind: S['descriptor']['kind'], map: Map<string, S>, metric: string, labels: Labels): S {
    const key = seriesKey(metric, labels);
    const existing = map.get(key);
    if (existing !== undefined) return existing;
    const state = this.stateOf(metric, kind);
    if (state.series >= this.maxSeriesPerMetric) return this.overflowOf(state, map, metric, labels);
    const series = makeSeries(kind, metric, labels) as S;
    map.set(key, series);
    state.series++;
    return series;
  }

  private stateOf(metric: string, kind: WindowKind): MetricState {
    let state = this.metrics.get(metric);
    if (state === undefined) {
      state = { kind, series: 0, overflow: null, overflowSealed: 0 };
      this.metrics.set(metric, state);
    } else if (state.kind !== kind) {
      throw new Error(`metric "${metric}" is recorded as a ${state.kind}, not as a ${kind}`);
    }
    return state;
  }

  private overflowOf<S extends AnySeries>(state: MetricState, map: Map<string, S>, metric: string, labels: Labels): S {
    if (state.overflow === null) {
      const folded: Record<string, string> = {};
      for (const name of Object.keys(labels)) folded[name] = KEEP_ON_OVERFLOW.includes(name) ? labels[name] : OVERFLOW_LABEL;
      const series = makeSeries(state.kind, metric, folded) as S;
      map.set(series.descriptor.key, series);
      state.overflow = series;
    }
    return state.overflow as S;
  }
}

function makeSeries(kind: WindowKind, metric: string, labels: Labels): AnySeries {
  if (kind === 'gauge') return new GaugeSeries(metric, labels);
  if (kind === 'counter') return new CounterSeries(metric, labels);
  return new DistributionSeries(metric, labels);
}

/** Observations, samples or increases in the open window of `series` (0 for null). */
function openCount(series: AnySeries | null): number {
  if (series === null) return 0;
  return series instanceof DistributionSeries ? series.current.count : series.count;
}
