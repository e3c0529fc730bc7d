/**
 * Contract B's read side: per-route and per-operation totals over a time range, from the
 * stored windows (what is still open in memory is not included: `flush()` first), read from
 * the coarsest tiers that tile the range (`range-cover.ts`): exact to the minute while the
 * 1-minute windows are kept, and served from hours and days further back, where the range
 * is widened to the whole hours or days that still hold it. Times carry the windows'
 * precision: `last_request_at` / `last_execution_at` is the start of the latest window that
 * holds one, a minute while the minutes are kept (an hour or a day further back).
 * @module
 */
import { HTTP_DURATION_METRIC, TIMEOUT_CLASS, STATUS_CLASSES } from '../collect/http.js';
import { OPERATION_DURATION_METRIC } from '../collect/operations.js';
import { invalidParameter } from '../errors.js';
import { DAY_MS } from '../model/duration.js';
import { formatTime, parseTime } from '../model/time.js';
import type { SeriesRecord, Store } from '../store/store.js';
import { round } from './derive.js';
import { refineLatest, type LatestWindow } from './latest-window.js';
import { keptRange, readCovering } from './range-cover.js';
import { DEFAULT_TIER_RETENTION, type TierRetention } from './steps.js';

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
  /** The latest window holding one, refined to the finest tier kept (`refineLatest`). */
  readonly latest: LatestWindow;
}

/**
 * Epoch-ms bounds of `range` at `nowMs`, checked (start before end), then widened to the
 * whole hours or days that still hold a part older than the 1-minute retention (`keptRange`
 * with `retention`, what each tier keeps): the period the totals are over.
 */
export function resolveRange(
  range: TimeRange | undefined,
  nowMs: number,
  retention: TierRetention = DEFAULT_TIER_RETENTION,
): { start: number; end: number } {
  const end = range?.end === undefined ? nowMs : toMs(range.end, 'end');
  const start = range?.start === undefined ? end - DAY_MS : toMs(range.start, 'start');
  if (!(start < end)) throw invalidParameter('start', `must be before end (${formatTime(start)} is not before ${formatTime(end)})`);
  return keptRange(start, end, nowMs, retention);
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
      last_request_at: g.total > 0 ? formatTime(g.latest.start) : null,
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
    last_execution_at: g.total > 0 ? formatTime(g.latest.start) : null,
  }));
}

/**
 * Sums the windows of `series` in `range` per group; groups without windows are left out.
 * Each group's latest window is then refined to the finest tier the store still holds.
 */
async function totalsBy(
  store: Store,
  series: readonly SeriesRecord[],
  range: { start: number; end: number },
  groupOf: (s: SeriesRecord) => string,
  isFailure: (s: SeriesRecord) => boolean,
): Promise<Map<string, Group>> {
  const byId = new Map(series.map((s) => [s.id, s]));
  const idsOf = new Map<string, number[]>();
  for (const s of series) {
    const key = groupOf(s);
    const ids = idsOf.get(key);
    if (ids === undefined) idsOf.set(key, [s.id]);
    else ids.push(s.id);
  }
  const groups = new Map<string, Group>();
  for (const { tier, windows } of await readCovering(store, [...byId.keys()], range.start, range.end)) {
    for (const w of windows) {
      const s = byId.get(w.seriesId) as SeriesRecord;
      const key = groupOf(s);
      let g = groups.get(key);
      if (g === undefined) {
        g = { total: 0, failed: 0, sum: 0, latest: { start: w.start, tier, ids: idsOf.get(key) as number[] } };
        groups.set(key, g);
      }
      g.total += w.count;
      g.sum += w.sum;
      if (isFailure(s)) g.failed += w.count;
      if (w.start > g.latest.start) {
        g.latest.start = w.start;
        g.latest.tier = tier;
      }
    }
  }
  await refineLatest(store, [...groups.values()].map((g) => g.latest));
  return new Map([...groups].sort((a, b) => b[1].total - a[1].total));
}

/** Contract B's admin answer: the period, and the route and operation totals over it. */
export interface AdminMetrics {
  period_start: string;
  period_end: string;
  route_metrics: RouteMetrics[];
  operation_metrics: OperationMetrics[];
}

/**
 * `GET /api/admin/metrics`'s answer: `routeMetrics` filtered by `route` and `method`, and
 * `operationMetrics` filtered by `operation`, both over `range`.
 */
export async function adminMetrics(
  store: Store,
  filter: { route?: string; method?: string; operation?: string },
  range: { start: number; end: number },
): Promise<AdminMetrics> {
  return {
    period_start: formatTime(range.start),
    period_end: formatTime(range.end),
    route_metrics: await routeMetrics(store, { route: filter.route, method: filter.method }, range),
    operation_metrics: await operationMetrics(store, { operation: filter.operation }, range),
  };
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
