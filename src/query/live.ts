/**
 * The live snapshot: per route, the requests of the last 1 and 5 minutes straight from the
 * recorder's memory (the sealed minutes it keeps plus the open one), no store involved.
 * @module
 */
import { HTTP_DURATION_METRIC, STATUS_CLASSES, type StatusClass } from '../collect/http.js';
import { MINUTE_MS } from '../model/duration.js';
import { Sketch } from '../model/sketch.js';
import type { Recorder } from '../record/recorder.js';
import { errorRatePct, ratePerSecond, round } from './derive.js';

/** Figures of one route over one live span. */
export interface LiveStats {
  count: number;
  rps: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  err_rate_pct: number;
}

/** One route's live figures over the last 1 and 5 minutes. */
export interface LiveRoute {
  /** `METHOD /template`, e.g. `GET /api/jobs/:id`. */
  route: string;
  method: string;
  path: string;
  '1m': LiveStats;
  '5m': LiveStats;
}

/** The live snapshot of every route. */
export interface LiveSnapshot {
  generated_at: string;
  /** What each span covers: the last N complete minutes plus the current, partial one. */
  spans: { '1m': { from: string; seconds: number }; '5m': { from: string; seconds: number } };
  routes: LiveRoute[];
}

interface RouteAccumulator {
  method: string;
  path: string;
  sketches: [Sketch, Sketch];
  classCounts: [Float64Array, Float64Array];
}

function stats(sketch: Sketch, classCounts: Float64Array, spanMs: number): LiveStats {
  return {
    count: sketch.count,
    rps: ratePerSecond(sketch.count, spanMs),
    p50_ms: round(sketch.quantile(0.5), 3),
    p95_ms: round(sketch.quantile(0.95), 3),
    p99_ms: round(sketch.quantile(0.99), 3),
    err_rate_pct: errorRatePct(classCounts),
  };
}

/**
 * The live snapshot at `nowMs`. The `1m` span is the last complete minute plus the
 * current partial one, `5m` the last five plus the current; rates divide by the seconds
 * each span really covers.
 */
export function liveSnapshot(recorder: Recorder, nowMs: number): LiveSnapshot {
  const openStart = recorder.openWindowStart;
  const spanStarts = [openStart - MINUTE_MS, openStart - 5 * MINUTE_MS] as const;
  const routes = new Map<string, RouteAccumulator>();
  for (const series of recorder.allDistributions()) {
    const { metric, labels } = series.descriptor;
    if (metric !== HTTP_DURATION_METRIC) continue;
    const name = `${labels.method} ${labels.route}`;
    let acc = routes.get(name);
    if (acc === undefined) {
      acc = {
        method: labels.method,
        path: labels.route,
        sketches: [new Sketch(), new Sketch()],
        classCounts: [new Float64Array(STATUS_CLASSES.length), new Float64Array(STATUS_CLASSES.length)],
      };
      routes.set(name, acc);
    }
    const classIndex = STATUS_CLASSES.indexOf(labels.status_class as StatusClass);
    for (let span = 0; span < 2; span++) {
      const before = acc.sketches[span].count;
      series.mergeRecent(acc.sketches[span], spanStarts[span]);
      acc.classCounts[span][classIndex] += acc.sketches[span].count - before;
    }
  }
  const spanMs = [nowMs - spanStarts[0], nowMs - spanStarts[1]];
  const result: LiveRoute[] = [];
  for (const [name, acc] of routes) {
    if (acc.sketches[1].count === 0) continue;
    result.push({
      route: name,
      method: acc.method,
      path: acc.path,
      '1m': stats(acc.sketches[0], acc.classCounts[0], spanMs[0]),
      '5m': stats(acc.sketches[1], acc.classCounts[1], spanMs[1]),
    });
  }
  result.sort((a, b) => b['5m'].count - a['5m'].count || a.route.localeCompare(b.route));
  return {
    generated_at: new Date(nowMs).toISOString(),
    spans: {
      '1m': { from: new Date(spanStarts[0]).toISOString(), seconds: round(spanMs[0] / 1000, 3) },
      '5m': { from: new Date(spanStarts[1]).toISOString(), seconds: round(spanMs[1] / 1000, 3) },
    },
    routes: result,
  };
}
