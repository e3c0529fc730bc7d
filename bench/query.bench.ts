/**
 * How fast is a history query over a week of data, and what does a week cost on disk?
 * Loads 7 days × 100 routes of one-minute windows into a temporary SQLite file with the
 * store's `writeWindows`, serves the API from node:http on loopback, and times
 * `GET /api/v1/history` end to end, its server-side parts, and a naive SELECT + JSON
 * baseline over the same rows. Run alone with `npm run bench -- query`.
 * @module
 */
import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { HTTP_DURATION_METRIC } from '../src/collect/http.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/model/duration.js';
import { seriesKey, type Labels } from '../src/model/labels.js';
import { Sketch } from '../src/model/sketch.js';
import type { SeriesDescriptor, Window, WindowValues } from '../src/model/window.js';
import { matchSeries } from '../src/query/history.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createVelocity } from '../src/velocity.js';
import { lognormal, mulberry32, type Random } from '../test/support/random.js';
import { tempDir } from '../test/support/tmp.js';
import { fixed, grouped, median, percentile, timeInterleaved } from './measure.js';
import type { BenchSection } from './report.js';

const DAYS = 7;
const ROUTES = 100;
/** The end of the stored data (exclusive) and the clock of the Velocity instance. */
const END = Date.UTC(2026, 10, 20);
const START = END - DAYS * DAY_MS;
const MINUTES = (END - START) / MINUTE_MS;
/** Chance that a route's minute also has a 4xx window, and a 5xx window. */
const P_4XX = 0.03;
const P_5XX = 0.01;
/** Distinct real windows per route to draw from: 2xx, and each error class. */
const POOL_2XX = 48;
const POOL_ERROR = 12;
/** Observations in a 2xx window (uniform in this range), and in an error window. */
const OBS_2XX: readonly [number, number] = [50, 200];
const OBS_ERROR: readonly [number, number] = [1, 20];
const SEED = 0x9e4a;
const QUERY_ROUTE = 42;
/** The fine-step query: the most recent 10,000 minutes (limit's maximum) at 1 m. */
const FINE_MINUTES = 10_000;
const REQUESTS = 30;
const WARMUP = 5;
const TARGET_MEDIAN_MS = 25;
const CONTRACT_E_MS = 500;

const BASE_LABELS = { service: 'bench', instance: 'bench-1', env: 'bench' } as const;

function descriptor(labels: Labels): SeriesDescriptor {
  return { key: seriesKey(HTTP_DURATION_METRIC, labels), metric: HTTP_DURATION_METRIC, kind: 'distribution', labels };
}

function between(rand: Random, [lo, hi]: readonly [number, number]): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** A real window's values: `n` lognormal latencies recorded into a sketch, its quantiles computed from it. */
function realWindow(rand: Random, n: number, medianMs: number, sigma: number): Omit<WindowValues, 'start'> {
  const sketch = new Sketch();
  for (let i = 0; i < n; i++) sketch.record(lognormal(rand, Math.log(medianMs), sigma));
  return {
    count: sketch.count,
    sum: sketch.sum,
    min: sketch.min,
    max: sketch.max,
    last: null,
    p50: sketch.quantile(0.5),
    p95: sketch.quantile(0.95),
    p99: sketch.quantile(0.99),
    sketch: sketch.encode(),
  };
}

/** One route's series (2xx, 4xx, 5xx) and its pools of real windows. */
interface RouteData {
  readonly ok: SeriesDescriptor;
  readonly clientError: SeriesDescriptor;
  readonly serverError: SeriesDescriptor;
  readonly okPool: Array<Omit<WindowValues, 'start'>>;
  readonly clientErrorPool: Array<Omit<WindowValues, 'start'>>;
  readonly serverErrorPool: Array<Omit<WindowValues, 'start'>>;
}

