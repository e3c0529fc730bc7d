/**
 * The data the history and storage benchmarks load into every store: 7 days × 100 routes of
 * one-minute windows of `http.server.request.duration`, each window a real sketch of 50–200
 * lognormal latencies, generated deterministically (mulberry32) and written hour by hour with
 * the store's own `writeWindows`. Shared so that SQLite and PostgreSQL are measured on the
 * same windows; the flush benchmark draws its windows from the same generator.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { HTTP_DURATION_METRIC } from '../src/collect/http.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/model/duration.js';
import { seriesKey, type Labels } from '../src/model/labels.js';
import { Sketch } from '../src/model/sketch.js';
import { distributionValues, type SeriesDescriptor, type Window, type WindowValues } from '../src/model/window.js';
import type { Store } from '../src/store/store.js';
import { lognormal, mulberry32, type Random } from '../test/support/random.js';
import { grouped } from './measure.js';

export const DAYS = 7;
export const ROUTES = 100;
/** The end of the stored data (exclusive) and the clock of the Velocity instance that queries it. */
export const END = Date.UTC(2026, 10, 20);
export const START = END - DAYS * DAY_MS;
export const MINUTES = (END - START) / MINUTE_MS;
/** Chance that a route's minute also has a 4xx window, and a 5xx window. */
export const P_4XX = 0.03;
export const P_5XX = 0.01;
/** Distinct real windows per route to draw from: 2xx, and each error class. */
export const POOL_2XX = 48;
export const POOL_ERROR = 12;
/** Observations in a 2xx window (uniform in this range), and in an error window. */
export const OBS_2XX: readonly [number, number] = [50, 200];
export const OBS_ERROR: readonly [number, number] = [1, 20];
export const SEED = 0x9e4a;

/** The labels every generated series carries besides method, route and status class. */
export const BASE_LABELS = { service: 'bench', instance: 'bench-1', env: 'bench' } as const;

/** A window's values without its start. */
export type WindowBody = Omit<WindowValues, 'start'>;

export function descriptor(labels: Labels): SeriesDescriptor {
  return { key: seriesKey(HTTP_DURATION_METRIC, labels), metric: HTTP_DURATION_METRIC, kind: 'distribution', labels };
}

function between(rand: Random, [lo, hi]: readonly [number, number]): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** A real window's values: `n` lognormal latencies recorded into a sketch, its quantiles computed from it. */
export function realWindow(rand: Random, n: number, medianMs: number, sigma: number): WindowBody {
  const sketch = new Sketch();
  for (let i = 0; i < n; i++) sketch.record(lognormal(rand, Math.log(medianMs), sigma));
  const { start: _start, ...values } = distributionValues(sketch, 0);
  return values;
}

/** One route's series (2xx, 4xx, 5xx) and its pools of real windows. */
export interface RouteData {
  readonly ok: SeriesDescriptor;
  readonly clientError: SeriesDescriptor;
  readonly serverError: SeriesDescriptor;
  readonly okPool: WindowBody[];
  readonly clientErrorPool: WindowBody[];
  readonly serverErrorPool: WindowBody[];
}

/**
 * `count` routes (`GET /route/<n>`), each with its own latency profile (medians from ~5 to
 * ~150 ms, spreads from 0.4 to 0.9) and `okPool` real 2xx windows (and POOL_ERROR of each
 * error class) to draw from.
 */
export function makeRoutes(rand: Random, count = ROUTES, okPool = POOL_2XX): RouteData[] {
  return Array.from({ length: count }, (_, r) => {
    const labels = (statusClass: string): Labels => ({
      ...BASE_LABELS,
      method: 'GET',
      route: `/route/${r}`,
      status_class: statusClass,
    });
    const medianMs = 5 * Math.exp(rand() * Math.log(30));
    const sigma = 0.4 + rand() * 0.5;
    return {
      ok: descriptor(labels('2xx')),
      clientError: descriptor(labels('4xx')),
      serverError: descriptor(labels('5xx')),
      okPool: Array.from({ length: okPool }, () => realWindow(rand, between(rand, OBS_2XX), medianMs, sigma)),
      clientErrorPool: Array.from({ length: POOL_ERROR }, () =>
        realWindow(rand, between(rand, OBS_ERROR), medianMs / 3, sigma),
      ),
      serverErrorPool: Array.from({ length: POOL_ERROR }, () =>
        realWindow(rand, between(rand, OBS_ERROR), medianMs * 4, sigma + 0.3),
      ),
    };
  });
}

