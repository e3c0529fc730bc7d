import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MINUTE_MS } from '../../src/model/duration.js';
import { exactQuantile } from '../../src/model/sketch.js';
import type { HistoryPoint, HistoryResult } from '../../src/query/history.js';
import type { Velocity } from '../../src/velocity.js';
import { lognormal, mulberry32 } from '../support/random.js';
import { testClock, testVelocity } from '../support/velocity.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const range = { start: new Date(T0).toISOString(), end: new Date(T0 + 3 * MINUTE_MS).toISOString(), step: '1m' };

/** Routes with request counts and latency medians chosen so that count and p95 rank them differently. */
const ROUTES = [
  { route: '/busy', perMinute: 300, median: 5 },
  { route: '/slow', perMinute: 40, median: 400 },
  { route: '/middle', perMinute: 100, median: 60 },
];

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected;
}

describe('history: group_by, top, order and columns', () => {
  const clock = testClock(T0);
  let velocity: Velocity;
  const latencies = new Map<string, number[]>();

  before(async () => {
    velocity = testVelocity(clock);
    const rand = mulberry32(11);
    for (let m = 0; m < 3; m++) {
      clock.set(T0 + m * MINUTE_MS + 1_000);
      velocity.rotate();
      for (const { route, perMinute, median } of ROUTES) {
        for (let i = 0; i < perMinute; i++) {
          const ms = lognormal(rand, Math.log(median), 0.5);
          latencies.set(route, [...(latencies.get(route) ?? []), ms]);
          velocity.recordRequest('GET', route, i % 25 === 0 ? 503 : 200, ms);
        }
      }
    }
    clock.set(T0 + 3 * MINUTE_MS + 1_000);
    await velocity.flush();
  });

  after(() => velocity.close());

  it('splits the points by route, every route with its own counts, busiest first', async () => {
    const result = await velocity.history({ ...range, group_by: 'route' });
    assert.equal(result.points, undefined);
    assert.deepEqual(result.group_by, ['route']);
    const groups = result.groups ?? [];
    assert.deepEqual(groups.map((g) => g.labels), [{ route: '/busy' }, { route: '/middle' }, { route: '/slow' }]);
    for (const group of groups) {
      const spec = ROUTES.find((r) => r.route === group.labels.route);
      assert.ok(spec);
      assert.equal(group.count, spec.perMinute * 3);
      const points = group.points ?? [];
      assert.equal(points.length, 3);
      const failed = Math.ceil(spec.perMinute / 25);
      for (const point of points) {
        assert.equal(point.count, spec.perMinute);
        assert.equal(point.count_5xx, failed);
        assert.equal(point.count_2xx, spec.perMinute - failed);
      }
    }
  });

  it('keeps the top N by count or by p95, the p95 merged over the whole range', async () => {
    const byCount = await velocity.history({ ...range, group_by: 'route', top: '2' });
    assert.deepEqual(byCount.groups?.map((g) => g.labels.route), ['/busy', '/middle']);
    const byP95 = await velocity.history({ ...range, group_by: 'route', top: '2', order: 'p95' });
    assert.deepEqual(byP95.groups?.map((g) => g.labels.route), ['/slow', '/middle']);
    for (const group of byP95.groups ?? []) {
      const exact = exactQuantile([...(latencies.get(group.labels.route as string) ?? [])].sort((a, b) => a - b), 0.95);
      assert.ok(relativeError(group.p95_ms as number, exact) <= 0.01, `${group.labels.route}: ${group.p95_ms} vs ${exact}`);
    }
  });

  it('groups by several labels, and by a label some series lack', async () => {
    const result = await velocity.history({ ...range, group_by: 'route,status_class', top: '2' });
    assert.deepEqual(result.groups?.map((g) => g.labels), [
      { route: '/busy', status_class: '2xx' },
      { route: '/middle', status_class: '2xx' },
    ]);
    const platform = await velocity.history({ ...range, group_by: 'platform' });
    assert.deepEqual(platform.groups?.map((g) => [g.labels, g.count]), [[{ platform: null }, 440 * 3]]);
  });

  it('lays the same points out as columns', async () => {
    const points = (await velocity.history(range)).points ?? [];
    const columnar: HistoryResult = await velocity.history({ ...range, format: 'columns' });
    assert.equal(columnar.points, undefined);
    const columns = columnar.columns;
    assert.ok(columns);
    assert.equal(columns.ts.length, 3);
    for (const [i, point] of points.entries()) {
      for (const field of Object.keys(point) as Array<keyof HistoryPoint>) {
        const expected = field === 'ts' ? Date.parse(point.ts) / 1000 : point[field];
        assert.equal(columns[field][i], expected, `${field}[${i}]`);
      }
    }
    const grouped = await velocity.history({ ...range, format: 'columns', group_by: 'route', top: '1' });
    assert.deepEqual(grouped.groups?.[0].columns?.count, [300, 300, 300]);
  });

  it('answers group_by over HTTP, and refuses top without group_by', async () => {
    const ok = await velocity.fetch(new Request(`http://localhost/api/v1/history?start=${range.start}&end=${range.end}&group_by=route&top=1`));
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as HistoryResult;
    assert.deepEqual(body.groups?.map((g) => g.labels.route), ['/busy']);
    const bad = await velocity.fetch(new Request(`http://localhost/api/v1/history?top=3`));
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { param: string }).param, 'top');
  });
});
