import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { OPERATION_DURATION_METRIC } from '../../src/collect/operations.js';
import { VelocityError } from '../../src/errors.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import type { Window } from '../../src/model/window.js';
import type { Velocity } from '../../src/velocity.js';
import { testClock, testVelocity } from '../support/velocity.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');

/** Seals the minute and returns its windows keyed by metric and the labels that vary. */
function sealed(velocity: Velocity): Map<string, Window> {
  const windows = velocity.recorder.rotate(T0 + MINUTE_MS);
  return new Map(
    windows.map((w) => {
      const { service, instance, env, ...rest } = w.series.labels;
      assert.deepEqual({ service, instance, env }, { service: 'api', instance: 'i1', env: 'test' });
      return [`${w.series.metric} ${JSON.stringify(rest)}`, w];
    }),
  );
}

const op = (labels: Record<string, string>): string => `${OPERATION_DURATION_METRIC} ${JSON.stringify(labels)}`;

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('operations', () => {
  it('times synchronous functions synchronously, failures re-thrown as the same object', () => {
    const velocity = testVelocity(testClock(T0));
    const value = velocity.time('parse', () => {
      busyWait(20);
      return 42;
    });
    assert.equal(value, 42, 'the value itself, not a promise');
    const boom = new Error('boom');
    assert.throws(
      () =>
        velocity.time('parse', { platform: 'local' }, () => {
          throw boom;
        }),
      (e: unknown) => e === boom,
    );
    const windows = sealed(velocity);
    const ok = windows.get(op({ operation: 'parse', outcome: 'success' }));
    assert.equal(ok?.count, 1);
    assert.ok((ok?.max ?? 0) >= 19.5 && (ok?.max ?? 0) < 200, `took ${ok?.max} ms`);
    assert.equal(windows.get(op({ platform: 'local', operation: 'parse', outcome: 'failure' }))?.count, 1);
    assert.equal(windows.size, 2);
  });

  it('times async functions: resolved values pass through, rejections are re-thrown untouched and count as failures', async () => {
    const velocity = testVelocity(testClock(T0));
    const pending = velocity.time('fetch', { platform: 'openai' }, () => new Promise<string>((r) => setTimeout(() => r('done'), 30)));
    assert.ok(pending instanceof Promise);
    assert.equal(await pending, 'done');
    const reason = { not: 'an error' };
    for (let i = 0; i < 3; i++) {
      await assert.rejects(velocity.time('fetch', { platform: 'openai' }, async () => Promise.reject(reason)), (e: unknown) => e === reason);
    }
    const windows = sealed(velocity);
    const ok = windows.get(op({ platform: 'openai', operation: 'fetch', outcome: 'success' }));
    assert.equal(ok?.count, 1);
    assert.ok((ok?.min ?? 0) >= 25 && (ok?.min ?? 0) < 300, `took ${ok?.min} ms`);
    assert.equal(windows.get(op({ platform: 'openai', operation: 'fetch', outcome: 'failure' }))?.count, 3);
  });

  it('startTimer records once per end, success by default, and returns the duration', async () => {
    const velocity = testVelocity(testClock(T0));
    const end = velocity.startTimer('job');
    await new Promise((r) => setTimeout(r, 20));
    const ms = end();
    assert.ok(ms >= 15 && ms < 300, `took ${ms} ms`);
    velocity.startTimer('job', { platform: 'p1' })(false);
    const windows = sealed(velocity);
    assert.equal(windows.get(op({ operation: 'job', outcome: 'success' }))?.sum, ms);
    assert.equal(windows.get(op({ platform: 'p1', operation: 'job', outcome: 'failure' }))?.count, 1);
  });

  it('records contract B’s operation and route metrics with their exact durations', () => {
    const velocity = testVelocity(testClock(T0));
    for (let i = 1; i <= 4; i++) velocity.recordOperationMetric('sync.users', i !== 4, i * 10);
    velocity.recordOperationMetric('sync.users', true, 5, { platform: 'github' });
    velocity.recordRouteMetric('/api/jobs', 'GET', true, 12);
    velocity.recordRouteMetric('/api/jobs', 'GET', false, 30);
    const windows = sealed(velocity);
    const ok = windows.get(op({ operation: 'sync.users', outcome: 'success' }));
    assert.deepEqual([ok?.count, ok?.sum, ok?.min, ok?.max], [3, 60, 10, 30]);
    assert.equal(windows.get(op({ operation: 'sync.users', outcome: 'failure' }))?.sum, 40);
    assert.equal(windows.get(op({ platform: 'github', operation: 'sync.users', outcome: 'success' }))?.count, 1);
    const route = (statusClass: string): Window | undefined =>
      windows.get(`${HTTP_DURATION_METRIC} ${JSON.stringify({ method: 'GET', route: '/api/jobs', status_class: statusClass })}`);
    assert.equal(route('2xx')?.sum, 12);
    assert.equal(route('5xx')?.sum, 30);
  });

  it('rejects bad names, labels and durations with a VelocityError naming them, before running fn', () => {
    const velocity = testVelocity(testClock(T0));
    let ran = false;
    const fn = (): void => void (ran = true);
    const rejects = (call: () => unknown, param: string): void =>
      assert.throws(call, (e: unknown) => e instanceof VelocityError && e.code === 'INVALID_PARAMETER' && e.param === param);
    rejects(() => velocity.time('', fn), 'operation');
    rejects(() => velocity.time('x', { '1bad': 'v' }, fn), 'labels.1bad');
    rejects(() => velocity.time('x', { 'has-dash': 'v' }, fn), 'labels.has-dash');
    rejects(() => velocity.time('x', { outcome: 'v' }, fn), 'labels.outcome');
    rejects(() => velocity.time('x', { service: 'other' }, fn), 'labels.service');
    rejects(() => velocity.time('x', { n: 1 as unknown as string }, fn), 'labels.n');
    rejects(() => velocity.startTimer('x', { n: null as unknown as string }), 'labels.n');
    rejects(() => velocity.recordOperationMetric('x', true, Number.NaN), 'durationMs');
    rejects(() => velocity.recordRouteMetric('/a', 'GET', true, -1), 'durationMs');
    assert.equal(ran, false);
    assert.equal(velocity.recorder.seriesCount, 0);
  });

  it('keeps its caches bounded by the series cap', () => {
    const velocity = testVelocity(testClock(T0), { maxSeriesPerMetric: 10 });
    for (let i = 0; i < 1_000; i++) velocity.recordOperationMetric(`op${i}`, true, 1, { platform: `p${i}` });
    const caches = velocity.operations as unknown as { byKey: Map<string, unknown> };
    assert.ok(caches.byKey.size <= 10, `cache holds ${caches.byKey.size}`);
    assert.equal(velocity.recorder.seriesCount, 11);
    assert.deepEqual(velocity.recorder.cardinality()[OPERATION_DURATION_METRIC], { series: 10, overflow_observations: 990 });
  });
});
