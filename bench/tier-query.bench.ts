/**
 * How fast are long-range history queries served from the rolled tiers? Loads 100 routes'
 * hourly windows for 31 days and daily windows for 366 days (each window the exact merge of
 * real one-minute windows) into SQLite and into PostgreSQL, marks them rolled, and times in
 * process the 30-day dashboard query (every route, hourly points) and a year of one route at
 * daily step. Run alone with `npm run bench -- tier-query`.
 * @module
 */
import { join } from 'node:path';
import pg from 'pg';
import { pathToFileURL } from 'node:url';
import { DAY_MS, HOUR_MS } from '../src/model/duration.js';
import { mergeWindows } from '../src/model/merge-windows.js';
import { rollupSeries } from '../src/model/rollup.js';
import type { SeriesDescriptor, Window } from '../src/model/window.js';
import { routeTotals } from '../src/pipeline/route-totals.js';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { historyJson } from '../src/http/json-response.js';
import { createVelocity } from '../src/velocity.js';
import { mulberry32, type Random } from '../test/support/random.js';
import { tempDir } from '../test/support/tmp.js';
import { fixed, grouped, median, percentile, timeInterleaved } from './measure.js';
import { createBenchDatabase, skippedSection } from './pg.js';
import type { BenchSection } from './report.js';
import { BASE_LABELS, P_4XX, P_5XX, ROUTES, makeRoutes, pick, type RouteData, type WindowBody } from './week-data.js';

const COMMAND = 'npm run bench -- tier-query';
const SEED = 0x71e5;
/** The end of the loaded data and the clock of the queries: a UTC midnight. */
const END = Date.UTC(2026, 10, 20);
const HOURLY_DAYS = 31;
const DAILY_DAYS = 366;
/** Merged windows per route and class to draw hours and days from. */
const POOL = 6;
const SAMPLES = 9;
const WARMUP = 2;
const DASHBOARD_TARGET_MS = 100;
const YEAR_TARGET_MS = 20;
const QUERY_ROUTE = 42;

/** One route's rolled series and pools of hour and day windows. */
interface RolledRoute {
  readonly series: readonly [ok: SeriesDescriptor, clientError: SeriesDescriptor, serverError: SeriesDescriptor];
  /** Per class: hour windows, then day windows. */
  readonly hours: readonly WindowBody[][];
  readonly days: readonly WindowBody[][];
}

/** The chance that a class has at least one minute window in `minutes` minutes. */
function chanceIn(minutes: number, perMinute: number): number {
  return 1 - (1 - perMinute) ** minutes;
}

/** A window merged from `n` windows drawn from `pool`. */
function merged(rand: Random, pool: readonly WindowBody[], n: number): WindowBody {
  const parts = Array.from({ length: Math.max(1, n) }, () => ({ start: 0, ...pick(rand, pool) }));
  const { start: _start, ...values } = mergeWindows('distribution', parts, 0);
  return values;
}

function rolledRoute(rand: Random, route: RouteData): RolledRoute {
  const rolled = (s: SeriesDescriptor) => rollupSeries(s.metric, s.kind, s.labels);
  const pools = [route.okPool, route.clientErrorPool, route.serverErrorPool];
  const perHour = [60, Math.ceil(60 * P_4XX), Math.ceil(60 * P_5XX)];
  const hours = pools.map((pool, c) => Array.from({ length: POOL }, () => merged(rand, pool, perHour[c])));
  const days = hours.map((pool, c) =>
    Array.from({ length: POOL }, () => merged(rand, pool, c === 0 ? 24 : Math.ceil(24 * chanceIn(60, [1, P_4XX, P_5XX][c])))),
  );
  return { series: [rolled(route.ok), rolled(route.clientError), rolled(route.serverError)], hours, days };
}

/**
 * The windows of one bucket of every route: 2xx always, error classes as often as a
 * minute-level mix would have them; then each route's totals, as the roll-up writes them.
 */
function bucketWindows(rand: Random, routes: readonly RolledRoute[], start: number, tier: 'hours' | 'days'): Window[] {
  const minutes = tier === 'hours' ? 60 : 1440;
  const chances = [1, chanceIn(minutes, P_4XX), chanceIn(minutes, P_5XX)];
  const windows: Window[] = [];
  for (const route of routes) {
    for (let c = 0; c < 3; c++) {
      if (rand() < chances[c]) windows.push({ series: route.series[c], start, ...pick(rand, route[tier][c]) });
    }
  }
  return [...windows, ...routeTotals(windows, start)];
}

