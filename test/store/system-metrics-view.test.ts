import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SystemSampler, type SystemSample } from '../../src/collect/system.js';
import { SystemMetricsRecorder } from '../../src/collect/system-metrics.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import type { Window } from '../../src/model/window.js';
import { Recorder } from '../../src/record/recorder.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { tempDir } from '../support/tmp.js';
import { skipUnlessSelected } from './conformance.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');

/** A row of system_metrics as both stores should give it, numbers as JavaScript computes them. */
interface ExpectedRow {
  minute: number;
  instance: string;
  cpu_usage: number | null;
  cpu_temperature: number | null;
  memory_total: number;
  memory_used: number;
  memory_percent: number;
  disk_total: number;
  disk_used: number;
  disk_percent: number;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Two real samples of this machine (CPU busy in between) in minute 0 for i1 and i2, one in minute 1 for i1. */
function collect(): { windows: Window[]; expected: ExpectedRow[] } {
  const sampler = new SystemSampler({ diskPath: '.' });
  const samples: SystemSample[] = [];
  for (let i = 0; i < 3; i++) {
    const until = Date.now() + 30;
    while (Date.now() < until);
    const sample = sampler.sample();
    assert.deepEqual(sample.errors, []);
    samples.push(sample);
  }
  const recorder = new Recorder(T0);
  const labels = (instance: string) => ({ service: 'api', instance, env: 'test' });
  const i1 = new SystemMetricsRecorder(recorder, labels('i1'));
  const i2 = new SystemMetricsRecorder(recorder, labels('i2'));
  for (const s of samples.slice(0, 2)) {
    i1.record(s);
    i2.record(s);
  }
  const windows = recorder.rotate(T0 + MINUTE_MS);
  i1.record(samples[2]);
  windows.push(...recorder.rotate(T0 + 2 * MINUTE_MS));

  const row = (minute: number, instance: string, of: SystemSample[]): ExpectedRow => {
    const cpu = of.map((s) => s.cpuUsagePercent).filter((v): v is number => v !== null);
    const temps = of.map((s) => s.cpuTemperature?.celsius).filter((v): v is number => v !== undefined);
    const disk = of.map((s) => s.disk!);
    return {
      minute,
      instance,
      cpu_usage: cpu.length === 0 ? null : 100 * mean(cpu.map((c) => c / 100)),
      cpu_temperature: temps.length === 0 ? null : mean(temps),
      memory_total: Math.round(mean(of.map((s) => s.memory!.total))),
      memory_used: Math.round(mean(of.map((s) => s.memory!.used))),
      memory_percent: 100 * mean(of.map((s) => s.memory!.percent / 100)),
      disk_total: Math.round(mean(disk.map((d) => d.total))),
      disk_used: Math.round(mean(disk.map((d) => d.used))),
      disk_percent: 100 * mean(disk.map((d) => d.used / (d.used + d.available))),
    };
  };
  return {
    windows,
    expected: [row(0, 'i1', samples.slice(0, 2)), row(0, 'i2', samples.slice(0, 2)), row(1, 'i1', samples.slice(2))],
  };
}

type ViewRow = Record<string, unknown>;

/** Checks the view's rows (ordered by timestamp, instance) against the expected ones. */
function check(rows: ViewRow[], expected: ExpectedRow[], timestampOf: (minute: number) => unknown): void {
  assert.deepEqual(
    Object.keys(rows[0]),
    ['timestamp', 'cpu_usage', 'cpu_temperature', 'memory_total', 'memory_used', 'memory_percent', 'disk_total', 'disk_used', 'disk_percent', 'service', 'instance'],
  );
  assert.equal(rows.length, expected.length);
  rows.forEach((got, i) => {
    const want = expected[i];
    assert.deepEqual(got.timestamp, timestampOf(want.minute));
    assert.deepEqual([got.service, got.instance], ['api', want.instance]);
    for (const field of ['memory_total', 'memory_used', 'disk_total', 'disk_used'] as const) {
      assert.equal(Number(got[field]), want[field], `${field} of row ${i}`);
    }
    for (const field of ['cpu_usage', 'cpu_temperature', 'memory_percent', 'disk_percent'] as const) {
      const value = got[field] as number | null;
      if (want[field] === null) assert.equal(value, null, `${field} of row ${i}`);
      else assert.ok(value !== null && Math.abs(value - (want[field] as number)) <= 0.0011, `${field} of row ${i}: ${value} vs ${want[field]}`);
    }
  });
  assert.ok((rows[0].cpu_usage as number) > 0, 'the CPU was busy between the samples');
}

describe('system_metrics view on SQLite', { skip: skipUnlessSelected('sqlite') }, () => {
  it('gives one row per minute and instance, each column the mean of its samples', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'velocity.db');
    const store = createSqliteStore({ path });
    try {
      await store.migrate();
      const { windows, expected } = collect();
      await store.writeWindows('1m', windows);
      const db = new Database(path, { readonly: true });
      try {
        const rows = db.prepare('SELECT * FROM system_metrics ORDER BY timestamp, instance').all() as ViewRow[];
        check(rows, expected, (minute) => new Date(T0 + minute * MINUTE_MS).toISOString().slice(0, 19).replace('T', ' '));
        const recent = db.prepare(`SELECT count(*) AS n FROM system_metrics WHERE timestamp >= datetime(?, 'unixepoch')`).get((T0 + MINUTE_MS) / 1000);
        assert.deepEqual(recent, { n: 1 }, 'timestamps compare with datetime()');
      } finally {
        db.close();
      }
    } finally {
      await store.close();
      tmp.remove();
    }
  });
});

const pgSkip = skipUnlessSelected('postgres') || (await postgresSkipReason());

describe('system_metrics view on PostgreSQL', { skip: pgSkip }, () => {
  let db: TestDatabase;
  let store: Store;
  let sql: pg.Pool;
  before(async () => {
    db = await createTestDatabase();
    store = createPostgresStore({ url: db.url, schema: 'metrics' });
    sql = new pg.Pool({ connectionString: db.url });
  });
  after(async () => {
    await store?.close();
    await sql?.end();
    await db?.drop();
  });

  it('gives one row per minute and instance, each column the mean of its samples', async () => {
    await store.migrate();
    const { windows, expected } = collect();
    await store.writeWindows('1m', windows);
    const { rows } = await sql.query('SELECT * FROM metrics.system_metrics ORDER BY timestamp, instance');
    check(rows as ViewRow[], expected, (minute) => new Date(T0 + minute * MINUTE_MS));
    const recent = await sql.query({
      text: 'SELECT count(*)::int AS n FROM metrics.system_metrics WHERE timestamp >= $1',
      values: [new Date(T0 + MINUTE_MS)],
    });
    assert.deepEqual(recent.rows, [{ n: 1 }]);
  });
});
