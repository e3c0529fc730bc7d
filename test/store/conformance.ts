/**
 * The store conformance suite: the same cases, run unchanged against every store. A store's
 * test file is one call:
 * @example
 * runStoreConformance({ name: 'memory', create: async () => createMemoryStore() });
 * @module
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, HOUR_MS } from '../../src/model/duration.js';
import type { RollupTier } from '../../src/model/rollup.js';
import { TIER_MS, type StoredWindow, type Tier, type Window } from '../../src/model/window.js';
import { STATUS_COUNTS_LENGTH, type DirtyBucket, type PlatformAggregate, type Store } from '../../src/store/store.js';
import { T0, makeWindow, minute, type WindowSpec } from '../support/windows.js';

/** How to run the suite against one store. */
export interface StoreConformanceOptions {
  /** The store's kind; also what `STORES` selects it by. */
  readonly name: Store['kind'];
  /** Returns a fresh, migrated, empty store; called once per case. */
  readonly create: () => Promise<Store>;
  /** Removes what `create` made (files, schemas); called after the suite has closed the store. */
  readonly cleanup?: (store: Store) => Promise<void>;
  /** Cases this store does not run, each group with the reason, written for the reader. */
  readonly skip?: ReadonlyArray<{ readonly reason: string; readonly tests: readonly string[] }>;
}

const storeKinds: ReadonlyArray<Store['kind']> = ['memory', 'sqlite', 'postgres'];

/**
 * node:test's `skip` option for the suites of store `name`: false when the `STORES`
 * environment variable (a comma-separated list, e.g. `STORES=memory,sqlite`) is unset or names
 * it, otherwise the reason it is skipped. Throws on a name in `STORES` that is not a store, so
 * that a typo does not silently run nothing.
 */
export function skipUnlessSelected(name: Store['kind']): string | false {
  const list = process.env.STORES?.trim();
  if (list === undefined || list === '') return false;
  const selected = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of selected) {
    if (!(storeKinds as readonly string[]).includes(s)) {
      throw new Error(`STORES: "${s}" is not a store (use ${storeKinds.join(', ')})`);
    }
  }
  return selected.includes(name) ? false : `STORES=${list} leaves out ${name}`;
}

type Case = (store: Store, name: Store['kind']) => Promise<void>;

const labelsA = { service: 'api', 'http.route': '/a', status_class: '2xx' };
const labelsB = { service: 'api', 'http.route': '/b', status_class: '5xx' };

/** Every series id the store knows, by series key. */
async function idsByKey(store: Store): Promise<Map<string, number>> {
  return new Map((await store.listSeries()).map((s) => [s.key, s.id]));
}

/** What reading `w` back should give, for the series stored with `seriesId`. */
function stored(w: Window, seriesId: number, withSketch = true): StoredWindow {
  const { series: _series, ...values } = w;
  return { ...values, seriesId, statusCounts: values.statusCounts ?? null, sketch: withSketch ? values.sketch : null };
}

/** Every 1m window of every series the store knows, over all time. */
async function readAll(store: Store, options?: { withSketch?: boolean }): Promise<StoredWindow[]> {
  const ids = [...(await idsByKey(store)).values()];
  return store.readWindows('1m', ids, 0, Number.MAX_SAFE_INTEGER, options);
}

/** Writes `windows`, then returns what reading them back should give, in store order. */
async function writeAndExpect(store: Store, windows: Window[]): Promise<StoredWindow[]> {
  await store.writeWindows('1m', windows);
  const ids = await idsByKey(store);
  return windows
    .map((w) => stored(w, ids.get(w.series.key) as number))
    .sort((a, b) => a.start - b.start || a.seriesId - b.seriesId);
}

/** The dirty buckets of `tier` as [start offset from T0 in hours, mark]: the mark only to compare. */
async function dirtyHours(store: Store, tier: RollupTier, limit = 100): Promise<number[]> {
  return (await store.listDirtyBuckets(tier, limit)).map((b) => (b.start - T0) / HOUR_MS);
}

/** A well-formed contract C row of `platform` at `bucketStart`, with `overrides`. */
function platformRow(bucketStart: number, platform: string, overrides: Partial<PlatformAggregate> = {}): PlatformAggregate {
  return {
    bucketStart,
    platform,
    requestCount: 40,
    successCount: 31,
    errorCount: 9,
    error4xxCount: 2,
    error5xxCount: 4,
    timeoutCount: 1,
    avgLatencyMs: 123.456789012345,
    p99LatencyMs: 987.654321,
    errorRate: 22.5,
    computedAt: T0 + 3 * DAY_MS + 123,
    ...overrides,
  };
}

