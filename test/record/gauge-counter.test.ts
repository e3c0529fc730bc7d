import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MINUTE_MS } from '../../src/model/duration.js';
import { OVERFLOW_LABEL, Recorder } from '../../src/record/recorder.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { validateWindows } from '../../src/store/validate-windows.js';
import { tempDir } from '../support/tmp.js';

const T0 = Date.parse('2026-11-20T14:05:00Z');

describe('gauge series', () => {
  it('keeps last, min, max, sum and count per minute, sealed at the boundary', () => {
    const recorder = new Recorder(T0 + 1_000);
    const gauge = recorder.gauge('system.cpu.utilization', { instance: 'i1' });
    for (const v of [0.4, 0.1, 0.7, 0.3]) gauge.set(v);
    gauge.set(Number.NaN);
    gauge.set(Number.POSITIVE_INFINITY);
    assert.deepEqual(recorder.rotate(T0 + 59_000), []);
    const [window, ...rest] = recorder.rotate(T0 + MINUTE_MS + 2);
    assert.equal(rest.length, 0);
    assert.equal(window.series.kind, 'gauge');
    assert.deepEqual(
      [window.start, window.count, window.sum, window.min, window.max, window.last, window.p50, window.sketch],
      [T0, 4, 0.4 + 0.1 + 0.7 + 0.3, 0.1, 0.7, 0.3, null, null],
    );
    gauge.set(5);
    const [next] = recorder.rotate(T0 + 2 * MINUTE_MS);
    assert.deepEqual([next.start, next.count, next.min, next.max, next.last], [T0 + MINUTE_MS, 1, 5, 5, 5], 'the next minute starts empty');
    assert.deepEqual(recorder.rotate(T0 + 3 * MINUTE_MS), [], 'a minute without samples seals nothing');
  });
});

describe('counter series', () => {
  it('sums the increases added within the minute, ignoring negative and non-finite ones', () => {
    const recorder = new Recorder(T0);
    const counter = recorder.counter('system.network.io', { direction: 'receive', interface: 'eth0' });
    for (const v of [1_000, 0, 250, -5, Number.NaN, Number.POSITIVE_INFINITY]) counter.add(v);
    const [window] = recorder.sealOpen();
    assert.equal(window.series.kind, 'counter');
    assert.deepEqual([window.count, window.sum, window.min, window.max, window.last], [3, 1_250, 0, 1_000, null]);
    assert.deepEqual(recorder.sealOpen(), []);
  });
});

describe('Recorder with gauges and counters', () => {
  it('caps every kind per metric with one overflow series, reported in cardinality()', () => {
    const recorder = new Recorder(T0, { maxSeriesPerMetric: 2 });
    const base = { service: 'api', instance: 'i1' };
    for (let i = 0; i < 5; i++) recorder.counter('flows', { ...base, peer: `10.0.0.${i}:*` }).add(100 + i);
    for (let i = 0; i < 4; i++) recorder.gauge('temps', { ...base, zone: `z${i}` }).set(i);
    assert.equal(recorder.seriesCount, 3 + 3);
    assert.deepEqual(recorder.cardinality(), {
      flows: { series: 2, overflow_observations: 3 },
      temps: { series: 2, overflow_observations: 2 },
    });
    const windows = recorder.rotate(T0 + MINUTE_MS);
    const overflow = windows.find((w) => w.series.metric === 'flows' && w.series.labels.peer === OVERFLOW_LABEL);
    assert.deepEqual(overflow?.series.labels, { ...base, peer: OVERFLOW_LABEL });
    assert.deepEqual([overflow?.count, overflow?.sum], [3, 102 + 103 + 104]);
    const gaugeOverflow = windows.find((w) => w.series.metric === 'temps' && w.series.labels.zone === OVERFLOW_LABEL);
    assert.deepEqual([gaugeOverflow?.count, gaugeOverflow?.last], [2, 3]);
    assert.deepEqual(recorder.cardinality().flows, { series: 2, overflow_observations: 3 }, 'sealed overflow stays counted');
  });

  it('refuses a metric under a second kind', () => {
    const recorder = new Recorder(T0);
    recorder.gauge('m', { a: '1' });
    assert.throws(() => recorder.counter('m', { a: '2' }), /"m" is recorded as a gauge, not as a counter/);
    assert.throws(() => recorder.distribution('m', {}), /not as a distribution/);
  });

  it('seals windows every store accepts, and SQLite keeps each kind as recorded', async () => {
    const recorder = new Recorder(T0);
    recorder.gauge('g', { instance: 'i1' }).set(41.5);
    recorder.gauge('g', { instance: 'i1' }).set(40);
    recorder.counter('c', { instance: 'i1' }).add(1_500);
    recorder.distribution('d', { instance: 'i1' }).observe(3);
    const windows = recorder.rotate(T0 + MINUTE_MS);
    assert.equal(windows.length, 3);
    validateWindows('1m', windows);
    const tmp = tempDir();
    const store = createSqliteStore({ path: join(tmp.dir, 'v.db') });
    try {
      await store.migrate();
      await store.writeWindows('1m', windows);
      const series = await store.listSeries();
      const byId = new Map(series.map((s) => [s.id, s]));
      const read = await store.readWindows('1m', series.map((s) => s.id), T0, T0 + MINUTE_MS);
      const got = Object.fromEntries(read.map((w) => [byId.get(w.seriesId)?.kind, [w.count, w.sum, w.last]]));
      assert.deepEqual(got, { gauge: [2, 81.5, 40], counter: [1, 1_500, null], distribution: [1, 3, null] });
    } finally {
      await store.close();
      tmp.remove();
    }
  });

  it('allocates nothing per gauge sample or counter increase: at steady state no garbage collection', () => {
    const measured = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', 'test/fixtures/count-gc.ts', '--gauge-counter'], { encoding: 'utf8' }),
    ) as { rounds: number[]; total: number };
    assert.equal(measured.total, 20_000_000);
    assert.deepEqual(measured.rounds.slice(-3), [0, 0, 0], `collections per round: ${measured.rounds.join(', ')}`);
  });
});
