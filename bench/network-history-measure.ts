/**
 * The measurement of contract E's `GET /metrics/history` over a store holding the network
 * week of `network-week.ts`: serves Velocity's API from node:http on loopback, times the
 * week-long query (limit 10,080) end to end and its server-side parts, and times
 * `GET /metrics/live` requests sent while a history request is in flight.
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SECOND_MS } from '../src/model/duration.js';
import type { Store } from '../src/store/store.js';
import { createVelocity } from '../src/velocity.js';
import { fixed, grouped, median, percentile, timeInterleaved } from './measure.js';
import { NETWORK_DAYS, NETWORK_END, NETWORK_LABELS, NETWORK_START, networkWeekNote, type NetworkWeekLoad } from './network-week.js';
import type { BenchSection } from './report.js';

/** Contract E: 10,080 windows come back in under this many ms. */
export const CONTRACT_E_LIMIT_MS = 500;
const WINDOWS = NETWORK_DAYS * 1440;
const REQUESTS = 20;
const WARMUP = 3;
/** History requests during which `/metrics/live` is polled. */
const LIVE_ROUNDS = 10;

/** What the measurement runs on: a store holding the network week. */
export interface NetworkHistoryOptions {
  /** The store's name in titles: `SQLite`, `PostgreSQL`. */
  readonly storeName: string;
  readonly store: Store;
  readonly load: NetworkWeekLoad;
  /** The command that runs the benchmark. */
  readonly command: string;
  /** Extra notes, e.g. the database server. */
  readonly notes?: readonly string[];
}

/** Wall time of `run`, ms. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Times the week-long network history over `options.store`. */
export async function measureNetworkHistory(options: NetworkHistoryOptions): Promise<BenchSection> {
  const velocity = createVelocity({
    store: options.store,
    timers: false,
    handleSignals: false,
    clock: () => NETWORK_END,
    ...NETWORK_LABELS,
    log: () => {},
  });
  await velocity.ready;
  const server = createServer((req, res) => velocity.nodeMiddleware(req, res));
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const params = { start: String(NETWORK_START / SECOND_MS), end: String(NETWORK_END / SECOND_MS), limit: String(WINDOWS) };
  const historyUrl = `http://127.0.0.1:${port}/metrics/history?${new URLSearchParams(params)}`;
  const liveUrl = `http://127.0.0.1:${port}/metrics/live`;
  let bytes = 0;
  const fetchHistory = async (): Promise<void> => {
    const response = await fetch(historyUrl);
    const text = await response.text();
    const body = JSON.parse(text) as { windows: unknown[] };
    if (response.status !== 200 || body.windows.length !== WINDOWS) {
      throw new Error(`${historyUrl} → ${response.status}, ${body.windows?.length} windows, expected ${WINDOWS}`);
    }
    bytes = Buffer.byteLength(text);
  };
  const fetchLive = async (): Promise<void> => {
    const response = await fetch(liveUrl);
    await response.json();
    if (response.status !== 200) throw new Error(`${liveUrl} → ${response.status}`);
  };
  try {
    const runs = { samples: REQUESTS, warmup: WARMUP };
    const http = await timeInterleaved([['history', fetchHistory]], runs);
    const result = await velocity.networkHistory(params);
    const parts = await timeInterleaved(
      [
        ['query', () => velocity.networkHistory(params)],
        ['stringify', () => JSON.stringify(result)],
      ],
      runs,
    );
    const idleLive = await timeInterleaved([['live', fetchLive]], runs);
    const liveDuring: number[] = [];
    for (let round = 0; round < LIVE_ROUNDS; round++) {
      let done = false;
      // The body is read but not parsed: JSON.parse of it here would hold this process's loop, not the server's.
      const history = fetch(historyUrl).then((response) => response.arrayBuffer()).finally(() => {
        done = true;
      });
      while (!done) liveDuring.push(await timed(fetchLive));
      await history;
    }

    const historyTimes = http.get('history') as number[];
    const rows: BenchSection['rows'] = [];
    const addRow = (measured: string, times: readonly number[], extra = ''): void => {
      rows.push({
        measured,
        'median ms': fixed(median(times), 2),
        'p95 ms': fixed(percentile(times, 95), 2),
        'max ms': fixed(Math.max(...times), 2),
        samples: String(times.length),
        size: extra,
      });
    };
    addRow(`HTTP end to end: \`GET /metrics/history?start=…&end=…&limit=${WINDOWS}\``, historyTimes, `${grouped(WINDOWS)} windows, ${grouped(bytes)} B`);
    addRow('↳ server side: `velocity.networkHistory(params)` (series lookup, reads, totals, flows)', parts.get('query') as number[]);
    addRow('↳ server side: `JSON.stringify` of that result', parts.get('stringify') as number[], `${grouped(bytes)} B`);
    addRow('`GET /metrics/live`, nothing else in flight', idleLive.get('live') as number[]);
    addRow(`\`GET /metrics/live\` while a history request is in flight (back to back, during ${LIVE_ROUNDS} history requests)`, liveDuring);

    const historyMedian = median(historyTimes);
    const historyP95 = percentile(historyTimes, 95);
    return {
      title: `Network history (contract E) over ${options.storeName}: ${NETWORK_DAYS} days of 1-minute windows`,
      command: options.command,
      rows,
      notes: [
        `Contract E's target, ${grouped(WINDOWS)} windows in under ${CONTRACT_E_LIMIT_MS} ms: median ${fixed(historyMedian, 1)} ms, ` +
          `p95 ${fixed(historyP95, 1)} ms end to end — ${historyP95 < CONTRACT_E_LIMIT_MS ? 'met' : 'NOT MET'}` +
          `${historyMedian < CONTRACT_E_LIMIT_MS && historyP95 >= CONTRACT_E_LIMIT_MS ? ' at p95 (met at the median)' : ''}.`,
        `"Never blocks the live endpoint": while a history request was in flight, \`/metrics/live\` answered in at most ` +
          `${fixed(Math.max(...liveDuring), 1)} ms (median ${fixed(median(liveDuring), 2)} ms, ${liveDuring.length} requests), ` +
          `against a median of ${fixed(median(idleLive.get('live') as number[]), 2)} ms with nothing else in flight.`,
        `Timing: ${REQUESTS} requests after ${WARMUP} warm-up ones; "end to end" is Node's fetch on 127.0.0.1 (keep-alive) to a ` +
          'node:http server running `velocity.nodeMiddleware` in the same process, until the body is read and JSON.parse\'d; ' +
          'server-side rows call the same code in process. Live requests are sent one after another from the moment a ' +
          'history request is sent until its body has arrived (read, not parsed: the client shares the server\'s process), ' +
          'on a connection of their own.',
        networkWeekNote(options.load),
        ...(options.notes ?? []),
      ],
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await velocity.close();
  }
}
