import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SystemSampler, type SystemSample } from '../../src/collect/system.js';
import { SystemMetricsRecorder } from '../../src/collect/system-metrics.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Velocity } from '../../src/velocity.js';
import { listen } from '../support/http.js';
import { tempDir } from '../support/tmp.js';
import { testClock, testVelocity } from '../support/velocity.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const linux = process.platform === 'linux';

async function getJson(base: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('GET /api/v1/history?metric=system over SQLite', () => {
  const clock = testClock(T0 + 1_000);
  const tmp = tempDir();
  let velocity: Velocity;
  let base = '';
  let closeServer: () => Promise<void> = async () => {};
  const samples: SystemSample[] = [];

  before(async () => {
    velocity = testVelocity(clock, { store: createSqliteStore({ path: join(tmp.dir, 'velocity.db') }) });
    const sampler = new SystemSampler({ diskPath: tmp.dir });
    sampler.start();
    const system = new SystemMetricsRecorder(velocity.recorder, { service: 'api', instance: 'i1', env: 'test' });
    try {
      // Minute 0: two samples; minute 1: one; minute 2: none.
      for (const minute of [0, 0, 1]) {
        await new Promise((r) => setTimeout(r, 20));
        const until = Date.now() + 20;
        while (Date.now() < until);
        clock.set(T0 + minute * MINUTE_MS + 30_000);
        velocity.rotate();
        const sample = sampler.sample();
        assert.deepEqual(sample.errors, []);
        samples.push(sample);
        system.record(sample);
      }
    } finally {
      sampler.stop();
    }
    clock.set(T0 + 3 * MINUTE_MS + 1_000);
    await velocity.flush();
    const server = await listen(createServer(velocity.nodeMiddleware));
    base = server.url;
    closeServer = server.close;
  });

  after(async () => {
    await closeServer();
    await velocity?.close();
    tmp.remove();
  });

  it('gives one point per step with each figure the mean of its samples, nulls where none were taken', async () => {
    const { status, body } = await getJson(base, `/api/v1/history?metric=system&start=${iso(T0)}&end=${iso(T0 + 3 * MINUTE_MS)}&step=1m`);
    assert.equal(status, 200);
    assert.deepEqual([body.metric, body.step, body.tier, body.points.length], ['system', '1m', '1m', 3]);
    const [m0, m1, m2] = body.points;
    assert.equal(m0.ts, iso(T0));
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    assert.equal(m0.memory_total, samples[0].memory?.total);
    assert.equal(m0.memory_used, Math.round(mean([samples[0].memory!.used, samples[1].memory!.used])));
    assert.equal(m1.memory_used, samples[2].memory?.used);
    assert.equal(m1.process_rss, samples[2].process?.rss);
    assert.equal(m1.disk_total, samples[2].disk?.total);
    assert.ok(Math.abs(m1.disk_percent - (samples[2].disk?.percent ?? 0)) <= 1, `${m1.disk_percent} vs df ${samples[2].disk?.percent}`);
    assert.ok(m0.cpu_usage > 0 && m0.cpu_usage <= 100, `cpu ${m0.cpu_usage}`);
    assert.ok(m0.memory_percent > 0 && m0.memory_percent < 100);
    assert.ok(m0.eventloop_delay_max_ms !== null && m0.eventloop_delay_p50_ms <= m0.eventloop_delay_max_ms);
    assert.equal(m0.cpu_temperature, samples[0].cpuTemperature === null ? null : m0.cpu_temperature);
    assert.ok(Object.entries(m2).every(([field, value]) => field === 'ts' || value === null), JSON.stringify(m2));
  });

  it('merges steps, filters by instance, and keeps request history the default', async () => {
    const merged = await getJson(base, `/api/v1/history?metric=system&start=${iso(T0)}&end=${iso(T0 + 2 * MINUTE_MS)}&step=2m`);
    const used = samples.map((s) => s.memory!.used);
    assert.equal(merged.body.points.length, 1);
    assert.equal(merged.body.points[0].memory_used, Math.round(used.reduce((a, b) => a + b, 0) / 3));
    const other = await getJson(base, `/api/v1/history?metric=system&instance=i2&start=${iso(T0)}&end=${iso(T0 + MINUTE_MS)}`);
    assert.deepEqual([other.body.filters, other.body.points[0].memory_total], [{ instance: 'i2' }, null]);
    const requests = await getJson(base, `/api/v1/history?metric=http&start=${iso(T0)}&end=${iso(T0 + MINUTE_MS)}`);
    assert.equal(requests.status, 200);
    assert.equal(requests.body.metric, undefined);
    assert.equal(requests.body.points[0].count, 0, 'no request was recorded');
  });

  it('refuses request-only parameters and unknown metrics with a 400 naming them', async () => {
    for (const [query, param] of [
      ['metric=system&route=/a', 'route'],
      ['metric=system&group_by=route', 'group_by'],
      ['metric=disk', 'metric'],
      ['metric=system&step=30s', 'step'],
    ] as const) {
      const { status, body } = await getJson(base, `/api/v1/history?${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.param, param, query);
    }
  });
});

describe('GET /metrics/live', () => {
  let velocity: Velocity;
  let base = '';
  let closeServer: () => Promise<void> = async () => {};

  before(async () => {
    velocity = testVelocity(testClock(T0));
    const server = await listen(createServer(velocity.nodeMiddleware));
    base = server.url;
    closeServer = server.close;
  });

  after(async () => {
    await closeServer();
    await velocity?.close();
  });

  it('says why there is nothing yet, then shows the latest interval of this machine', { skip: !linux && 'Linux only' }, async () => {
    const none = await getJson(base, '/metrics/live');
    assert.deepEqual([none.status, none.body.available], [200, false]);
    assert.match(none.body.reason, /no network collection has run/);
    await velocity.system.collect();
    const baseline = await getJson(base, '/metrics/live');
    assert.match(baseline.body.reason, /baseline/);

    const payload = Buffer.alloc(512 * 1024, 'x');
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await new Promise<void>((resolve, reject) => {
      const req = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'POST' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(payload);
    });
    await new Promise((r) => server.close(r));
    await velocity.system.collect();

    const { body } = await getJson(base, '/metrics/live');
    assert.equal(body.available, true, JSON.stringify(body));
    assert.ok(body.interval_seconds > 0 && Math.abs(body.timestamp - body.window_start - body.interval_seconds) < 1e-6, JSON.stringify(body));
    const lo = body.interfaces.find((i: { interface: string }) => i.interface === 'lo');
    assert.ok(lo.rx_bytes >= payload.length, `lo ${JSON.stringify(lo)}`);
    assert.ok(body.total_bytes >= 0 && body.total_packets >= 0);
    assert.equal(body.bytes_per_second, Math.round((body.total_bytes / body.interval_seconds) * 1000) / 1000);
    assert.deepEqual(Object.keys(body.protocol_breakdown), ['TCP', 'UDP', 'ICMP']);
    assert.ok(body.protocol_breakdown.TCP > 0);
    assert.equal(body.protocol_breakdown_unit, 'packets');
    assert.ok(Array.isArray(body.active_flows) && body.active_flows.length <= 5);
  });
});
