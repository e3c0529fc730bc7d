import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { seriesKey, type Labels } from '../../src/model/labels.js';
import { rollupLabels } from '../../src/model/rollup.js';
import { Sketch } from '../../src/model/sketch.js';
import { distributionValues, type StoredWindow, type Tier, type Window, type WindowKind } from '../../src/model/window.js';
import { planRollup, runRollup, type RollupSettings } from '../../src/pipeline/rollup.js';
import { ROUTE_TOTALS_METRIC } from '../../src/pipeline/route-totals.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SeriesRecord, Store } from '../../src/store/store.js';
import { skipUnlessSelected } from '../store/conformance.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { lognormal, mulberry32, type Random } from '../support/random.js';
import { tempDir } from '../support/tmp.js';
import { T0 } from '../support/windows.js';

const SETTINGS: RollupSettings = { retention1mMs: 14 * DAY_MS, retention1hMs: 90 * DAY_MS };
const DURATION = 'http.server.request.duration';

/** A latency rounded to 1/8 ms, so that sums in any order are exact. */
function latency(rand: Random, medianMs: number): number {
  return Math.max(0.125, Math.round(lognormal(rand, Math.log(medianMs), 0.7) * 8) / 8);
}

/** A 1m distribution window of `labels` holding `values`, with its real sketch. */
function distribution(labels: Labels, start: number, values: readonly number[]): Window {
  const sketch = new Sketch();
  for (const v of values) sketch.record(v);
  return { series: { key: seriesKey(DURATION, labels), metric: DURATION, kind: 'distribution', labels }, ...distributionValues(sketch, start) };
}

/** A 1m window of a counter or gauge of `labels`. */
function scalar(metric: string, kind: WindowKind, labels: Labels, start: number, values: readonly number[]): Window {
  return {
    series: { key: seriesKey(metric, labels), metric, kind, labels },
    start,
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    last: kind === 'gauge' ? values[values.length - 1] : null,
    p50: null,
    p95: null,
    p99: null,
    sketch: null,
  };
}

const labels = (instance: string, statusClass: string, route = '/users/:id'): Labels => ({
  service: 'api',
  instance,
  method: 'GET',
  route,
  status_class: statusClass,
});

/** The raw latencies one 1m window was made of, under the key of the series it rolls into. */
interface Observed {
  readonly rolledKey: string;
  readonly start: number;
  readonly values: readonly number[];
}

/**
 * Minutes of traffic from `from` to `to` on two instances: every minute a 2xx window per
 * instance, every 7th minute a 5xx one; with the raw latencies of each window.
 */
function traffic(rand: Random, from: number, to: number): { windows: Window[]; observed: Observed[] } {
  const windows: Window[] = [];
  const observed: Observed[] = [];
  for (let start = from; start < to; start += MINUTE_MS) {
    for (const instance of ['web-1:100', 'web-2:200']) {
      const classes = (start / MINUTE_MS) % 7 === 0 ? ['2xx', '5xx'] : ['2xx'];
      for (const statusClass of classes) {
        const values = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => latency(rand, statusClass === '5xx' ? 200 : 20));
        const w = distribution(labels(instance, statusClass), start, values);
        windows.push(w);
        observed.push({ rolledKey: seriesKey(DURATION, rollupLabels(w.series.labels)), start, values });
      }
    }
  }
  return { windows, observed };
}

/**
 * Every window of `tier`, with the series it belongs to: of every series but the route
 * totals, or (`totalsOnly`) of the route totals alone.
 */
