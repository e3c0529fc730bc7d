/**
 * The demo's synthetic history, as a pure generator: from (seed, days, routes, until) to
 * batches of one-minute request windows labelled exactly as the HTTP recorder labels them.
 *
 * The traffic has a UTC daily cycle (quiet at 04:00, busiest at 16:00, weekends at 55 %),
 * per-route rates falling off from a few hot routes to a long tail, and three incidents:
 * an error surge (45 % 5xx for 40 minutes on one route, the day before `until`), a timeout
 * burst (30 % timeouts for 8 minutes, three days before) and a latency regression (p50 × 1.6, p95 × 2.5 on a
 * couple of routes) from the release that lies 1.5 to 3.5 days before `until`.
 *
 * Every (route, minute) draws from its own generator seeded by (seed, route, minute), and
 * the `release_sha` label follows a fixed calendar (a release every two days at 14:20 UTC),
 * so a window depends only on its own time, the seed and the incidents' timeline. Re-running
 * the demo therefore writes the same series again, and the store replaces those windows
 * rather than adding to them.
 * @module
 */
import { ABORTED_CLASS, HTTP_DURATION_METRIC, STATUS_CLASSES, TIMEOUT_CLASS } from '../collect/http.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../model/duration.js';
import { seriesKey } from '../model/labels.js';
import { Sketch } from '../model/sketch.js';
import { bucketStart } from '../model/time.js';
import { distributionValues, type SeriesDescriptor, type Window } from '../model/window.js';
import { hashInts, lognormal, mulberry32, poisson, type Random } from './random.js';

/** The labels every demo series carries besides method, route, status class and release. */
export const DEMO_LABELS = { service: 'demo-api', instance: 'demo-1', env: 'demo' } as const;

/** The seed used when none is given. */
export const DEFAULT_DEMO_SEED = 42;

/** Windows per `writeWindows` call during the back-fill. */
export const DEMO_BATCH_SIZE = 5_000;

/** Releases happen every two days, at 14:20 UTC, on a calendar fixed to the epoch. */
const RELEASE_PERIOD_MS = 2 * DAY_MS;
const RELEASE_OFFSET_MS = 14 * HOUR_MS + 20 * MINUTE_MS;

const C2XX = 1;
const C3XX = 2;
const C4XX = 3;
const C5XX = 4;
/** The classes drawn before 2xx, which takes what is left. */
const MINOR_CLASSES = [C3XX, C4XX, C5XX, TIMEOUT_CLASS, ABORTED_CLASS] as const;

const HOTTEST_PEAK_RPS = 9;
const BASE_5XX_SHARE = 0.0015;
const ABORTED_SHARE = 0.001;
const SURGE_5XX_SHARE = 0.45;
const SURGE_MINUTES = 40;
const BURST_TIMEOUT_SHARE = 0.3;
const BURST_MINUTES = 8;
const TIMEOUT_MS = 30_000;
const REGRESSION_MEDIAN_FACTOR = 1.6;
// exp(1.645 × 0.271) × 1.6 ≈ 2.5: the extra spread that makes p95 grow 2.5× when p50 grows 1.6×.
const REGRESSION_EXTRA_SIGMA = 0.271;

/** One synthetic route: its name and the shape of its traffic. */
export interface DemoRoute {
  readonly method: string;
  /** The route template, e.g. `/api/jobs/:id`. */
  readonly route: string;
  /** Requests per second at the daily peak of a weekday. */
  readonly peakRps: number;
  /** Median latency of a 2xx response at no load, before any regression, in ms. */
  readonly medianMs: number;
  /** Spread of the lognormal latency (the σ of its logarithm). */
  readonly sigma: number;
  /** Usual shares of requests answered 3xx and 4xx. */
  readonly share3xx: number;
  readonly share4xx: number;
}

