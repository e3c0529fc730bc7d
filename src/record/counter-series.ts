/**
 * One counter series in memory: the increases (bytes, packets) added to its open one-minute
 * window. The window's `sum` is the increase within the window, `count` the number of
 * increases added, `min` / `max` the smallest and largest of them.
 * @module
 */
import type { Labels } from '../model/labels.js';
import { ScalarSeries } from './scalar-series.js';

/** A counter series' open window. */
export class CounterSeries extends ScalarSeries {
  constructor(metric: string, labels: Labels) {
    super('counter', metric, labels);
  }

  /** Adds an increase to the open window; negative, NaN and infinite values are ignored. No allocation. */
  add(increase: number): void {
    if (increase >= 0 && increase < Infinity) this.accumulate(increase);
  }

  protected sealedLast(): null {
    return null;
  }
}
