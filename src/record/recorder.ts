/**
 * The recorder: every series' open one-minute window, sealed at each UTC minute boundary.
 * Callers obtain a series handle once (`distribution(...)`) and call `observe` on it per
 * observation; the handle lookup is theirs to cache.
 * @module
 */
import { MINUTE_MS } from '../model/duration.js';
import { seriesKey, type Labels } from '../model/labels.js';
import { bucketStart } from '../model/time.js';
import type { Window } from '../model/window.js';
import { DistributionSeries } from './distribution-series.js';

/** Holds every series' open window and seals them minute by minute. */
export class Recorder {
  private readonly distributions = new Map<string, DistributionSeries>();
  private openStart: number;

  /** @param nowMs the current time, which fixes the first open window. */
  constructor(nowMs: number) {
    this.openStart = bucketStart(nowMs, MINUTE_MS);
  }

  /** Start of the open window, epoch ms. */
  get openWindowStart(): number {
    return this.openStart;
  }

  /** How many series the recorder holds. */
  get seriesCount(): number {
    return this.distributions.size;
  }

  /** The distribution series for `metric` and `labels`, created on first use. Not for the hot path: cache the handle. */
  distribution(metric: string, labels: Labels): DistributionSeries {
    const key = seriesKey(metric, labels);
    let series = this.distributions.get(key);
    if (series === undefined) {
      series = new DistributionSeries(metric, labels);
      this.distributions.set(key, series);
    }
    return series;
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
    const sealed: Window[] = [];
    for (const series of this.distributions.values()) {
      const window = series.seal(this.openStart);
      if (window !== null) sealed.push(window);
    }
    return sealed;
  }
}
