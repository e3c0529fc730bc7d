import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { OPERATION_DURATION_METRIC } from '../../src/collect/operations.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import { SKETCH_RELATIVE_ERROR, Sketch, exactQuantile } from '../../src/model/sketch.js';
import type { StoredWindow } from '../../src/model/window.js';
import { createVelocity, type Velocity, type VelocityOptions } from '../../src/velocity.js';
import { listen } from '../support/http.js';
import { schemaError } from '../support/json-schema.js';
import { lognormal, mulberry32 } from '../support/random.js';
import { tempDir } from '../support/tmp.js';
import { testClock, type TestClock } from '../support/velocity.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const TOKEN = 's3cret';
const JSON_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
const iso = (ms: number): string => new Date(ms).toISOString();
const schema = JSON.parse(readFileSync(new URL('../../docs/ingest.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** A Velocity over a SQLite file in a temp dir, served over loopback by node:http. */
interface Served {
  velocity: Velocity;
  clock: TestClock;
  url: string;
  post: (body: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any; headers: Headers }>;
  storedWindows: (metric: string) => Promise<Array<StoredWindow & { labels: Record<string, string> }>>;
  close: () => Promise<void>;
}

async function serve(options: VelocityOptions = {}): Promise<Served> {
  const tmp = tempDir('velocity-ingest-');
  const clock = testClock(T0 + 30_000);
  const velocity = createVelocity({
    database: join(tmp.dir, 'velocity.db'),
    service: 'api',
    instance: 'i1',
    env: 'test',
    apiToken: TOKEN,
    timers: false,
    handleSignals: false,
    log: () => {},
    clock: clock.now,
    ...options,
  });
  await velocity.ready;
  const server = await listen(createServer(velocity.nodeMiddleware));
  return {
    velocity,
    clock,
    url: server.url,
    async post(body, headers = JSON_HEADERS) {
      const response = await fetch(`${server.url}/api/v1/ingest`, {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json(), headers: response.headers };
    },
    async storedWindows(metric) {
      const series = await velocity.store.listSeries(metric);
      const labelsOf = new Map(series.map((s) => [s.id, s.labels]));
      const windows = await velocity.store.readWindows('1m', [...labelsOf.keys()], 0, T0 + 60 * MINUTE_MS);
      return windows.map((w) => ({ ...w, labels: { ...labelsOf.get(w.seriesId) } }));
    },
    async close() {
      await server.close();
      await velocity.close();
      tmp.remove();
    },
  };
}

/** Sends the clock past the open minute and writes everything to the store. */
async function flushMinute(served: Served): Promise<void> {
  served.clock.set(T0 + MINUTE_MS + 1_000);
  await served.velocity.flush();
}

/** The OpenTelemetry histogram of `values` (all > 0) at `scale`, computed independently of the sketch. */
function otelBuckets(values: readonly number[], scale: number): { offset: number; bucket_counts: number[] } {
  const indexes = values.map((v) => Math.ceil(Math.log2(v) * 2 ** scale) - 1);
  const offset = Math.min(...indexes);
  const bucket_counts = new Array<number>(Math.max(...indexes) - offset + 1).fill(0);
  for (const index of indexes) bucket_counts[index - offset]++;
  return { offset, bucket_counts };
}

describe('POST /api/v1/ingest: raw observations', () => {
  let served: Served;
  const rand = mulberry32(42);
  const jobDurations: number[] = [];
  const requests: unknown[] = [];
  const statuses = [200, 200, 200, 200, 201, 304, 404, 503, 'timeout', 'aborted'] as const;

  before(async () => {
    served = await serve();
    for (let i = 0; i < 1_000; i++) {
      const duration_ms = lognormal(rand, Math.log(40), 0.8);
      jobDurations.push(duration_ms);
      requests.push({ method: 'GET', route: `/api/jobs/${1000 + i}?full=1`, status: statuses[i % statuses.length], duration_ms });
    }
  });

  after(() => served.close());

  it('records requests and operations through the adapters\' path and stores them at the next flush', async () => {
    const first = await served.post({ requests: requests.slice(0, 600) });
    assert.equal(first.status, 202);
    assert.deepEqual(first.body, { accepted: { requests: 600, operations: 0, windows: 0 } });
    const operations = [
      ...Array.from({ length: 30 }, (_, i) => ({ name: 'db.getUser', success: true, duration_ms: 2 + i / 10, labels: { platform: 'postgres' } })),
      ...Array.from({ length: 10 }, () => ({ name: 'db.getUser', success: false, duration_ms: 500, labels: { platform: 'postgres' } })),
    ];
    const second = await served.post({ requests: requests.slice(600), operations });
    assert.deepEqual(second.body, { accepted: { requests: 400, operations: 40, windows: 0 } });
    await flushMinute(served);

    const history = await fetch(`${served.url}/api/v1/history?route=GET%20/api/jobs/:id&start=${iso(T0)}&end=${iso(T0 + MINUTE_MS)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const [point] = ((await history.json()) as any).points;
    assert.equal(point.count, 1_000);
    assert.deepEqual(
      [point.count_2xx, point.count_3xx, point.count_4xx, point.count_5xx, point.count_timeout, point.count_aborted],
      [500, 100, 100, 100, 100, 100],
    );
    assert.equal(point.err_rate_pct, 20);
    const sorted = [...jobDurations].sort((a, b) => a - b);
    for (const [field, q] of [['p50_ms', 0.5], ['p95_ms', 0.95], ['p99_ms', 0.99]] as const) {
      const exact = exactQuantile(sorted, q);
      assert.ok(Math.abs(point[field] - exact) / exact <= 0.01, `${field} ${point[field]} vs exact ${exact}`);
    }

    const stored = await served.storedWindows(OPERATION_DURATION_METRIC);
    const byOutcome = Object.fromEntries(stored.map((w) => [w.labels.outcome, w]));
    assert.equal(byOutcome.success.count, 30);
    assert.equal(byOutcome.failure.count, 10);
    assert.deepEqual(byOutcome.failure.labels, { env: 'test', instance: 'i1', operation: 'db.getUser', outcome: 'failure', platform: 'postgres', service: 'api' });
  });
});

describe('POST /api/v1/ingest: the series cap applies to observations', () => {
  it('folds routes past maxSeriesPerMetric into the overflow series', async () => {
    const served = await serve({ maxSeriesPerMetric: 3 });
    try {
      const routes = ['/a', '/b', '/c', '/d', '/e'];
      const { status } = await served.post({ requests: routes.map((route) => ({ method: 'GET', route, status: 200, duration_ms: 1 })) });
      assert.equal(status, 202);
      const health = await served.velocity.health();
      assert.deepEqual(health.cardinality.metrics[HTTP_DURATION_METRIC], { series: 3, overflow_observations: 2 });
    } finally {
      await served.close();
    }
  });
});

describe('POST /api/v1/ingest: windows', () => {
  let served: Served;
  const rand = mulberry32(5);
  const values = Array.from({ length: 500 }, () => lognormal(rand, Math.log(30), 1.2));
  const sum = values.reduce((a, b) => a + b, 0);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const worker = { service: 'worker', instance: 'worker-1' };

  before(async () => {
    served = await serve();
  });

  after(() => served.close());

  it('stores distribution, counter and gauge windows exactly, downscaling a finer histogram without loss', async () => {
    const response = await served.post({
      windows: [
        { metric: 'worker.job.duration', kind: 'distribution', labels: { ...worker, queue: 'fine' }, start: iso(T0 - 2 * MINUTE_MS), count: values.length, sum, min, max, histogram: { scale: 10, zero_count: 0, positive: otelBuckets(values, 10) } },
        { metric: 'worker.job.duration', kind: 'distribution', labels: { ...worker, queue: 'same' }, start: (T0 - 2 * MINUTE_MS) / 1000, count: values.length + 3, sum, min: 0, max, histogram: { scale: 6, zero_count: 3, positive: otelBuckets(values, 6) } },
        { metric: 'worker.job.duration', kind: 'distribution', labels: { ...worker, queue: 'raw' }, start: iso(T0 - MINUTE_MS), values },
        { metric: 'worker.bytes.sent', kind: 'counter', labels: worker, start: iso(T0 - MINUTE_MS), count: 3, sum: 5120, min: 512, max: 4096 },
        { metric: 'worker.queue.depth', kind: 'gauge', labels: worker, start: iso(T0), count: 6, sum: 57, min: 7, max: 12, last: 9 },
      ],
    });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.deepEqual(response.body.accepted, { requests: 0, operations: 0, windows: 5 });
    await flushMinute(served);

    const direct = new Sketch();
    for (const v of values) direct.record(v);
    const distributions = await served.storedWindows('worker.job.duration');
    const byQueue = Object.fromEntries(distributions.map((w) => [w.labels.queue, w]));
    assert.deepEqual(byQueue.fine.labels, { ...worker, queue: 'fine' });
    for (const queue of ['fine', 'raw']) {
      const w = byQueue[queue];
      assert.equal(w.count, values.length, queue);
      assert.equal(w.min, min, queue);
      assert.equal(w.max, max, queue);
      assert.ok(Math.abs(w.sum - sum) <= 1e-9 * sum, queue);
      assert.deepEqual(w.sketch, direct.encode(), `${queue}: the same buckets as recording the values at scale 6`);
      assert.equal(w.p95, direct.quantile(0.95), queue);
      const exact = exactQuantile([...values].sort((a, b) => a - b), 0.95);
      assert.ok(Math.abs((w.p95 as number) - exact) / exact <= SKETCH_RELATIVE_ERROR, queue);
    }
    assert.equal(byQueue.fine.start, T0 - 2 * MINUTE_MS);
    assert.equal(byQueue.raw.start, T0 - MINUTE_MS);
    const same = Sketch.decode(byQueue.same.sketch as Uint8Array);
    assert.equal(same.zeroCount, 3);
    assert.deepEqual(same.nonZeroBuckets(), direct.nonZeroBuckets());
    assert.equal(byQueue.same.min, 0);

    const [counter] = await served.storedWindows('worker.bytes.sent');
    assert.deepEqual(
      [counter.start, counter.count, counter.sum, counter.min, counter.max, counter.last, counter.p50, counter.sketch],
      [T0 - MINUTE_MS, 3, 5120, 512, 4096, null, null, null],
    );
    const [gauge] = await served.storedWindows('worker.queue.depth');
    assert.deepEqual([gauge.start, gauge.count, gauge.sum, gauge.min, gauge.max, gauge.last], [T0, 6, 57, 7, 12, 9]);
    const series = await served.velocity.store.listSeries('worker.queue.depth');
    assert.equal(series[0].kind, 'gauge');
  });

  it('reads request and operation windows of another instance back through the history API and contract B', async () => {
    const sidecar = { service: 'api', instance: 'go-sidecar' };
    const response = await served.post({
      windows: [
        { metric: HTTP_DURATION_METRIC, kind: 'distribution', labels: { ...sidecar, method: 'GET', route: '/health', status_class: '5xx' }, start: iso(T0 - 5 * MINUTE_MS), values: [10, 20, 30, 40] },
        { metric: OPERATION_DURATION_METRIC, kind: 'distribution', labels: { ...sidecar, operation: 'cache.get', outcome: 'failure' }, start: iso(T0 - 5 * MINUTE_MS), values: [1, 2] },
      ],
    });
    assert.equal(response.status, 202);
    await served.velocity.flush();
    const history = await fetch(`${served.url}/api/v1/history?instance=go-sidecar&start=${iso(T0 - 5 * MINUTE_MS)}&end=${iso(T0 - 4 * MINUTE_MS)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const [point] = ((await history.json()) as any).points;
    assert.deepEqual([point.count, point.count_5xx, point.max_ms], [4, 4, 40]);
    const [operation] = await served.velocity.getOperationMetrics('cache.get');
    assert.deepEqual([operation.total_executions, operation.failed], [2, 2]);
  });

  it('replaces a window re-sent for the same series and minute', async () => {
    const window = { metric: 'worker.retry.count', kind: 'counter', labels: worker, start: iso(T0 - 3 * MINUTE_MS), count: 1, sum: 7, min: 7, max: 7 };
    assert.equal((await served.post({ windows: [window] })).status, 202);
    assert.equal((await served.post({ windows: [{ ...window, count: 2, sum: 9, min: 2 }] })).status, 202);
    await served.velocity.flush();
    const stored = await served.storedWindows('worker.retry.count');
    assert.deepEqual(stored.map((w) => [w.count, w.sum]), [[2, 9]]);
  });
});

describe('POST /api/v1/ingest: the series cap on windows', () => {
  it('refuses a batch whose window would pass the per-metric cap, stores none of it, and reports it in /healthz', async () => {
    const served = await serve({ maxSeriesPerMetric: 2 });
    const depth = (host: string, minutesAgo: number, last: number) => ({
      metric: 'worker.queue.depth',
      kind: 'gauge',
      labels: { instance: 'worker-1', host },
      start: iso(T0 - minutesAgo * MINUTE_MS),
      count: 1,
      sum: last,
      min: last,
      max: last,
      last,
    });
    try {
      assert.equal((await served.post({ windows: [depth('a', 2, 1), depth('b', 2, 2)], requests: [{ ...REQUEST, route: '/b' }] })).status, 202);
      const refused = await served.post({ windows: [depth('a', 1, 3), depth('c', 1, 4)], requests: [REQUEST] });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.param, 'windows[1].labels');
      assert.match(refused.body.error, /worker\.queue\.depth already has 2 series from ingested windows/);
      assert.equal((await served.post({ windows: [depth('a', 3, 5), depth('b', 3, 6)] })).status, 202, 'known series still pass');
      const health = (await (await fetch(`${served.url}/healthz`)).json()) as any;
      assert.deepEqual(health.cardinality.ingested_windows, { metrics: { 'worker.queue.depth': 2 }, refused_batches: 1 });
      await served.velocity.flush();
      const stored = await served.storedWindows('worker.queue.depth');
      assert.deepEqual(stored.map((w) => [w.labels.host, w.last]).sort(), [['a', 1], ['a', 5], ['b', 2], ['b', 6]]);
      const routes = served.velocity.live().routes.map((route) => route.route);
      assert.deepEqual(routes, ['GET /b'], "the refused batch's request to /a was not recorded");
    } finally {
      await served.close();
    }
  });
});

/** A valid window the 400 cases below spoil one field at a time. */
const WINDOW = { metric: 'worker.job.duration', kind: 'distribution', labels: { instance: 'w1' }, start: iso(T0 - MINUTE_MS), count: 2, sum: 3, min: 1, max: 2, histogram: { scale: 6, positive: { offset: -1, bucket_counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] } } };
const REQUEST = { method: 'GET', route: '/a', status: 200, duration_ms: 1 };
const OPERATION = { name: 'op', success: true, duration_ms: 1 };

/**
 * Bad bodies, the field the 400 must name, and whether the JSON Schema can say it too (some
 * rules need the server's clock or look across items).
 */
const BAD_BODIES: Array<[body: unknown, param: string, schemaSaysSo: boolean]> = [
  [[], 'body', true],
  [{ observations: [] }, 'observations', true],
  [{ requests: {} }, 'requests', true],
  [{ requests: [REQUEST, REQUEST, REQUEST, { ...REQUEST, duration_ms: -1 }] }, 'requests[3].duration_ms', true],
  [{ requests: [{ ...REQUEST, duration_ms: '12' }] }, 'requests[0].duration_ms', true],
  [{ requests: [{ ...REQUEST, status: 600 }] }, 'requests[0].status', true],
  [{ requests: [{ ...REQUEST, status: 'slow' }] }, 'requests[0].status', true],
  [{ requests: [{ ...REQUEST, status: 200.5 }] }, 'requests[0].status', true],
  [{ requests: [{ ...REQUEST, route: '' }] }, 'requests[0].route', true],
  [{ requests: [{ method: 'GET', status: 200, duration_ms: 1 }] }, 'requests[0].route', true],
  [{ requests: [{ ...REQUEST, colour: 'red' }] }, 'requests[0].colour', true],
  [{ operations: [{ ...OPERATION, success: 'yes' }] }, 'operations[0].success', true],
  [{ operations: [{ ...OPERATION, name: '' }] }, 'operations[0].name', true],
  [{ operations: [{ ...OPERATION, labels: { outcome: 'x' } }] }, 'operations[0].labels.outcome', true],
  [{ operations: [{ ...OPERATION, labels: { '1bad': 'x' } }] }, 'operations[0].labels.1bad', true],
  [{ operations: [{ ...OPERATION, labels: { platform: 5 } }] }, 'operations[0].labels.platform', true],
  [{ operations: [{ ...OPERATION, labels: { platform: 'a\u0000b' } }] }, 'operations[0].labels.platform', true],
  [{ windows: [{ ...WINDOW, kind: 'histogram' }] }, 'windows[0].kind', true],
  [{ windows: [{ ...WINDOW, metric: '9lives' }] }, 'windows[0].metric', true],
  [{ windows: [{ ...WINDOW, last: 2 }] }, 'windows[0].last', true],
  [{ windows: [{ ...WINDOW, count: 0 }] }, 'windows[0].count', true],
  [{ windows: [{ ...WINDOW, count: 3 }] }, 'windows[0].count', false],
  [{ windows: [{ ...WINDOW, max: 0.5 }] }, 'windows[0].max', false],
  [{ windows: [{ ...WINDOW, min: -1 }] }, 'windows[0].min', true],
  [{ windows: [{ ...WINDOW, histogram: { ...WINDOW.histogram, scale: 5 } }] }, 'windows[0].histogram.scale', true],
  [{ windows: [{ ...WINDOW, histogram: { ...WINDOW.histogram, negative: { offset: 0, bucket_counts: [1] } } }] }, 'windows[0].histogram.negative', true],
  [{ windows: [{ ...WINDOW, histogram: { scale: 6, positive: { offset: -1, bucket_counts: [1, -1] } } }] }, 'windows[0].histogram.positive.bucket_counts[1]', true],
  [{ windows: [{ ...WINDOW, histogram: undefined }] }, 'windows[0].histogram', true],
  [{ windows: [{ metric: 'm', kind: 'distribution', start: iso(T0), values: [1], count: 1 }] }, 'windows[0].count', true],
  [{ windows: [{ metric: 'm', kind: 'distribution', start: iso(T0), values: [1, -2] }] }, 'windows[0].values[1]', true],
  [{ windows: [{ metric: 'm', kind: 'distribution', start: iso(T0), values: [] }] }, 'windows[0].values', true],
  [{ windows: [{ metric: 'm', kind: 'gauge', start: iso(T0), count: 1, sum: 5, min: 5, max: 5, last: 6 }] }, 'windows[0].last', false],
  [{ windows: [{ metric: 'm', kind: 'counter', start: iso(T0), count: 1, sum: 5, min: 5, max: 5, last: 5 }] }, 'windows[0].last', true],
  [{ windows: [{ ...WINDOW, start: iso(T0 - 30_000) }] }, 'windows[0].start', false],
  [{ windows: [{ ...WINDOW, start: iso(T0 + MINUTE_MS) }] }, 'windows[0].start', false],
  [{ windows: [{ ...WINDOW, start: iso(T0 - 15 * 24 * 60 * MINUTE_MS) }] }, 'windows[0].start', false],
  [{ windows: [{ ...WINDOW, start: 'yesterday' }] }, 'windows[0].start', true],
  [{ windows: [{ ...WINDOW, labels: { instance: 'i1' } }] }, 'windows[0].labels.instance', false],
  [{ windows: [{ ...WINDOW, labels: { __name__: 'x' } }] }, 'windows[0].labels.__name__', true],
  [{ windows: [WINDOW, { ...WINDOW }] }, 'windows[1].start', false],
  [{ windows: [WINDOW, { metric: WINDOW.metric, labels: WINDOW.labels, kind: 'counter', start: iso(T0), count: 1, sum: 1, min: 1, max: 1 }] }, 'windows[1].kind', false],
  [{ windows: [{ ...WINDOW, metric: HTTP_DURATION_METRIC, labels: { instance: 'w1', method: 'GET', route: '/a' } }] }, 'windows[0].labels.status_class', false],
  [{ windows: [{ ...WINDOW, metric: OPERATION_DURATION_METRIC, labels: { instance: 'w1', operation: 'x', outcome: 'maybe' } }] }, 'windows[0].labels.outcome', false],
];

describe('POST /api/v1/ingest: validation', () => {
  let served: Served;

  before(async () => {
    served = await serve();
  });

  after(() => served.close());

  it('answers every bad field with a 400 naming its path and what is wrong', async () => {
    for (const [body, param] of BAD_BODIES) {
      const { status, body: answer } = await served.post(body);
      assert.equal(status, 400, `${param}: ${JSON.stringify(answer)}`);
      assert.equal(answer.param, param, JSON.stringify(answer));
      assert.ok(answer.error.startsWith(`${param}: `) && answer.error.length > param.length + 2, answer.error);
    }
  });

  it('takes nothing of a batch with one bad item', async () => {
    const { status } = await served.post({
      requests: [REQUEST, REQUEST],
      operations: [OPERATION],
      windows: [{ ...WINDOW, labels: { instance: 'w2' } }, { ...WINDOW, start: iso(T0 + MINUTE_MS) }],
    });
    assert.equal(status, 400);
    const health = await served.velocity.health();
    assert.equal(health.series_in_memory, 0);
    assert.equal(health.pending_windows, 0);
    await flushMinute(served);
    assert.deepEqual(await served.velocity.store.listSeries(), []);
  });

  it('answers bodies that are not JSON with a 400 naming the body', async () => {
    for (const text of ['{"requests": [', '', '\u00ff'.repeat(3)]) {
      const { status, body } = await served.post(text);
      assert.equal(status, 400, text);
      assert.equal(body.param, 'body');
    }
    const latin1 = await fetch(`${served.url}/api/v1/ingest`, { method: 'POST', headers: JSON_HEADERS, body: new Uint8Array([0x7b, 0xff, 0x7d]) });
    assert.equal(latin1.status, 400);
    assert.match(((await latin1.json()) as any).error, /UTF-8/);
  });

  it('answers 415 unless the body is declared as uncompressed JSON', async () => {
    const refused: Array<Record<string, string>> = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json; charset=iso-8859-1' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    ];
    for (const headers of refused) {
      const { status, body } = await served.post({ requests: [REQUEST] }, { authorization: `Bearer ${TOKEN}`, ...headers });
      assert.equal(status, 415, JSON.stringify(headers));
      assert.equal(body.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const missing = await fetch(`${served.url}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array([0x7b, 0x7d]) });
    assert.equal(missing.status, 415);
    const charsetOk = await served.post({ requests: [REQUEST] }, { ...JSON_HEADERS, 'content-type': 'Application/JSON; charset=UTF-8' });
    assert.equal(charsetOk.status, 202);
  });

  it('answers 405 to other methods', async () => {
    const response = await fetch(`${served.url}/api/v1/ingest`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
  });
});

describe('POST /api/v1/ingest: limits', () => {
  let served: Served;

  before(async () => {
    served = await serve({ ingestMaxBytes: 10_000, ingestMaxItems: 50 });
  });

  after(() => served.close());

  it('answers 413 to a declared length past ingestMaxBytes', async () => {
    const requests = Array.from({ length: 40 }, () => ({ ...REQUEST, route: `/${'x'.repeat(300)}` }));
    const { status, body } = await served.post({ requests });
    assert.equal(status, 413);
    assert.equal(body.code, 'PAYLOAD_TOO_LARGE');
    assert.match(body.error, /10000/);
  });

  it('answers 413 to an endless chunked body, reading no more than the limit', async () => {
    let sent = 0;
    const chunk = new TextEncoder().encode(' '.repeat(4_096));
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${served.url}/api/v1/ingest`, { method: 'POST', headers: JSON_HEADERS, body: endless, duplex: 'half' } as RequestInit);
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as any).code, 'PAYLOAD_TOO_LARGE');
    assert.equal(response.headers.get('connection'), 'close');
    assert.ok(sent > 10_000);
  });

  it('answers 413 to more items than ingestMaxItems, and takes a batch at the limit', async () => {
    const over = await served.post({ requests: Array.from({ length: 30 }, () => REQUEST), operations: Array.from({ length: 21 }, () => OPERATION) });
    assert.equal(over.status, 413);
    assert.match(over.body.error, /51 items.*at most 50/);
    const at = await served.post({ requests: Array.from({ length: 30 }, () => REQUEST), operations: Array.from({ length: 20 }, () => OPERATION) });
    assert.equal(at.status, 202);
  });
});

describe('POST /api/v1/ingest: who may send', () => {
  it('asks for the bearer token when one is set', async () => {
    const served = await serve();
    try {
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN]) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (authorization !== undefined) headers.authorization = authorization;
        const { status, body, headers: answer } = await served.post({ requests: [REQUEST] }, headers);
        assert.equal(status, 401, authorization);
        assert.equal(body.code, 'UNAUTHORIZED');
        assert.equal(answer.get('www-authenticate'), 'Bearer');
      }
      assert.equal((await served.velocity.health()).series_in_memory, 0);
    } finally {
      await served.close();
    }
  });

  it('is closed without a token unless ingest is "open"', async () => {
    const closed = await serve({ apiToken: undefined });
    try {
      const { status, body } = await closed.post({ requests: [REQUEST] }, { 'content-type': 'application/json' });
      assert.equal(status, 403);
      assert.equal(body.code, 'FORBIDDEN');
      assert.match(body.error, /VELOCITY_API_TOKEN/);
      assert.match(body.error, /VELOCITY_INGEST=open/);
    } finally {
      await closed.close();
    }
    const open = await serve({ apiToken: undefined, ingest: 'open' });
    try {
      const { status } = await open.post({ requests: [REQUEST] }, { 'content-type': 'application/json' });
      assert.equal(status, 202);
    } finally {
      await open.close();
    }
  });

  it('is closed to everyone when ingest is "off"', async () => {
    const served = await serve({ ingest: 'off' });
    try {
      const { status, body } = await served.post({ requests: [REQUEST] });
      assert.equal(status, 403);
      assert.match(body.error, /turned off/);
    } finally {
      await served.close();
    }
  });
});

describe('docs/ingest.schema.json', () => {
  let served: Served;

  before(async () => {
    served = await serve();
  });

  after(() => served.close());

  it('holds examples that the schema and the server both accept', async () => {
    const examples = schema.examples as unknown[];
    assert.ok(examples.length >= 2);
    for (const example of examples) {
      assert.equal(schemaError(schema, example), null);
      const { status, body } = await served.post(example);
      assert.equal(status, 202, JSON.stringify(body));
    }
  });

  it('refuses what the server refuses, where a schema can say it', () => {
    for (const [body, param, schemaSaysSo] of BAD_BODIES) {
      if (schemaSaysSo) assert.notEqual(schemaError(schema, body), null, param);
    }
    assert.equal(schemaError(schema, { windows: [WINDOW] }), null);
  });
});
