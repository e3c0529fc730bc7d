/**
 * The history-query measurement shared by the SQLite and PostgreSQL benchmarks: over a store
 * holding the week of `week-data.ts`, serves Velocity's API from node:http on loopback and
 * times `GET /api/v1/history` end to end, its server-side parts, a floor (the same body
 * served from memory) and a naive baseline (one SELECT of the same rows + JSON.stringify).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP_DURATION_METRIC } from '../src/collect/http.js';
import { MINUTE_MS } from '../src/model/duration.js';
import type { Store } from '../src/store/store.js';
import { createVelocity } from '../src/velocity.js';
import { fixed, grouped, median, percentile, timeInterleaved } from './measure.js';
import type { BenchSection } from './report.js';
import { BASE_LABELS, DAYS, END, MINUTES, ROUTES, START, weekDataNote } from './week-data.js';

/** The route the history queries ask for. */
export const QUERY_ROUTE = 42;
/** The fine-step query: the most recent 10,000 minutes (limit's maximum) at 1 m. */
export const FINE_MINUTES = 10_000;
const REQUESTS = 30;
const WARMUP = 5;
export const TARGET_MEDIAN_MS = 25;
const CONTRACT_E_MS = 500;

/** What a history benchmark measures on: a store holding the week, and its naive baseline. */
export interface HistoryBenchOptions {
  /** The store's name in titles: `SQLite`, `PostgreSQL`. */
  readonly storeName: string;
  /** The command that runs the benchmark alone. */
  readonly command: string;
  /** A store holding the week, migrated. */
  readonly store: Store;
  /** Windows the week holds (for the data note). */
  readonly written: number;
  /**
   * The naive baseline: the numeric columns of the windows of series `ids` with
   * `fromMs ≤ start < toMs`, selected in one statement and serialised with JSON.stringify.
   */
  readonly naiveJson: (ids: readonly number[], fromMs: number, toMs: number) => string | Promise<string>;
  /** How the baseline selects, for its note: "one prepared SELECT …". */
  readonly naiveDescription: string;
  /** Extra notes, e.g. the database's settings. */
  readonly notes?: readonly string[];
}

