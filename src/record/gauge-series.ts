/**
 * One gauge series in memory: sampled levels (CPU utilization, memory in use) of its open
 * one-minute window, kept as last, min, max, sum and count.
 * @module
 */
import type { Labels } from '../model/labels.js';
import { ScalarSeries } from './scalar-series.js';

/** A gauge series' open window. */
export class GaugeSeries extends ScalarSeries {
  private last = 0;

  constructor(metric: string, labels: Labels) {
    super('gauge', metric, labels);
  }

  /** Records one sample into the open window; NaN and ±Infinity are ignored. No allocation. */
  set(value: number): void {
    if (!Number.isFinite(value)) return;
    this.accumulate(value);
    this.last = value;
  }

  protected sealedLast(): number {
    return this.last;
  }
}
