import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { OPERATION_DURATION_METRIC } from '../../src/collect/operations.js';
import { HOUR_MS } from '../../src/model/duration.js';
import { seriesKey, type Labels } from '../../src/model/labels.js';
import { Sketch, exactQuantile } from '../../src/model/sketch.js';
import { distributionValues, type Window } from '../../src/model/window.js';
import { PlatformAggregator, platformOutcome } from '../../src/pipeline/platform-aggregates.js';
import { lognormal, mulberry32 } from '../support/random.js';
import { T0 } from '../support/windows.js';

/** A distribution window of `metric`/`labels` at T0 holding `values`, with its real sketch. */
function window(metric: string, labels: Labels, values: readonly number[]): Window {
  const sketch = new Sketch();
  for (const v of values) sketch.record(v);
  return { series: { key: seriesKey(metric, labels), metric, kind: 'distribution', labels }, ...distributionValues(sketch, T0) };
}

describe('platformOutcome', () => {
  it('classes operations by outcome, then status_class, and requests by status class', () => {
    const op = (labels: Labels) => platformOutcome(OPERATION_DURATION_METRIC, { platform: 'stripe', ...labels });
    assert.deepEqual(
      [
        op({ outcome: 'success' }),
        op({ outcome: 'success', status_class: '5xx' }),
        op({ outcome: 'failure' }),
        op({ outcome: 'failure', status_class: '4xx' }),
        op({ outcome: 'failure', status_class: '5xx' }),
        op({ outcome: 'failure', status_class: 'timeout' }),
        op({ outcome: 'failure', status_class: 'aborted' }),
      ],
      ['success', 'success', 'error', '4xx', '5xx', 'timeout', 'error'],
    );
    const request = (statusClass: string) => platformOutcome(HTTP_DURATION_METRIC, { platform: 'gw', status_class: statusClass });
    assert.deepEqual(
      ['1xx', '2xx', '3xx', '4xx', '5xx', 'timeout', 'aborted'].map(request),
      ['success', 'success', 'success', '4xx', '5xx', 'timeout', 'error'],
    );
    assert.equal(platformOutcome(OPERATION_DURATION_METRIC, { outcome: 'success' }), null, 'no platform label');
    assert.equal(platformOutcome('worker.job.duration', { platform: 'x', outcome: 'success' }), null, 'another metric');
  });
});

describe('PlatformAggregator', () => {
  it('adds up counts per platform and takes p99 from the merged sketches', () => {
    const rand = mulberry32(7);
    const draw = (n: number, median: number) => Array.from({ length: n }, () => lognormal(rand, Math.log(median), 0.8));
    const ok = draw(400, 80);
    const slow = draw(100, 900);
    const timeouts = [30_000, 30_000, 30_001];
    const failedUnclassed = draw(5, 50);
    const gateway4xx = draw(20, 10);
    const aggregator = new PlatformAggregator(T0);
    const op = (labels: Labels, values: number[]) => window(OPERATION_DURATION_METRIC, { operation: 'charge', platform: 'stripe', ...labels }, values);
    aggregator.add([
      op({ outcome: 'success' }, ok),
      op({ outcome: 'success', region: 'eu' }, slow),
      op({ outcome: 'failure', status_class: 'timeout' }, timeouts),
      op({ outcome: 'failure' }, failedUnclassed),
      window(OPERATION_DURATION_METRIC, { operation: 'local', outcome: 'success' }, draw(50, 1)),
      window(HTTP_DURATION_METRIC, { platform: 'gateway', method: 'GET', route: '/x', status_class: '4xx' }, gateway4xx),
      { ...window(HTTP_DURATION_METRIC, { platform: 'gateway', method: 'GET', route: '/x', status_class: '2xx' }, [5, 6]), sketch: new Uint8Array([9, 9]) },
      { ...window('queue.depth', { platform: 'stripe' }, [1]), series: { key: seriesKey('queue.depth', { platform: 'stripe' }), metric: 'queue.depth', kind: 'gauge', labels: { platform: 'stripe' } } },
    ]);
    const [gateway, stripe] = aggregator.rows(T0 + HOUR_MS + 5);

    const all = [...ok, ...slow, ...timeouts, ...failedUnclassed].sort((a, b) => a - b);
    const sum = all.reduce((a, b) => a + b, 0);
    assert.deepEqual(
      { ...stripe, avgLatencyMs: null, p99LatencyMs: null },
      {
        bucketStart: T0,
        platform: 'stripe',
        requestCount: 508,
        successCount: 500,
        errorCount: 8,
        error4xxCount: 0,
        error5xxCount: 0,
        timeoutCount: 3,
        avgLatencyMs: null,
        p99LatencyMs: null,
        errorRate: 800 / 508,
        computedAt: T0 + HOUR_MS + 5,
      },
    );
    assert.ok(Math.abs((stripe.avgLatencyMs as number) - sum / all.length) < 1e-9);
    const exact = exactQuantile(all, 0.99);
    assert.ok(Math.abs((stripe.p99LatencyMs as number) - exact) <= 0.01 * exact, `${stripe.p99LatencyMs} vs ${exact}`);

    // The corrupt sketch's two requests count, but only the 4xx ones make the p99.
    assert.deepEqual(
      [gateway.platform, gateway.requestCount, gateway.successCount, gateway.errorCount, gateway.error4xxCount, gateway.errorRate],
      ['gateway', 22, 2, 20, 20, 2000 / 22],
    );
    const exact4xx = exactQuantile([...gateway4xx].sort((a, b) => a - b), 0.99);
    assert.ok(Math.abs((gateway.p99LatencyMs as number) - exact4xx) <= 0.01 * exact4xx);
  });

  it('gives no rows when no window carries a platform', () => {
    const aggregator = new PlatformAggregator(T0);
    aggregator.add([window(OPERATION_DURATION_METRIC, { operation: 'local', outcome: 'success' }, [1, 2])]);
    assert.deepEqual(aggregator.rows(T0), []);
  });
});
