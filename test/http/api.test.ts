import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MINUTE_MS } from '../../src/model/duration.js';
import { exactQuantile } from '../../src/model/sketch.js';
import type { Velocity } from '../../src/velocity.js';
import { lognormal, mulberry32 } from '../support/random.js';
import { testClock, testVelocity } from '../support/velocity.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

async function get(velocity: Velocity, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await velocity.fetch(new Request(`http://localhost${path}`, { headers }));
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('HTTP API', () => {
  const clock = testClock(T0);
  let velocity: Velocity;
  const jobLatencies: number[] = [];

  before(async () => {
    velocity = testVelocity(clock);
    const rand = mulberry32(7);
    // Minute 0: 300 x 200 and 20 x 500 on GET /api/jobs; minute 1: nothing; minute 2: 100 x 200.
    for (let i = 0; i < 320; i++) {
      const ms = lognormal(rand, 3, 0.7);
      jobLatencies.push(ms);
      velocity.recordRequest('GET', '/api/jobs', i < 300 ? 200 : 500, ms);
    }
    velocity.recordRequest('POST', '/api/jobs/:id', 201, 12);
    clock.set(T0 + 2 * MINUTE_MS + 1_000);
    velocity.rotate();
    for (let i = 0; i < 100; i++) velocity.recordRequest('GET', '/api/jobs', 200, 5);
    clock.set(T0 + 3 * MINUTE_MS + 1_000);
    await velocity.flush();
  });

  after(() => velocity.close());

  it('answers history per minute with counts, derived rates and merged percentiles', async () => {
    const { status, body } = await get(velocity, `/api/v1/history?route=GET%20/api/jobs&start=${iso(T0)}&end=${iso(T0 + 4 * MINUTE_MS)}`);
    assert.equal(status, 200);
    assert.equal(body.step, '1m');
    assert.equal(body.tier, '1m');
    assert.equal(body.points.length, 4);
    const [m0, m1, m2, m3] = body.points;
    assert.equal(m0.ts, iso(T0));
    assert.equal(m0.count, 320);
    assert.equal(m0.count_2xx, 300);
    assert.equal(m0.count_5xx, 20);
    assert.equal(m0.err_rate_pct, 6.25);
    assert.equal(m0.rps, 5.333);
    const sorted = [...jobLatencies].sort((a, b) => a - b);
    for (const [field, q] of [['p50_ms', 0.5], ['p95_ms', 0.95], ['p99_ms', 0.99]] as const) {
      const exact = exactQuantile(sorted, q) as number;
      assert.ok(Math.abs(m0[field] - exact) / exact <= 0.01, `${field} ${m0[field]} vs exact ${exact}`);
    }
    assert.equal(m0.min_ms, Math.round(sorted[0] * 1000) / 1000);
    assert.deepEqual([m1.count, m1.p95_ms, m1.min_ms, m1.err_rate_pct], [0, null, null, 0]);
    assert.equal(m2.count, 100);
    assert.equal(m2.p95_ms, 5);
    assert.equal(m3.count, 0);
  });

  it('merges across routes and status classes when no filter is given, and over coarser steps', async () => {
    const { body } = await get(velocity, `/api/v1/history?start=${iso(T0)}&end=${iso(T0 + 5 * MINUTE_MS)}&step=5m`);
    assert.equal(body.points.length, 1);
    assert.equal(body.points[0].count, 421);
    assert.equal(body.points[0].count_2xx, 401);
    assert.equal(body.points[0].rps, 1.403);
  });

  it('filters by status class and method', async () => {
    const errors = await get(velocity, `/api/v1/history?status_class=5xx&start=${iso(T0)}&end=${iso(T0 + MINUTE_MS)}`);
    assert.equal(errors.body.points[0].count, 20);
    assert.equal(errors.body.points[0].err_rate_pct, 100);
    const posts = await get(velocity, `/api/v1/history?method=POST&start=${iso(T0)}&end=${iso(T0 + MINUTE_MS)}`);
    assert.equal(posts.body.points[0].count, 1);
    const none = await get(velocity, `/api/v1/history?route=/nope&start=${iso(T0)}&end=${iso(T0 + MINUTE_MS)}`);
    assert.equal(none.body.points[0].count, 0);
  });

  it('answers a bad parameter with a 400 naming it', async () => {
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['start=soon', 'start'],
      ['step=10s', 'step'],
      ['colour=red', 'colour'],
      [`start=${iso(T0 + MINUTE_MS)}&end=${iso(T0)}`, 'start'],
    ]) {
      const { status, body } = await get(velocity, `/api/v1/history?${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.param, param, query);
      assert.match(body.error, new RegExp(`^${param}: `));
    }
  });

  it('keeps contract A: /ops/metrics/history', async () => {
    const { status, body, headers } = await get(velocity, `/ops/metrics/history?route=GET%20/api/jobs&from=${iso(T0)}&to=${iso(T0 + 3 * MINUTE_MS)}`);
    assert.equal(status, 200);
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.equal(body.route, 'GET /api/jobs');
    assert.equal(body.from, iso(T0));
    assert.equal(body.points.length, 3);
    assert.deepEqual(Object.keys(body.points[0]), ['ts', 'rps', 'p50_ms', 'p95_ms', 'err_rate_pct', 'samples_1m']);
    assert.equal(body.points[0].samples_1m, 320);
    assert.ok(body.points[0].ts < body.points[2].ts, 'oldest first');
    const missing = await get(velocity, '/ops/metrics/history?route=GET%20/api/jobs');
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { error: 'route, from, to required' });
    assert.equal(missing.headers.get('cache-control'), 'no-store');
    const tooLong = await get(velocity, `/ops/metrics/history?route=GET%20/api/jobs&from=${iso(T0 - 8 * 24 * 60 * MINUTE_MS)}&to=${iso(T0)}`);
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.param, 'from');
    assert.match(tooLong.body.error, /at most 10000 minutes/);
  });

  it('keeps contract A: /ops/metrics live snapshot', async () => {
    clock.set(T0 + 3 * MINUTE_MS + 30_000);
    velocity.recordRequest('GET', '/api/jobs', 200, 7);
    const { status, body } = await get(velocity, '/ops/metrics');
    assert.equal(status, 200);
    assert.equal(body.env, 'test');
    assert.equal(typeof body.generated_at, 'string');
    const oneMinute = body.routes['GET /api/jobs']['1m'];
    assert.deepEqual(Object.keys(oneMinute).sort(), ['count', 'err_rate', 'p50_ms', 'p95_ms', 'rps']);
    // The last complete minute (14:02, 100 requests) plus the open one (1 request), over 90 s.
    assert.equal(oneMinute.count, 101);
    assert.equal(oneMinute.rps, Math.round((101 / 90) * 1000) / 1000);
  });

  it('lists the series seen and reports health', async () => {
    const series = await get(velocity, '/api/v1/series');
    assert.deepEqual(series.body.routes.map((r: { route: string }) => r.route), ['GET /api/jobs', 'POST /api/jobs/:id']);
    assert.equal(series.body.routes[0].first_seen, iso(T0));
    assert.equal(series.body.routes[0].last_seen, iso(T0 + 2 * MINUTE_MS));
    assert.deepEqual(series.body.instances.map((i: { instance: string }) => i.instance), ['i1']);
    const health = await get(velocity, '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body.store.reachable, true);
    assert.equal(health.body.pending_windows, 0);
    assert.equal(health.body.last_flush_at, iso(T0 + 3 * MINUTE_MS + 1_000));
    assert.deepEqual(health.body.cardinality, {
      max_series_per_metric: 2_000,
      metrics: { 'http.server.request.duration': { series: 3, overflow_observations: 0 } },
      ingested_windows: { metrics: {}, refused_batches: 0 },
    });
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    assert.equal((await get(velocity, '/nothing')).status, 404);
    const post = await velocity.fetch(new Request('http://localhost/api/v1/history', { method: 'POST' }));
    assert.equal(post.status, 405);
  });
});

describe('HTTP API with a token', () => {
  it('asks for the bearer token everywhere but /healthz', async () => {
    const velocity = testVelocity(testClock(T0), { apiToken: 's3cret' });
    try {
      assert.equal((await get(velocity, '/api/v1/live')).status, 401);
      assert.equal((await get(velocity, '/api/v1/live', { authorization: 'Bearer wrong!' })).status, 401);
      assert.equal((await get(velocity, '/api/v1/live', { authorization: 'Bearer s3cret' })).status, 200);
      assert.equal((await get(velocity, '/healthz')).status, 200);
    } finally {
      await velocity.close();
    }
  });
});
