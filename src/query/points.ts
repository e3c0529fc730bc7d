/**
 * Points of a history: the windows whose start falls in each step merged into counts per
 * status class, extremes and quantiles, and laid out as objects (`points`) or as one array
 * per field (`columns`). Percentiles of a point with one window come from its precomputed
 * columns; points that merge several windows merge their sketches. Windows come in no
 * particular order and are grouped by point first.
 * @module
 */
import { STATUS_CLASSES, type StatusClass } from '../collect/http.js';
import { Sketch } from '../model/sketch.js';
import { formatTime } from '../model/time.js';
import { errorRatePct, ratePerSecond, round } from './derive.js';
import { rowsByPoint } from './point-rows.js';
import type { PointWindows } from './sketch-read.js';
import { STATUS_COUNTS_LENGTH } from '../store/store.js';

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
/** The quantiles a point reports: p50, p95, p99. */
const PERCENTILES = [0.5, 0.95, 0.99];

/** Class counts, extremes and quantiles of one point, filled window by window. */
export class PointAccumulator {
  readonly classCounts = new Float64Array(STATUS_CLASSES.length);
  count = 0;
  windows = 0;
  /**
   * Set by `finish`: p50, p95, p99, min and max in ms (whole µs), NaN for none. Numbers only,
   * in a typed array: a field that may hold null boxes every number stored into it, an
   * allocation per point and figure.
   */
  private readonly latencyMs = new Float64Array(5);
  private minUs = Infinity;
  private maxUs = -Infinity;
  private first = -1;
  private readonly merged = new Sketch();

  /** @param source the windows the point's rows index, and the sketches read for merging. */
  constructor(private readonly source: PointWindows) {}

  /** The point's p50 in ms (set by `finish`), null without requests. */
  get p50Ms(): number | null {
    return orNull(this.latencyMs[0]);
  }

  /** The point's p95 in ms (set by `finish`), null without requests. */
  get p95Ms(): number | null {
    return orNull(this.latencyMs[1]);
  }

  /** The point's p99 in ms (set by `finish`), null without requests. */
  get p99Ms(): number | null {
    return orNull(this.latencyMs[2]);
  }

  /** The point's smallest latency in ms (set by `finish`), null without requests. */
  get minMs(): number | null {
    return orNull(this.latencyMs[3]);
  }

  /** The point's largest latency in ms (set by `finish`), null without requests. */
  get maxMs(): number | null {
    return orNull(this.latencyMs[4]);
  }

  /** Empties the point for reuse. */
  reset(): void {
    if (this.windows === 0) return;
    this.classCounts.fill(0);
    this.count = 0;
    this.windows = 0;
    this.minUs = Infinity;
    this.maxUs = -Infinity;
    this.first = -1;
  }

  /**
   * Adds window `row` of the source, counted under status class `classIndex` (−1: none), and
   * class by class by its status counts (those of a route-totals window; zeros for others).
   */
  add(row: number, classIndex: number): void {
    const { rows } = this.source;
    const count = rows.count[row];
    if (classIndex >= 0) this.classCounts[classIndex] += count;
    const { statusCounts } = rows;
    if (statusCounts.length > 0) {
      const first = row * STATUS_COUNTS_LENGTH;
      for (let i = 0; i < this.classCounts.length; i++) this.classCounts[i] += statusCounts[first + i];
    }
    this.count += count;
    const min = rows.minUs[row];
    const max = rows.maxUs[row];
    if (min !== null && min < this.minUs) this.minUs = min;
    if (max !== null && max > this.maxUs) this.maxUs = max;
    this.windows++;
    // One window: its precomputed quantiles serve. A second: start merging sketches.
    if (this.windows === 1) {
      this.first = row;
      return;
    }
    if (this.windows === 2) {
      this.merged.reset();
      this.mergeSketch(this.first);
    }
    this.mergeSketch(row);
  }

  private mergeSketch(row: number): void {
    const { rows, sketched } = this.source;
    const window = sketched.get(rows.seriesId[row])?.get(rows.start[row]);
    if (window?.sketch != null) this.merged.mergeEncoded(window.sketch, window);
  }