async function readTier(store: Store, tier: Tier, totalsOnly = false): Promise<Array<StoredWindow & { series: SeriesRecord }>> {
  const series = (await store.listSeries()).filter((s) => (s.metric === ROUTE_TOTALS_METRIC) === totalsOnly);
  const byId = new Map(series.map((s) => [s.id, s]));
  const read = await store.readWindows(tier, [...byId.keys()], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  return read.map((w) => ({ ...w, series: byId.get(w.seriesId) as SeriesRecord }));
}

/** Count and sum of `tier`'s windows per status class (and in all), over [from, to). */
async function totals(store: Store, tier: Tier, from = Number.MIN_SAFE_INTEGER, to = Number.MAX_SAFE_INTEGER) {
  const sums: Record<string, { count: number; sum: number }> = {};
  for (const w of await readTier(store, tier)) {
    if (w.start < from || w.start >= to) continue;
    for (const key of [w.series.labels.status_class ?? 'none', 'all']) {
      sums[key] ??= { count: 0, sum: 0 };
      sums[key].count += w.count;
      sums[key].sum += w.sum;
    }
  }
  return sums;
}

/** How to make a fresh, migrated store of one kind for one test, and to clean up after it. */
interface StoreKind {
  readonly name: Store['kind'];
  readonly skip: () => string | false;
  readonly create: () => Promise<Store>;
}

let pgDatabase: TestDatabase | undefined;
let pgSchemas = 0;
const pgSkip = skipUnlessSelected('postgres') || (await postgresSkipReason());
const files = tempDir('velocity-rollup-');
let sqliteFiles = 0;

const kinds: StoreKind[] = [
  { name: 'memory', skip: () => skipUnlessSelected('memory'), create: async () => createMemoryStore() },
  {
    name: 'sqlite',
    skip: () => skipUnlessSelected('sqlite'),
    create: async () => {
      const store = createSqliteStore({ path: `${files.dir}/rollup-${++sqliteFiles}.db` });
      await store.migrate();
      return store;
    },
  },
  {
    name: 'postgres',
    skip: () => pgSkip,
    create: async () => {
      const store = createPostgresStore({ url: (pgDatabase as TestDatabase).url, schema: `rollup_${++pgSchemas}` });
      await store.migrate();
      return store;
    },
  },
];

before(async () => {
  if (pgSkip === false) pgDatabase = await createTestDatabase();
});
after(async () => {
  await pgDatabase?.drop();
  files.remove();
});

for (const kind of kinds) {
  describe(`rollup on the ${kind.name} store`, { skip: kind.skip() }, () => {
    /** Runs `test` on a fresh store, closing it afterwards. */
    const withStore = (test: (store: Store) => Promise<void>) => async () => {
      const store = await kind.create();
      try {
        await test(store);
      } finally {
        await store.close();
      }
    };

    it('rolls nothing without data, waits for the grace period, and passes an empty hour', withStore(async (store) => {
      assert.deepEqual(
        (await runRollup(store, T0 + DAY_MS, SETTINGS)).map((r) => [r.tier, r.buckets, r.watermark]),
        [['1h', 0, null], ['1d', 0, null]],
      );
      const rand = mulberry32(1);
      await store.writeWindows('1m', [
        distribution(labels('web-1:100', '2xx'), T0 + 5 * MINUTE_MS, [1, 2, 3]),
        distribution(labels('web-1:100', '2xx'), T0 + 2 * HOUR_MS + 59 * MINUTE_MS, [latency(rand, 10)]),
      ]);
      // Hour 0 ends at T0 + 1h: not complete until 2 minutes later.
      await runRollup(store, T0 + HOUR_MS + 2 * MINUTE_MS - 1, SETTINGS);
      assert.equal(await store.getWatermark('1h'), null);
      assert.deepEqual(await readTier(store, '1h'), []);
      const [hours, days] = await runRollup(store, T0 + 3 * HOUR_MS + 2 * MINUTE_MS, SETTINGS);
      // Per hour, the class window and the route's totals.
      assert.deepEqual([hours.buckets, hours.windows, hours.watermark], [2, 4, T0 + 3 * HOUR_MS]);
      assert.deepEqual([days.buckets, days.watermark], [0, null], 'day 0 is not over');
      assert.deepEqual(
        (await readTier(store, '1h')).map((w) => [(w.start - T0) / HOUR_MS, w.count]),
        [[0, 3], [2, 1]],
        'hour 1 held nothing and has no window',
      );
    }));

    it('1h and 1d totals equal the 1m totals exactly, across a day boundary, with instances folded', withStore(async (store) => {
      const rand = mulberry32(7);
      const from = T0 + 22 * HOUR_MS;
      const to = T0 + DAY_MS + 3 * HOUR_MS;
      const { windows, observed } = traffic(rand, from, to);
      for (let i = 0; i < windows.length; i += 500) await store.writeWindows('1m', windows.slice(i, i + 500));
      const [hours, days] = await runRollup(store, T0 + 2 * DAY_MS + 10 * MINUTE_MS, SETTINGS);
      assert.deepEqual([hours.buckets, hours.watermark], [5, T0 + 2 * DAY_MS]);
      // Per day, the 2xx and 5xx windows and the route's totals.
      assert.deepEqual([days.buckets, days.windows, days.watermark], [2, 6, T0 + 2 * DAY_MS]);

      const minuteTotals = await totals(store, '1m');
      assert.deepEqual(await totals(store, '1h'), minuteTotals);
      assert.deepEqual(await totals(store, '1d'), minuteTotals);
      assert.deepEqual(await totals(store, '1d', T0, T0 + DAY_MS), await totals(store, '1m', T0, T0 + DAY_MS));
      assert.ok(minuteTotals['5xx'].count > 0 && minuteTotals['2xx'].count > minuteTotals['5xx'].count);

      // One rolled series per status class, without the instance label.
      const rolled = (await readTier(store, '1d')).map((w) => w.series);
      assert.deepEqual(
        [...new Set(rolled.map((s) => JSON.stringify(s.labels)))].sort(),
        ['2xx', '5xx'].map((c) => JSON.stringify({ method: 'GET', route: '/users/:id', service: 'api', status_class: c })),
      );
      // Each rolled window's sketch is the sketch of every raw latency of its series and bucket.
      for (const tier of ['1h', '1d'] as const) {
        for (const w of await readTier(store, tier)) {
          const all = new Sketch();
          for (const o of observed) {
            if (o.rolledKey === w.series.key && o.start >= w.start && o.start < w.start + (tier === '1h' ? HOUR_MS : DAY_MS)) {
              for (const v of o.values) all.record(v);
            }
          }
          assert.deepEqual([...(w.sketch as Uint8Array)], [...all.encode()]);
          assert.deepEqual([w.count, w.sum, w.min, w.max], [all.count, all.sum, all.min, all.max]);
          assert.deepEqual([w.p50, w.p95, w.p99], [all.quantile(0.5), all.quantile(0.95), all.quantile(0.99)]);
        }
      }
      // One route-totals window per bucket: the sketch of every raw latency of the route, and its requests per class.
      for (const tier of ['1h', '1d'] as const) {
        const width = tier === '1h' ? HOUR_MS : DAY_MS;
        const classes = await readTier(store, tier);
        const routeTotals = await readTier(store, tier, true);
        assert.deepEqual(routeTotals.map((w) => w.start), [...new Set(classes.map((w) => w.start))]);
        for (const w of routeTotals) {
          assert.deepEqual(w.series.labels, { method: 'GET', route: '/users/:id', service: 'api' });
          const all = new Sketch();
          for (const o of observed) if (o.start >= w.start && o.start < w.start + width) for (const v of o.values) all.record(v);
          assert.deepEqual([...(w.sketch as Uint8Array)], [...all.encode()]);
          assert.deepEqual([w.count, w.min, w.max, w.p95], [all.count, all.min, all.max, all.quantile(0.95)]);
          const inBucket = classes.filter((c) => c.start === w.start);
          const classCount = (c: string) => inBucket.find((x) => x.series.labels.status_class === c)?.count ?? 0;
          assert.deepEqual(w.statusCounts, [0, classCount('2xx'), 0, 0, classCount('5xx'), 0, 0]);
        }
      }
    }));

    it('late windows mark their hour and day dirty, and the next run rolls them again', withStore(async (store) => {
      const rand = mulberry32(11);
      const { windows } = traffic(rand, T0 + 23 * HOUR_MS, T0 + DAY_MS + HOUR_MS);
      await store.writeWindows('1m', windows);
      const now = T0 + DAY_MS + 2 * HOUR_MS;
      await runRollup(store, now, SETTINGS);
      assert.equal(await store.getWatermark('1d'), T0 + DAY_MS);
      const hourBefore = (await totals(store, '1h', T0 + 23 * HOUR_MS, T0 + DAY_MS)).all;

      // A late window on a third instance, in the last hour of day 0, which was rolled.
      const late = distribution(labels('web-3:300', '2xx'), T0 + 23 * HOUR_MS + 30 * MINUTE_MS, [5, 6, 7, 8]);
      await store.writeWindows('1m', [late]);
      assert.deepEqual((await store.listDirtyBuckets('1h', 10)).map((b) => b.start), [T0 + 23 * HOUR_MS]);
      assert.deepEqual((await store.listDirtyBuckets('1d', 10)).map((b) => b.start), [T0]);

      const [hours, days] = await runRollup(store, now + MINUTE_MS, SETTINGS);
      assert.deepEqual([hours.buckets, days.buckets], [1, 1], 'only the dirty hour and its day');
      assert.deepEqual(await store.listDirtyBuckets('1h', 10), []);
      assert.deepEqual(await store.listDirtyBuckets('1d', 10), []);
      const hourAfter = (await totals(store, '1h', T0 + 23 * HOUR_MS, T0 + DAY_MS)).all;
      assert.deepEqual(hourAfter, { count: hourBefore.count + 4, sum: hourBefore.sum + 26 });
      assert.deepEqual(await totals(store, '1h'), await totals(store, '1m'));
      assert.deepEqual(await totals(store, '1d', T0, T0 + DAY_MS), await totals(store, '1m', T0, T0 + DAY_MS));
      const rolledSeries = (await store.listSeries(DURATION)).filter((s) => s.labels.instance === undefined);
      assert.equal(rolledSeries.length, 2, 'web-3 folded in too');
      const [lateTotals] = (await readTier(store, '1h', true)).filter((w) => w.start === T0 + 23 * HOUR_MS);
      assert.equal(lateTotals.count, hourAfter.count, "the late window is in the hour's route totals too");
    }));

    it('running it again changes nothing', withStore(async (store) => {
      const { windows } = traffic(mulberry32(3), T0 + 20 * HOUR_MS, T0 + DAY_MS + 4 * HOUR_MS);
      await store.writeWindows('1m', windows);
      const now = T0 + DAY_MS + 5 * HOUR_MS;
      await runRollup(store, now, SETTINGS);
      assert.equal(await store.getWatermark('1h'), now - HOUR_MS);
      const snapshot = async () => [await readTier(store, '1h'), await readTier(store, '1d'), await store.listSeries()];
      const before = await snapshot();
      for (const later of [now, now + 30 * MINUTE_MS]) {
        const again = await runRollup(store, later, SETTINGS);
        assert.deepEqual(again.map((r) => [r.buckets, r.windows]), [[0, 0], [0, 0]]);
      }
      assert.deepEqual(await snapshot(), before);
      assert.equal(await store.getWatermark('1h'), now, 'an hour without windows is passed all the same');
    }));

    it('catches up over many days in one run, skipping the empty ones', withStore(async (store) => {
      const windows: Window[] = [];
      // A window every 6 hours for 40 days, then nothing for 5 days.
      for (let start = T0; start < T0 + 40 * DAY_MS; start += 6 * HOUR_MS) {
        windows.push(scalar('net.bytes', 'counter', { iface: 'eth0', instance: 'i1' }, start + 17 * MINUTE_MS, [1_000, 24]));
        windows.push(scalar('mem.used', 'gauge', { instance: 'i1' }, start + 3 * MINUTE_MS, [50, 70, 60]));
      }
      await store.writeWindows('1m', windows);
      const [hours, days] = await runRollup(store, T0 + 45 * DAY_MS, SETTINGS);
      assert.deepEqual([hours.buckets, hours.windows, hours.watermark], [160, 320, T0 + 45 * DAY_MS - HOUR_MS]);
      assert.deepEqual([days.buckets, days.windows, days.watermark], [40, 80, T0 + 44 * DAY_MS]);
      const daily = await readTier(store, '1d');
      const bytes = daily.filter((w) => w.series.metric === 'net.bytes');
      assert.equal(bytes.length, 40);
      for (const w of bytes) assert.deepEqual([w.count, w.sum, w.min, w.max, w.last, w.sketch], [8, 4_096, 24, 1_000, null, null]);
      const gauge = daily.find((w) => w.series.metric === 'mem.used') as (typeof daily)[number];
      assert.deepEqual([gauge.count, gauge.sum, gauge.min, gauge.max, gauge.last], [12, 720, 50, 70, 60]);
      assert.deepEqual(bytes[0].series.labels, { iface: 'eth0' });
      assert.deepEqual(gauge.series.labels, {});
    }));

    it('clears without rolling a dirty hour older than the 1m retention, whose minutes may be gone', withStore(async (store) => {
      await store.writeWindows('1m', [
        distribution(labels('a:1', '2xx'), T0 + 10 * MINUTE_MS, [1, 2]),
        distribution(labels('a:1', '2xx'), T0 + 40 * MINUTE_MS, [3]),
      ]);
      await runRollup(store, T0 + 2 * HOUR_MS, SETTINGS);
      await store.deleteWindowsBefore('1m', T0 + 30 * MINUTE_MS);
      await store.writeWindows('1m', [distribution(labels('a:1', '2xx'), T0 + 50 * MINUTE_MS, [4])]);
      const [hours] = await runRollup(store, T0 + 14 * DAY_MS + 20 * MINUTE_MS, SETTINGS);
      assert.deepEqual([hours.expired, hours.buckets], [1, 0]);
      assert.deepEqual(await store.listDirtyBuckets('1h', 10), []);
      const [hour0] = await readTier(store, '1h');
      assert.deepEqual([hour0.start, hour0.count, hour0.sum], [T0, 3, 6], 'the hour as it was rolled while complete');
    }));
  });
}

describe('planRollup', () => {
  const inputs = { watermark: null, firstSourceStart: null, sourceWatermark: null, dirty: [] };

  it('plans the complete hours from the first window, or from the watermark', () => {
    const now = T0 + 5 * HOUR_MS + MINUTE_MS;
    assert.deepEqual(planRollup('1h', now, { ...inputs, firstSourceStart: T0 + 90 * MINUTE_MS }, SETTINGS), {
      tier: '1h',
      from: T0 + HOUR_MS,
      to: T0 + 4 * HOUR_MS,
      dirty: [],
      expired: [],
    });
    const fromWatermark = planRollup('1h', now + MINUTE_MS, { ...inputs, watermark: T0 + 3 * HOUR_MS }, SETTINGS);
    assert.deepEqual([fromWatermark.from, fromWatermark.to], [T0 + 3 * HOUR_MS, T0 + 5 * HOUR_MS]);
    const nothing = planRollup('1h', now, inputs, SETTINGS);
    assert.equal(nothing.from, nothing.to);
  });

  it('plans days only as far as the 1h watermark', () => {
    const now = T0 + 3 * DAY_MS;
    const plan = planRollup('1d', now, { ...inputs, firstSourceStart: T0 + HOUR_MS, sourceWatermark: T0 + DAY_MS + 5 * HOUR_MS }, SETTINGS);
    assert.deepEqual([plan.from, plan.to], [T0, T0 + DAY_MS]);
    const unrolled = planRollup('1d', now, { ...inputs, firstSourceStart: T0 + HOUR_MS }, SETTINGS);
    assert.equal(unrolled.from, unrolled.to);
  });

  it('keeps dirty buckets to roll again, drops those past the source retention, leaves later ones', () => {
    const now = T0 + 20 * DAY_MS;
    const dirty = [T0 + 5 * DAY_MS, T0 + 6 * DAY_MS + HOUR_MS, T0 + 19 * DAY_MS].map((start, mark) => ({ tier: '1h' as const, start, mark }));
    const plan = planRollup('1h', now, { ...inputs, watermark: T0 + 10 * DAY_MS, dirty: [...dirty, { tier: '1h', start: now, mark: 9 }] }, SETTINGS);
    assert.deepEqual(plan.expired, [dirty[0]]);
    assert.deepEqual(plan.dirty, [dirty[1], dirty[2]]);
  });
});
