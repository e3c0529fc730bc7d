import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VelocityError } from '../../src/errors.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import { testClock, testVelocity } from '../support/velocity.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('contract B read side', () => {
  it('totals routes and operations from the stored windows over the range, 24 h by default', async () => {
    const clock = testClock(T0 + 1_000);
    const velocity = testVelocity(clock);
    try {
      // Minute 0: 3 ok + 1 failed GET /api/jobs, 2 ok POST /api/jobs; sync.users 2 ok (10, 20 ms).
      for (const ms of [10, 20, 30]) velocity.recordRouteMetric('/api/jobs', 'GET', true, ms);
      velocity.recordRouteMetric('/api/jobs', 'GET', false, 100);
      velocity.recordRouteMetric('/api/jobs', 'POST', true, 5);
      velocity.recordRouteMetric('/api/jobs', 'POST', true, 7);
      velocity.recordOperationMetric('sync.users', true, 10);
      velocity.recordOperationMetric('sync.users', true, 20, { platform: 'github' });
      // Minute 2: 1 failed sync.users (60 ms), 1 ok GET /api/jobs (40 ms).
      clock.set(T0 + 2 * MINUTE_MS + 1_000);
      velocity.rotate();
      velocity.recordOperationMetric('sync.users', false, 60);
      velocity.recordRouteMetric('/api/jobs', 'GET', true, 40);
      clock.set(T0 + 3 * MINUTE_MS + 1_000);
      await velocity.flush();

      const routes = await velocity.getRouteMetrics();
      const periodStart = iso(T0 + 3 * MINUTE_MS + 1_000 - 86_400_000);
      assert.deepEqual(routes, [
        {
          route: '/api/jobs',
          method: 'GET',
          total_requests: 5,
          successful: 4,
          failed: 1,
          total_duration_ms: 200,
          average_duration_ms: 40,
          period_start: periodStart,
          period_end: iso(T0 + 3 * MINUTE_MS + 1_000),
          last_request_at: iso(T0 + 2 * MINUTE_MS),
        },
        {
          route: '/api/jobs',
          method: 'POST',
          total_requests: 2,
          successful: 2,
          failed: 0,
          total_duration_ms: 12,
          average_duration_ms: 6,
          period_start: periodStart,
          period_end: iso(T0 + 3 * MINUTE_MS + 1_000),
          last_request_at: iso(T0),
        },
      ]);
      assert.deepEqual((await velocity.getRouteMetrics('/api/jobs', 'POST')).map((r) => r.total_requests), [2]);
      assert.deepEqual(await velocity.getRouteMetrics('/nothing'), []);

      const [ops] = await velocity.getOperationMetrics('sync.users');
      assert.deepEqual(ops, {
        operation: 'sync.users',
        total_executions: 3,
        successful: 2,
        failed: 1,
        total_duration_ms: 90,
        average_duration_ms: 30,
        period_start: periodStart,
        period_end: iso(T0 + 3 * MINUTE_MS + 1_000),
        last_execution_at: iso(T0 + 2 * MINUTE_MS),
      });
      // Only minute 0: the range's end is exclusive.
      const early = await velocity.getOperationMetrics(undefined, { start: new Date(T0), end: iso(T0 + MINUTE_MS) });
      assert.deepEqual(early.map((o) => [o.operation, o.total_executions, o.failed, o.period_start]), [['sync.users', 2, 0, iso(T0)]]);
      await assert.rejects(
        velocity.getOperationMetrics(undefined, { start: T0 + MINUTE_MS, end: T0 }),
        (e: unknown) => e instanceof VelocityError && e.param === 'start',
      );
      await assert.rejects(velocity.getRouteMetrics(undefined, undefined, { start: 'yesterday' }), (e: unknown) => e instanceof VelocityError && e.param === 'start');
    } finally {
      await velocity.close();
    }
  });
});