/** Asserts that `promise` rejects with a VelocityError of `code`. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as { code?: unknown }).code, code, String(error));
    return true;
  });
}

const cases: Record<string, Case> = {
  'is the kind of store it is named for': async (store, name) => {
    assert.equal(store.kind, name);
  },

  'reads back every field of every kind exactly': async (store) => {
    const windows = [
      makeWindow({ kind: 'distribution', labels: labelsA, start: minute(1) }),
      makeWindow({
        kind: 'distribution',
        labels: labelsB,
        start: minute(1),
        count: 3,
        sum: 0.1 + 0.2,
        min: 1e-9,
        max: 12345.678,
        p50: 0.1,
        p95: 0.2,
        p99: 0.30000000000000004,
        sketch: new Uint8Array([0, 255, 7, 7, 128, 1]),
      }),
      makeWindow({ metric: 'http.request.body.size', kind: 'counter', labels: labelsA, start: minute(2) }),
      makeWindow({ metric: 'process.cpu.utilization', kind: 'gauge', labels: {}, start: minute(3) }),
    ];
    const expected = await writeAndExpect(store, windows);
    const read = await readAll(store);
    assert.deepEqual(read, expected);
    assert.equal(read.length, 4);
    const [a, b, counter, gauge] = read;
    assert.deepEqual([...(a.sketch as Uint8Array)], [1, 6, 3, 0, 255, 17, 42, 128]);
    assert.deepEqual([...(b.sketch as Uint8Array)], [0, 255, 7, 7, 128, 1]);
    assert.equal(b.sum, 0.1 + 0.2);
    assert.equal(b.min, 1e-9);
    assert.deepEqual(
      [counter.sum, counter.p50, counter.p95, counter.p99, counter.last, counter.sketch],
      [48_213, null, null, null, null, null],
    );
    assert.deepEqual([gauge.last, gauge.p50, gauge.sketch], [0.35, null, null]);
    assert.ok(a.sketch instanceof Uint8Array);
  },

  'orders windows by start, then series id': async (store) => {
    // Registered in the order B, A, so that B has the lower id.
    await store.writeWindows('1m', [makeWindow({ labels: labelsB, start: minute(5) })]);
    await store.writeWindows('1m', [
      makeWindow({ labels: labelsA, start: minute(2) }),
      makeWindow({ labels: labelsA, start: minute(0) }),
      makeWindow({ labels: labelsB, start: minute(2) }),
      makeWindow({ labels: labelsA, start: minute(1) }),
      makeWindow({ labels: labelsB, start: minute(0) }),
    ]);
    const ids = await idsByKey(store);
    const a = ids.get(makeWindow({ labels: labelsA }).series.key) as number;
    const b = ids.get(makeWindow({ labels: labelsB }).series.key) as number;
    assert.ok(b < a);
    const read = await store.readWindows('1m', [a, b], minute(0), minute(10));
    assert.deepEqual(
      read.map((w) => [w.start, w.seriesId]),
      [
        [minute(0), b],
        [minute(0), a],
        [minute(1), a],
        [minute(2), b],
        [minute(2), a],
        [minute(5), b],
      ],
    );
  },

  'reads the range [from, to): a window at from is included, one at to is not': async (store) => {
    const windows = [0, 1, 2, 3, 4].map((m) => makeWindow({ start: minute(m), count: m + 1 }));
    await store.writeWindows('1m', windows);
    const [id] = (await idsByKey(store)).values();
    const starts = async (from: number, to: number) =>
      (await store.readWindows('1m', [id], from, to)).map((w) => (w.start - minute(0)) / 60_000);
    assert.deepEqual(await starts(minute(1), minute(3)), [1, 2]);
    // Bounds between window starts, off by a millisecond either side.
    assert.deepEqual(await starts(minute(1) + 1, minute(3) + 1), [2, 3]);
    assert.deepEqual(await starts(minute(1) - 1, minute(3) - 1), [1, 2]);
    assert.deepEqual(await starts(minute(2), minute(2)), []);
    assert.deepEqual(await starts(minute(3), minute(1)), []);
    assert.deepEqual(await starts(minute(0), minute(5)), [0, 1, 2, 3, 4]);
  },

  'readSums returns [series, start, sum] of the windows in [from, to) of the series asked for': async (store) => {
    await store.writeWindows('1m', [
      makeWindow({ kind: 'counter', metric: 'net.bytes', labels: labelsA, start: minute(0), sum: 10 }),
      makeWindow({ kind: 'counter', metric: 'net.bytes', labels: labelsA, start: minute(1), sum: 11.5 }),
      makeWindow({ kind: 'counter', metric: 'net.bytes', labels: labelsA, start: minute(3), sum: 13 }),
      makeWindow({ kind: 'counter', metric: 'net.bytes', labels: labelsB, start: minute(1), sum: 21 }),
      makeWindow({ labels: labelsA, start: minute(1), sum: 99 }),
    ]);
    const ids = await idsByKey(store);
    const a = ids.get(makeWindow({ kind: 'counter', metric: 'net.bytes', labels: labelsA }).series.key) as number;
    const b = ids.get(makeWindow({ kind: 'counter', metric: 'net.bytes', labels: labelsB }).series.key) as number;
    const sorted = (rows: ReadonlyArray<readonly number[]>) => [...rows].map((r) => [...r]).sort((x, y) => x[1] - y[1] || x[0] - y[0]);
    assert.deepEqual(sorted(await store.readSums('1m', [a, b, a], minute(0) + 1, minute(3) + 1)), [
      [a, minute(1), 11.5],
      [b, minute(1), 21],
      [a, minute(3), 13],
    ]);
    assert.deepEqual(await store.readSums('1m', [a], minute(2), minute(2)), []);
    assert.deepEqual(await store.readSums('1m', [], minute(0), minute(9)), []);
  },

  'readWindowSummaries returns the windows in [from, to) as columns, latencies in whole microseconds': async (store) => {
    await store.writeWindows('1m', [
      makeWindow({ labels: labelsA, start: minute(0), count: 3, min: 0.0004, max: 2.0006, p50: 1.23456, p95: 1.9994, p99: 2 }),
      makeWindow({ labels: labelsA, start: minute(2), count: 5 }),
      makeWindow({ labels: labelsB, start: minute(2), count: 7, min: 12.5, max: 250.25, p50: 40, p95: 199.9996, p99: 250 }),
      makeWindow({ labels: labelsA, start: minute(3), count: 9 }),
      makeWindow({ kind: 'gauge', metric: 'process.memory', labels: labelsA, start: minute(1), min: 3.5, max: 4 }),
    ]);
    const ids = await idsByKey(store);
    const a = ids.get(makeWindow({ labels: labelsA }).series.key) as number;
    const b = ids.get(makeWindow({ labels: labelsB }).series.key) as number;
    const gauge = ids.get(makeWindow({ kind: 'gauge', metric: 'process.memory', labels: labelsA }).series.key) as number;
    const rows = async (from: number, to: number, seriesIds = [a, b, gauge, a]) => {
      const s = await store.readWindowSummaries('1m', seriesIds, from, to);
      return s.start
        .map((start, i) => [s.seriesId[i], start, s.count[i], s.minUs[i], s.maxUs[i], s.p50Us[i], s.p95Us[i], s.p99Us[i]])
        .sort((x, y) => (x[1] as number) - (y[1] as number) || (x[0] as number) - (y[0] as number));
    };
    assert.deepEqual(await rows(minute(0), minute(3)), [
      [a, minute(0), 3, 0, 2001, 1235, 1999, 2000],
      [gauge, minute(1), 4, 3500, 4000, null, null, null],
      [a, minute(2), 5, 3, 900, 87, 410, 770],
      [b, minute(2), 7, 12500, 250250, 40000, 200000, 250000],
    ]);
    assert.deepEqual((await rows(minute(2), minute(9), [b])).map((r) => r[1]), [minute(2)]);
    const empty = { seriesId: [], start: [], count: [], minUs: [], maxUs: [], p50Us: [], p95Us: [], p99Us: [], statusCounts: [] };
    assert.deepEqual(await store.readWindowSummaries('1m', [a], minute(4), minute(9)), empty);
    assert.deepEqual(await store.readWindowSummaries('1m', [], minute(0), minute(9)), empty);
    assert.deepEqual(await store.readWindowSummaries('1h', [a], minute(0), minute(9)), empty);
  },

  'keeps status counts on every tier, through every read, and replaces them on rewrite': async (store) => {
    const totals = { service: 'api', method: 'GET', route: '/a' };
    const big = Number.MAX_SAFE_INTEGER;
    for (const tier of ['1m', '1h', '1d'] as const) {
      const at = (n: number) => T0 + n * TIER_MS[tier];
      const windows = [
        makeWindow({ metric: 'http.server.request.duration.route', labels: totals, start: at(0), statusCounts: [0, 100, 3, 7, 1, 0, 2] }),
        makeWindow({ metric: 'http.server.request.duration.route', labels: totals, start: at(1), statusCounts: [big, 0, 0, 0, 0, 0, 0] }),
        makeWindow({ labels: labelsA, start: at(0) }),
      ];
      await store.writeWindows(tier, windows);
      const ids = await idsByKey(store);
      const t = ids.get(windows[0].series.key) as number;
      const a = ids.get(windows[2].series.key) as number;
      const read = await store.readWindows(tier, [t, a], at(0), at(2));
      assert.deepEqual(read, windows.map((w) => stored(w, ids.get(w.series.key) as number)).sort((x, y) => x.start - y.start || x.seriesId - y.seriesId));
      const bare = await store.readWindows(tier, [t], at(0), at(2), { withSketch: false });
      assert.deepEqual(bare.map((w) => w.statusCounts), [[0, 100, 3, 7, 1, 0, 2], [big, 0, 0, 0, 0, 0, 0]]);
      const keyed = await store.readWindows(tier, [t, a], at(0), at(2), { only: { seriesIds: [t], starts: [at(1)] } });
      assert.deepEqual(keyed.map((w) => w.statusCounts), [[big, 0, 0, 0, 0, 0, 0]]);
      const summaries = await store.readWindowSummaries(tier, [t, a], at(0), at(2));
      const slots = (i: number) => summaries.statusCounts.slice(i * STATUS_COUNTS_LENGTH, (i + 1) * STATUS_COUNTS_LENGTH);
      assert.equal(summaries.statusCounts.length, summaries.start.length * STATUS_COUNTS_LENGTH);
      const bySeriesStart = summaries.start.map((start, i) => [summaries.seriesId[i], start, slots(i)]);
      bySeriesStart.sort((x, y) => (x[1] as number) - (y[1] as number) || (x[0] as number) - (y[0] as number));
      assert.deepEqual(
        bySeriesStart.filter((row) => row[0] === t),
        [[t, at(0), [0, 100, 3, 7, 1, 0, 2]], [t, at(1), [big, 0, 0, 0, 0, 0, 0]]],
      );
      assert.deepEqual(bySeriesStart.find((row) => row[0] === a)?.[2], [0, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual((await store.readWindowSummaries(tier, [a], at(0), at(2))).statusCounts, [], 'none among the windows read');
      // A rewrite replaces them (on PostgreSQL through the upsert, since COPY meets stored rows).
      await store.writeWindows(tier, [{ ...windows[0], statusCounts: [5, 4, 3, 2, 1, 0, 9] }, { ...windows[1], statusCounts: null }]);
      const again = await store.readWindows(tier, [t], at(0), at(2));
      assert.deepEqual(again.map((w) => w.statusCounts), [[5, 4, 3, 2, 1, 0, 9], null]);
    }
  },

  'rejects status counts that are not an array of STATUS_COUNTS_LENGTH integers ≥ 0': async (store) => {
    const seven = (value: unknown) => [value, 0, 0, 0, 0, 0, 0];
    const bad = [[], [1], seven(-1), seven(1.5), seven(Number.NaN), seven('1'), new Array(STATUS_COUNTS_LENGTH + 1).fill(0), 'oops'];
    assert.equal(STATUS_COUNTS_LENGTH, 7);
    for (const statusCounts of bad) {
      const bad = makeWindow({ start: minute(0), statusCounts: statusCounts as number[] });
      await rejectsWith(store.writeWindows('1m', [bad]), 'INVALID_PARAMETER');
    }
    assert.deepEqual(await store.listSeries(), []);
  },

  'rewriting the same batch leaves the same rows (nothing double-counted)': async (store) => {
    const batch = [
      makeWindow({ labels: labelsA, start: minute(0) }),
      makeWindow({ labels: labelsA, start: minute(1) }),
      makeWindow({ kind: 'counter', metric: 'net.bytes', labels: labelsB, start: minute(1) }),
    ];
    const expected = await writeAndExpect(store, batch);
    const seriesBefore = await store.listSeries();
    await store.writeWindows('1m', batch);
    await store.writeWindows('1m', batch);
    assert.deepEqual(await readAll(store), expected);
    assert.deepEqual(await store.listSeries(), seriesBefore);
    assert.equal(expected[0].count, 120);
    assert.equal(expected[0].sum, 14.625);
  },

  'a window with a stored (series, start) replaces it': async (store) => {
    await store.writeWindows('1m', [
      makeWindow({ start: minute(0) }),
      makeWindow({ start: minute(1), count: 5, sum: 2 }),
    ]);
    const replacement = makeWindow({
      start: minute(1),
      count: 9,
      sum: 4.5,
      min: 0.01,
      max: 2,
      p50: 0.3,
      p95: 1.5,
      p99: 1.9,
      sketch: new Uint8Array([9, 9, 9]),
    });
    await store.writeWindows('1m', [replacement]);
    const [id] = (await idsByKey(store)).values();
    const read = await store.readWindows('1m', [id], minute(0), minute(2));
    assert.deepEqual(read, [stored(makeWindow({ start: minute(0) }), id), stored(replacement, id)]);
  },

  'a batch holding the same (series, start) twice keeps the later window': async (store) => {
    const later = makeWindow({ start: minute(0), count: 2, sum: 0.5, sketch: new Uint8Array([2]) });
    await store.writeWindows('1m', [makeWindow({ start: minute(0), count: 1, sum: 0.25 }), later]);
    const [id] = (await idsByKey(store)).values();
    assert.deepEqual(await store.readWindows('1m', [id], minute(0), minute(1)), [stored(later, id)]);
  },

  'rejects a batch with an invalid window and writes none of it': async (store) => {
    const before = await writeAndExpect(store, [makeWindow({ labels: labelsA, start: minute(0) })]);
    const seriesBefore = await store.listSeries();
    const valid = [
      makeWindow({ labels: labelsA, start: minute(0), count: 999 }),
      makeWindow({ labels: labelsB, start: minute(1) }),
      makeWindow({ metric: 'new.metric', kind: 'counter', start: minute(1) }),
    ];
    const invalid: WindowSpec[] = [
      { start: minute(2) + 30_000 },
      { start: Number.NaN },
      { start: minute(2) + 0.5 },
      { count: Number.NaN },
      { sum: Number.POSITIVE_INFINITY },
    ];
    for (const spec of invalid) {
      const bad = makeWindow({ labels: labelsB, ...spec });
      await rejectsWith(store.writeWindows('1m', [...valid, bad]), 'INVALID_PARAMETER');
      await rejectsWith(store.writeWindows('1m', [bad, ...valid]), 'INVALID_PARAMETER');
    }
    const wrongKey = makeWindow({ labels: labelsB, start: minute(3) });
    await rejectsWith(
      store.writeWindows('1m', [...valid, { ...wrongKey, series: { ...wrongKey.series, key: 'x{}' } }]),
      'INVALID_PARAMETER',
    );
    assert.deepEqual(await readAll(store), before);
    assert.deepEqual(await store.listSeries(), seriesBefore);
  },

  'rejects a tier that is not one': async (store) => {
    await rejectsWith(store.writeWindows('5m' as Tier, [makeWindow()]), 'INVALID_PARAMETER');
    await rejectsWith(store.readWindows('1m; DROP TABLE series' as Tier, [1], 0, 1), 'INVALID_PARAMETER');
    await rejectsWith(store.deleteWindowsBefore('toString' as Tier, minute(0)), 'INVALID_PARAMETER');
    assert.deepEqual(await store.listSeries(), []);
  },

  'lists series, all or by metric, with labels exactly and first/last seen across writes': async (store) => {
    const weird = { 'http.route': '/q?x="1"&y=\\', service: 'ünïcödé ✓', empty: '' };
    await store.writeWindows('1m', [
      makeWindow({ labels: labelsB, start: minute(5) }),
      makeWindow({ labels: labelsB, start: minute(3) }),
      makeWindow({ metric: 'net.bytes', kind: 'counter', labels: weird, start: minute(4) }),
      makeWindow({ labels: labelsA, start: minute(4) }),
    ]);
    await store.writeWindows('1m', [
      makeWindow({ labels: labelsB, start: minute(1) }),
      makeWindow({ labels: labelsB, start: minute(4) }),
      makeWindow({ labels: labelsA, start: minute(9) }),
      makeWindow({ metric: 'net.bytes', kind: 'counter', labels: weird, start: minute(4) }),
    ]);
    const all = await store.listSeries();
    assert.deepEqual(
      all.map(({ id: _id, ...rest }) => rest),
      [
        {
          key: makeWindow({ labels: labelsB }).series.key,
          metric: 'http.server.request.duration',
          kind: 'distribution',
          labels: labelsB,
          firstSeen: minute(1),
          lastSeen: minute(5),
        },
        {
          key: makeWindow({ metric: 'net.bytes', kind: 'counter', labels: weird }).series.key,
          metric: 'net.bytes',
          kind: 'counter',
          labels: weird,
          firstSeen: minute(4),
          lastSeen: minute(4),
        },
        {
          key: makeWindow({ labels: labelsA }).series.key,
          metric: 'http.server.request.duration',
          kind: 'distribution',
          labels: labelsA,
          firstSeen: minute(4),
          lastSeen: minute(9),
        },
      ],
    );
    assert.ok(all[0].id < all[1].id && all[1].id < all[2].id);
    assert.deepEqual(await store.listSeries('net.bytes'), [all[1]]);
    assert.deepEqual(await store.listSeries('http.server.request.duration'), [all[0], all[2]]);
    assert.deepEqual(await store.listSeries('no.such.metric'), []);
    // Only the series whose labels include every label asked for, name and value.
    assert.deepEqual(await store.listSeries('http.server.request.duration', { service: 'api' }), [all[0], all[2]]);
    assert.deepEqual(await store.listSeries('http.server.request.duration', { service: 'api', status_class: '5xx' }), [all[0]]);
    assert.deepEqual(await store.listSeries(undefined, { 'http.route': '/q?x="1"&y=\\', empty: '' }), [all[1]]);
    assert.deepEqual(await store.listSeries(undefined, { service: 'ünïcödé ✓' }), [all[1]]);
    assert.deepEqual(await store.listSeries(undefined, { empty: 'x' }), []);
    assert.deepEqual(await store.listSeries('net.bytes', { service: 'api' }), []);
    assert.deepEqual(await store.listSeries('http.server.request.duration', { method: 'GET' }), []);
    assert.deepEqual(await store.listSeries(undefined, {}), all);
  },

  'reads without sketches when withSketch is false': async (store) => {
    const windows = [makeWindow({ start: minute(0) }), makeWindow({ start: minute(1), labels: labelsA })];
    const expected = await writeAndExpect(store, windows);
    assert.deepEqual(
      await readAll(store, { withSketch: false }),
      expected.map((w) => ({ ...w, sketch: null })),
    );
    assert.deepEqual(await readAll(store, { withSketch: true }), expected);
  },

  'reads only the windows named by key, with their sketches': async (store) => {
    const windows = [0, 1, 2, 3].flatMap((m) => [
      makeWindow({ start: minute(m) }),
      makeWindow({ start: minute(m), labels: labelsA }),
    ]);
    const expected = await writeAndExpect(store, windows);
    const [a, b] = [...new Set(expected.map((w) => w.seriesId))];
    const named = (keys: Array<[number, number]>) => ({
      seriesIds: keys.map(([id]) => id),
      starts: keys.map(([, m]) => minute(m)),
    });
    const is = (id: number, m: number) => (w: StoredWindow) => w.seriesId === id && w.start === minute(m);
    // Out of order, one key twice, one outside the range, one of a series not asked for, one of no window.
    const only = named([[b, 3], [a, 1], [b, 1], [a, 1], [a, 7], [a + b + 1, 2], [a, 3], [b, 2]]);
    const at = await store.readWindows('1m', [a, b], minute(0), minute(3), { only });
    assert.deepEqual(at, expected.filter((w) => is(a, 1)(w) || is(b, 1)(w) || is(b, 2)(w)));
    assert.ok(at.every((w) => w.sketch !== null));
    assert.deepEqual(await store.readWindows('1m', [b], minute(0), minute(4), { only }), expected.filter((w) => w.seriesId === b && w.start !== minute(0)));
    assert.deepEqual(await store.readWindows('1m', [a, b], minute(0), minute(4), { only: named([]) }), []);
    const withoutSketch = await store.readWindows('1m', [a, b], minute(0), minute(2), { only: named([[a, 1]]), withSketch: false });
    assert.deepEqual(withoutSketch, expected.filter(is(a, 1)).map((w) => ({ ...w, sketch: null })));
  },

  'an empty list of series ids reads nothing': async (store) => {
    await store.writeWindows('1m', [makeWindow({ start: minute(0) })]);
    assert.deepEqual(await store.readWindows('1m', [], 0, Number.MAX_SAFE_INTEGER), []);
  },

  'reads 1,200 series in one call': async (store) => {
    const windows: Window[] = [];
    for (let i = 0; i < 1_200; i++) {
      const labels = { service: 'api', 'http.route': `/r/${i}` };
      windows.push(makeWindow({ kind: 'counter', labels, start: minute(0), sum: i }));
      windows.push(makeWindow({ kind: 'counter', labels, start: minute(1), sum: i + 0.5 }));
    }
    await store.writeWindows('1m', windows);
    const ids = await idsByKey(store);
    assert.equal(ids.size, 1_200);
    const sumById = new Map(windows.map((w) => [ids.get(w.series.key) as number, Math.floor(w.sum)]));
    const sorted = [...ids.values()].sort((x, y) => x - y);
    const read = await store.readWindows('1m', [...ids.values()].reverse(), minute(0), minute(2));
    assert.equal(read.length, 2_400);
    assert.deepEqual(
      read.map((w) => [w.start, w.seriesId, w.sum]),
      [
        ...sorted.map((id) => [minute(0), id, sumById.get(id)]),
        ...sorted.map((id) => [minute(1), id, (sumById.get(id) as number) + 0.5]),
      ],
    );
    const some = sorted.filter((_, i) => i % 7 === 0);
    assert.equal((await store.readWindows('1m', some, minute(1), minute(2))).length, some.length);
    // Summaries of many series (PostgreSQL reads them in parts at once): every window once.
    const summaries = await store.readWindowSummaries('1m', [...ids.values()].reverse(), minute(0), minute(2));
    const keys = summaries.seriesId.map((id, i) => `${id}@${summaries.start[i]}:${summaries.count[i]}`).sort();
    const expectedKeys = sorted.flatMap((id) => [minute(0), minute(1)].map((start) => `${id}@${start}:37`)).sort();
    assert.deepEqual(keys, expectedKeys);
    assert.deepEqual(summaries.statusCounts, [], 'no window has status counts: none are given');
  },

  'deletes exactly the windows before the cutoff, in batches, and says how many': async (store) => {
    const windows: Window[] = [];
    for (const labels of [labelsA, labelsB, { service: 'worker' }]) {
      for (let m = 0; m < 20; m++) windows.push(makeWindow({ labels, start: minute(m) }));
    }
    const expected = await writeAndExpect(store, windows);
    // 42 windows in batches of 6: seven full batches, then an empty one.
    assert.equal(await store.deleteWindowsBefore('1m', minute(14), 6), 42);
    assert.deepEqual(await readAll(store), expected.filter((w) => w.start >= minute(14)));
    assert.equal(await store.deleteWindowsBefore('1m', minute(14), 6), 0);
    // A cutoff between window starts deletes the window starting just before it.
    assert.equal(await store.deleteWindowsBefore('1m', minute(15) + 1, 4), 6);
    assert.deepEqual(await readAll(store), expected.filter((w) => w.start >= minute(16)));
    assert.equal(await store.deleteWindowsBefore('1m', minute(20)), 12);
    assert.deepEqual(await readAll(store), []);
    await rejectsWith(store.deleteWindowsBefore('1m', minute(20), 0), 'INVALID_PARAMETER');
  },

  'migrate() again is harmless': async (store) => {
    const expected = await writeAndExpect(store, [makeWindow({ start: minute(0) })]);
    await store.migrate();
    await store.migrate();
    assert.deepEqual(await readAll(store), expected);
    await store.writeWindows('1m', [makeWindow({ start: minute(1) })]);
    assert.equal((await readAll(store)).length, 2);
  },

  'ping resolves': async (store) => {
    assert.equal(await store.ping(), undefined);
  },

  'concurrent writes all land': async (store) => {
    const routes = ['/a', '/b', '/c', '/d', '/e'];
    const batches = [0, 1, 2, 3, 4].map((m) =>
      routes.map((route, r) =>
        makeWindow({ labels: { service: 'api', 'http.route': route }, start: minute(m), count: 10 * m + r }),
      ),
    );
    await Promise.all(batches.map((batch) => store.writeWindows('1m', batch)));
    const series = await store.listSeries();
    assert.equal(series.length, 5);
    for (const s of series) assert.deepEqual([s.firstSeen, s.lastSeen], [minute(0), minute(4)]);
    const ids = await idsByKey(store);
    const read = await readAll(store);
    assert.equal(read.length, 25);
    for (const w of batches.flat()) {
      const id = ids.get(w.series.key);
      assert.equal(read.find((r) => r.seriesId === id && r.start === w.start)?.count, w.count);
    }
  },

  'holds its own copies: mutating written or read data changes nothing stored': async (store) => {
    const labels = { service: 'api', 'http.route': '/copy' };
    const w = makeWindow({ labels, start: minute(0), sketch: new Uint8Array([1, 2, 3]) });
    const batch = [w];
    await store.writeWindows('1m', batch);
    (w.sketch as Uint8Array)[0] = 99;
    (labels as Record<string, string>).service = 'changed';
    batch.push(makeWindow({ start: minute(1) }));
    const [read] = await readAll(store);
    assert.deepEqual([...(read.sketch as Uint8Array)], [1, 2, 3]);
    (read.sketch as Uint8Array)[1] = 99;
    const [series] = await store.listSeries();
    (series.labels as Record<string, string>)['http.route'] = '/changed';
    assert.deepEqual([...((await readAll(store))[0].sketch as Uint8Array)], [1, 2, 3]);
    assert.deepEqual((await store.listSeries())[0].labels, { service: 'api', 'http.route': '/copy' });
    assert.equal((await readAll(store)).length, 1);
  },

  'maintenance runs a job once, not again within 90 % of its interval, and again after': async (store) => {
    const runs: string[] = [];
    const work = (label: string) => async () => void runs.push(label);
    assert.equal(await store.runMaintenance('retention', minute(0), HOUR_MS, work('first')), true);
    assert.equal(await store.runMaintenance('retention', minute(0), HOUR_MS, work('same moment')), false);
    assert.equal(await store.runMaintenance('retention', minute(54) - 1, HOUR_MS, work('too early')), false);
    assert.equal(await store.runMaintenance('retention', minute(54), HOUR_MS, work('due')), true);
    assert.equal(await store.runMaintenance('retention', minute(60), HOUR_MS, work('6 min later')), false);
    // Jobs are recorded apart: another job is due although retention just ran.
    assert.equal(await store.runMaintenance('rollup', minute(60), HOUR_MS, work('other job')), true);
    assert.equal(await store.runMaintenance('retention', minute(108), HOUR_MS, work('next cycle')), true);
    assert.deepEqual(runs, ['first', 'due', 'other job', 'next cycle']);
  },

  'maintenance work that throws propagates its error and records no run': async (store) => {
    const failure = new Error('retention failed halfway');
    await assert.rejects(store.runMaintenance('retention', minute(0), HOUR_MS, async () => { throw failure; }), (error) => error === failure);
    let ran = 0;
    assert.equal(await store.runMaintenance('retention', minute(1), HOUR_MS, async () => void ran++), true);
    assert.equal(ran, 1);
    assert.equal(await store.runMaintenance('retention', minute(2), HOUR_MS, async () => void ran++), false);
    assert.equal(ran, 1);
  },

  'one maintenance run at a time: a call while one runs returns false without running': async (store) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = store.runMaintenance('retention', minute(0), 0, async () => {
      started();
      await gate;
    });
    await running;
    let ran = false;
    // Another job, always due (interval 0): only the lock keeps it out.
    assert.equal(await store.runMaintenance('rollup', minute(0), 0, async () => void (ran = true)), false);
    assert.equal(ran, false);
    release();
    assert.equal(await first, true);
    assert.equal(await store.runMaintenance('rollup', minute(0), 0, async () => void (ran = true)), true);
    assert.equal(ran, true);
  },

  'maintenance rejects a bad job, time or interval without running': async (store) => {
    let ran = false;
    const work = async () => void (ran = true);
    await rejectsWith(store.runMaintenance('', minute(0), HOUR_MS, work), 'INVALID_PARAMETER');
    await rejectsWith(store.runMaintenance('retention', Number.NaN, HOUR_MS, work), 'INVALID_PARAMETER');
    await rejectsWith(store.runMaintenance('retention', minute(0), -1, work), 'INVALID_PARAMETER');
    await rejectsWith(store.runMaintenance('retention', minute(0), Number.POSITIVE_INFINITY, work), 'INVALID_PARAMETER');
    assert.equal(ran, false);
  },

  'keeps 1h and 1d windows in tiers of their own, written, read and deleted like 1m': async (store) => {
    const at = { '1m': T0 + 59 * 60_000, '1h': T0 + 23 * HOUR_MS, '1d': T0 } as const;
    for (const tier of ['1m', '1h', '1d'] as const) {
      await store.writeWindows(tier, [
        makeWindow({ labels: labelsA, start: T0, count: tier === '1m' ? 1 : tier === '1h' ? 60 : 1440 }),
        makeWindow({ labels: labelsA, start: at[tier], count: 7 }),
        makeWindow({ labels: labelsB, start: T0 + DAY_MS, count: 3 }),
      ]);
    }
    const ids = await idsByKey(store);
    assert.equal(ids.size, 2, 'one series table for every tier');
    const all = [...ids.values()];
    const counts = async (tier: Tier) =>
      (await store.readWindows(tier, all, T0, T0 + 2 * DAY_MS)).map((w) => [w.start - T0, w.count]);
    assert.deepEqual(await counts('1m'), [[0, 1], [59 * 60_000, 7], [DAY_MS, 3]]);
    assert.deepEqual(await counts('1h'), [[0, 60], [23 * HOUR_MS, 7], [DAY_MS, 3]]);
    assert.deepEqual(await counts('1d'), [[0, 7], [DAY_MS, 3]], 'the second 1d window at T0 replaced the first');
    await rejectsWith(store.writeWindows('1h', [makeWindow({ start: minute(1) })]), 'INVALID_PARAMETER');
    await rejectsWith(store.writeWindows('1d', [makeWindow({ start: T0 + HOUR_MS })]), 'INVALID_PARAMETER');
    assert.equal(await store.deleteWindowsBefore('1h', T0 + DAY_MS), 2);
    assert.deepEqual(await counts('1h'), [[DAY_MS, 3]]);
    assert.deepEqual(await counts('1m'), [[0, 1], [59 * 60_000, 7], [DAY_MS, 3]], '1m untouched');
    assert.equal(await store.deleteWindowsBefore('1d', T0 + DAY_MS + 1), 2);
    assert.deepEqual(await counts('1d'), []);
  },

  'finds the earliest window of a tier at or after a time': async (store) => {
    assert.equal(await store.firstWindowStart('1m', 0), null);
    await store.writeWindows('1m', [
      makeWindow({ labels: labelsA, start: minute(7) }),
      makeWindow({ labels: labelsB, start: minute(3) }),
      makeWindow({ labels: labelsB, start: minute(90) }),
    ]);
    await store.writeWindows('1h', [makeWindow({ start: T0 + 5 * HOUR_MS })]);
    assert.equal(await store.firstWindowStart('1m', Number.NEGATIVE_INFINITY), minute(3));
    assert.equal(await store.firstWindowStart('1m', minute(3)), minute(3));
    assert.equal(await store.firstWindowStart('1m', minute(3) + 1), minute(7));
    assert.equal(await store.firstWindowStart('1m', minute(8)), minute(90));
    assert.equal(await store.firstWindowStart('1m', minute(91)), null);
    assert.equal(await store.firstWindowStart('1h', 0), T0 + 5 * HOUR_MS);
    assert.equal(await store.firstWindowStart('1d', 0), null);
    await rejectsWith(store.firstWindowStart('1w' as Tier, 0), 'INVALID_PARAMETER');
  },

  'watermarks start empty, only move forward and are kept per tier': async (store) => {
    assert.equal(await store.getWatermark('1h'), null);
    assert.equal(await store.getWatermark('1d'), null);
    await store.advanceWatermark('1h', T0 + 2 * HOUR_MS);
    assert.equal(await store.getWatermark('1h'), T0 + 2 * HOUR_MS);
    assert.equal(await store.getWatermark('1d'), null);
    await store.advanceWatermark('1h', T0 + HOUR_MS);
    assert.equal(await store.getWatermark('1h'), T0 + 2 * HOUR_MS, 'never back');
    await store.claimRollup('1h', T0 + 5 * HOUR_MS);
    assert.equal(await store.getWatermark('1h'), T0 + 2 * HOUR_MS, 'a claim is not a watermark');
    await store.advanceWatermark('1d', T0 + DAY_MS);
    assert.equal(await store.getWatermark('1d'), T0 + DAY_MS);
    await rejectsWith(store.getWatermark('1m' as RollupTier), 'INVALID_PARAMETER');
    await rejectsWith(store.advanceWatermark('1h', T0 + 1), 'INVALID_PARAMETER');
    await rejectsWith(store.advanceWatermark('1d', T0 + HOUR_MS), 'INVALID_PARAMETER');
    await rejectsWith(store.claimRollup('1h', Number.NaN), 'INVALID_PARAMETER');
    await rejectsWith(store.listDirtyBuckets('1h', 0), 'INVALID_PARAMETER');
    assert.equal(await store.getWatermark('1h'), T0 + 2 * HOUR_MS);
  },

  'writing windows below a claimed bucket marks it dirty, in the same write': async (store) => {
    await store.writeWindows('1m', [makeWindow({ start: minute(10) })]);
    assert.deepEqual(await dirtyHours(store, '1h'), [], 'nothing claimed: nothing dirty');

    await store.claimRollup('1h', T0 + 2 * HOUR_MS);
    await store.writeWindows('1m', [
      makeWindow({ labels: labelsA, start: minute(70) }),
      makeWindow({ labels: labelsB, start: minute(10) }),
      makeWindow({ labels: labelsB, start: minute(11) }),
      makeWindow({ labels: labelsA, start: minute(120) }),
    ]);
    assert.deepEqual(await dirtyHours(store, '1h'), [0, 1], 'hours 0 and 1 are claimed, hour 2 is not');
    assert.deepEqual(await dirtyHours(store, '1h', 1), [0], 'oldest first, at most the limit');
    assert.deepEqual(await dirtyHours(store, '1d'), []);

    await rejectsWith(
      store.writeWindows('1m', [makeWindow({ start: minute(200) + 1 }), makeWindow({ start: minute(130) })]),
      'INVALID_PARAMETER',
    );
    await store.advanceWatermark('1h', T0 + 4 * HOUR_MS);
    assert.deepEqual(await dirtyHours(store, '1h'), [0, 1], 'a rejected batch marks nothing');

    await store.advanceWatermark('1d', T0 + DAY_MS);
    await store.writeWindows('1m', [makeWindow({ start: minute(180) })]);
    assert.deepEqual(await dirtyHours(store, '1h'), [0, 1, 3], 'the claim follows the watermark');
    assert.deepEqual(await dirtyHours(store, '1d'), [0], '1m windows mark their day as well');

    const [day] = await store.listDirtyBuckets('1d', 10);
    assert.equal(await store.clearDirtyBucket(day), true);
    await store.writeWindows('1h', [makeWindow({ start: T0 + 5 * HOUR_MS }), makeWindow({ start: T0 + DAY_MS })]);
    assert.deepEqual(await dirtyHours(store, '1d'), [0], '1h windows mark their day; the next day is not claimed');
    assert.deepEqual(await dirtyHours(store, '1h'), [0, 1, 3], '1h windows mark no hour');
    await store.writeWindows('1d', [makeWindow({ start: T0 - DAY_MS })]);
    assert.deepEqual(await dirtyHours(store, '1d'), [0], '1d windows mark nothing');
  },

  'a dirty bucket is cleared only while its mark is the one listed': async (store) => {
    await store.advanceWatermark('1h', T0 + HOUR_MS);
    await store.writeWindows('1m', [makeWindow({ start: minute(5) })]);
    const [first] = await store.listDirtyBuckets('1h', 10);
    assert.deepEqual([first.tier, first.start], ['1h', T0]);
    await store.writeWindows('1m', [makeWindow({ start: minute(6) })]);
    const [second] = await store.listDirtyBuckets('1h', 10);
    assert.notEqual(second.mark, first.mark, 'marked again: a new mark');
    assert.equal(await store.clearDirtyBucket(first), false);
    assert.deepEqual(await store.listDirtyBuckets('1h', 10), [second]);
    assert.equal(await store.clearDirtyBucket(second), true);
    assert.deepEqual(await store.listDirtyBuckets('1h', 10), []);
    assert.equal(await store.clearDirtyBucket(second), false);
    await store.writeWindows('1m', [makeWindow({ start: minute(7) })]);
    const [third] = await store.listDirtyBuckets('1h', 10);
    assert.ok(third.mark !== first.mark && third.mark !== second.mark, 'a mark is never handed out twice');
    const wrongTier: DirtyBucket = { ...third, tier: '1d' };
    assert.equal(await store.clearDirtyBucket(wrongTier), false);
    assert.deepEqual(await store.listDirtyBuckets('1h', 10), [third]);
  },

  'upserts platform aggregates by (bucket, platform) and reads them back exactly, per tier': async (store) => {
    const hourly = [
      platformRow(T0 + HOUR_MS, 'stripe'),
      platformRow(T0, 'stripe', { avgLatencyMs: null, p99LatencyMs: null, requestCount: 0, successCount: 0, errorCount: 0, error4xxCount: 0, error5xxCount: 0, timeoutCount: 0, errorRate: 0 }),
      platformRow(T0, 'openai', { errorRate: 100 / 3 }),
    ];
    await store.writePlatformAggregates('1h', hourly);
    const all = async (tier: RollupTier) => store.readPlatformAggregates(tier, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    assert.deepEqual(await all('1h'), [hourly[2], hourly[1], hourly[0]], 'by bucket, then platform');
    assert.deepEqual(await all('1d'), [], '1d rows are kept apart');

    const recomputed = platformRow(T0, 'stripe', { requestCount: 41, successCount: 32, computedAt: T0 + 4 * DAY_MS });
    await store.writePlatformAggregates('1h', [platformRow(T0, 'stripe', { requestCount: 99, successCount: 90 }), recomputed]);
    assert.deepEqual(await all('1h'), [hourly[2], recomputed, hourly[0]], 'the key is replaced, by the later row of the batch');

    const daily = [platformRow(T0, 'stripe', { requestCount: 81, successCount: 72 }), platformRow(T0 + DAY_MS, 'stripe')];
    await store.writePlatformAggregates('1d', daily);
    await store.writePlatformAggregates('1d', []);
    assert.deepEqual(await all('1d'), daily);
    // [from, to) over bucket starts, bounds between buckets included.
    assert.deepEqual(await store.readPlatformAggregates('1h', T0 + 1, T0 + HOUR_MS + 1), [hourly[0]]);
    assert.deepEqual(await store.readPlatformAggregates('1h', T0, T0 + HOUR_MS), [hourly[2], recomputed]);
    assert.deepEqual(await store.readPlatformAggregates('1d', T0 - 1, T0 + DAY_MS), [daily[0]]);
    assert.deepEqual(await store.readPlatformAggregates('1d', T0 + DAY_MS, T0), []);
  },

  'rejects malformed platform aggregates and writes none of the batch': async (store) => {
    const good = platformRow(T0, 'stripe');
    const bad: Array<[RollupTier, Partial<PlatformAggregate>, string]> = [
      ['1h', { bucketStart: T0 + 60_000 }, 'rows[1].bucketStart'],
      ['1d', { bucketStart: T0 + HOUR_MS }, 'rows[1].bucketStart'],
      ['1h', { bucketStart: Date.UTC(10_000, 0, 1) }, 'rows[1].bucketStart'],
      ['1h', { platform: '' }, 'rows[1].platform'],
      ['1h', { requestCount: 1.5 }, 'rows[1].requestCount'],
      ['1h', { timeoutCount: -1 }, 'rows[1].timeoutCount'],
      ['1h', { successCount: 30 }, 'rows[1].errorCount'],
      ['1h', { error5xxCount: 7 }, 'rows[1].errorCount'],
      ['1h', { p99LatencyMs: Number.NaN }, 'rows[1].p99LatencyMs'],
      ['1h', { errorRate: 100.5 }, 'rows[1].errorRate'],
      ['1h', { computedAt: 1.5 }, 'rows[1].computedAt'],
    ];
    for (const [tier, overrides, param] of bad) {
      await assert.rejects(
        store.writePlatformAggregates(tier, [good, platformRow(T0, 'openai', overrides)]),
        (error: unknown) => (error as { param?: unknown }).param === param,
        param,
      );
    }
    await rejectsWith(store.writePlatformAggregates('1m' as RollupTier, [good]), 'INVALID_PARAMETER');
    await rejectsWith(store.readPlatformAggregates('1m' as RollupTier, 0, 1), 'INVALID_PARAMETER');
    await rejectsWith(store.deletePlatformAggregatesBefore('1w' as RollupTier, 0), 'INVALID_PARAMETER');
    assert.deepEqual(await store.readPlatformAggregates('1h', 0, Number.MAX_SAFE_INTEGER), []);
    assert.deepEqual(await store.readPlatformAggregates('1d', 0, Number.MAX_SAFE_INTEGER), []);
  },

  'deletes the platform aggregates of a tier before a cutoff, and says how many': async (store) => {
    await store.writePlatformAggregates('1h', [0, 1, 2, 3].flatMap((h) => [platformRow(T0 + h * HOUR_MS, 'a'), platformRow(T0 + h * HOUR_MS, 'b')]));
    await store.writePlatformAggregates('1d', [platformRow(T0, 'a'), platformRow(T0 + DAY_MS, 'a')]);
    assert.equal(await store.deletePlatformAggregatesBefore('1h', T0 + 2 * HOUR_MS), 4);
    assert.equal(await store.deletePlatformAggregatesBefore('1h', T0 + 2 * HOUR_MS), 0);
    // A cutoff between bucket starts deletes the bucket starting just before it.
    assert.equal(await store.deletePlatformAggregatesBefore('1h', T0 + 2 * HOUR_MS + 1), 2);
    const left = await store.readPlatformAggregates('1h', 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(left.map((r) => [(r.bucketStart - T0) / HOUR_MS, r.platform]), [[3, 'a'], [3, 'b']]);
    assert.equal((await store.readPlatformAggregates('1d', 0, Number.MAX_SAFE_INTEGER)).length, 2, '1d untouched');
    assert.equal(await store.deletePlatformAggregatesBefore('1d', Number.POSITIVE_INFINITY), 2);
  },

  'after close, calls reject with CLOSED and close again is harmless': async (store) => {
    await store.close();
    await store.close();
    await rejectsWith(store.ping(), 'CLOSED');
    await rejectsWith(store.writeWindows('1m', [makeWindow()]), 'CLOSED');
    await rejectsWith(store.listSeries(), 'CLOSED');
    await rejectsWith(store.readWindows('1m', [1], 0, 1), 'CLOSED');
    await rejectsWith(store.runMaintenance('retention', minute(0), HOUR_MS, async () => {}), 'CLOSED');
    await rejectsWith(store.getWatermark('1h'), 'CLOSED');
    await rejectsWith(store.listDirtyBuckets('1h', 10), 'CLOSED');
    await rejectsWith(store.firstWindowStart('1m', 0), 'CLOSED');
    await rejectsWith(store.writePlatformAggregates('1h', []), 'CLOSED');
    await rejectsWith(store.readPlatformAggregates('1h', 0, 1), 'CLOSED');
    await rejectsWith(store.deletePlatformAggregatesBefore('1h', 0), 'CLOSED');
  },
};

/**
 * Runs every conformance case against a fresh store from `options.create`, closing it (and
 * calling `options.cleanup`) after each. Skipped as a whole when `STORES` leaves the store out;
 * single cases are skipped by name through `options.skip`, which must name real cases.
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const skipReasons = new Map<string, string>();
  for (const { reason, tests } of options.skip ?? []) {
    for (const test of tests) {
      if (!Object.hasOwn(cases, test)) throw new Error(`skip: "${test}" is not a conformance case`);
      skipReasons.set(test, reason);
    }
  }
  describe(`${options.name} store conformance`, { skip: skipUnlessSelected(options.name) }, () => {
    for (const [title, run] of Object.entries(cases)) {
      it(title, { skip: skipReasons.get(title) ?? false }, async () => {
        const store = await options.create();
        try {
          await run(store, options.name);
        } finally {
          await store.close();
          await options.cleanup?.(store);
        }
      });
    }
  });
}
