/**
 * Runs a validated history query: finds the request series that match the filters, reads
 * their windows from the tier the query chose (stitched with finer tiers where rollups have
 * not reached yet), splits them into groups when asked to, and merges them per step into
 * points. From the rolled tiers, a query that neither filters nor groups by status class
 * reads the route totals (one window per route and bucket, its status classes merged) in
 * place of the class windows.
 * @module
 */
import { HTTP_DURATION_METRIC, STATUS_CLASSES, type StatusClass } from '../collect/http.js';
import { formatDuration } from '../model/duration.js';
import { Sketch } from '../model/sketch.js';
import { formatTime } from '../model/time.js';
import type { Tier } from '../model/window.js';
import { ROUTE_TOTALS_METRIC } from '../pipeline/route-totals.js';
import type { SeriesRecord, Store } from '../store/store.js';
import { round } from './derive.js';
import type { GroupOrder, HistoryFormat, HistoryQuery } from './params.js';
import {
  buildPoints,
  pointColumns,
  pointObjects,
  type HistoryColumns,
  type HistoryPoint,
  type PointSink,
} from './points.js';
import { readForPoints, type PointWindows } from './sketch-read.js';

export type { HistoryColumns, HistoryPoint, StatusCounts } from './points.js';

/** One group of a grouped history: its label values, totals over the range, and its points. */
export interface HistoryGroup {
  /** The values of the `group_by` labels shared by the group's series (absent label: null). */
  labels: Record<string, string | null>;
  /** Requests over the whole range. */
  count: number;
  /** p95 over the whole range, merged from every window (only when ordered by p95), in ms. */
  p95_ms?: number | null;
  points?: HistoryPoint[];
  columns?: HistoryColumns;
}

/** The answer to a history query. */
export interface HistoryResult {
  start: string;
  end: string;
  step: string;
  step_ms: number;
  /** The tier the points were built from (recent buckets not yet rolled up come from finer tiers). */
  tier: Tier;
  limit: number;
  filters: HistoryQuery['filters'];
  format: HistoryFormat;
  /** Ungrouped: the points, oldest first (`format=points`). */
  points?: HistoryPoint[];
  /** Ungrouped: the points as columns (`format=columns`). */
  columns?: HistoryColumns;
  /** Grouped: the labels grouped by, the order and the top asked for, and the groups in that order. */
  group_by?: readonly string[];
  order?: GroupOrder;
  top?: number | null;
  groups?: HistoryGroup[];
}

/** Runs `query` against `store`. */
export async function queryHistory(store: Store, query: HistoryQuery): Promise<HistoryResult> {
  const classes = await store.listSeries(HTTP_DURATION_METRIC, query.filters);
  const totals = readsRouteTotals(query) ? await store.listSeries(ROUTE_TOTALS_METRIC, query.filters) : [];
  const series = totals.length === 0 ? classes : [...classes, ...totals];
  const classOf = new Map<number, number>();
  for (const s of classes) classOf.set(s.id, STATUS_CLASSES.indexOf(s.labels.status_class as StatusClass));
  const groupOf = query.groupBy.length === 0 ? null : groupIndexOf(series, query.groupBy);
  const classIds = classes.map((s) => s.id);
  const rolledIds = totals.length === 0 ? classIds : totals.map((s) => s.id);
  const idsOf = (tier: Tier) => (tier === '1m' ? classIds : rolledIds);
  const source = await readForPoints(store, query, idsOf, groupOf, query.groupBy.length > 0 && query.order === 'p95');
  const head = {
    start: formatTime(query.start),
    end: formatTime(query.end),
    step: formatDuration(query.stepMs),
    step_ms: query.stepMs,
    tier: query.tier,
    limit: query.limit,
    filters: query.filters,
    format: query.format,
  };
  if (query.groupBy.length === 0) {
    const layout = buildPoints(source, null, classOf, query.start, query.end, query.stepMs, sinkFor(query));
    return { ...head, [query.format]: layout };
  }
  return {
    ...head,
    group_by: query.groupBy,
    order: query.order,
    top: query.top,
    groups: buildGroups(series, source, classOf, query),
  };
}

