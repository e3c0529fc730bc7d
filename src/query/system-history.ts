/**
 * System history (`/api/v1/history?metric=system`): the host and process gauges of contract
 * D over time, one point per step, read from the one-minute windows. Each figure of a point is
 * the mean of the samples taken within the step (with several instances: over all of them);
 * the event-loop delay percentiles come from the windows' sketches merged. A step without
 * samples has null figures.
 * @module
 */
import { SYSTEM_METRICS } from '../collect/system-metrics.js';
import { invalidParameter } from '../errors.js';
import { formatDuration } from '../model/duration.js';
import { Sketch } from '../model/sketch.js';
import { formatTime } from '../model/time.js';
import type { SeriesRecord, Store } from '../store/store.js';
import { round } from './derive.js';
import { parseHistoryParams, type HistoryParseOptions, type HistoryQuery, type RawParams } from './params.js';

/** The parameters `metric=system` accepts; the request-only ones (route, group_by, …) are refused. */
export const SYSTEM_HISTORY_PARAMS: readonly string[] = ['metric', 'start', 'end', 'from', 'to', 'step', 'limit', 'service', 'instance'];

/** One point of system history: means over the step (see the module doc). */
export interface SystemHistoryPoint {
  /** Start of the step, ISO-8601 UTC. */
  ts: string;
  /** Machine CPU busy %, 0–100. */
  cpu_usage: number | null;
  /** CPU temperature, °C; null without a sensor. */
  cpu_temperature: number | null;
  /** 1-minute load average. */
  load_average_1m: number | null;
  /** Host memory, bytes: total (MemTotal) and used (total − MemAvailable); used / total %. */
  memory_total: number | null;
  memory_used: number | null;
  memory_percent: number | null;
  /** The data directory's file system, bytes; percent as `df` computes it. */
  disk_total: number | null;
  disk_used: number | null;
  disk_percent: number | null;
  /** This process's resident set size and V8 heap in use, bytes. */
  process_rss: number | null;
  heap_used: number | null;
  /** Event-loop delay percentiles and maximum over the step, ms. */
  eventloop_delay_p50_ms: number | null;
  eventloop_delay_p99_ms: number | null;
  eventloop_delay_max_ms: number | null;
}

/** The answer to a system history query. */
export interface SystemHistoryResult {
  metric: 'system';
  start: string;
  end: string;
  step: string;
  step_ms: number;
  tier: '1m';
  limit: number;
  filters: { service?: string; instance?: string };
  points: SystemHistoryPoint[];
}

/**
 * Parses the parameters of `metric=system` through the history parser: start/end (or
 * from/to), step, limit, and the service and instance filters. Any other parameter is a 400
 * naming it.
 */
export function parseSystemHistoryParams(params: RawParams, nowMs: number, options: HistoryParseOptions = {}): HistoryQuery {
  const given = params instanceof URLSearchParams ? [...params.keys()] : Object.keys(params);
  for (const name of given) {
    if (!SYSTEM_HISTORY_PARAMS.includes(name)) {
      throw invalidParameter(name, `not a parameter of metric=system (known: ${SYSTEM_HISTORY_PARAMS.join(', ')})`);
    }
  }
  return parseHistoryParams(params, nowMs, { ...options, extraParams: ['metric'] });
}

const M = SYSTEM_METRICS;
/** The gauges read, in the order of the accumulator's slots. */
const GAUGES = [
  M.cpuUtilization,
  M.cpuTemperature,
  M.load1m,
  M.memoryLimit,
  M.memoryUsage,
  M.memoryUtilization,
  M.filesystemLimit,
  M.filesystemUsage,
  M.filesystemUtilization,
  M.processMemory,
  M.heapUsed,
] as const;
const SLOT: ReadonlyMap<string, number> = new Map(GAUGES.map((metric, i) => [metric, i]));

/** Runs a system history query against `store` (its `tier` is ignored: gauges are read from 1m windows). */
export async function querySystemHistory(store: Store, query: HistoryQuery): Promise<SystemHistoryResult> {
  const filters: SystemHistoryResult['filters'] = {};
  if (query.filters.service !== undefined) filters.service = query.filters.service;
  if (query.filters.instance !== undefined) filters.instance = query.filters.instance;
  const matches = (s: SeriesRecord): boolean =>
    (filters.service === undefined || s.labels.service === filters.service) &&
    (filters.instance === undefined || s.labels.instance === filters.instance);
  const lists = await Promise.all([...GAUGES, M.eventLoopDelay].map((metric) => store.listSeries(metric)));
  const series = lists.flat().filter(matches);
  const slotOf = new Map<number, number>();
  for (const s of series) slotOf.set(s.id, SLOT.get(s.metric) ?? -1);
  const windows = series.length === 0 ? [] : await store.readWindows('1m', series.map((s) => s.id), query.start, query.end);

  const { start, stepMs } = query;
  const pointTotal = Math.ceil((query.end - start) / stepMs);
  const points: SystemHistoryPoint[] = new Array(pointTotal);
  const sums = new Float64Array(GAUGES.length);
  const counts = new Float64Array(GAUGES.length);
  const delay = new Sketch();
  let next = 0;
  for (let p = 0; p < pointTotal; p++) {
    const pointEnd = start + (p + 1) * stepMs;
    sums.fill(0);
    counts.fill(0);
    delay.reset();
    while (next < windows.length && windows[next].start < pointEnd) {
      const w = windows[next++];
      const slot = slotOf.get(w.seriesId) ?? -1;
      if (slot >= 0) {
        sums[slot] += w.sum;
        counts[slot] += w.count;
      } else if (w.sketch !== null) {
        delay.mergeEncoded(w.sketch, w);
      }
    }
    const mean = (metric: (typeof GAUGES)[number], scale: number, digits: number): number | null => {
      const i = SLOT.get(metric) as number;
      return counts[i] === 0 ? null : round((sums[i] / counts[i]) * scale, digits);
    };
    points[p] = {
      ts: formatTime(start + p * stepMs),
      cpu_usage: mean(M.cpuUtilization, 100, 3),
      cpu_temperature: mean(M.cpuTemperature, 1, 3),
      load_average_1m: mean(M.load1m, 1, 3),
      memory_total: mean(M.memoryLimit, 1, 0),
      memory_used: mean(M.memoryUsage, 1, 0),
      memory_percent: mean(M.memoryUtilization, 100, 3),
      disk_total: mean(M.filesystemLimit, 1, 0),
      disk_used: mean(M.filesystemUsage, 1, 0),
      disk_percent: mean(M.filesystemUtilization, 100, 3),
      process_rss: mean(M.processMemory, 1, 0),
      heap_used: mean(M.heapUsed, 1, 0),
      eventloop_delay_p50_ms: round(delay.quantile(0.5), 3),
      eventloop_delay_p99_ms: round(delay.quantile(0.99), 3),
      eventloop_delay_max_ms: delay.count === 0 ? null : round(delay.max, 3),
    };
  }
  return {
    metric: 'system',
    start: formatTime(start),
    end: formatTime(query.end),
    step: formatDuration(stepMs),
    step_ms: stepMs,
    tier: '1m',
    limit: query.limit,
    filters,
    points,
  };
}