/** Writes the hours and days, then marks both tiers rolled up to END. Returns the windows written per tier. */
async function load(store: Store, routes: readonly RolledRoute[]): Promise<{ hours: number; days: number }> {
  const rand = mulberry32(SEED + 1);
  let hours = 0;
  for (let day = END - HOURLY_DAYS * DAY_MS; day < END; day += DAY_MS) {
    const windows: Window[] = [];
    for (let h = day; h < day + DAY_MS; h += HOUR_MS) windows.push(...bucketWindows(rand, routes, h, 'hours'));
    await store.writeWindows('1h', windows);
    hours += windows.length;
  }
  let days = 0;
  for (let from = END - DAILY_DAYS * DAY_MS; from < END; from += 30 * DAY_MS) {
    const windows: Window[] = [];
    for (let d = from; d < Math.min(END, from + 30 * DAY_MS); d += DAY_MS) windows.push(...bucketWindows(rand, routes, d, 'days'));
    await store.writeWindows('1d', windows);
    days += windows.length;
  }
  for (const tier of ['1h', '1d'] as const) {
    await store.claimRollup(tier, END);
    await store.advanceWatermark(tier, END);
  }
  return { hours, days };
}

/**
 * Vacuums the rolled tiers of the database at `url`, as autovacuum does to windows written
 * once: it marks their pages all-visible, which index-only scans of the summaries need.
 */
async function vacuumRolledTiers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE) velocity_windows_1h, velocity_windows_1d');
  } finally {
    await client.end();
  }
}

/** Times the two queries over a loaded `store`: its rows and notes (`extraNotes` after them). */
async function measure(
  storeName: string,
  store: Store,
  loaded: { hours: number; days: number },
  extraNotes: readonly string[] = [],
): Promise<BenchSection> {
  const velocity = createVelocity({ store, timers: false, handleSignals: false, clock: () => END, ...BASE_LABELS, log: () => {} });
  await velocity.ready;
  const month = { start: new Date(END - 30 * DAY_MS).toISOString(), end: new Date(END).toISOString(), step: '1h' };
  // In the order they run in each round: the cases that leave the most garbage (the default
  // layout's 20 MB of JSON text, the merge of 72,000 sketches) last, so that their collections
  // fall on the year query (far from its target) rather than on the dashboard's.
  const queries = {
    year: { route: `GET /route/${QUERY_ROUTE}`, start: new Date(END - 365 * DAY_MS).toISOString(), end: new Date(END).toISOString(), step: '1d' },
    dashboardColumns: { ...month, group_by: 'route', format: 'columns' },
    dashboard: { ...month, group_by: 'route' },
    allRoutes: month,
  };
  try {
    const shapes = new Map<string, { tier: string; series: number; points: number; bytes: number }>();
    for (const [name, params] of Object.entries(queries)) {
      const result = await velocity.history(params);
      const groups = result.groups ?? [{ points: result.points, columns: result.columns }];
      const points = groups.reduce((n, g) => n + (g.points?.length ?? g.columns?.ts.length ?? 0), 0);
      shapes.set(name, { tier: result.tier, series: groups.length, points, bytes: Buffer.byteLength(JSON.stringify(result)) });
    }
    const times = await timeInterleaved(
      Object.entries(queries).flatMap(([name, params]) => [
        [name, () => velocity.history(params)] as const,
        [`${name}+json`, async () => historyJson(await velocity.history(params))] as const,
      ]),
      { samples: SAMPLES, warmup: WARMUP },
    );
    const row = (what: string, name: string) => {
      const shape = shapes.get(name) as { tier: string; series: number; points: number; bytes: number };
      const ms = times.get(name) as number[];
      const withJson = times.get(`${name}+json`) as number[];
      return {
        query: what,
        tier: shape.tier,
        'series × points': `${grouped(shape.series)} × ${grouped(shape.points / shape.series)}`,
        'history() median ms': fixed(median(ms), 1),
        'p95 ms': fixed(percentile(ms, 95), 1),
        '+ serialising as the API does, median ms': fixed(median(withJson), 1),
        'JSON bytes': grouped(shape.bytes),
      };
    };
    const bytesOf = (name: string) => (shapes.get(name) as { bytes: number }).bytes;
    const dashboard = median(times.get('dashboardColumns+json') as number[]);
    const dashboardPoints = median(times.get('dashboard+json') as number[]);
    const year = median(times.get('year+json') as number[]);
    return {
      title: `Long-range history from the rolled tiers (${storeName}): 30 days hourly, a year daily`,
      command: COMMAND,
      rows: [
        row(`**30-day dashboard: all ${ROUTES} routes, hourly points, \`group_by=route&format=columns\`**`, 'dashboardColumns'),
        row('the same, one object per point (`format=points`, the default)', 'dashboard'),
        row(`30 days hourly, the ${ROUTES} routes merged into one series`, 'allRoutes'),
        row(`one route (\`GET /route/${QUERY_ROUTE}\`), 365 days at \`step=1d\``, 'year'),
      ],
      notes: [
        `Targets (server side: \`velocity.history\` and the response body serialised as the API does it, \`historyJson\`): ` +
          `the 30-day dashboard ≤ ${DASHBOARD_TARGET_MS} ms — measured ${fixed(dashboard, 1)} ms with \`format=columns\`, the ` +
          `layout a chart reads (one array per field; the API writes it digit by digit with \`jsonBytes\`): ` +
          `${dashboard <= DASHBOARD_TARGET_MS ? 'met' : 'NOT MET'}; with one object per point (${fixed(dashboardPoints, 1)} ms, ` +
          `${dashboardPoints <= DASHBOARD_TARGET_MS ? 'also met' : 'not met'}) the body is ${fixed(bytesOf('dashboard') / bytesOf('dashboardColumns'), 1)} times the bytes; ` +
          `a year at daily step ≤ ` +
          `${YEAR_TARGET_MS} ms — measured ${fixed(year, 1)} ms: ${year <= YEAR_TARGET_MS ? 'met' : 'NOT MET'}.`,
        `Data: ${grouped(loaded.hours)} hourly windows (${ROUTES} routes × ${HOURLY_DAYS} days; 2xx every hour, 4xx and 5xx ` +
          'in as many hours as a 3 % / 1 % chance per minute gives) and ' +
          `${grouped(loaded.days)} daily windows (${DAILY_DAYS} days), series without \`instance\` as the roll-up writes them, ` +
          'route totals included (one window per route and bucket merging its status classes, with its requests per class); ' +
          'each window is the exact merge (`mergeWindows`) of real one-minute windows of the query benchmark\'s routes ' +
          `(hours of 60, days of 24 hours), drawn from pools of ${POOL}; mulberry32 seed ${SEED}. Both tiers are marked rolled ` +
          'up to the end, so nothing is read from the 1-minute tier.',
        `Timing: ${SAMPLES} rounds after ${WARMUP} warm-up rounds, every case once per round in turn, in process ` +
          '(`velocity.history(params)` as the API handler calls it: parse, series lookup, read, merge, derive), with and ' +
          'without serialising the result. Each round runs the year first and the cases that leave the most garbage ' +
          '(the default layout\'s 20 MB of JSON text, the merge of 72,000 sketches) last, so that the collections of their ' +
          'garbage fall on the year query rather than on the dashboard.',
        ...extraNotes,
      ],
    };
  } finally {
    await velocity.close();
  }
}

