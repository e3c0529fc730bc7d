/**
 * What gauge and counter series share: an open one-minute window of plain numbers (count,
 * sum, min, max) and its sealing. Each kind says which values it takes and what `last` is.
 * @module
 */
import { seriesKey, type Labels } from '../model/labels.js';
import type { SeriesDescriptor, Window, WindowKind } from '../model/window.js';

/** A series whose window holds count, sum, min and max of the values added to it. */
export abstract class ScalarSeries {
  /** The series' identity, built once. */
  readonly descriptor: SeriesDescriptor;
  /** Values in the open window. */
  count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(kind: Exclude<WindowKind, 'distribution'>, metric: string, labels: Labels) {
    this.descriptor = { key: seriesKey(metric, labels), metric, kind, labels };
  }

  /** Adds `value` to the open window. No allocation. */
  protected accumulate(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** The window's `last`, read when it is sealed. */
  protected abstract sealedLast(): number | null;

  /** Seals the open window as the window starting at `start` and empties it; null when it holds nothing. */
  seal(start: number): Window | null {
    if (this.count === 0) return null;
    const window: Window = {
      series: this.descriptor,
      start,
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
      last: this.sealedLast(),
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
