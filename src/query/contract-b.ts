/**
 * Contract B's read side: per-route and per-operation totals over a time range, from the
 * stored 1-minute windows (what is still open in memory is not included: `flush()` first).
 * Times carry the windows' precision: `last_request_at` / `last_execution_at` is the start
 * of the latest minute that holds one.
 * @module
 */
import { HTTP_DURATION_METRIC, TIMEOUT_CLASS, STATUS_CLASSES } from '../collect/http.js';
import { OPERATION_DURATION_METRIC } from '../collect/operations.js';
import { invalidParameter } from '../errors.js';
import { DAY_MS } from '../model/duration.js';
import { formatTime, parseTime } from '../model/time.js';
import type { StoredWindow } from '../model/window.js';
import type { SeriesRecord, Store } from '../store/store.js';
import { round } from './derive.js';

/** A time range; a bound left out is `end` = now, `start` = 24 hours before `end`. */
export interface TimeRange {
  /** Inclusive: windows starting at or after it. A Date, epoch ms, or ISO-8601 / unix-seconds text. */
  start?: Date | number | string;
  /** Exclusive: windows starting before it. */
  end?: Date | number | string;
}

/** Totals shared by routes and operations. */
interface Totals {
  successful: number;
  failed: number;
  total_duration_ms: number;
  average_duration_ms: number;
  period_start: string;
  period_end: string;
}

/** Contract B's totals of one route (`method` + route template). Failed means 5xx or timeout. */
export interface RouteMetrics extends Totals {
  route: string;
  method: string;
  total_requests: number;
  last_request_at: string | null;
}

/** Contract B's totals of one operation, over all its custom labels. */
export interface OperationMetrics extends Totals {
  operation: string;
  total_executions: number;
  last_execution_at: string | null;
}

interface Group {
  total: number;
  failed: number;
  sum: number;
  last: number;
}

/** Epoch-ms bounds of `range`, checked: start before end. */
export function resolveRange(range: TimeRange | undefined, nowMs: number): { start: number; end: number } {
  const end = range?.end === undefined ? nowMs : toMs(range.end, 'end');
  const start = range?.start === undefined ? end - DAY_MS : toMs(range.start, 'start');
  if (!(start < end)) throw invalidParameter('start', `must be before end (${formatTime(start)} is not before ${formatTime(end)})`);
  return { start, end };
}

function toMs(value: Date | number | string, param: string): number {
  const ms = typeof value === 'string' ? parseTime(value, param) : value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(ms)) throw invalidParameter(param, 'is not a valid time');
  return ms;
}

/** Per-route totals over `range`, optionally only of `route` and/or `method`, busiest first. */
export async function routeMetrics(
  store: Store,
  filter: { route?: string; method?: string },
  range: { start: number; end: number },
): Promise<RouteMetrics[]> {
  const series = (await store.listSeries(HTTP_DURATION_METRIC)).filter(
    (s) => (filter.route === undefined || s.labels.route === filter.route) && (filter.method === undefined || s.labels.method === filter.method),
  );
  const groups = await totalsBy(store, series, range, (s) => `${s.labels.method} ${s.labels.route}`, (s) => {
    const statusClass = s.labels.status_class;
    return statusClass === STATUS_CLASSES[4] || statusClass === STATUS_CLASSES[TIMEOUT_CLASS];
  });
  return [...groups].map(([key, g]) => {
    const space = key.indexOf(' ');
    return {
      route: key.slice(space + 1),
      method: key.slice(0, space),
      total_requests: g.total,
      ...totals(g, range),
      last_request_at: g.total > 0 ? formatTime(g.last) : null,
    };
  });
}

/** Per-operation totals over `range`, optionally only of `operation`, busiest first. */
export async function operationMetrics(
  store: Store,
  filter: { operation?: string },
  range: { start: number; end: number },
): Promise<OperationMetrics[]> {
  const series = (await store.listSeries(OPERATION_DURATION_METRIC)).filter(
    (s) => filter.operation === undefined || s.labels.operation === filter.operation,
  );
  const groups = await totalsBy(store, series, range, (s) => s.labels.operation, (s) => s.labels.outcome === 'failure');
  return [...groups].map(([operation, g]) => ({
    operation,
    total_executions: g.total,
    ...totals(g, range),
    last_execution_at: g.total > 0 ? formatTime(g.last) : null,
  }));
}

/** Sums the windows of `series` in `range` per group; groups without windows are left out. */
async function totalsBy(
  store: Store,
  series: readonly SeriesRecord[],
  range: { start: number; end: number },
  groupOf: (s: SeriesRecord) => string,
  isFailure: (s: SeriesRecord) => boolean,
): Promise<Map<string, Group>> {
  const byId = new Map(series.map((s) => [s.id, s]));
  const windows: StoredWindow[] =
    series.length === 0 ? [] : await store.readWindows('1m', [...byId.keys()], range.start, range.end, { withSketch: false });
  const groups = new Map<string, Group>();
  for (const w of windows) {
    const s = byId.get(w.seriesId) as SeriesRecord;
    const key = groupOf(s);
    let g = groups.get(key);
    if (g === undefined) {
      g = { total: 0, failed: 0, sum: 0, last: 0 };
      groups.set(key, g);
    }
    g.total += w.count;
    g.sum += w.sum;
    if (isFailure(s)) g.failed += w.count;
    if (w.start > g.last) g.last = w.start;
  }
  return new Map([...groups].sort((a, b) => b[1].total - a[1].total));
}

function totals(g: Group, range: { start: number; end: number }): Totals {
  return {
    successful: g.total - g.failed,
    failed: g.failed,
    total_duration_ms: round(g.sum, 3),
    average_duration_ms: g.total > 0 ? round(g.sum / g.total, 3) : 0,
    period_start: formatTime(range.start),
    period_end: formatTime(range.end),
  };
}