/** Loads the benchmark's data into `store` (for profiling outside the benchmark). */
export async function loadForProfile(store: Store): Promise<void> {
  const routes = makeRoutes(mulberry32(SEED)).map((route, i) => rolledRoute(mulberry32(SEED + 100 + i), route));
  await load(store, routes);
}

/** Measures the long-range queries on SQLite and on PostgreSQL (when it is reachable). */
export async function tierQueryBench(): Promise<BenchSection[]> {
  const routes = makeRoutes(mulberry32(SEED)).map((route, i) => rolledRoute(mulberry32(SEED + 100 + i), route));
  const sections: BenchSection[] = [];
  const { dir, remove } = tempDir('velocity-bench-');
  try {
    const store = createSqliteStore({ path: join(dir, 'tiers.db') });
    await store.migrate();
    sections.push(await measure('SQLite', store, await load(store, routes)));
  } finally {
    remove();
  }
  const title = 'Long-range history from the rolled tiers (PostgreSQL): 30 days hourly, a year daily';
  const db = await createBenchDatabase('tier_query');
  if ('unavailable' in db) {
    sections.push(skippedSection(title, COMMAND, db.unavailable));
    return sections;
  }
  try {
    const store = createPostgresStore({ url: db.url });
    await store.migrate();
    const loaded = await load(store, routes);
    await vacuumRolledTiers(db.url);
    const vacuumed =
      'After loading, `VACUUM (ANALYZE)` of the two rolled tables, as autovacuum does to rows inserted once ' +
      '(PostgreSQL 13 and later vacuum insert-only tables): their pages are all-visible, so the summaries come from an ' +
      'index-only scan of the covering index. Rolled windows newer than the last vacuum are read from the table instead.';
    sections.push(await measure('PostgreSQL', store, loaded, [vacuumed]));
  } finally {
    await db.drop();
  }
  return sections;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await tierQueryBench(), null, 2));
}