/** A random element of `pool`. */
export function pick<T>(rand: Random, pool: readonly T[]): T {
  return pool[Math.floor(rand() * pool.length)];
}

/** The windows of one hour of every route: a 2xx window per minute, error windows now and then. */
export function hourOfWindows(rand: Random, routes: readonly RouteData[], hourStart: number): Window[] {
  const windows: Window[] = [];
  for (let m = 0; m < 60; m++) {
    const start = hourStart + m * MINUTE_MS;
    for (const route of routes) {
      windows.push({ series: route.ok, start, ...pick(rand, route.okPool) });
      if (rand() < P_4XX) windows.push({ series: route.clientError, start, ...pick(rand, route.clientErrorPool) });
      if (rand() < P_5XX) windows.push({ series: route.serverError, start, ...pick(rand, route.serverErrorPool) });
    }
  }
  return windows;
}

/** The median of a histogram given as value → count. */
export function histogramMedian(counts: readonly number[]): number {
  const total = counts.reduce((sum, c) => sum + (c ?? 0), 0);
  let seen = 0;
  for (let value = 0; value < counts.length; value++) {
    seen += counts[value] ?? 0;
    if (seen * 2 >= total) return value;
  }
  return NaN;
}

/** What loading the week took. */
export interface WeekLoad {
  /** Windows written. */
  readonly written: number;
  /** `writeWindows` calls, one per hour of every route. */
  readonly batches: number;
  /** Time inside `writeWindows` only, ms. */
  readonly loadMs: number;
  /** Time generating the windows (not in loadMs), ms. */
  readonly generateMs: number;
  /** Encoded sketch sizes: bytes → number of windows. */
  readonly sketchBytes: readonly number[];
}

/** Generates the week (seed SEED) and writes it into `store`, one hour of every route per `writeWindows`. */
export async function loadWeek(store: Store): Promise<WeekLoad> {
  const rand = mulberry32(SEED);
  const generateStarted = performance.now();
  const routes = makeRoutes(rand);
  let generateMs = performance.now() - generateStarted;
  const sketchBytes: number[] = [];
  let loadMs = 0;
  let written = 0;
  let batches = 0;
  for (let hourStart = START; hourStart < END; hourStart += HOUR_MS) {
    const t0 = performance.now();
    const windows = hourOfWindows(rand, routes, hourStart);
    for (const w of windows) {
      const n = (w.sketch as Uint8Array).length;
      sketchBytes[n] = (sketchBytes[n] ?? 0) + 1;
    }
    const t1 = performance.now();
    await store.writeWindows('1m', windows);
    loadMs += performance.now() - t1;
    generateMs += t1 - t0;
    written += windows.length;
    batches++;
  }
  return { written, batches, loadMs, generateMs, sketchBytes };
}

/** The "Data: …" note of a section measured on the week. */
export function weekDataNote(written: number): string {
  return (
    `Data: ${grouped(written)} windows (${ROUTES} routes × ${grouped(MINUTES)} minutes of 2xx windows, plus a 4xx window ` +
    `in ${P_4XX * 100} % and a 5xx window in ${P_5XX * 100} % of route-minutes), labels service/instance/env/method/route/status_class ` +
    `as Velocity writes them. Each route draws its windows from ${POOL_2XX} real 2xx and ${POOL_ERROR} real 4xx/5xx windows ` +
    `built from ${OBS_2XX[0]}–${OBS_2XX[1]} (errors ${OBS_ERROR[0]}–${OBS_ERROR[1]}) lognormal latencies (route medians 5–150 ms), ` +
    `so p50/p95/p99 and sketch bytes are those of real sketches; mulberry32 seed ${SEED}.`
  );
}
