/**
 * What does the roll-up cost, and what does it keep? First: rolling one hour of 1,000
 * series' one-minute windows (real sketches) into the hour tier with the roll-up job
 * (`runRollup`), on SQLite and on PostgreSQL, median of several rounds, each on a fresh
 * hour; with the hour's read, merge and write timed apart. Second: the p99 over 30 days of
 * one route read from the 1h tier (its 720 hourly sketches merged) against the exact p99 of
 * every raw observation, beside what averaging per-window p99s gives. Run alone with
 * `npm run bench -- rollup`.
 * @module
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/model/duration.js';
import { mergeWindows } from '../src/model/merge-windows.js';
import { rollupSeries } from '../src/model/rollup.js';
import { Sketch, exactQuantile } from '../src/model/sketch.js';
import { distributionValues, type StoredWindow, type Window } from '../src/model/window.js';
import { ROLLUP_GRACE_MS, runRollup, type RollupSettings } from '../src/pipeline/rollup.js';
import { ROUTE_TOTALS_METRIC, routeTotals } from '../src/pipeline/route-totals.js';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { lognormal, mulberry32, type Random } from '../test/support/random.js';
import { tempDir } from '../test/support/tmp.js';
import { fixed, grouped, median, percentile } from './measure.js';
import { createBenchDatabase, skippedSection } from './pg.js';
import type { BenchSection } from './report.js';
import { descriptor, histogramMedian, makeRoutes, pick } from './week-data.js';

const COMMAND = 'npm run bench -- rollup';
const SETTINGS: RollupSettings = { retention1mMs: 14 * DAY_MS, retention1hMs: 90 * DAY_MS };

const SERIES = 1_000;
const POOL_PER_SERIES = 8;
const ROUNDS = 7;
const WARMUP_ROUNDS = 1;
const TARGET_MS = 1_000;
const SEED = 0x2011;
/** The first hour rolled; every round's hour falls within this UTC day, so no day is rolled meanwhile. */
const DAY = Date.UTC(2026, 10, 18);
const SPEED_TITLE = 'Rolling one hour of 1,000 series into the 1h tier';

const ACCURACY_DAYS = 30;
const ACCURACY_SEED = 0xacc;
const ACCURACY_TITLE = 'Accuracy of p99 over 30 days from the 1h tier';

/** One round's times, ms: the job, and the hour's read, merge and write done apart. */
interface RoundTimes {
  readonly job: number;
  readonly read: number;
  readonly merge: number;
  readonly write: number;
}

/** What one store's rounds measured. */
interface StoreRun {
  readonly rounds: RoundTimes[];
  readonly windowsRead: number;
  readonly windowsWritten: number;
  readonly sketchBytes: number[];
}