  /**
   * Sets the quantiles and extremes from the windows added. A stored latency is whole
   * microseconds, so dividing it by 1,000 already gives the 3 decimals a merged quantile is
   * rounded to.
   */
  finish(): void {
    const ms = this.latencyMs;
    if (this.windows === 0 || this.count === 0) {
      ms.fill(Number.NaN);
      return;
    }
    if (this.windows === 1) {
      const { rows } = this.source;
      ms[0] = msOf(rows.p50Us[this.first]);
      ms[1] = msOf(rows.p95Us[this.first]);
      ms[2] = msOf(rows.p99Us[this.first]);
    } else {
      const [p50, p95, p99] = this.merged.quantiles(PERCENTILES);
      ms[0] = p50 === null ? Number.NaN : round(p50, 3);
      ms[1] = p95 === null ? Number.NaN : round(p95, 3);
      ms[2] = p99 === null ? Number.NaN : round(p99, 3);
    }
    ms[3] = this.minUs === Infinity ? Number.NaN : this.minUs / 1000;
    ms[4] = this.maxUs === -Infinity ? Number.NaN : this.maxUs / 1000;
  }
}

/** Whole microseconds in ms; NaN for none. */
function msOf(us: number | null): number {
  return us === null ? Number.NaN : us / 1000;
}

/** `value`, or null for NaN. */
function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** Where points go as they are built: objects or columns. */
export interface PointSink<T> {
  /** Appends the point starting at `ts` from the accumulated, finished windows. */
  add(ts: number, stepMs: number, acc: PointAccumulator): void;
  /** The points built. */
  result(): T;
}

/** Builds `capacity` `HistoryPoint` objects: one for each point `buildPoints` makes. */
export function pointObjects(capacity: number): PointSink<HistoryPoint[]> {
  const points: HistoryPoint[] = new Array(capacity);
  let n = 0;
  return {
    add(ts, stepMs, acc) {
      const c = acc.classCounts;
      points[n++] = {
        ts: formatTime(ts),
        count: acc.count,
        rps: ratePerSecond(acc.count, stepMs),
        p50_ms: acc.p50Ms,
        p95_ms: acc.p95Ms,
        p99_ms: acc.p99Ms,
        min_ms: acc.minMs,
        max_ms: acc.maxMs,
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
    result: () => points,
  };
}

/** Builds `HistoryColumns` of `capacity` points (as many as `buildPoints` makes): one array per field. */
export function pointColumns(capacity: number): PointSink<HistoryColumns> {
  const column = () => new Array(capacity);
  const columns: HistoryColumns = {
    ts: column(),
    count: column(),
    rps: column(),
    p50_ms: column(),
    p95_ms: column(),
    p99_ms: column(),
    min_ms: column(),
    max_ms: column(),
    err_rate_pct: column(),
    count_1xx: column(),
    count_2xx: column(),
    count_3xx: column(),
    count_4xx: column(),
    count_5xx: column(),
    count_timeout: column(),
    count_aborted: column(),
  };
  const classColumns = CLASS_FIELDS.map((field) => columns[field]);
  let n = 0;
  return {
    add(ts, stepMs, acc) {
      columns.ts[n] = ts / 1000;
      columns.count[n] = acc.count;
      columns.rps[n] = ratePerSecond(acc.count, stepMs);
      columns.p50_ms[n] = acc.p50Ms;
      columns.p95_ms[n] = acc.p95Ms;
      columns.p99_ms[n] = acc.p99Ms;
      columns.min_ms[n] = acc.minMs;
      columns.max_ms[n] = acc.maxMs;
      columns.err_rate_pct[n] = errorRatePct(acc.classCounts);
      for (let i = 0; i < classColumns.length; i++) classColumns[i][n] = acc.classCounts[i];
      n++;
    },
    result: () => columns,
  };
}

/**
 * Merges the windows of `source` (or only its rows listed in `subset`) into the step-aligned
 * points from `start` to `end`, every point present, those without windows with zero counts
 * and null latencies. `classOf` gives each series' status-class index (−1: none).
 */
export function buildPoints<T>(
  source: PointWindows,
  subset: readonly number[] | null,
  classOf: ReadonlyMap<number, number>,
  start: number,
  end: number,
  stepMs: number,
  sink: PointSink<T>,
): T {
  const pointCount = Math.ceil((end - start) / stepMs);
  const { offsets, order } = rowsByPoint(source.rows.start, subset, start, stepMs, pointCount);
  const { seriesId } = source.rows;
  const acc = new PointAccumulator(source);
  for (let p = 0; p < pointCount; p++) {
    acc.reset();
    for (let k = offsets[p]; k < offsets[p + 1]; k++) {
      const row = order[k];
      acc.add(row, classOf.get(seriesId[row]) ?? -1);
    }
    acc.finish();
    sink.add(start + p * stepMs, stepMs, acc);
  }
  return sink.result();
}