// method, route, median ms, 3xx share, 4xx share — ordered hottest first.
const CATALOGUE: ReadonlyArray<readonly [string, string, number, number, number]> = [
  ['GET', '/api/jobs', 35, 0, 0.004],
  ['GET', '/api/jobs/:id', 18, 0, 0.02],
  ['POST', '/api/events', 9, 0, 0.006],
  ['GET', '/api/users/:id', 15, 0, 0.03],
  ['GET', '/api/search', 120, 0, 0.01],
  ['POST', '/api/jobs', 70, 0, 0.025],
  ['GET', '/api/products', 48, 0, 0.002],
  ['GET', '/api/products/:id', 16, 0, 0.015],
  ['POST', '/api/auth/login', 140, 0, 0.07],
  ['GET', '/api/orders', 60, 0, 0.003],
  ['GET', '/api/orders/:id', 25, 0, 0.02],
  ['POST', '/api/orders', 180, 0, 0.03],
  ['GET', '/login', 6, 0.92, 0],
  ['PUT', '/api/users/:id', 40, 0, 0.04],
  ['GET', '/api/notifications', 22, 0, 0.002],
  ['DELETE', '/api/jobs/:id', 30, 0, 0.05],
  ['PATCH', '/api/orders/:id', 45, 0, 0.03],
  ['GET', '/api/reports/daily', 420, 0, 0.001],
  ['POST', '/api/uploads', 600, 0, 0.02],
  ['GET', '/oauth/callback', 65, 0.95, 0.01],
  ['GET', '/api/invoices/:id/pdf', 850, 0, 0.01],
  ['POST', '/api/webhooks/stripe', 35, 0, 0.004],
  ['GET', '/api/teams/:id/members', 28, 0, 0.01],
  ['GET', '/api/export', 1400, 0, 0.002],
];

/**
 * The first `count` demo routes, hottest first: a catalogue of realistic ones, then as many
 * `GET /api/v2/items-N/:id` as needed. Independent of the seed, so labels stay stable.
 */
function demoRoutes(count: number): DemoRoute[] {
  const routes: DemoRoute[] = [];
  for (let i = 0; i < count; i++) {
    const spread = hashInts(0x4071e5, i) / 4294967296;
    const [method, route, medianMs, share3xx, share4xx] =
      CATALOGUE[i] ?? ['GET', `/api/v2/items-${i - CATALOGUE.length + 1}/:id`, 10 + Math.round(spread * 290), 0, 0.01];
    routes.push({
      method,
      route,
      peakRps: HOTTEST_PEAK_RPS / (i + 1) ** 1.1,
      medianMs,
      sigma: 0.4 + 0.3 * spread,
      share3xx,
      share4xx,
    });
  }
  return routes;
}

/** The index of the release in force at `tMs` on the fixed release calendar. */
export function releaseIndex(tMs: number): number {
  return Math.floor((tMs - RELEASE_OFFSET_MS) / RELEASE_PERIOD_MS);
}

/** When release `index` went out, epoch ms. */
function releaseStart(index: number): number {
  return index * RELEASE_PERIOD_MS + RELEASE_OFFSET_MS;
}

/** The 7-hex-digit `release_sha` of release `index`. */
export function releaseSha(index: number): string {
  return hashInts(0x5ea5e, index).toString(16).padStart(8, '0').slice(0, 7);
}

/** An incident on one route over [start, end), epoch ms. */
export interface DemoIncident {
  /** Index into the scenario's routes. */
  readonly route: number;
  readonly start: number;
  readonly end: number;
}

/** When the incidents happen; they may fall outside the back-filled range when it is short. */
export interface DemoTimeline {
  /** 45 % of requests answered 5xx, for 40 minutes, on the day before `until`'s UTC day. */
  readonly errorSurge: DemoIncident;
  /** 30 % of requests time out (30 s), for 8 minutes, three days before `until`'s UTC day. */
  readonly timeoutBurst: DemoIncident;
  /** p50 × 1.6 and p95 × 2.5 on these routes from `start`, a release 1.5 to 3.5 days before `until`, on. */
  readonly regression: { readonly routes: readonly number[]; readonly start: number };
}

/** What the demo generates: how much history, and from which seed. */
export interface DemoOptions {
  /** Any 32-bit unsigned integer; the same seed gives the same data. */
  readonly seed: number;
  /** Days of history before `untilMs`. */
  readonly days: number;
  /** How many routes (see `demoRoutes`). */
  readonly routes: number;
  /** The end of the history, epoch ms; the back-fill covers the whole minutes before it. */
  readonly untilMs: number;
}

/** A resolved demo: its routes, its range of whole minutes and its incidents. */
export interface DemoScenario {
  readonly seed: number;
  readonly routes: readonly DemoRoute[];
  /** First minute back-filled, epoch ms. */
  readonly fromMs: number;
  /** End of the back-fill (exclusive): the start of `untilMs`'s minute. */
  readonly toMs: number;
  readonly timeline: DemoTimeline;
}

function pick(rand: Random, candidates: number[]): number {
  return candidates.splice(Math.floor(rand() * candidates.length), 1)[0];
}