/** The section, and the fine query's HTTP median (ms). */
export interface HistoryBenchResult {
  readonly section: BenchSection;
  readonly fineMedianMs: number;
}

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Times the week-long history queries over `options.store`. */
export async function measureHistory(options: HistoryBenchOptions): Promise<HistoryBenchResult> {
  const { store, storeName } = options;
  const velocity = createVelocity({
    store,
    timers: false,
    handleSignals: false,
    clock: () => END,
    ...BASE_LABELS,
    log: () => {},
  });
  await velocity.ready;
  const routeSeries = await store.listSeries(HTTP_DURATION_METRIC, { route: `/route/${QUERY_ROUTE}`, method: 'GET' });
  const knownSeries = (await store.listSeries(HTTP_DURATION_METRIC)).length;
  const ids = routeSeries.map((s) => s.id);
  const classOf = new Map(routeSeries.map((s) => [s.id, s.labels.status_class]));
  const fineStart = END - FINE_MINUTES * MINUTE_MS;
  const naiveJson = () => options.naiveJson(ids, fineStart, END);
  const naive = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await naiveJson();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  };
  // The fine query's response body, captured once, served as is: the floor of transfer + parse.
  let staticBody = Buffer.alloc(0);
  const server = createServer((req, res) => {
    if (req.url === '/static') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(staticBody);
    } else if (req.url === '/naive') void naive(req, res);
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
  const fineColumnsUrl = `${base}/api/v1/history?${new URLSearchParams({ ...fineParams, format: 'columns' })}`;
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
    const body = JSON.parse(text) as { points?: unknown[]; columns?: { ts: unknown[] }; step?: string } | unknown[];
    fetched.set(url, {
      bytes: Buffer.byteLength(text),
      points: Array.isArray(body) ? body.length : (body.points?.length ?? body.columns?.ts.length ?? 0),
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

  try {
    // The fine query's body, captured before timing, is what the floor serves.
    await fetchJson(fineUrl);
    staticBody = Buffer.from((fetched.get(fineUrl) as Fetched).text);

    // End to end, the cases taking turns round by round.
    const http = await timeInterleaved(
      [
        ['fine', () => fetchJson(fineUrl)],
        ['fineColumns', () => fetchJson(fineColumnsUrl)],
        ['static', () => fetchJson(staticUrl)],
        ['naive', () => fetchJson(naiveUrl)],
        ['coarse', () => fetchJson(coarseUrl)],
      ],
      runs,
    );
    const fine = fetched.get(fineUrl) as Fetched;
    const fineColumns = fetched.get(fineColumnsUrl) as Fetched;
    const naiveFetched = fetched.get(naiveUrl) as Fetched;
    const coarse = fetched.get(coarseUrl) as Fetched;

    // Server-side parts, in process, also taking turns.
    let read = await store.readWindows('1m', ids, fineStart, END);
    // The windows that share their minute with another of the route: what the query's second pass reads.
    const windowsAt = new Map<number, number>();
    for (const w of read) windowsAt.set(w.start, (windowsAt.get(w.start) ?? 0) + 1);
    const sharedStarts = [...windowsAt].filter(([, n]) => n > 1).map(([start]) => start);
    const shared = read.filter((w) => (windowsAt.get(w.start) ?? 0) > 1);
    const sharedWindows = { seriesIds: shared.map((w) => w.seriesId), starts: shared.map((w) => w.start) };
    const result = await velocity.history(fineParams);
    const parts = await timeInterleaved(
      [
        ['history', () => velocity.history(fineParams)],
        ['stringify', () => JSON.stringify(result)],
        ['history+stringify', async () => JSON.stringify(await velocity.history(fineParams))],
        [
          'list',
          () => store.listSeries(HTTP_DURATION_METRIC, { route: `/route/${QUERY_ROUTE}`, method: 'GET' }),
        ],
        [
          'read',
          async () => {
            read = await store.readWindows('1m', ids, fineStart, END);
          },
        ],
        ['summaries', () => store.readWindowSummaries('1m', ids, fineStart, END)],
        ['sketches', () => store.readWindows('1m', ids, fineStart, END, { only: sharedWindows })],
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

    const fineLabel = `fine: ${grouped(FINE_MINUTES)} most recent minutes at step 1m, limit 10000`;
    addRow(`HTTP end to end — ${fineLabel}, \`format=columns\` (what the dashboard asks for)`, http.get('fineColumns') as number[], `${grouped(fineColumns.points)} points`, grouped(fineColumns.bytes));
    addRow(`HTTP end to end — ${fineLabel}, default \`format=points\``, http.get('fine') as number[], `${grouped(fine.points)} points`, grouped(fine.bytes));
    addRow('↳ server side: `velocity.history(params)` (parse, series lookup, read, merge, derive)', partTimes('history'), `${grouped(fine.points)} points`);
    addRow('↳ server side: `JSON.stringify` of that result', partTimes('stringify'), '', grouped(fine.bytes));
    addRow('↳ server side: `velocity.history` + `JSON.stringify`', partTimes('history+stringify'), '');
    addRow('↳ part: `store.listSeries(metric, { route, method })`', partTimes('list'), `${grouped(routeSeries.length)} of ${grouped(knownSeries)} series`);
    addRow('↳ part: `store.readWindowSummaries` (first pass: every window, no sketch, one array per field)', partTimes('summaries'), `${grouped(read.length)} windows`);
    addRow(`↳ part: \`store.readWindows\` at the ${grouped(sharedStarts.length)} minutes holding several windows (second pass, with sketches)`, partTimes('sketches'), `${grouped(shared.length)} windows`);
    addRow('for comparison: `store.readWindows` of every window, with sketches, as objects ordered by start', partTimes('read'), `${grouped(read.length)} windows`);
    addRow('floor, HTTP end to end: that same response body, precomputed, from a bare node:http handler', http.get('static') as number[], `${grouped(fine.points)} points`, grouped(staticBody.length));
    addRow('baseline, HTTP end to end: one SELECT of the same rows + `JSON.stringify`, bare node:http', http.get('naive') as number[], `${grouped(naiveFetched.points)} rows`, grouped(naiveFetched.bytes));
    addRow('↳ baseline server side: SELECT + `JSON.stringify`', partTimes('naive'), `${grouped(naiveFetched.points)} rows`);
    addRow(`HTTP end to end — coarse: all ${DAYS} days, no step given (default limit 1440 → step ${coarse.step}; sketch merge path)`, http.get('coarse') as number[], `${grouped(coarse.points)} points`, grouped(coarse.bytes));
    addRow('↳ server side: `velocity.history(params)`', partTimes('coarseHistory'), `${grouped(coarse.points)} points`);

    const fineMedian = median(http.get('fineColumns') as number[]);
    const finePointsMedian = median(http.get('fine') as number[]);
    const floorMedian = median(http.get('static') as number[]);
    const serverMedian = median(partTimes('history+stringify'));
    const section: BenchSection = {
      title: `History query over ${storeName}: ${DAYS} days × ${ROUTES} routes of 1-minute windows`,
      command: options.command,
      rows,
      notes: [
        `Target: the fine query's HTTP median ≤ ${TARGET_MEDIAN_MS} ms — measured ${fixed(fineMedian, 2)} ms with ` +
          `\`format=columns\` (one array per field, ${fixed(fineColumns.bytes / 2 ** 20, 1)} MiB): ` +
          `${fineMedian <= TARGET_MEDIAN_MS ? 'met' : 'NOT MET'}; with the default one-object-per-point layout ` +
          `${fixed(finePointsMedian, 2)} ms (${finePointsMedian <= TARGET_MEDIAN_MS ? 'met' : 'NOT MET'}); contract E's limit of ${CONTRACT_E_MS} ms: ` +
          `${finePointsMedian <= CONTRACT_E_MS ? 'met' : 'NOT MET'}. Where the default layout's time goes: serving the same ` +
          `${fixed(fine.bytes / 2 ** 20, 1)} MiB body from memory (the floor) takes ${fixed(floorMedian, 1)} ms, and ` +
          `building it in process (\`velocity.history\` + \`JSON.stringify\`) ${fixed(serverMedian, 1)} ms. The API writes ` +
          'the columns layout with `jsonBytes` (numbers digit by digit into UTF-8 bytes), the default one with JSON.stringify.',
        `What was measured: \`GET /api/v1/history?route=GET%20/route/${QUERY_ROUTE}&start=…&end=…&step=1m&limit=10000\`. ` +
          `${DAYS} days at 1 m are ${grouped(MINUTES)} points but limit is at most 10,000, so the fine query covers the ` +
          `${grouped(FINE_MINUTES)} most recent minutes (${fineParams.start} → ${fineParams.end}); it read ` +
          `${grouped(read.length)} windows of the route (${classText}), and ${grouped(multiWindowMinutes)} of its minutes ` +
          'hold more than one window, so their points merge decoded sketches; every other point uses the stored p50/p95/p99. ' +
          'The query reads the summaries of the windows first (no sketches, one array per field, in no order), then the ' +
          'sketches of only the windows that share a minute.',
        `The coarse query asks for all ${DAYS} days without step or limit, so the API picks the smallest step that ` +
          `fits the default limit of 1,440 points (${coarse.step}, ${grouped(coarse.points)} points): every point merges ` +
          'several windows by decoding their sketches — the path a week-long dashboard chart takes.',
        `Timing: ${REQUESTS} rounds after ${WARMUP} warm-up rounds; in each round every case of a group (the five ` +
          'HTTP cases; the server-side parts) runs once, in turn, so a slow phase of the machine hits all alike. ' +
          '"End to end" is Node\'s fetch on ' +
          '127.0.0.1 (keep-alive) to a node:http server running `velocity.nodeMiddleware` in the same process, until ' +
          'the body is read and JSON.parse\'d. Server-side rows call the same code in process, timed with performance.now().',
        'The "floor" row serves the fine query\'s own response body from memory: what moving and parsing ' +
          `${fixed(fine.bytes / 2 ** 20, 1)} MiB of JSON costs whatever the query does (fetch, UTF-8 decode, JSON.parse).`,
        `The baseline is the naive implementation of the same read: ${options.naiveDescription} of the numeric columns ` +
          'of the same windows (no series lookup, no gap filling, no derived fields) serialised with JSON.stringify and ' +
          'written by a bare node:http handler on the same server and connection.',
        weekDataNote(options.written),
        ...(options.notes ?? []),
      ],
    };
    return { section, fineMedianMs: fineMedian };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await velocity.close();
  }
}
