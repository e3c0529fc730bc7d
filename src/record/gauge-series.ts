/**
 * One gauge series in memory: sampled levels (CPU utilization, memory in use) of its open
 * one-minute window, kept as last, min, max, sum and count.
 * @module
 */
import { seriesKey, type Labels } from '../model/labels.js';
import type { SeriesDescriptor, Window } from '../model/window.js';

/** A gauge series' open window. */
export class GaugeSeries {
  /** The series' identity, built once. */
  readonly descriptor: SeriesDescriptor;
  /** Samples in the open window. */
  count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  private last = 0;

  constructor(metric: string, labels: Labels) {
    this.descriptor = { key: seriesKey(metric, labels), metric, kind: 'gauge', labels };
  }

  /** Records one sample into the open window; NaN and ±Infinity are ignored. No allocation. */
  set(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.last = value;
  }

  /** Seals the open window as the window starting at `start` and empties it; null when it holds no sample. */
  seal(start: number): Window | null {
    if (this.count === 0) return null;
    const window: Window = {
      series: this.descriptor,
      start,
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
      last: this.last,
      p50: null,
      p95: null,
      p99: null,
      sketch: null,
    };
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    return window;
  }
}