function demoTimeline(seed: number, routeCount: number, untilMs: number): DemoTimeline {
  const rand = mulberry32(hashInts(seed, 0x71e11e));
  const day = bucketStart(untilMs, DAY_MS);
  // Times first, so that they do not depend on how many routes there are.
  const surgeStart = day - DAY_MS + 9 * HOUR_MS + Math.floor(rand() * 8 * 60) * MINUTE_MS;
  const burstStart = day - 3 * DAY_MS + 6 * HOUR_MS + Math.floor(rand() * 10 * 60) * MINUTE_MS;
  // Incidents hit busy routes (among the hottest few), so they stand out; distinct ones when there are enough.
  const hottest = (n: number): number[] => Array.from({ length: Math.min(routeCount, n) }, (_, i) => i);
  const surgeRoute = pick(rand, hottest(5));
  const others = hottest(8).filter((i) => i !== surgeRoute);
  const burstRoute = others.length === 0 ? surgeRoute : others[Math.floor(rand() * Math.min(others.length, 4))];
  const regressed = others.length === 0 ? [surgeRoute] : [pick(rand, others)];
  if (others.length > 0) regressed.push(pick(rand, others));
  return {
    errorSurge: { route: surgeRoute, start: surgeStart, end: surgeStart + SURGE_MINUTES * MINUTE_MS },
    timeoutBurst: { route: burstRoute, start: burstStart, end: burstStart + BURST_MINUTES * MINUTE_MS },
    regression: {
      routes: regressed.sort((a, b) => a - b),
      start: releaseStart(releaseIndex(untilMs - 36 * HOUR_MS)),
    },
  };
}

/** Resolves options into a scenario (no data is generated yet). */
export function createDemoScenario(options: DemoOptions): DemoScenario {
  const toMs = bucketStart(options.untilMs, MINUTE_MS);
  return {
    seed: options.seed,
    routes: demoRoutes(options.routes),
    fromMs: toMs - options.days * DAY_MS,
    toMs,
    timeline: demoTimeline(options.seed, options.routes, options.untilMs),
  };
}

/**
 * How busy the service is at `tMs`, relative to a weekday's peak: a cosine over the UTC day
 * from 0.2 (04:00) to 1 (16:00), times 0.55 on Saturdays and Sundays.
 */
function trafficFactor(tMs: number): number {
  const hour = (tMs % DAY_MS) / HOUR_MS;
  const daily = 0.2 + 0.8 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 4)) / 24));
  // Epoch day 0 (1970-01-01) was a Thursday: weekday 4 with Sunday = 0.
  const weekday = (Math.floor(tMs / DAY_MS) + 4) % 7;
  return weekday === 0 || weekday === 6 ? 0.55 * daily : daily;
}

/** One route's traffic at one moment: its rate, status-class shares and latency shape. */
export interface RouteTraffic {
  /** Expected requests per second. */
  rps: number;
  /** Share of requests per status class, indexed like STATUS_CLASSES; they add up to 1. */
  readonly shares: Float64Array;
  /** Median and spread of the lognormal 2xx latency, ms. */
  medianMs: number;
  sigma: number;
}

/** A RouteTraffic to fill with `routeTraffic`. */
export function newRouteTraffic(): RouteTraffic {
  return { rps: 0, shares: new Float64Array(STATUS_CLASSES.length), medianMs: 0, sigma: 0 };
}

function within(incident: DemoIncident, route: number, tMs: number): boolean {
  return incident.route === route && tMs >= incident.start && tMs < incident.end;
}

/** Fills `into` with route `r`'s traffic at `tMs` (incidents included) and returns it. */
export function routeTraffic(scenario: DemoScenario, r: number, tMs: number, into: RouteTraffic): RouteTraffic {
  const route = scenario.routes[r];
  const { errorSurge, timeoutBurst, regression } = scenario.timeline;
  const load = trafficFactor(tMs);
  const regressed = tMs >= regression.start && regression.routes.includes(r);
  into.rps = route.peakRps * load;
  into.medianMs = route.medianMs * (1 + 0.2 * load) * (regressed ? REGRESSION_MEDIAN_FACTOR : 1);
  into.sigma = route.sigma + (regressed ? REGRESSION_EXTRA_SIGMA : 0);
  const shares = into.shares;
  shares.fill(0);
  shares[C3XX] = route.share3xx;
  shares[C4XX] = route.share4xx;
  shares[C5XX] = within(errorSurge, r, tMs) ? SURGE_5XX_SHARE : BASE_5XX_SHARE;
  shares[TIMEOUT_CLASS] = within(timeoutBurst, r, tMs) ? BURST_TIMEOUT_SHARE : 0;
  shares[ABORTED_CLASS] = ABORTED_SHARE;
  let rest = 1;
  for (const c of MINOR_CLASSES) rest -= shares[c];
  shares[C2XX] = Math.max(0, rest);
  return into;
}

