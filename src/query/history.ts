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

/** Merges `windows` (all in one point) into quantiles from their sketches. */
function mergedQuantiles(windows: readonly StoredWindow[]): [number | null, number | null, number | null] {
  const merged = new Sketch();
  for (const window of windows) {
    if (window.sketch !== null) merged.merge(Sketch.decode(window.sketch, window));
  }
  return [merged.quantile(0.5), merged.quantile(0.95), merged.quantile(0.99)];
}

function sumCounts(classCounts: Float64Array, offset: number): number {
  let total = 0;
  for (let c = 0; c < STATUS_CLASSES.length; c++) total += classCounts[offset + c];
  return total;
}

function statusCounts(classCounts: Float64Array, offset: number): StatusCounts {
  const counts = {} as StatusCounts;
  STATUS_CLASSES.forEach((name, c) => {
    counts[`count_${name}`] = classCounts[offset + c];
  });
  return counts;
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
  const classes = STATUS_CLASSES.length;
  const classCounts = new Float64Array(pointCount * classes);
  const sums = new Float64Array(pointCount);
  const mins = new Float64Array(pointCount).fill(Infinity);
  const maxs = new Float64Array(pointCount).fill(-Infinity);
  const byPoint: StoredWindow[][] = Array.from({ length: pointCount }, () => []);
  for (const window of windows) {
    const p = Math.floor((window.start - start) / stepMs);
    const classIndex = classOf.get(window.seriesId) ?? -1;
    if (classIndex >= 0) classCounts[p * classes + classIndex] += window.count;
    sums[p] += window.sum;
    if (window.min < mins[p]) mins[p] = window.min;
    if (window.max > maxs[p]) maxs[p] = window.max;
    byPoint[p].push(window);
  }

  const points: HistoryPoint[] = new Array(pointCount);
  for (let p = 0; p < pointCount; p++) {
    const inPoint = byPoint[p];
    const [p50, p95, p99] =
      inPoint.length === 0
        ? [null, null, null]
        : inPoint.length === 1
          ? [inPoint[0].p50, inPoint[0].p95, inPoint[0].p99]
          : mergedQuantiles(inPoint);
    const counts = statusCounts(classCounts, p * classes);
    const count = sumCounts(classCounts, p * classes);
    const point: HistoryPoint = {
      ts: formatTime(start + p * stepMs),
      count,
      rps: ratePerSecond(count, stepMs),
      p50_ms: round(p50, 3),
      p95_ms: round(p95, 3),
      p99_ms: round(p99, 3),
      min_ms: count === 0 ? null : round(mins[p], 3),
      max_ms: count === 0 ? null : round(maxs[p], 3),
      err_rate_pct: errorRatePct(classCounts, p * classes),
      ...counts,
    };
    points[p] = point;
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
