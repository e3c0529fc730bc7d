import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NETWORK_METRICS } from '../../src/collect/network-metrics.js';
import { SystemCollector, nearestExistingPath, nextCollectionDelay } from '../../src/collect/system-collector.js';
import { SYSTEM_METRICS } from '../../src/collect/system-metrics.js';
import { resolveConfig } from '../../src/config.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { Recorder } from '../../src/record/recorder.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import { createVelocity } from '../../src/velocity.js';
import { tempDir } from '../support/tmp.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const linux = process.platform === 'linux';
const labels = { service: 'api', instance: 'i1' };

function collector(recorder: Recorder, logs: string[], options: Partial<ConstructorParameters<typeof SystemCollector>[0]> = {}): SystemCollector {
  return new SystemCollector({ recorder, labels, intervalMs: MINUTE_MS, log: (m) => logs.push(m), ...options });
}

describe('nextCollectionDelay', () => {
  it('aligns collections to the interval, a second before each boundary', () => {
    assert.equal(nextCollectionDelay(T0 + 10_000, MINUTE_MS), 49_000);
    assert.equal(nextCollectionDelay(T0 + 59_000, MINUTE_MS), MINUTE_MS, 'at the collection time: the next one');
    assert.equal(nextCollectionDelay(T0 + 59_500, MINUTE_MS), 59_500);
    assert.equal(nextCollectionDelay(T0 + 3_000, 10_000), 6_000);
    assert.equal(nextCollectionDelay(T0, 1_000), 500, 'half the interval when that is shorter than a second');
  });
});

describe('SystemCollector', () => {
  it('records host gauges at once, and network counters from the second collection on', async () => {
    const recorder = new Recorder(Date.now());
    const logs: string[] = [];
    const c = collector(recorder, logs, { system: { diskPath: '.' } });
    await c.collect();
    const first = recorder.sealOpen();
    const metrics = new Set(first.map((w) => w.series.metric));
    for (const metric of [SYSTEM_METRICS.memoryLimit, SYSTEM_METRICS.memoryUsage, SYSTEM_METRICS.filesystemUsage, SYSTEM_METRICS.processMemory]) {
      assert.ok(metrics.has(metric), `${metric} in ${[...metrics].join(', ')}`);
    }
    assert.ok(first.every((w) => w.series.labels.instance === 'i1'));
    assert.ok(!metrics.has(NETWORK_METRICS.protocolPackets), 'the first network sample is only a baseline');
    assert.equal(c.latestSystem()?.memory?.total, first.find((w) => w.series.metric === SYSTEM_METRICS.memoryLimit)?.last);
    if (!linux) return;
    await c.collect();
    const second = new Set(recorder.sealOpen().map((w) => w.series.metric));
    assert.ok(second.has(NETWORK_METRICS.protocolPackets) && second.has(SYSTEM_METRICS.cpuUtilization), [...second].join(', '));
    assert.equal(c.latestNetwork()?.available, true);
    assert.deepEqual(logs, []);
  });

  it('skips what it cannot read and says so once per kind, never throwing', { skip: !linux && 'reads a fake /proc' }, async () => {
    const { dir, remove } = tempDir();
    try {
      const recorder = new Recorder(Date.now());
      const logs: string[] = [];
      const c = collector(recorder, logs, {
        system: { procRoot: dir, diskPath: join(dir, 'missing'), thermalRoot: join(dir, 'none') },
        network: { procRoot: dir, ssCommand: join(dir, 'no-ss') },
      });
      for (let i = 0; i < 3; i++) await c.collect();
      const kinds = logs.map((line) => /^cannot read (\S+?),/.exec(line)?.[1]).sort();
      // the disk path does not exist: the disk figures are its nearest existing parent's
      assert.deepEqual(kinds, ['cpuUsagePercent', join(dir, 'net', 'dev'), join(dir, 'net', 'snmp'), 'memory', 'ss'].sort(), logs.join('\n'));
      assert.ok(logs.every((line) => line.endsWith('(reported once)')));
      const recorded = new Set(recorder.sealOpen().map((w) => w.series.metric));
      assert.ok(recorded.has(SYSTEM_METRICS.processMemory) && recorded.has(SYSTEM_METRICS.filesystemLimit), [...recorded].join(', '));
      assert.ok(!recorded.has(SYSTEM_METRICS.memoryLimit));
    } finally {
      remove();
    }
  });

  it('reports the network as unavailable elsewhere than Linux, once, and still records the host', async () => {
    const recorder = new Recorder(Date.now());
    const logs: string[] = [];
    const c = collector(recorder, logs, { system: { diskPath: '.' }, network: { platform: 'win32' } });
    await c.collect();
    await c.collect();
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.match(logs[0], /network counters are not collected: .*win32/);
    assert.equal(c.latestNetwork()?.available, false);
    assert.ok(recorder.sealOpen().some((w) => w.series.metric === SYSTEM_METRICS.memoryLimit));
  });

  it('starts with a collection, runs on an unref’d timer, and stops', async () => {
    const recorder = new Recorder(Date.now());
    const c = collector(recorder, [], { system: { diskPath: '.' } });
    assert.equal(c.isRunning(), false);
    c.start();
    c.start();
    try {
      assert.equal(c.isRunning(), true);
      const timer = (c as unknown as { timer: NodeJS.Timeout }).timer;
      assert.equal(timer.hasRef(), false, 'the timer does not keep the host alive');
      await c.collect(); // the collection start() began
      assert.ok(recorder.sealOpen().some((w) => w.series.metric === SYSTEM_METRICS.memoryUsage));
    } finally {
      c.stop();
    }
    assert.equal(c.isRunning(), false);
    c.stop();
  });
});

