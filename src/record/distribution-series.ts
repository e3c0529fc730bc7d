/**
 * One distribution series in memory: its open window and the few windows sealed before it,
 * kept for the live snapshot.
 * @module
 */
import { seriesKey, type Labels } from '../model/labels.js';
import { Sketch } from '../model/sketch.js';
import { distributionValues, type SeriesDescriptor, type Window } from '../model/window.js';

/** How many sealed minutes each series keeps in memory for the live snapshot. */
export const RECENT_WINDOWS = 5;

/** A distribution series' open window plus its most recent sealed windows. */
export class DistributionSeries {
  /** The series' identity, built once. */
  readonly descriptor: SeriesDescriptor;
  /** The open window's sketch; `observe` writes here. */
  current = new Sketch();
  /** Sealed sketches of recent minutes (ring), and the start of each (NaN when unused). */
  readonly recent: Sketch[] = [];
  readonly recentStarts = new Float64Array(RECENT_WINDOWS).fill(Number.NaN);
  private recentNext = 0;

  constructor(metric: string, labels: Labels) {
    this.descriptor = { key: seriesKey(metric, labels), metric, kind: 'distribution', labels };
  }

  /** Records one observation into the open window. The hot path: no allocation, no I/O. */
  observe(value: number): void {
    this.current.record(value);
  }

  /**
   * Seals the open window as the window starting at `start`, if it holds anything: returns
   * it ready to store and moves the sketch into the recent ring, reusing the sketch that
   * falls out of the ring as the next open window. Returns null for an empty window.
   */
  seal(start: number): Window | null {
    const sealed = this.current;
    if (sealed.count === 0) return null;
    const window: Window = { series: this.descriptor, ...distributionValues(sealed, start) };
    const slot = this.recentNext;
    const recycled = this.recent[slot];
    this.recent[slot] = sealed;
    this.recentStarts[slot] = start;
    this.recentNext = (slot + 1) % RECENT_WINDOWS;
    if (recycled) {
      recycled.reset();
      this.current = recycled;
    } else {
      this.current = new Sketch();
    }
    return window;
  }

  /** Merges into `into` the sealed windows that start at or after `sinceStart`, and the open one. */
  mergeRecent(into: Sketch, sinceStart: number): void {
    for (let i = 0; i < this.recent.length; i++) {
      if (this.recentStarts[i] >= sinceStart) into.merge(this.recent[i]);
    }
    into.merge(this.current);
  }
}
