/**
 * Runs a validated history query: finds the request series that match the filters, reads
 * their 1-minute windows, merges them per step and derives each point. Percentiles of a
 * point with one window come from its precomputed columns; points that merge several
 * windows merge their sketches.
 * @module
 */
import { HTTP_DURATION_METRIC, STATUS_CLASSES, type StatusClass } from '../collect/http.js';
import { formatDuration } from '../model/duration.js';
import { Sketch } from '../model/sketch.js';
import { formatTime } from '../model/time.js';
import type { StoredWindow } from '../model/window.js';
import type { SeriesRecord, Store } from '../store/store.js';
import { errorRatePct, ratePerSecond, round } from './derive.js';
import type { HistoryQuery } from './params.js';

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

/** The answer to a history query. */
export interface HistoryResult {
  start: string;
  end: string;
  step: string;
  step_ms: number;
  tier: '1m';
  limit: number;
  filters: HistoryQuery['filters'];
  points: HistoryPoint[];
}

/** The request series matching the query's filters. */
export function matchSeries(all: readonly SeriesRecord[], filters: HistoryQuery['filters']): SeriesRecord[] {
  const entries = Object.entries(filters);
  return all.filter((series) => entries.every(([label, value]) => series.labels[label] === value));
}

/** Class counts, extremes and quantiles of one point, filled window by window. */
class PointAccumulator {
  readonly classCounts = new Float64Array(STATUS_CLASSES.length);
  count = 0;
  min = Infinity;
  max = -Infinity;
  windows = 0;
  private first: StoredWindow | null = null;
  private readonly merged = new Sketch();

  reset(): void {
    this.classCounts.fill(0);
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.windows = 0;
    this.first = null;
  }

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

  quantile(q: 0.5 | 0.95 | 0.99): number | null {
    if (this.windows === 0) return null;
    if (this.windows === 1) {
      const first = this.first as StoredWindow;
      return q === 0.5 ? first.p50 : q === 0.95 ? first.p95 : first.p99;
    }
    return this.merged.quantile(q);
  }

  toPoint(ts: number, stepMs: number): HistoryPoint {
    const c = this.classCounts;
    const empty = this.count === 0;
    return {
      ts: formatTime(ts),
      count: this.count,
      rps: ratePerSecond(this.count, stepMs),
      p50_ms: round(this.quantile(0.5), 3),
      p95_ms: round(this.quantile(0.95), 3),
      p99_ms: round(this.quantile(0.99), 3),
      min_ms: empty ? null : round(this.min, 3),
      max_ms: empty ? null : round(this.max, 3),
      err_rate_pct: errorRatePct(c),
      count_1xx: c[0],
      count_2xx: c[1],
      count_3xx: c[2],
      count_4xx: c[3],
      count_5xx: c[4],
      count_timeout: c[5],
      count_aborted: c[6],
    };
  }
}

/** Runs `query` against `store`. */
export async function queryHistory(store: Store, query: HistoryQuery): Promise<HistoryResult> {
  const series = matchSeries(await store.listSeries(HTTP_DURATION_METRIC), query.filters);
  const classOf = new Map<number, number>();
  for (const s of series) classOf.set(s.id, STATUS_CLASSES.indexOf(s.labels.status_class as StatusClass));
  const windows = series.length === 0
    ? []
    : await store.readWindows('1m', series.map((s) => s.id), query.start, query.end);

  const { start, stepMs } = query;
  const pointCount = Math.ceil((query.end - start) / stepMs);
  const points: HistoryPoint[] = new Array(pointCount);
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
    points[p] = acc.toPoint(start + p * stepMs, stepMs);
  }
  return {
    start: formatTime(start),
    end: formatTime(query.end),
    step: formatDuration(stepMs),
    step_ms: stepMs,
    tier: '1m',
    limit: query.limit,
    filters: query.filters,
    points,
  };
}
