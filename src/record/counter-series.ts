/**
 * One counter series in memory: the increases (bytes, packets) added to its open one-minute
 * window. The window's `sum` is the increase within the window, `count` the number of
 * increases added, `min` / `max` the smallest and largest of them.
 * @module
 */
import { seriesKey, type Labels } from '../model/labels.js';
import type { SeriesDescriptor, Window } from '../model/window.js';

/** A counter series' open window. */
export class CounterSeries {
  /** The series' identity, built once. */
  readonly descriptor: SeriesDescriptor;
  /** Increases added to the open window. */
  count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(metric: string, labels: Labels) {
    this.descriptor = { key: seriesKey(metric, labels), metric, kind: 'counter', labels };
  }

  /** Adds an increase to the open window; negative, NaN and infinite values are ignored. No allocation. */
  add(increase: number): void {
    if (!(increase >= 0 && increase < Infinity)) return;
    this.count++;
    this.sum += increase;
    if (increase < this.min) this.min = increase;
    if (increase > this.max) this.max = increase;
  }

  /** Seals the open window as the window starting at `start` and empties it; null when nothing was added. */
  seal(start: number): Window | null {
    if (this.count === 0) return null;
    const window: Window = {
      series: this.descriptor,
      start,
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
      last: null,
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