/** One request's duration in ms for status class `classIndex` under `traffic`. */
export function drawLatency(traffic: RouteTraffic, classIndex: number, rand: Random): number {
  const { medianMs, sigma } = traffic;
  switch (classIndex) {
    case C3XX:
      return lognormal(rand, medianMs * 0.8, sigma);
    case C4XX:
      return lognormal(rand, medianMs * 0.5, sigma);
    case C5XX:
      return lognormal(rand, medianMs * 1.8, sigma + 0.3);
    case TIMEOUT_CLASS:
      return TIMEOUT_MS + rand() * 250;
    case ABORTED_CLASS:
      return 1 + rand() * medianMs * 6;
    default:
      return lognormal(rand, medianMs, sigma);
  }
}

/** A status class drawn by `traffic`'s shares. */
export function drawClass(traffic: RouteTraffic, rand: Random): number {
  let u = rand();
  for (const c of MINOR_CLASSES) {
    u -= traffic.shares[c];
    if (u < 0) return c;
  }
  return C2XX;
}

/** A batch of windows and how far the back-fill has come, in route-minutes. */
export interface DemoBatch {
  readonly windows: Window[];
  readonly done: number;
  readonly total: number;
}

/**
 * The scenario's windows, minute by minute, in batches of `batchSize` (the last may be
 * smaller). Each (route, minute) draws its request count from a Poisson distribution, splits
 * it into status classes, and records each class's latencies into a sketch, one window per
 * class with requests.
 * @example
 * for (const batch of demoBatches(createDemoScenario({ seed: 42, days: 7, routes: 20, untilMs: Date.now() }))) {
 *   await store.writeWindows('1m', batch.windows);
 * }
 */
export function* demoBatches(scenario: DemoScenario, batchSize = DEMO_BATCH_SIZE): Generator<DemoBatch> {
  const { routes, seed } = scenario;
  const minutes = Math.round((scenario.toMs - scenario.fromMs) / MINUTE_MS);
  const total = minutes * routes.length;
  const descriptors = new Map<string, SeriesDescriptor>();
  const series = (r: number, classIndex: number, release: number): SeriesDescriptor => {
    const id = `${r} ${classIndex} ${release}`;
    let descriptor = descriptors.get(id);
    if (descriptor === undefined) {
      const labels = {
        ...DEMO_LABELS,
        release_sha: releaseSha(release),
        method: routes[r].method,
        route: routes[r].route,
        status_class: STATUS_CLASSES[classIndex],
      };
      descriptor = { key: seriesKey(HTTP_DURATION_METRIC, labels), metric: HTTP_DURATION_METRIC, kind: 'distribution', labels };
      descriptors.set(id, descriptor);
    }
    return descriptor;
  };

  const traffic = newRouteTraffic();
  const counts = new Float64Array(STATUS_CLASSES.length);
  const sketch = new Sketch();
  let windows: Window[] = [];
  for (let m = 0; m < minutes; m++) {
    const start = scenario.fromMs + m * MINUTE_MS;
    const release = releaseIndex(start);
    for (let r = 0; r < routes.length; r++) {
      const rand = mulberry32(hashInts(seed, r, start / MINUTE_MS));
      routeTraffic(scenario, r, start, traffic);
      const n = poisson(rand, traffic.rps * 60);
      let rest = n;
      for (const c of MINOR_CLASSES) {
        counts[c] = Math.min(rest, poisson(rand, n * traffic.shares[c]));
        rest -= counts[c];
      }
      counts[C2XX] = rest;
      for (let c = 0; c < counts.length; c++) {
        if (counts[c] === 0) continue;
        sketch.reset();
        for (let i = 0; i < counts[c]; i++) sketch.record(drawLatency(traffic, c, rand));
        windows.push({ series: series(r, c, release), ...distributionValues(sketch, start) });
        if (windows.length === batchSize) {
          yield { windows, done: m * routes.length + r + 1, total };
          windows = [];
        }
      }
    }
  }
  if (windows.length > 0) yield { windows, done: total, total };
}