/** Loads the rounds' hours into `store`, then rolls them one at a time, timing each. */
async function rollRounds(store: Store): Promise<StoreRun> {
  const rand = mulberry32(SEED);
  const routes = makeRoutes(rand, SERIES, POOL_PER_SERIES);
  const sketchBytes: number[] = [];
  for (let h = 0; h < WARMUP_ROUNDS + ROUNDS; h++) {
    for (let m = 0; m < 60; m += 10) {
      const windows: Window[] = [];
      for (let k = m; k < m + 10; k++) {
        for (const route of routes) windows.push({ series: route.ok, start: DAY + h * HOUR_MS + k * MINUTE_MS, ...pick(rand, route.okPool) });
      }
      for (const w of windows) {
        const n = (w.sketch as Uint8Array).length;
        sketchBytes[n] = (sketchBytes[n] ?? 0) + 1;
      }
      await store.writeWindows('1m', windows);
    }
  }
  const ids = (await store.listSeries()).map((s) => s.id);
  const rounds: RoundTimes[] = [];
  let windowsRead = 0;
  let windowsWritten = 0;
  for (let h = 0; h < WARMUP_ROUNDS + ROUNDS; h++) {
    const hour = DAY + h * HOUR_MS;
    let started = performance.now();
    const [hours] = await runRollup(store, hour + HOUR_MS + ROLLUP_GRACE_MS, SETTINGS);
    const job = performance.now() - started;
    // Each series is a route of its own: its hour, and the route's totals.
    if (hours.buckets !== 1 || hours.windows !== 2 * SERIES || hours.watermark !== hour + HOUR_MS) {
      throw new Error(`round ${h}: rolled ${hours.buckets} buckets into ${hours.windows} windows, watermark ${hours.watermark}`);
    }
    // The same work done apart: one read, the merges, one write (of the same rows again).
    started = performance.now();
    const read = await store.readWindows('1m', ids, hour, hour + HOUR_MS);
    const readMs = performance.now() - started;
    started = performance.now();
    const merged = mergeBySeries(read, routes.map((r) => r.ok), ids, hour);
    const rolled = [...merged, ...routeTotals(merged, hour)];
    const mergeMs = performance.now() - started;
    started = performance.now();
    await store.writeWindows('1h', rolled);
    const writeMs = performance.now() - started;
    if (h >= WARMUP_ROUNDS) {
      rounds.push({ job, read: readMs, merge: mergeMs, write: writeMs });
      windowsRead = read.length;
      windowsWritten = rolled.length;
    }
  }
  return { rounds, windowsRead, windowsWritten, sketchBytes };
}

/** The hour's windows merged per rolled series (what the job computes), as windows to write. */
function mergeBySeries(read: readonly StoredWindow[], series: readonly Window['series'][], ids: readonly number[], hour: number): Window[] {
  const byId = new Map<number, StoredWindow[]>();
  for (const w of read) {
    const list = byId.get(w.seriesId);
    if (list === undefined) byId.set(w.seriesId, [w]);
    else list.push(w);
  }
  return ids.map((id, i) => {
    const s = series[i];
    return { series: rollupSeries(s.metric, s.kind, s.labels), ...mergeWindows(s.kind, byId.get(id) ?? [], hour) };
  });
}

/** The table rows of one store's run. */
function speedRows(store: string, run: StoreRun): BenchSection['rows'] {
  const row = (what: string, ms: readonly number[], target: string) => ({
    store,
    measured: what,
    'ms (median)': fixed(median(ms), 1),
    'ms (min)': fixed(Math.min(...ms), 1),
    'ms (p90)': fixed(percentile(ms, 90), 1),
    target,
  });
  const job = run.rounds.map((r) => r.job);
  const met = median(job) <= TARGET_MS ? 'met' : 'NOT MET';
  return [
    row(`**the roll-up job: one hour, ${grouped(run.windowsRead)} windows → ${grouped(run.windowsWritten)}**`, job, `≤ ${grouped(TARGET_MS)} ms: ${met}`),
    row('↳ apart: `readWindows` of the hour, with sketches', run.rounds.map((r) => r.read), ''),
    row('↳ apart: merging per series (sketches decoded into one, p50/p95/p99, encoded)', run.rounds.map((r) => r.merge), ''),
    row('↳ apart: `writeWindows(\'1h\', …)` of the merged windows', run.rounds.map((r) => r.write), ''),
  ];
}

