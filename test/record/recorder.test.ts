import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { HttpRecorder, HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import { exactQuantile } from '../../src/model/sketch.js';
import { OVERFLOW_LABEL, Recorder } from '../../src/record/recorder.js';
import { lognormal, mulberry32 } from '../support/random.js';

const T0 = Date.parse('2026-11-20T14:05:00Z');

describe('Recorder', () => {
  it('seals the open minute when the clock passes its end, with exact counts and the window start', () => {
    const recorder = new Recorder(T0 + 10_000);
    const series = recorder.distribution('m', { a: '1' });
    const rand = mulberry32(1);
    const values: number[] = [];
    for (let i = 0; i < 500; i++) {
      const v = lognormal(rand, 3, 0.6);
      values.push(v);
      series.observe(v);
    }
    assert.deepEqual(recorder.rotate(T0 + 59_999), []);
    const [window, ...rest] = recorder.rotate(T0 + MINUTE_MS + 3);
    assert.equal(rest.length, 0);
    assert.equal(window.start, T0);
    assert.equal(window.count, 500);
    assert.equal(window.series.key, 'm{a="1"}');
    assert.ok(window.sketch && window.sketch.byteLength > 0);
    values.sort((x, y) => x - y);
    assert.equal(window.min, values[0]);
    assert.equal(window.max, values[499]);
    const exact95 = exactQuantile(values, 0.95);
    assert.ok(Math.abs((window.p95 as number) - exact95) / exact95 <= 0.01);
    assert.equal(recorder.openWindowStart, T0 + MINUTE_MS);
  });

  it('emits nothing for a series without observations in the minute', () => {
    const recorder = new Recorder(T0);
    recorder.distribution('m', {}).observe(1);
    assert.equal(recorder.rotate(T0 + MINUTE_MS).length, 1);
    assert.equal(recorder.rotate(T0 + 2 * MINUTE_MS).length, 0);
  });

  it('keeps each minute separate while sketches are recycled through the recent ring', () => {
    const recorder = new Recorder(T0);
    const series = recorder.distribution('m', {});
    for (let minute = 0; minute < 12; minute++) {
      for (let i = 0; i <= minute; i++) series.observe(10 + minute);
      const [window] = recorder.rotate(T0 + (minute + 1) * MINUTE_MS);
      assert.equal(window.count, minute + 1, `minute ${minute}`);
      assert.equal(window.start, T0 + minute * MINUTE_MS);
      assert.equal(window.min, 10 + minute);
      assert.equal(window.max, 10 + minute);
    }
  });

  it('seals the open window on demand (shutdown)', () => {
    const recorder = new Recorder(T0 + 30_000);
    recorder.distribution('m', {}).observe(5);
    const sealed = recorder.sealOpen();
    assert.equal(sealed.length, 1);
    assert.equal(sealed[0].start, T0);
    assert.equal(recorder.sealOpen().length, 0);
  });

  it('folds label sets beyond the per-metric cap into one overflow series that keeps the process labels', () => {
    const recorder = new Recorder(T0, { maxSeriesPerMetric: 3 });
    const base = { service: 'api', instance: 'i1', env: 'test' };
    for (let i = 0; i < 10; i++) recorder.distribution('m', { ...base, user: `u${i}` }).observe(i);
    recorder.distribution('other', { user: 'x' }).observe(1);
    assert.equal(recorder.distribution('m', { ...base, user: 'u1' }).descriptor.labels.user, 'u1', 'series under the cap stay');
    assert.ok(recorder.isFull('m'));
    assert.ok(!recorder.isFull('other'));
    assert.equal(recorder.seriesCount, 3 + 1 + 1);
    assert.deepEqual(recorder.cardinality(), {
      m: { series: 3, overflow_observations: 7 },
      other: { series: 1, overflow_observations: 0 },
    });
    const windows = recorder.rotate(T0 + MINUTE_MS);
    const overflow = windows.find((w) => w.series.labels.user === OVERFLOW_LABEL);
    assert.deepEqual(overflow?.series.labels, { ...base, user: OVERFLOW_LABEL });
    assert.equal(overflow?.count, 7);
    assert.equal(overflow?.min, 3);
    assert.equal(windows.reduce((n, w) => n + w.count, 0), 11);
  });

  it('keeps two recorders independent', () => {
    const a = new Recorder(T0);
    const b = new Recorder(T0);
    a.distribution('m', {}).observe(1);
    assert.equal(a.rotate(T0 + MINUTE_MS).length, 1);
    assert.equal(b.rotate(T0 + MINUTE_MS).length, 0);
  });
});

describe('HttpRecorder', () => {
  it('records into one series per method, route template and status class', () => {
    const recorder = new Recorder(T0);
    const http = new HttpRecorder(recorder, { service: 'api', instance: 'i1' });
    http.record('GET', '/a/:id', 200, 1.5);
    http.record('GET', '/a/:id', 204, 2.5);
    http.record('GET', '/a/:id', 503, 9);
    http.record('POST', '/a/:id', 201, 3);
    http.record('BREW', '/a/:id', 200, 3);
    const windows = recorder.rotate(T0 + MINUTE_MS);
    const byKey = new Map(windows.map((w) => [`${w.series.labels.method} ${w.series.labels.status_class}`, w]));
    assert.equal(windows.length, 4);
    assert.equal(byKey.get('GET 2xx')?.count, 2);
    assert.equal(byKey.get('GET 2xx')?.sum, 4);
    assert.equal(byKey.get('GET 5xx')?.count, 1);
    assert.equal(byKey.get('POST 2xx')?.count, 1);
    assert.equal(byKey.get('_OTHER 2xx')?.count, 1);
    const labels = byKey.get('GET 5xx')?.series.labels;
    assert.deepEqual(labels, { service: 'api', instance: 'i1', method: 'GET', route: '/a/:id', status_class: '5xx' });
    assert.equal(byKey.get('GET 5xx')?.series.metric, HTTP_DURATION_METRIC);
  });

  it('labels each standard method as itself and any other spelling as _OTHER', () => {
    const recorder = new Recorder(T0);
    const http = new HttpRecorder(recorder, {});
    const standard = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE'];
    for (const method of [...standard, 'get', 'Post', 'QUERY']) http.record(method, '/a', 200, 1);
    const counts = new Map(recorder.rotate(T0 + MINUTE_MS).map((w) => [w.series.labels.method, w.count]));
    assert.deepEqual(Object.fromEntries(counts), { ...Object.fromEntries(standard.map((m) => [m, 1])), _OTHER: 3 });
  });

  it('folds unknown methods into one _OTHER series without growing per spelling', () => {
    const recorder = new Recorder(T0);
    const http = new HttpRecorder(recorder, {});
    for (let i = 0; i < 1_000; i++) http.record(`X${i}`, '/a', 200, 1);
    for (let i = 0; i < 1_000; i++) http.record('PROPFIND', '/a', 200, 1);
    assert.equal(recorder.seriesCount, 1);
    const byRoute = (http as unknown as { byRoute: Map<string, unknown[]> }).byRoute;
    assert.deepEqual([...byRoute.keys()], ['/a']);
    assert.equal(byRoute.get('/a')?.filter((series) => series !== undefined).length, 1);
    const [window] = recorder.rotate(T0 + MINUTE_MS);
    assert.equal(window.count, 2_000);
    assert.equal(window.series.labels.method, '_OTHER');
  });

  it('sends routes past the cap to the overflow series without caching them', () => {
    const recorder = new Recorder(T0, { maxSeriesPerMetric: 5 });
    const http = new HttpRecorder(recorder, { service: 'api' });
    for (let i = 0; i < 1_000; i++) http.record('GET', `/r${i}`, 200, 1);
    http.record('GET', '/r0', 500, 1); // a known route, but a new series: folded too
    const byRoute = (http as unknown as { byRoute: Map<string, unknown> }).byRoute;
    assert.equal(byRoute.size, 5);
    assert.equal(recorder.seriesCount, 6);
    assert.deepEqual(recorder.cardinality()[HTTP_DURATION_METRIC], { series: 5, overflow_observations: 996 });
    const overflow = recorder.rotate(T0 + MINUTE_MS).find((w) => w.series.labels.route === OVERFLOW_LABEL);
    assert.deepEqual(overflow?.series.labels, { service: 'api', method: OVERFLOW_LABEL, route: OVERFLOW_LABEL, status_class: OVERFLOW_LABEL });
    assert.equal(overflow?.count, 996);
  });

  it('allocates nothing per observation: at steady state a million requests cause no garbage collection', () => {
    // Measured in a quiet child process: the test runner's own work would trigger collections.
    const measure = (...args: string[]): { rounds: number[]; total: number } =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', 'test/fixtures/count-gc.ts', ...args], { encoding: 'utf8' }),
      );
    const recording = measure();
    const control = measure('--allocate');
    assert.equal(recording.total, 10_000_000);
    // The first rounds may run before V8 has optimised the code; the last three are the steady state.
    assert.deepEqual(recording.rounds.slice(-3), [0, 0, 0], `collections per round: ${recording.rounds.join(', ')}`);
    assert.ok(Math.min(...control.rounds) > 0, 'the control, which builds a string per observation, collects every round');
    const overflowing = measure('--overflow');
    assert.equal(overflowing.total, 10_000_000);
    assert.deepEqual(overflowing.rounds.slice(-3), [0, 0, 0], `collections per round with the cap reached: ${overflowing.rounds.join(', ')}`);
  });
});