function makeRoutes(rand: Random): RouteData[] {
  return Array.from({ length: ROUTES }, (_, r) => {
    const labels = (statusClass: string): Labels => ({
      ...BASE_LABELS,
      method: 'GET',
      route: `/route/${r}`,
      status_class: statusClass,
    });
    // Routes differ: medians from ~5 to ~150 ms, spreads from 0.4 to 0.9.
    const medianMs = 5 * Math.exp(rand() * Math.log(30));
    const sigma = 0.4 + rand() * 0.5;
    return {
      ok: descriptor(labels('2xx')),
      clientError: descriptor(labels('4xx')),
      serverError: descriptor(labels('5xx')),
      okPool: Array.from({ length: POOL_2XX }, () => realWindow(rand, between(rand, OBS_2XX), medianMs, sigma)),
      clientErrorPool: Array.from({ length: POOL_ERROR }, () =>
        realWindow(rand, between(rand, OBS_ERROR), medianMs / 3, sigma),
      ),
      serverErrorPool: Array.from({ length: POOL_ERROR }, () =>
        realWindow(rand, between(rand, OBS_ERROR), medianMs * 4, sigma + 0.3),
      ),
    };
  });
}

/** The windows of one hour of every route: a 2xx window per minute, error windows now and then. */
function hourOfWindows(rand: Random, routes: readonly RouteData[], hourStart: number, sketchBytes: number[]): Window[] {
  const windows: Window[] = [];
  for (let m = 0; m < 60; m++) {
    const start = hourStart + m * MINUTE_MS;
    for (const route of routes) {
      const ok = route.okPool[Math.floor(rand() * POOL_2XX)];
      windows.push({ series: route.ok, start, ...ok });
      if (rand() < P_4XX) {
        windows.push({ series: route.clientError, start, ...route.clientErrorPool[Math.floor(rand() * POOL_ERROR)] });
      }
      if (rand() < P_5XX) {
        windows.push({ series: route.serverError, start, ...route.serverErrorPool[Math.floor(rand() * POOL_ERROR)] });
      }
    }
  }
  for (const w of windows) sketchBytes[(w.sketch as Uint8Array).length] = (sketchBytes[(w.sketch as Uint8Array).length] ?? 0) + 1;
  return windows;
}