/** Times the roll-up of one hour on SQLite (a temporary file) and PostgreSQL (a fresh database). */
async function speedSection(): Promise<BenchSection> {
  const rows: BenchSection['rows'] = [];
  const notes: string[] = [];
  const { dir, remove } = tempDir('velocity-bench-rollup-');
  let sketchBytes: number[] = [];
  try {
    const sqlite = createSqliteStore({ path: join(dir, 'rollup.db') });
    try {
      await sqlite.migrate();
      const run = await rollRounds(sqlite);
      sketchBytes = run.sketchBytes;
      rows.push(...speedRows('SQLite', run));
    } finally {
      await sqlite.close();
    }
  } finally {
    remove();
  }
  const db = await createBenchDatabase('rollup');
  if ('unavailable' in db) {
    notes.push(skippedSection(SPEED_TITLE, COMMAND, db.unavailable).notes[0]);
  } else {
    const pg = createPostgresStore({ url: db.url });
    try {
      await pg.migrate();
      rows.push(...speedRows('PostgreSQL', await rollRounds(pg)));
      notes.push(`PostgreSQL: ${db.server}; a fresh database, dropped afterwards.`);
    } finally {
      await pg.close();
      await db.drop();
    }
  }
  return {
    title: SPEED_TITLE,
    command: COMMAND,
    rows,
    notes: [
      `Target: the roll-up job rolls one hour of ${grouped(SERIES)} series (${grouped(SERIES * 60)} one-minute windows) ` +
        `into the hour tier in ≤ ${grouped(TARGET_MS)} ms on each store.`,
      `Data: ${grouped(SERIES)} series (\`GET /route/<n>\`, status class 2xx, one instance), one window per minute each, ` +
        `a real sketch of 50–200 lognormal latencies (median ${histogramMedian(sketchBytes)} B encoded) drawn from ` +
        `${POOL_PER_SERIES} per series; mulberry32 seed ${SEED}. Each round rolls a fresh hour of the same day.`,
      `Timing: ${ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up round, wall time of \`runRollup(store, hourEnd + 2 min)\`: ` +
        'claiming the hour, listing the series, reading the hour\'s windows in chunks of 500 series, merging each series\' ' +
        '60 sketches into one (and its p50/p95/p99), writing the 1,000 hourly windows with the route totals (each series ' +
        'being a route of its own, 1,000 more windows: its one status class merged, with its request count per class), ' +
        'moving the watermark; and the 1d ' +
        'tier\'s check that no day is complete yet.',
      'The "apart" rows repeat the hour\'s read (one call for all 1,000 series), merge (route totals included) and write outside the job, after ' +
        'it, to show where its time goes; the write replaces the rows the job wrote.',
      ...notes,
    ],
  };
}

/** 30 days of one route's minutes: their windows, and every raw latency in one array. */
function monthOfMinutes(rand: Random): { windows: Window[]; raw: Float64Array } {
  const series = descriptor({ service: 'bench', instance: 'bench-1', env: 'bench', method: 'GET', route: '/api/jobs', status_class: '2xx' });
  const start = DAY - ACCURACY_DAYS * DAY_MS;
  const windows: Window[] = [];
  let raw = new Float64Array(1 << 22);
  let n = 0;
  const sketch = new Sketch();
  for (let t = start; t < DAY; t += MINUTE_MS) {
    // A daily cycle: more requests and slower ones at the busy hours, and now and then a slow minute.
    const busy = 0.5 + 0.5 * Math.sin(((t % DAY_MS) / DAY_MS) * 2 * Math.PI);
    const requests = Math.round(20 + 180 * busy * rand());
    const medianMs = 15 + 45 * busy + (rand() < 0.01 ? 400 : 0);
    sketch.reset();
    for (let i = 0; i < requests; i++) {
      const ms = lognormal(rand, Math.log(medianMs), 0.6);
      sketch.record(ms);
      if (n === raw.length) {
        const grown = new Float64Array(raw.length * 2);
        grown.set(raw);
        raw = grown;
      }
      raw[n++] = ms;
    }
    if (requests > 0) windows.push({ series, ...distributionValues(sketch, t) });
  }
  return { windows, raw: raw.subarray(0, n).sort() };
}

