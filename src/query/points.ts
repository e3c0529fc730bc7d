/**
 * Points of a history: the windows whose start falls in each step merged into counts per
 * status class, extremes and quantiles, and laid out as objects (`points`) or as one array
 * per field (`columns`). Percentiles of a point with one window come from its precomputed
 * columns; points that merge several windows merge their sketches.
 * @module
 */
import { STATUS_CLASSES, type StatusClass } from '../collect/http.js';
import { Sketch } from '../model/sketch.js';
import { formatTime } from '../model/time.js';
import type { StoredWindow } from '../model/window.js';
import { errorRatePct, ratePerSecond, round } from './derive.js';

/** Per-status-class request counts of a point, named `count_2xx` and so on. */
export type StatusCounts = { [K in `count_${StatusClass}`]: number };

/** One point of a history: the requests whose window starts in [ts, ts + step). */
export interface HistoryPoint extends StatusCounts {
  /** Start of the point's step, ISO-8601 UTC. */
  ts: string;
  count: number;
  rps: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  min_ms: number | null;
  max_ms: number | null;
  err_rate_pct: number;
}

/** The same fields as `HistoryPoint`, one array each, index i being point i; `ts` in unix seconds. */
export type HistoryColumns = { [K in keyof HistoryPoint]: Array<K extends 'ts' ? number : HistoryPoint[K]> };

const CLASS_FIELDS = STATUS_CLASSES.map((c) => `count_${c}` as const);

/** Class counts, extremes and quantiles of one point, filled window by window. */
export class PointAccumulator {
  readonly classCounts = new Float64Array(STATUS_CLASSES.length);
  count = 0;
  min = Infinity;
  max = -Infinity;
  windows = 0;
  private first: StoredWindow | null = null;
  private readonly merged = new Sketch();

  /** Empties the point for reuse. */
  reset(): void {
    this.classCounts.fill(0);
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.windows = 0;
    this.first = null;
  }

  /** Adds one window, counted under status class `classIndex` (−1: none). */
  add(window: StoredWindow, classIndex: number): void {
    if (classIndex >= 0) this.classCounts[classIndex] += window.count;
    this.count += window.count;
    if (window.min < this.min) this.min = window.min;
    if (window.max > this.max) this.max = window.max;
    this.windows++;
    // One window: its precomputed quantiles serve. A second: start merging sketches.
    if (this.windows === 1) {
      this.first = window;
      return;
    }
    if (this.windows === 2) {
      this.merged.reset();
      this.mergeSketch(this.first as StoredWindow);
    }
    this.mergeSketch(window);
  }

  private mergeSketch(window: StoredWindow): void {
    if (window.sketch !== null) this.merged.mergeEncoded(window.sketch, window);
  }

  /** Quantile `q` of the point, in ms; null without requests. */
  quantile(q: 0.5 | 0.95 | 0.99): number | null {
    if (this.windows === 0 || this.count === 0) return null;
    if (this.windows === 1) {
      const first = this.first as StoredWindow;
      return q === 0.5 ? first.p50 : q === 0.95 ? first.p95 : first.p99;
    }
    return this.merged.quantile(q);
  }
}

/** Where points go as they are built: objects or columns. */
export interface PointSink<T> {
  /** Appends the point starting at `ts` from the accumulated windows. */
  add(ts: number, stepMs: number, acc: PointAccumulator): void;
  /** The points built. */
  result(): T;
}

/** Builds `HistoryPoint` objects. */
export function pointObjects(capacity: number): PointSink<HistoryPoint[]> {
  const points: HistoryPoint[] = new Array(capacity);
  let n = 0;
  return {
    add(ts, stepMs, acc) {
      const c = acc.classCounts;
      const empty = acc.count === 0;
      points[n++] = {
        ts: formatTime(ts),
        count: acc.count,
        rps: ratePerSecond(acc.count, stepMs),
        p50_ms: round(acc.quantile(0.5), 3),
        p95_ms: round(acc.quantile(0.95), 3),
        p99_ms: round(acc.quantile(0.99), 3),
        min_ms: empty ? null : round(acc.min, 3),
        max_ms: empty ? null : round(acc.max, 3),
        err_rate_pct: errorRatePct(c),
        count_1xx: c[0],
        count_2xx: c[1],
        count_3xx: c[2],
        count_4xx: c[3],
        count_5xx: c[4],
        count_timeout: c[5],
        count_aborted: c[6],
      };
    },
    result: () => (n === points.length ? points : points.slice(0, n)),
  };
}

/** Builds `HistoryColumns`: one array per field. */
export function pointColumns(): PointSink<HistoryColumns> {
  const columns: HistoryColumns = {
    ts: [],
    count: [],
    rps: [],
    p50_ms: [],
    p95_ms: [],
    p99_ms: [],
    min_ms: [],
    max_ms: [],
    err_rate_pct: [],
    count_1xx: [],
    count_2xx: [],
    count_3xx: [],
    count_4xx: [],
    count_5xx: [],
    count_timeout: [],
    count_aborted: [],
  };
  const classColumns = CLASS_FIELDS.map((field) => columns[field]);
  return {
    add(ts, stepMs, acc) {
      const empty = acc.count === 0;
      columns.ts.push(ts / 1000);
      columns.count.push(acc.count);
      columns.rps.push(ratePerSecond(acc.count, stepMs));
      columns.p50_ms.push(round(acc.quantile(0.5), 3));
      columns.p95_ms.push(round(acc.quantile(0.95), 3));
      columns.p99_ms.push(round(acc.quantile(0.99), 3));
      columns.min_ms.push(empty ? null : round(acc.min, 3));
      columns.max_ms.push(empty ? null : round(acc.max, 3));
      columns.err_rate_pct.push(errorRatePct(acc.classCounts));
      for (let i = 0; i < classColumns.length; i++) classColumns[i].push(acc.classCounts[i]);
    },
    result: () => columns,
  };
}

/**
 * Merges `windows` (ordered by start) into the step-aligned points from `start` to `end`,
 * every point present, those without windows with zero counts and null latencies.
 * `classOf` gives each series' status-class index (−1: none).
 */
export function buildPoints<T>(
  windows: readonly StoredWindow[],
  classOf: ReadonlyMap<number, number>,
  start: number,
  end: number,
  stepMs: number,
  sink: PointSink<T>,
): T {
  const pointCount = Math.ceil((end - start) / stepMs);
  const acc = new PointAccumulator();
  // Windows come ordered by start, so each point's windows are contiguous.
  let next = 0;
  for (let p = 0; p < pointCount; p++) {
    const pointEnd = start + (p + 1) * stepMs;
    acc.reset();
    while (next < windows.length && windows[next].start < pointEnd) {
      const window = windows[next++];
      acc.add(window, classOf.get(window.seriesId) ?? -1);
    }
    sink.add(start + p * stepMs, stepMs, acc);
  }
  return sink.result();
}