/** The median of a histogram given as value → count. */
function histogramMedian(counts: readonly number[]): number {
  const total = counts.reduce((sum, c) => sum + (c ?? 0), 0);
  let seen = 0;
  for (let value = 0; value < counts.length; value++) {
    seen += counts[value] ?? 0;
    if (seen * 2 >= total) return value;
  }
  return NaN;
}

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Times a week-long history query and measures the database that holds the week. */
export async function queryBench(): Promise<BenchSection[]> {
  const { dir, remove } = tempDir('velocity-bench-');
  const path = join(dir, 'bench.db');
  const db = new Database(path);
  try {
    const store = createSqliteStore({ database: db });
    await store.migrate();

    // --- Load: generate hour by hour, time only writeWindows.
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
      const windows = hourOfWindows(rand, routes, hourStart, sketchBytes);
      const t1 = performance.now();
      await store.writeWindows('1m', windows);
      loadMs += performance.now() - t1;
      generateMs += t1 - t0;
      written += windows.length;
      batches++;
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const freePages = db.pragma('freelist_count', { simple: true }) as number;
    const fileBytes = pageSize * pageCount;
    const onDiskBytes = statSync(path).size;
    const stored = (db.prepare('SELECT count(*) AS n FROM windows_1m').get() as { n: number }).n;
    if (stored !== written) throw new Error(`stored ${stored} windows, wrote ${written}`);
    let perObject: Array<{ name: string; bytes: number; payload: number; unused: number }> = [];
    try {
      perObject = db
        .prepare(
          `SELECT name, sum(pgsize) AS bytes, sum(payload) AS payload, sum(unused) AS unused
           FROM dbstat GROUP BY name ORDER BY bytes DESC`,
        )
        .all() as typeof perObject;
    } catch {
      // dbstat is a compile-time option of SQLite; without it the breakdown is left out.
    }
    const blob = db.prepare('SELECT avg(length(sketch)) AS avg FROM windows_1m').get() as { avg: number };

    // --- Serve: Velocity's API, plus a naive endpoint over the same rows, on loopback.
    const velocity = createVelocity({
      store,
      timers: false,
      handleSignals: false,
      clock: () => END,
      ...BASE_LABELS,
      log: () => {},
    });
    await velocity.ready;
    const routeSeries = matchSeries(await store.listSeries(HTTP_DURATION_METRIC), {
      route: `/route/${QUERY_ROUTE}`,
      method: 'GET',
    });
    const ids = routeSeries.map((s) => s.id);
    const classOf = new Map(routeSeries.map((s) => [s.id, s.labels.status_class]));
    const fineStart = END - FINE_MINUTES * MINUTE_MS;
    const naiveSelect = db.prepare(
      `SELECT t, series_id, count, sum, min, max, p50, p95, p99 FROM windows_1m
       WHERE series_id IN (${ids.map(() => '?').join(', ')}) AND t >= ? AND t < ? ORDER BY t, series_id`,
    );
    const naiveJson = (): string => JSON.stringify(naiveSelect.all(...ids, fineStart / 1000, END / 1000));
    const naive = (_req: IncomingMessage, res: ServerResponse): void => {
      const body = naiveJson();
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(body);
    };
    // The fine query's response body, captured once, served as is: the floor of transfer + parse.
    let staticBody = Buffer.alloc(0);
    const server = createServer((req, res) => {
      if (req.url === '/static') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(staticBody);
      } else if (req.url === '/naive') naive(req, res);
      else velocity.nodeMiddleware(req, res);
    });
    const port = await listen(server);
    const base = `http://127.0.0.1:${port}`;

    const fineParams = {
      route: `GET /route/${QUERY_ROUTE}`,
      start: new Date(fineStart).toISOString(),
      end: new Date(END).toISOString(),
      step: '1m',
      limit: '10000',
    };
    const coarseParams = {
      route: `GET /route/${QUERY_ROUTE}`,
      start: new Date(START).toISOString(),
      end: new Date(END).toISOString(),
    };
    const fineUrl = `${base}/api/v1/history?${new URLSearchParams(fineParams)}`;
    const coarseUrl = `${base}/api/v1/history?${new URLSearchParams(coarseParams)}`;

    /** What one response held: bytes, points (or rows for a bare array), step, and the text. */
    interface Fetched {
      bytes: number;
      points: number;
      step: string;
      text: string;
    }
    const fetched = new Map<string, Fetched>();
    const fetchJson = async (url: string): Promise<void> => {
      const response = await fetch(url);
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${url} → ${response.status}: ${text.slice(0, 200)}`);
      const body = JSON.parse(text) as { points?: unknown[]; step?: string } | unknown[];
      fetched.set(url, {
        bytes: Buffer.byteLength(text),
        points: Array.isArray(body) ? body.length : (body.points?.length ?? 0),
        step: Array.isArray(body) ? '' : (body.step ?? ''),
        text,
      });
    };

    const rows: BenchSection['rows'] = [];
    const addRow = (what: string, times: number[], items: string, bytes = ''): void => {
      rows.push({
        measured: what,
        'median ms': fixed(median(times), 2),
        'p95 ms': fixed(percentile(times, 95), 2),
        'rows / points': items,
        'response bytes': bytes,
      });
    };
    const runs = { samples: REQUESTS, warmup: WARMUP };
    const staticUrl = `${base}/static`;
    const naiveUrl = `${base}/naive`;

    // The fine query's body, captured before timing, is what the floor serves.
    await fetchJson(fineUrl);
    staticBody = Buffer.from((fetched.get(fineUrl) as Fetched).text);

    // End to end, the cases taking turns round by round.
    const http = await timeInterleaved(
      [
        ['fine', () => fetchJson(fineUrl)],
        ['static', () => fetchJson(staticUrl)],
        ['naive', () => fetchJson(naiveUrl)],
        ['coarse', () => fetchJson(coarseUrl)],
      ],
      runs,
    );
    const fine = fetched.get(fineUrl) as Fetched;
    const naiveFetched = fetched.get(naiveUrl) as Fetched;
    const coarse = fetched.get(coarseUrl) as Fetched;

    // Server-side parts, in process, also taking turns.
    let read: Awaited<ReturnType<typeof store.readWindows>> = [];
    let knownSeries = 0;
    const result = await velocity.history(fineParams);
    const parts = await timeInterleaved(
      [
        ['history', () => velocity.history(fineParams)],
        ['stringify', () => JSON.stringify(result)],
        ['history+stringify', async () => JSON.stringify(await velocity.history(fineParams))],
        [
          'list',
          async () => {
            const all = await store.listSeries(HTTP_DURATION_METRIC);
            knownSeries = all.length;
            matchSeries(all, { route: `/route/${QUERY_ROUTE}`, method: 'GET' });
          },
        ],
        [
          'read',
          async () => {
            read = await store.readWindows('1m', ids, fineStart, END);
          },
        ],
        ['readNoSketch', () => store.readWindows('1m', ids, fineStart, END, { withSketch: false })],
        ['naive', naiveJson],
        ['coarseHistory', () => velocity.history(coarseParams)],
      ],
      runs,
    );
    const partTimes = (name: string): number[] => parts.get(name) as number[];

    const perClass = new Map<string, number>();
    for (const w of read) {
      const name = classOf.get(w.seriesId) ?? '?';
      perClass.set(name, (perClass.get(name) ?? 0) + 1);
    }
    const classText = [...perClass].sort().map(([c, n]) => `${grouped(n)} ${c}`).join(' + ');
    const multiWindowMinutes = read.length - new Set(read.map((w) => w.start)).size;

    await new Promise<void>((resolve) => server.close(() => resolve()));
    await velocity.close();

    const fineLabel = `fine: ${grouped(FINE_MINUTES)} most recent minutes at step 1m, limit 10000`;
    addRow(`HTTP end to end — ${fineLabel}`, http.get('fine') as number[], `${grouped(fine.points)} points`, grouped(fine.bytes));
    addRow('↳ server side: `velocity.history(params)` (parse, series lookup, read, merge, derive)', partTimes('history'), `${grouped(fine.points)} points`);
    addRow('↳ server side: `JSON.stringify` of that result', partTimes('stringify'), '', grouped(fine.bytes));
    addRow('↳ server side: `velocity.history` + `JSON.stringify`', partTimes('history+stringify'), '');
    addRow('↳ part: `store.listSeries(metric)` + `matchSeries`', partTimes('list'), `${grouped(knownSeries)} series known`);
    addRow('↳ part: `store.readWindows` (with sketches, as the query reads)', partTimes('read'), `${grouped(read.length)} windows`);
    addRow('↳ part: `store.readWindows` without sketches', partTimes('readNoSketch'), `${grouped(read.length)} windows`);
    addRow('floor, HTTP end to end: that same response body, precomputed, from a bare node:http handler', http.get('static') as number[], `${grouped(fine.points)} points`, grouped(staticBody.length));
    addRow('baseline, HTTP end to end: one SELECT of the same rows + `JSON.stringify`, bare node:http', http.get('naive') as number[], `${grouped(naiveFetched.points)} rows`, grouped(naiveFetched.bytes));
    addRow('↳ baseline server side: SELECT + `JSON.stringify`', partTimes('naive'), `${grouped(naiveFetched.points)} rows`);
    addRow(`HTTP end to end — coarse: all ${DAYS} days, no step given (default limit 1440 → step ${coarse.step}; sketch merge path)`, http.get('coarse') as number[], `${grouped(coarse.points)} points`, grouped(coarse.bytes));
    addRow('↳ server side: `velocity.history(params)`', partTimes('coarseHistory'), `${grouped(coarse.points)} points`);

    const fineMedian = median(http.get('fine') as number[]);
    const querySection: BenchSection = {
      title: `History query over SQLite: ${DAYS} days × ${ROUTES} routes of 1-minute windows`,
      command: 'npm run bench -- query',
      rows,
      notes: [
        `Target: the fine query's HTTP median ≤ ${TARGET_MEDIAN_MS} ms — measured ${fixed(fineMedian, 2)} ms: ` +
          `${fineMedian <= TARGET_MEDIAN_MS ? 'met' : 'NOT MET'}; contract E's limit of ${CONTRACT_E_MS} ms: ` +
          `${fineMedian <= CONTRACT_E_MS ? 'met' : 'NOT MET'}.`,
        `What was measured: \`GET /api/v1/history?route=GET%20/route/${QUERY_ROUTE}&start=…&end=…&step=1m&limit=10000\`. ` +
          `${DAYS} days at 1 m are ${grouped(MINUTES)} points but limit is at most 10,000, so the fine query covers the ` +
          `${grouped(FINE_MINUTES)} most recent minutes (${fineParams.start} → ${fineParams.end}); it read ` +
          `${grouped(read.length)} windows of the route (${classText}), and ${grouped(multiWindowMinutes)} of its minutes ` +
          'hold more than one window, so their points merge decoded sketches; every other point uses the stored p50/p95/p99.',
        `The coarse query asks for all ${DAYS} days without step or limit, so the API picks the smallest step that ` +
          `fits the default limit of 1,440 points (${coarse.step}, ${grouped(coarse.points)} points): every point merges ` +
          'several windows by decoding their sketches — the path a week-long dashboard chart takes.',
        `Timing: ${REQUESTS} rounds after ${WARMUP} warm-up rounds; in each round every case of a group (the four ` +
          'HTTP cases; the server-side parts) runs once, in turn, so a slow phase of the machine hits all alike. ' +
          '"End to end" is Node\'s fetch on ' +
          '127.0.0.1 (keep-alive) to a node:http server running `velocity.nodeMiddleware` in the same process, until ' +
          'the body is read and JSON.parse\'d. Server-side rows call the same code in process, timed with performance.now().',
        'The "floor" row serves the fine query\'s own response body from memory: what moving and parsing ' +
          `${fixed(fine.bytes / 2 ** 20, 1)} MiB of JSON costs whatever the query does (fetch, UTF-8 decode, JSON.parse).`,
      'The baseline is the naive implementation of the same read: one prepared SELECT of the numeric columns of the same windows ' +
          '(no series lookup, no gap filling, no derived fields) serialised with JSON.stringify and written by a ' +
          'bare node:http handler on the same server and connection.',
        `Data: ${grouped(written)} windows (${ROUTES} routes × ${grouped(MINUTES)} minutes of 2xx windows, plus a 4xx window ` +
          `in ${P_4XX * 100} % and a 5xx window in ${P_5XX * 100} % of route-minutes), labels service/instance/env/method/route/status_class ` +
          `as Velocity writes them. Each route draws its windows from ${POOL_2XX} real 2xx and ${POOL_ERROR} real 4xx/5xx windows ` +
          `built from ${OBS_2XX[0]}–${OBS_2XX[1]} (errors ${OBS_ERROR[0]}–${OBS_ERROR[1]}) lognormal latencies (route medians 5–150 ms), ` +
          `so p50/p95/p99 and sketch bytes are those of real sketches; mulberry32 seed ${SEED}.`,
      ],
    };

    const storageRows: BenchSection['rows'] = [
      { measured: 'windows stored', value: grouped(stored) },
      { measured: 'load: `store.writeWindows` time (total)', value: `${fixed(loadMs / 1000, 2)} s` },
      { measured: 'load: windows per second', value: grouped(written / (loadMs / 1000)) },
      { measured: 'load: batches (one hour of every route each)', value: `${batches} × ~${grouped(written / batches)} windows` },
      { measured: 'generation of those windows (not in load time)', value: `${fixed(generateMs / 1000, 2)} s` },
      { measured: 'database size, page_count × page_size after wal_checkpoint(TRUNCATE)', value: `${grouped(fileBytes)} B (${fixed(fileBytes / 2 ** 20, 1)} MiB)` },
      { measured: '**disk bytes per stored distribution window**', value: `**${fixed(fileBytes / stored, 1)} B**` },
      { measured: 'sketch blob, bytes per window (mean / median)', value: `${fixed(blob.avg, 1)} / ${histogramMedian(sketchBytes)} B` },
    ];
    for (const { name, bytes, payload, unused } of perObject) {
      if (bytes < 0.001 * fileBytes) continue;
      storageRows.push({
        measured: `↳ of which \`${name}\` (dbstat: pages / payload / unused)`,
        value:
          `${fixed(bytes / stored, 1)} / ${fixed(payload / stored, 1)} / ${fixed(unused / stored, 1)} B per window ` +
          `(${fixed(bytes / 2 ** 20, 1)} MiB)`,
      });
    }
    const storageSection: BenchSection = {
      title: 'Disk bytes per stored distribution window (SQLite), and load time',
      command: 'npm run bench -- query',
      rows: storageRows,
      notes: [
        'The database of the query benchmark above, measured after loading: windows_1m is a WITHOUT ROWID table keyed ' +
          `by (series_id, t) with an index on t; free pages: ${freePages}; the file on disk is ${grouped(onDiskBytes)} B.`,
        'Bytes per window = page_count × page_size / windows stored, so it includes the primary key, the t index, ' +
          'the series table and page slack; the dbstat rows split it by table and index (objects under 0.1 % of the ' +
          'file left out): "payload" is the bytes of the rows themselves (key, columns, sketch), "unused" the free ' +
          'space left in their pages, the rest is page and cell headers.',
        'Load time is the sum of the `writeWindows` calls only (each one transaction of one hour of every route), ' +
          'on a fresh file in WAL mode with synchronous = NORMAL, as the store configures it.',
      ],
    };
    return [querySection, storageSection];
  } finally {
    db.close();
    remove();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await queryBench(), null, 2));
}