describe('collection in createVelocity', () => {
  const base = { handleSignals: false, log: () => {} } as const;

  it('runs with the timers, stops on close, and stays off with collect: false or timers: false', async () => {
    const running = createVelocity({ ...base, store: createMemoryStore() });
    assert.equal(running.system.isRunning(), true);
    assert.equal(running.system.intervalMs, MINUTE_MS);
    await running.close();
    assert.equal(running.system.isRunning(), false);

    const off = createVelocity({ ...base, store: createMemoryStore(), collect: false });
    const manual = createVelocity({ ...base, store: createMemoryStore(), timers: false });
    assert.equal(off.system.isRunning(), false);
    assert.equal(manual.system.isRunning(), false);
    manual.system.start();
    assert.equal(manual.system.isRunning(), true);
    await Promise.all([off.close(), manual.close()]);
    assert.equal(manual.system.isRunning(), false);
  });
});

describe('collection settings', () => {
  it('reads the interval from the option, VELOCITY_COLLECT_INTERVAL or contract D’s METRICS_COLLECTION_INTERVAL_MS', () => {
    assert.equal(resolveConfig({}, {}).collectIntervalMs, MINUTE_MS);
    assert.equal(resolveConfig({}, { METRICS_COLLECTION_INTERVAL_MS: '15000' }).collectIntervalMs, 15_000);
    assert.equal(resolveConfig({}, { VELOCITY_COLLECT_INTERVAL: '10s', METRICS_COLLECTION_INTERVAL_MS: '15000' }).collectIntervalMs, 10_000);
    assert.equal(resolveConfig({ collectInterval: '5m' }, { VELOCITY_COLLECT_INTERVAL: '10s' }).collectIntervalMs, 5 * MINUTE_MS);
    assert.throws(() => resolveConfig({ collectInterval: 500 }, {}), /collectInterval: must be at least 1s/);
  });

  it('switches collection with the option or VELOCITY_COLLECT, and refuses other words', () => {
    assert.equal(resolveConfig({}, {}).collect, true);
    assert.equal(resolveConfig({}, { VELOCITY_COLLECT: 'off' }).collect, false);
    assert.equal(resolveConfig({ collect: true }, { VELOCITY_COLLECT: '0' }).collect, true);
    assert.throws(() => resolveConfig({}, { VELOCITY_COLLECT: 'maybe' }), /VELOCITY_COLLECT: "maybe" is neither true nor false/);
  });

  it('takes the disk path from the SQLite file’s directory unless told, and contract D’s retention in hours', () => {
    assert.equal(resolveConfig({ database: '/var/lib/app/metrics.db' }, {}).diskPath, '/var/lib/app');
    assert.equal(resolveConfig({ database: 'postgres://db/metrics' }, {}).diskPath, '.');
    assert.equal(resolveConfig({}, { VELOCITY_DISK_PATH: '/data' }).diskPath, '/data');
    assert.equal(resolveConfig({}, { METRICS_RETENTION_HOURS: '168' }).retention1mMs, 168 * HOUR_MS);
    assert.equal(resolveConfig({}, { METRICS_RETENTION_HOURS: '168', HISTORY_RETENTION_DAYS: '3' }).retention1mMs, 3 * DAY_MS);
  });
});

describe('nearestExistingPath', () => {
  it('walks up from a directory not created yet to the nearest one that exists', () => {
    const { dir, remove } = tempDir();
    try {
      assert.equal(nearestExistingPath(join(dir, 'data', 'deeper')), dir);
      assert.equal(nearestExistingPath(dir), dir);
    } finally {
      remove();
    }
  });
});
