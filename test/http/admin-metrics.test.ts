import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MINUTE_MS } from '../../src/model/duration.js';
import type { Velocity } from '../../src/velocity.js';
import { testClock, testVelocity } from '../support/velocity.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

async function get(velocity: Velocity, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await velocity.fetch(new Request(`http://localhost${path}`, { headers }));
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('GET /api/admin/metrics (contract B)', () => {
  const clock = testClock(T0 + 1_000);
  let velocity: Velocity;

  before(async () => {
    velocity = testVelocity(clock);
    // Minute 0: GET /api/jobs 2 ok + 1 failed, POST /api/jobs 1 ok; charge 1 ok, sync 1 failed.
    velocity.recordRouteMetric('/api/jobs', 'GET', true, 10);
    velocity.recordRouteMetric('/api/jobs', 'GET', true, 20);
    velocity.recordRouteMetric('/api/jobs', 'GET', false, 90);
    velocity.recordRouteMetric('/api/jobs', 'POST', true, 8);
    velocity.recordOperationMetric('charge', true, 300, { platform: 'stripe' });
    velocity.recordOperationMetric('sync', false, 50);
    // Minute 5: GET /api/jobs 1 ok, charge 1 failed.
    clock.set(T0 + 5 * MINUTE_MS + 1_000);
    velocity.rotate();
    velocity.recordRouteMetric('/api/jobs', 'GET', true, 40);
    velocity.recordOperationMetric('charge', false, 1_200, { platform: 'stripe' });
    clock.set(T0 + 6 * MINUTE_MS + 1_000);
    await velocity.flush();
  });

  after(() => velocity.close());

  it('answers the route and operation totals of the range, with its period', async () => {
    const { status, body, headers } = await get(velocity, `/api/admin/metrics?start=${iso(T0)}&end=${iso(T0 + 10 * MINUTE_MS)}`);
    assert.equal(status, 200);
    assert.equal(headers.get('cache-control'), 'no-store');
    const range = { start: iso(T0), end: iso(T0 + 10 * MINUTE_MS) };
    assert.deepEqual(body, {
      period_start: range.start,
      period_end: range.end,
      route_metrics: await velocity.getRouteMetrics(undefined, undefined, range),
      operation_metrics: await velocity.getOperationMetrics(undefined, range),
    });
    assert.deepEqual(
      body.route_metrics.map((r: any) => [r.method, r.route, r.total_requests, r.successful, r.failed, r.total_duration_ms, r.last_request_at]),
      [
        ['GET', '/api/jobs', 4, 3, 1, 160, iso(T0 + 5 * MINUTE_MS)],
        ['POST', '/api/jobs', 1, 1, 0, 8, iso(T0)],
      ],
    );
    assert.deepEqual(
      body.operation_metrics.map((o: any) => [o.operation, o.total_executions, o.successful, o.failed, o.average_duration_ms]),
      [
        ['charge', 2, 1, 1, 750],
        ['sync', 1, 0, 1, 50],
      ],
    );
  });

  it('filters routes by route and method and operations by operation; empty values filter nothing', async () => {
    const range = `start=${iso(T0)}&end=${iso(T0 + 10 * MINUTE_MS)}`;
    const post = await get(velocity, `/api/admin/metrics?${range}&route=/api/jobs&method=POST&operation=sync`);
    assert.deepEqual(post.body.route_metrics.map((r: any) => [r.method, r.total_requests]), [['POST', 1]]);
    assert.deepEqual(post.body.operation_metrics.map((o: any) => o.operation), ['sync']);
    const combined = await get(velocity, `/api/admin/metrics?${range}&route=${encodeURIComponent('GET /api/jobs')}`);
    assert.deepEqual(combined.body.route_metrics.map((r: any) => [r.method, r.total_requests]), [['GET', 4]]);
    const empty = await get(velocity, `/api/admin/metrics?${range}&route=&method=&operation=`);
    assert.equal(empty.body.route_metrics.length, 2);
    assert.equal(empty.body.operation_metrics.length, 2);
    const early = await get(velocity, `/api/admin/metrics?start=${iso(T0)}&end=${iso(T0 + MINUTE_MS)}&operation=charge`);
    assert.deepEqual(early.body.operation_metrics.map((o: any) => [o.total_executions, o.failed]), [[1, 0]], 'the end is exclusive');
  });

  it('defaults to the 24 hours ending now', async () => {
    const { body } = await get(velocity, '/api/admin/metrics');
    assert.deepEqual([body.period_start, body.period_end], [iso(clock.now() - 86_400_000), iso(clock.now())]);
    assert.equal(body.route_metrics[0].total_requests, 4);
  });

  it('answers 400 naming the bad parameter', async () => {
    const cases: Array<[string, string, string]> = [
      ['start=yesterday', 'start', 'INVALID_TIME'],
      ['end=2026-13-45', 'end', 'INVALID_TIME'],
      [`start=${iso(T0 + MINUTE_MS)}&end=${iso(T0)}`, 'start', 'INVALID_PARAMETER'],
      ['method=get', 'method', 'INVALID_PARAMETER'],
      [`route=${encodeURIComponent('POST /api/jobs')}&method=GET`, 'method', 'INVALID_PARAMETER'],
      ['limit=10', 'limit', 'INVALID_PARAMETER'],
    ];
    for (const [query, param, code] of cases) {
      const { status, body } = await get(velocity, `/api/admin/metrics?${query}`);
      assert.equal(status, 400, query);
      assert.deepEqual([body.param, body.code], [param, code], query);
      assert.match(body.error, new RegExp(`^${param}: `), query);
    }
  });

  it('asks for the token when one is set, and only answers GET', async () => {
    const guarded = testVelocity(testClock(T0), { apiToken: 's3cret' });
    try {
      const denied = await get(guarded, '/api/admin/metrics');
      assert.deepEqual([denied.status, denied.body.code], [401, 'UNAUTHORIZED']);
      const allowed = await get(guarded, '/api/admin/metrics', { authorization: 'Bearer s3cret' });
      assert.deepEqual([allowed.status, allowed.body.route_metrics], [200, []]);
    } finally {
      await guarded.close();
    }
    const posted = await velocity.fetch(new Request('http://localhost/api/admin/metrics', { method: 'POST', body: '{}' }));
    assert.equal(posted.status, 405);
  });
});