/** Whether the rolled tiers' part of `query` can be read from the route totals: nothing about status classes asked. */
function readsRouteTotals(query: HistoryQuery): boolean {
  return query.tier !== '1m' && query.filters.status_class === undefined && !query.groupBy.includes('status_class');
}

function sinkFor(query: HistoryQuery): PointSink<HistoryPoint[] | HistoryColumns> {
  const capacity = Math.ceil((query.end - query.start) / query.stepMs);
  return query.format === 'columns' ? pointColumns(capacity) : pointObjects(capacity);
}

interface GroupRows {
  readonly labels: Record<string, string | null>;
  /** The group's rows of the source's windows. */
  readonly rows: number[];
  count: number;
  p95: number | null;
}

/** Splits the windows by the values of the group_by labels, ranks the groups and builds the points of those kept. */
function buildGroups(
  series: readonly SeriesRecord[],
  source: PointWindows,
  classOf: ReadonlyMap<number, number>,
  query: HistoryQuery,
): HistoryGroup[] {
  const groups = new Map<string, GroupRows>();
  const groupOf = new Map<number, GroupRows>();
  for (const s of series) {
    const key = groupKey(s, query.groupBy);
    let group = groups.get(key);
    if (group === undefined) {
      const labels = Object.fromEntries(query.groupBy.map((label) => [label, s.labels[label] ?? null]));
      group = { labels, rows: [], count: 0, p95: null };
      groups.set(key, group);
    }
    groupOf.set(s.id, group);
  }
  const { seriesId, count } = source.rows;
  for (let row = 0; row < seriesId.length; row++) {
    const group = groupOf.get(seriesId[row]) as GroupRows;
    group.rows.push(row);
    group.count += count[row];
  }
  let ranked = [...groups.values()].filter((g) => g.rows.length > 0);
  if (query.order === 'p95') {
    for (const group of ranked) group.p95 = mergedP95(source, group.rows);
    ranked.sort((a, b) => (b.p95 ?? -1) - (a.p95 ?? -1) || b.count - a.count);
  } else {
    ranked.sort((a, b) => b.count - a.count);
  }
  if (query.top !== null) ranked = ranked.slice(0, query.top);
  return ranked.map((group) => ({
    labels: group.labels,
    count: group.count,
    ...(query.order === 'p95' ? { p95_ms: round(group.p95, 3) } : {}),
    [query.format]: buildPoints(source, group.rows, classOf, query.start, query.end, query.stepMs, sinkFor(query)),
  }));
}

/** Each series' group, numbered by the first series of each distinct combination of `labels`' values. */
function groupIndexOf(series: readonly SeriesRecord[], labels: readonly string[]): Map<number, number> {
  const numbers = new Map<string, number>();
  const groupOf = new Map<number, number>();
  for (const s of series) {
    const key = groupKey(s, labels);
    let n = numbers.get(key);
    if (n === undefined) {
      n = numbers.size;
      numbers.set(key, n);
    }
    groupOf.set(s.id, n);
  }
  return groupOf;
}

/** The values of `labels` on `series`, as one string (a missing label is null). */
function groupKey(series: SeriesRecord, labels: readonly string[]): string {
  return JSON.stringify(labels.map((label) => series.labels[label] ?? null));
}

/** The p95 of the windows `rows` of `source` together, in ms: precomputed for one window, else from their merged sketches. */
function mergedP95({ rows: summaries, sketched }: PointWindows, rows: readonly number[]): number | null {
  if (rows.length === 1) {
    const us = summaries.p95Us[rows[0]];
    return us === null ? null : us / 1000;
  }
  const sketch = new Sketch();
  for (const row of rows) {
    const w = sketched.get(summaries.seriesId[row])?.get(summaries.start[row]);
    if (w?.sketch != null) sketch.mergeEncoded(w.sketch, w);
  }
  return sketch.count === 0 ? null : sketch.quantile(0.95);
}
