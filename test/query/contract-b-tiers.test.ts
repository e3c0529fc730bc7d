import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import type { Velocity } from '../../src/velocity.js';
import { testClock, testVelocity, type TestClock } from '../support/velocity.js';
import { T0 } from '../support/windows.js';

const iso = (ms: number): string => new Date(ms).toISOString();
/** Noon, five days after T0. */
const NOW = T0 + 5 * DAY_MS + 12 * HOUR_MS;
/** A day whose minutes are gone once retention has run (1m is kept for a day here). */
const OLD = T0 + 2 * DAY_MS;

/** Runs `record` in the minute starting at `minuteStart`, then flushes that minute. */
async function inMinute(velocity: Velocity, clock: TestClock, minuteStart: number, record: () => void): Promise<void> {
  clock.set(minuteStart + 1_000);
  velocity.rotate();
  record();
  clock.set(minuteStart + MINUTE_MS + 1_000);
  await velocity.flush();
}

describe('contract B read side over the rolled tiers', () => {
  it('answers a range older than the 1-minute retention from hourly windows, widened to whole hours', async () => {
    const clock = testClock(OLD);
    const velocity = testVelocity(clock, { retention1m: '1d' });
    try {
      await inMinute(velocity, clock, OLD + 10 * HOUR_MS + 5 * MINUTE_MS, () => {
        velocity.recordRouteMetric('/api/jobs', 'GET', true, 10);
        velocity.recordRouteMetric('/api/jobs', 'GET', true, 30);
        velocity.recordRouteMetric('/api/jobs', 'GET', false, 100);
        velocity.recordOperationMetric('sync', true, 20, { platform: 'github' });
      });
      await inMinute(velocity, clock, OLD + 10 * HOUR_MS + 40 * MINUTE_MS, () => velocity.recordRouteMetric('/api/jobs', 'GET', true, 40));
      await inMinute(velocity, clock, OLD + 11 * HOUR_MS + 15 * MINUTE_MS, () => {
        velocity.recordRouteMetric('/api/jobs', 'GET', true, 20);
        velocity.recordOperationMetric('sync', false, 60);
      });
      await inMinute(velocity, clock, NOW - 30 * MINUTE_MS, () => velocity.recordRouteMetric('/api/jobs', 'GET', true, 50));
      clock.set(NOW);
      await velocity.prune();

      const ids = (await velocity.store.listSeries()).map((s) => s.id);
      assert.deepEqual(await velocity.store.readWindows('1m', ids, OLD, OLD + DAY_MS), [], 'the old minutes are gone');
      assert.equal((await velocity.store.readWindows('1h', ids, OLD, OLD + DAY_MS)).length, 7, 'their hours are kept, with the route totals of each');

      const [longRange] = await velocity.getRouteMetrics('/api/jobs', 'GET', { start: iso(OLD + 10 * HOUR_MS + 20 * MINUTE_MS), end: iso(NOW) });
      assert.deepEqual(longRange, {
        route: '/api/jobs',
        method: 'GET',
        total_requests: 6,
        successful: 5,
        failed: 1,
        total_duration_ms: 250,
        average_duration_ms: 41.667,
        period_start: iso(OLD + 10 * HOUR_MS),
        period_end: iso(NOW),
        last_request_at: iso(NOW - 30 * MINUTE_MS),
      });

      const [hour] = await velocity.getRouteMetrics(undefined, undefined, { start: OLD + 10 * HOUR_MS, end: OLD + 10 * HOUR_MS + 30 * MINUTE_MS });
      assert.deepEqual(
        [hour.total_requests, hour.failed, hour.total_duration_ms, hour.period_start, hour.period_end, hour.last_request_at],
        [4, 1, 180, iso(OLD + 10 * HOUR_MS), iso(OLD + 11 * HOUR_MS), iso(OLD + 10 * HOUR_MS)],
        'an end within an old hour takes the whole hour, the only window there is',
      );

      const [ops] = await velocity.getOperationMetrics('sync', { start: OLD, end: NOW });
      assert.deepEqual(
        [ops.total_executions, ops.successful, ops.failed, ops.total_duration_ms, ops.last_execution_at],
        [2, 1, 1, 80, iso(OLD + 11 * HOUR_MS)],
        'one operation over its custom labels, the whole day read from its daily window; the latest is found in its hours, not its minutes, which are gone',
      );
    } finally {
      await velocity.close();
    }
  });

  it('stays exact to the minute within the 1-minute retention although the hours are rolled', async () => {
    const clock = testClock(NOW - 4 * HOUR_MS);
    const velocity = testVelocity(clock);
    try {
      for (const offset of [10, 50, 90, 140]) {
        await inMinute(velocity, clock, NOW - 4 * HOUR_MS + offset * MINUTE_MS, () => velocity.recordRouteMetric('/a', 'GET', true, offset));
      }
      clock.set(NOW);
      const [rolled] = await velocity.rollup();
      assert.equal(rolled.watermark, NOW - HOUR_MS, 'hours up to 11:00 are rolled');

      // 08:30 to 10:25: the minutes 08:50 and 09:30 from 1m and 1h, 10:20 from 1m; 08:10 left out.
      const [a] = await velocity.getRouteMetrics('/a', 'GET', { start: NOW - 3.5 * HOUR_MS, end: NOW - 95 * MINUTE_MS });
      assert.deepEqual(
        [a.total_requests, a.total_duration_ms, a.period_start, a.period_end, a.last_request_at],
        [3, 280, iso(NOW - 3.5 * HOUR_MS), iso(NOW - 95 * MINUTE_MS), iso(NOW - 100 * MINUTE_MS)],
      );
      // 08:30 to 10:00: 09:00 to 10:00 is read from its hourly window, the latest request found in its minutes.
      const [b] = await velocity.getRouteMetrics('/a', 'GET', { start: NOW - 3.5 * HOUR_MS, end: NOW - 2 * HOUR_MS });
      assert.deepEqual([b.total_requests, b.total_duration_ms, b.last_request_at], [2, 140, iso(NOW - 150 * MINUTE_MS)]);
    } finally {
      await velocity.close();
    }
  });
});
