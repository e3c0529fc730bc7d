import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SystemSampler } from '../../src/collect/system.js';
import { SYSTEM_METRICS, SystemMetricsRecorder, observeEventLoopDelay } from '../../src/collect/system-metrics.js';
import { EVENT_LOOP_QUANTILE_POINTS, EventLoopDelayMonitor } from '../../src/collect/system-readers.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import { Sketch } from '../../src/model/sketch.js';
import { Recorder } from '../../src/record/recorder.js';

const T0 = Date.parse('2026-11-20T14:05:00Z');
const labels = { service: 'api', instance: 'i1', env: 'test' };

describe('observeEventLoopDelay', () => {
  it('records one value per tick: the extremes exactly, the rest spread over the quantile grid', () => {
    const quantiles = Array.from({ length: EVENT_LOOP_QUANTILE_POINTS }, (_, i) => 1 + i / 10);
    const snapshot = { count: 1_002, min: 0.2, max: 250, mean: 6, p50: 6, p95: 10.5, p99: 10.9, quantiles };
    const sketch = new Sketch();
    observeEventLoopDelay(snapshot, (v) => sketch.record(v));
    assert.equal(sketch.count, 1_002);
    assert.equal(sketch.min, 0.2);
    assert.equal(sketch.max, 250);
    const p50 = sketch.quantile(0.5) as number;
    assert.ok(Math.abs(p50 - 5.9) / 5.9 < 0.02, `p50 ${p50}`);
    const single = new Sketch();
    observeEventLoopDelay({ ...snapshot, count: 1, min: 3, max: 3 }, (v) => single.record(v));
    assert.deepEqual([single.count, single.min], [1, 3]);
  });

  it('turns a real blocked loop into a distribution whose maximum is the block', async () => {
    const monitor = new EventLoopDelayMonitor(5);
    monitor.start();
    try {
      await new Promise((r) => setTimeout(r, 30));
      const until = Date.now() + 80;
      while (Date.now() < until);
      await new Promise((r) => setTimeout(r, 30));
      const snapshot = monitor.take();
      assert.ok(snapshot !== null);
      assert.equal(snapshot.quantiles.length, EVENT_LOOP_QUANTILE_POINTS);
      assert.deepEqual(snapshot.quantiles, [...snapshot.quantiles].sort((a, b) => a - b), 'ascending');
      const sketch = new Sketch();
      observeEventLoopDelay(snapshot, (v) => sketch.record(v));
      assert.equal(sketch.count, snapshot.count);
      assert.ok(sketch.max >= 70, `max ${sketch.max} ms`);
    } finally {
      monitor.stop();
    }
  });
});

describe('SystemMetricsRecorder', () => {
  it('records a sample of this machine as gauges and the event-loop delay as a distribution', async () => {
    const sampler = new SystemSampler({ diskPath: '.' });
    sampler.start();
    try {
      await new Promise((r) => setTimeout(r, 50));
      const until = Date.now() + 50;
      while (Date.now() < until);
      const sample = sampler.sample();
      assert.deepEqual(sample.errors, []);
      const recorder = new Recorder(T0);
      new SystemMetricsRecorder(recorder, labels).record(sample);
      const windows = recorder.rotate(T0 + MINUTE_MS);
      const byMetric = new Map(windows.map((w) => [w.series.metric, w]));
      for (const w of windows) assert.deepEqual(w.series.labels, labels);
      const last = (metric: string): number | null | undefined => byMetric.get(metric)?.last;
      assert.equal(last(SYSTEM_METRICS.memoryLimit), sample.memory?.total);
      assert.equal(last(SYSTEM_METRICS.memoryUsage), sample.memory?.used);
      assert.equal(last(SYSTEM_METRICS.memoryUtilization), (sample.memory?.percent ?? NaN) / 100);
      assert.equal(last(SYSTEM_METRICS.filesystemLimit), sample.disk?.total);
      assert.equal(last(SYSTEM_METRICS.filesystemUsage), sample.disk?.used);
      const fs = last(SYSTEM_METRICS.filesystemUtilization) as number;
      assert.ok(fs > 0 && fs < 1 && Math.abs(fs * 100 - (sample.disk?.percent ?? 0)) <= 1, `utilization ${fs} vs df ${sample.disk?.percent} %`);
      assert.equal(last(SYSTEM_METRICS.cpuUtilization), (sample.cpuUsagePercent as number) / 100);
      assert.equal(last(SYSTEM_METRICS.load1m), sample.loadAverage?.[0]);
      assert.equal(last(SYSTEM_METRICS.processMemory), sample.process?.rss);
      assert.equal(last(SYSTEM_METRICS.heapUsed), sample.process?.heapUsed);
      assert.equal(byMetric.has(SYSTEM_METRICS.cpuTemperature), sample.cpuTemperature !== null, 'a temperature only where there is a sensor');
      const delay = byMetric.get(SYSTEM_METRICS.eventLoopDelay);
      assert.equal(delay?.series.kind, 'distribution');
      assert.equal(delay?.count, sample.eventLoopDelay?.count);
      assert.ok(delay?.sketch instanceof Uint8Array);
    } finally {
      sampler.stop();
    }
  });

  it('records nothing for a figure that could not be read', () => {
    const recorder = new Recorder(T0);
    new SystemMetricsRecorder(recorder, labels).record({
      timestamp: T0,
      cpuUsagePercent: null,
      loadAverage: null,
      cpuTemperature: null,
      memory: null,
      disk: null,
      process: { rss: 100, heapUsed: 40 },
      eventLoopDelay: null,
      errors: [],
    });
    const windows = recorder.rotate(T0 + MINUTE_MS);
    assert.deepEqual(windows.map((w) => w.series.metric).sort(), [SYSTEM_METRICS.processMemory, SYSTEM_METRICS.heapUsed].sort());
  });
});
