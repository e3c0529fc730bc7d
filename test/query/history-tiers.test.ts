import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { exactQuantile } from '../../src/model/sketch.js';
import type { HistoryPoint } from '../../src/query/history.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { Velocity } from '../../src/velocity.js';
import { lognormal, mulberry32 } from '../support/random.js';
import { tempDir } from '../support/tmp.js';
import { testClock, testVelocity, type TestClock } from '../support/velocity.js';

/** Midnight UTC: the data spans two days from here, across the day boundary. */
const D0 = Date.parse('2026-11-18T00:00:00Z');
const HOURS = 48;

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected;
}

const sum = (points: readonly HistoryPoint[], field: 'count' | 'count_2xx' | 'count_5xx'): number =>
  points.reduce((n, p) => n + p[field], 0);

const stores: Array<[string, () => { store: Store; cleanup: () => void }]> = [
  ['memory', () => ({ store: createMemoryStore(), cleanup: () => {} })],
  [
    'sqlite',
    () => {
      const { dir, remove } = tempDir();
      return { store: createSqliteStore({ path: join(dir, 'velocity.db') }), cleanup: remove };
    },
  ],
];

for (const [name, open] of stores) {
  describe(`history across tiers (${name})`, () => {
    const clock: TestClock = testClock(D0);
    let store: Store;
    let cleanup: () => void;
    let a: Velocity;
    let b: Velocity;
    /** Every latency recorded, per hour index. */
    const latencies: number[][] = Array.from({ length: HOURS + 2 }, () => []);
    const counts = { all: 0, errors: 0 };

    /** Records a few requests of two instances in minute `m` of hour `h`. */
    function traffic(h: number, m: number, rand: () => number): void {
      clock.set(D0 + h * HOUR_MS + m * MINUTE_MS + 1_000);
      for (const velocity of [a, b]) {
        velocity.rotate();
        const n = 3 + Math.floor(rand() * 5);
        for (let i = 0; i < n; i++) {
          const ms = lognormal(rand, Math.log(h % 24 < 12 ? 20 : 80), 0.6);
          const failed = rand() < 0.05;
          velocity.recordRequest('GET', '/api/jobs', failed ? 500 : 200, ms);
          latencies[h].push(ms);
          counts.all++;
          if (failed) counts.errors++;
        }
      }
    }

    before(async () => {
      ({ store, cleanup } = open());
      a = testVelocity(clock, { store, instance: 'a:1' });
      b = testVelocity(clock, { store: { ...store, close: async () => {} }, instance: 'b:2' });
      await Promise.all([a.ready, b.ready]);
      const rand = mulberry32(5);
      // Two days, some minutes of each hour, hour 7 left empty.
      for (let h = 0; h < HOURS; h++) {
        if (h === 7) continue;
        for (const m of [0, 17, 59]) traffic(h, m, rand);
        await a.flush();
        await b.flush();
      }
      clock.set(D0 + HOURS * HOUR_MS + 10 * MINUTE_MS);
      await a.flush();
      await b.flush();
      await a.rollup();
    });

    after(async () => {
      await b.close();
      await a.close();
      cleanup();
    });

    it('serves hourly and daily steps from the rolled tiers with the 1-minute totals exactly', async () => {
      const range = { start: new Date(D0).toISOString(), end: new Date(D0 + HOURS * HOUR_MS).toISOString() };
      const minutes = (await a.history({ ...range, step: '1m', limit: '10000' })).points ?? [];
      const hourly = await a.history({ ...range, step: '1h' });
      const daily = await a.history({ ...range, step: '1d' });
      assert.equal(hourly.tier, '1h');
      assert.equal(daily.tier, '1d');
      // Everything was rolled: these answers came from the 1h and 1d tables alone.
      assert.equal(await store.getWatermark('1h'), D0 + HOURS * HOUR_MS);
      assert.equal(await store.getWatermark('1d'), D0 + 2 * DAY_MS);
      for (const points of [minutes, hourly.points ?? [], daily.points ?? []]) {
        assert.equal(sum(points, 'count'), counts.all);
        assert.equal(sum(points, 'count_5xx'), counts.errors);
        assert.equal(sum(points, 'count_2xx'), counts.all - counts.errors);
      }
      const hours = hourly.points ?? [];
      assert.equal(hours.length, HOURS);
      assert.equal(hours[7].count, 0);
      assert.equal(hours[7].p95_ms, null);
      for (const [h, point] of hours.entries()) {
        if (h === 7) continue;
        const exact = exactQuantile([...latencies[h]].sort((x, y) => x - y), 0.95);
        assert.ok(relativeError(point.p95_ms as number, exact) <= 0.01, `hour ${h}: ${point.p95_ms} vs ${exact}`);
      }
      const days = daily.points ?? [];
      assert.deepEqual(days.map((p) => p.ts), [new Date(D0).toISOString(), new Date(D0 + DAY_MS).toISOString()]);
      const firstDay = latencies.slice(0, 24).flat().sort((x, y) => x - y);
      assert.ok(relativeError(days[0].p99_ms as number, exactQuantile(firstDay, 0.99)) <= 0.01);
    });

    it('reads the route totals for rolled points unless status classes are asked about, with the same answer', async () => {
      const range = { start: new Date(D0).toISOString(), end: new Date(D0 + HOURS * HOUR_MS).toISOString(), step: '1h' };
      const read: Array<[string, string[]]> = [];
      const metricOf = new Map((await store.listSeries()).map((s) => [s.id, s.metric]));
      const observed: Store = {
        ...store,
        readWindowSummaries: (tier, ids, from, to) => {
          read.push([tier, [...new Set(ids.map((id) => metricOf.get(id) as string))]]);
          return store.readWindowSummaries(tier, ids, from, to);
        },
      };
      const viaTotals = testVelocity(clock, { store: { ...observed, close: async () => {} }, instance: 'c:3' });
      try {
        await viaTotals.ready;
        const plain = await viaTotals.history(range);
        assert.deepEqual(read, [['1h', ['http.server.request.duration.route']]]);
        read.length = 0;
        const byClass = await viaTotals.history({ ...range, group_by: 'status_class' });
        assert.deepEqual(read, [['1h', ['http.server.request.duration']]]);
        const groups = byClass.groups ?? [];
        const points = plain.points ?? [];
        for (const [h, point] of points.entries()) {
          const classTotal = groups.reduce((n, g) => n + (g.points?.[h].count ?? 0), 0);
          assert.equal(point.count, classTotal, `hour ${h}`);
          assert.equal(point.count_5xx, groups.find((g) => g.labels.status_class === '5xx')?.points?.[h].count ?? 0);
        }
        read.length = 0;
        await viaTotals.history({ ...range, status_class: '5xx' });
        assert.deepEqual(read, [['1h', ['http.server.request.duration']]]);
      } finally {
        await viaTotals.close();
      }
    });

    it('reads buckets the roll-up has not reached from the finer tier', async () => {
      const rand = mulberry32(9);
      const before = counts.all;
      traffic(HOURS, 5, rand);
      traffic(HOURS + 1, 30, rand);
      clock.set(D0 + (HOURS + 1) * HOUR_MS + 45 * MINUTE_MS);
      await a.flush();
      await b.flush();
      const hourly = await a.history({
        start: new Date(D0 + (HOURS - 2) * HOUR_MS).toISOString(),
        end: new Date(D0 + (HOURS + 2) * HOUR_MS).toISOString(),
        step: '1h',
      });
      assert.equal(hourly.tier, '1h');
      const points = hourly.points ?? [];
      assert.equal(points.length, 4);
      assert.equal(points[2].count + points[3].count, counts.all - before);
      assert.equal(points[2].count, latencies[HOURS].length);
      assert.equal(points[3].count, latencies[HOURS + 1].length);
      assert.ok(points[0].count > 0 && points[1].count > 0);
    });

    it('answers per instance from 1-minute windows, the instances adding up to the folded total', async () => {
      const range = { start: new Date(D0).toISOString(), end: new Date(D0 + DAY_MS).toISOString(), step: '1h' };
      const folded = await a.history(range);
      const perInstance = await a.history({ ...range, group_by: 'instance' });
      assert.equal(perInstance.tier, '1m');
      const groups = perInstance.groups ?? [];
      assert.deepEqual(groups.map((g) => g.labels.instance).sort(), ['a:1', 'b:2']);
      for (let h = 0; h < 24; h++) {
        assert.equal(groups.reduce((n, g) => n + (g.points ?? [])[h].count, 0), (folded.points ?? [])[h].count, `hour ${h}`);
      }
    });
  });
}