/** p99 over 30 days: from the rolled tiers, exactly, and by averaging per-window p99s. */
async function accuracySection(): Promise<BenchSection> {
  const { dir, remove } = tempDir('velocity-bench-accuracy-');
  const store = createSqliteStore({ path: join(dir, 'accuracy.db') });
  try {
    await store.migrate();
    const { windows, raw } = monthOfMinutes(mulberry32(ACCURACY_SEED));
    for (let i = 0; i < windows.length; i += 10_000) await store.writeWindows('1m', windows.slice(i, i + 10_000));
    const started = performance.now();
    const [hours, days] = await runRollup(store, DAY + ROLLUP_GRACE_MS, SETTINGS);
    const rollupMs = performance.now() - started;
    // The route's own series (its route totals hold the same requests again).
    const ids = (await store.listSeries()).filter((s) => s.metric !== ROUTE_TOTALS_METRIC).map((s) => s.id);
    const read = async (tier: '1h' | '1d') => store.readWindows(tier, ids, DAY - ACCURACY_DAYS * DAY_MS, DAY);
    const hourly = await read('1h');
    const daily = await read('1d');
    if (hourly.length !== ACCURACY_DAYS * 24 || daily.length !== ACCURACY_DAYS) {
      throw new Error(`rolled ${hourly.length} hours and ${daily.length} days`);
    }
    const merged = (tier: readonly StoredWindow[]) => {
      const sketch = new Sketch();
      for (const w of tier) sketch.mergeEncoded(w.sketch as Uint8Array, w);
      return sketch.quantile(0.99) as number;
    };
    const exact = exactQuantile(raw, 0.99);
    const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const minuteP99s = windows.map((w) => w.p99 as number);
    const weighted = windows.reduce((sum, w) => sum + (w.p99 as number) * w.count, 0) / windows.reduce((sum, w) => sum + w.count, 0);
    const row = (how: string, p99: number, target: string) => ({
      'p99 over 30 days from': how,
      'p99, ms': fixed(p99, 2),
      'error vs exact': `${fixed((100 * (p99 - exact)) / exact, 2)} %`,
      target,
    });
    const fromHours = merged(hourly);
    const withinTarget = Math.abs(fromHours - exact) / exact <= 0.01 ? 'met' : 'NOT MET';
    return {
      title: ACCURACY_TITLE,
      command: COMMAND,
      rows: [
        row(`exact: every raw observation (${grouped(raw.length)}), sorted`, exact, ''),
        row(`**Velocity: the 1h tier, ${grouped(hourly.length)} hourly sketches merged**`, fromHours, `within 1 %: ${withinTarget}`),
        row(`Velocity: the 1d tier, ${grouped(daily.length)} daily sketches merged`, merged(daily), 'within 1 %'),
        row(`averaging the ${grouped(minuteP99s.length)} per-minute p99s`, mean(minuteP99s), ''),
        row('averaging the per-minute p99s weighted by their counts', weighted, ''),
        row(`averaging the ${grouped(hourly.length)} per-hour p99s`, mean(hourly.map((w) => w.p99 as number)), ''),
      ],
      notes: [
        'Target: the p99 over 30 days read from the 1h tier within 1 % of the exact p99 of the raw observations. Merging ' +
          'sketches adds bucket counts, so the merged sketch is the sketch of every observation and its p99 is within the ' +
          'sketch\'s 0.54 % of the exact value of the same rank; the 1d tier, merged from the 1h one, gives the same number.',
        `Data: one route, ${ACCURACY_DAYS} days of one-minute windows (${grouped(windows.length)}), 20–200 requests a minute ` +
          'following a daily cycle, lognormal latencies (sigma 0.6) whose median follows the same cycle from 15 to 60 ms, ' +
          `and one minute in a hundred slow (median + 400 ms); mulberry32 seed ${ACCURACY_SEED}. Written to a SQLite file, ` +
          `then rolled up by one \`runRollup\` (${hours.buckets} hours and ${days.buckets} days in ${fixed(rollupMs, 0)} ms).`,
        'Exact: the rank floor(0.99 × (n − 1)) of every latency recorded, sorted; the sketches use the same rank. Averaging ' +
          'per-window p99s is what the earlier designs stored and what SQL over the p99 column can do: it is not a p99 of ' +
          'anything, and it drifts with how traffic and latency vary within the range.',
      ],
    };
  } finally {
    await store.close();
    remove();
  }
}

/** Measures the roll-up's speed and the accuracy of what it keeps. */
export async function rollupBench(): Promise<BenchSection[]> {
  return [await speedSection(), await accuracySection()];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await rollupBench(), null, 2));
}
