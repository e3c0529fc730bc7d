/**
 * Contract B's views `route_metrics` and `operation_metrics` and contract C's tables
 * `ops_metrics_hourly` and `ops_metrics_daily`, queried with SQL on a SQLite file and on
 * PostgreSQL after recording through a real Velocity and rolling up.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { OPERATION_DURATION_METRIC } from '../../src/collect/operations.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { seriesKey } from '../../src/model/labels.js';
import { Sketch, exactQuantile } from '../../src/model/sketch.js';
import { distributionValues, type Window } from '../../src/model/window.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { Velocity } from '../../src/velocity.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { lognormal, mulberry32 } from '../support/random.js';
import { tempDir } from '../support/tmp.js';
import { testClock, testVelocity, type TestClock } from '../support/velocity.js';
import { T0 } from '../support/windows.js';
import { skipUnlessSelected } from './conformance.js';

/** A relation's rows with times as ISO-8601 text (dates as YYYY-MM-DD) and numbers as numbers. */
type Row = Record<string, unknown>;
/** Reads a relation through SQL, ordered by `orderBy`. */
type ReadRelation = (relation: string, orderBy: string) => Promise<Row[]>;

/** One operation execution to record. */
interface Op {
  readonly at: number;
  readonly operation: string;
  readonly platform?: string;
  readonly success: boolean;
  readonly statusClass?: string;
  readonly ms: number;
}

/** One request to record. */
interface Req {
  readonly at: number;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly ms: number;
}

const H10 = T0 + 10 * HOUR_MS;
const H11 = T0 + 11 * HOUR_MS;
const iso = (ms: number): string => new Date(ms).toISOString();

/** The traffic: two minutes of hour 10 and one of hour 11, of two platforms, one operation without a platform, and routes. */
function traffic(): { ops: Op[]; reqs: Req[] } {
  const rand = mulberry32(2026);
  const ms = (median: number): number => lognormal(rand, Math.log(median), 0.9);
  const ops: Op[] = [];
  const reqs: Req[] = [];
  for (const [at, scale] of [[H10, 1], [H10 + 30 * MINUTE_MS, 0.5], [H11 + 5 * MINUTE_MS, 0.25]] as const) {
    const times = (n: number, make: () => void): void => {
      for (let i = 0; i < Math.round(n * scale); i++) make();
    };
    times(240, () => ops.push({ at, operation: 'charge', platform: 'stripe', success: true, ms: ms(200) }));
    times(8, () => ops.push({ at, operation: 'charge', platform: 'stripe', success: false, statusClass: '5xx', ms: ms(900) }));
    times(4, () => ops.push({ at, operation: 'charge', platform: 'stripe', success: false, statusClass: 'timeout', ms: 30_000 }));
    times(4, () => ops.push({ at, operation: 'refund', platform: 'stripe', success: false, statusClass: '4xx', ms: ms(40) }));
    times(160, () => ops.push({ at, operation: 'embed', platform: 'openai', success: true, ms: ms(800) }));
    times(8, () => ops.push({ at, operation: 'embed', platform: 'openai', success: false, ms: ms(2_000) }));
    times(20, () => ops.push({ at, operation: 'local', success: true, ms: ms(3) }));
    times(100, () => reqs.push({ at, method: 'GET', route: '/api/jobs', status: 200, ms: ms(20) }));
    times(8, () => reqs.push({ at, method: 'GET', route: '/api/jobs', status: 503, ms: ms(50) }));
    times(4, () => reqs.push({ at, method: 'GET', route: '/api/jobs', status: 404, ms: ms(5) }));
    times(12, () => reqs.push({ at, method: 'POST', route: '/api/jobs', status: 201, ms: ms(60) }));
  }
  return { ops, reqs };
}

/** Records `ops` and `reqs` minute by minute through `velocity`, flushing each minute. */
async function record(velocity: Velocity, clock: TestClock, ops: readonly Op[], reqs: readonly Req[]): Promise<void> {
  for (const at of [...new Set([...ops, ...reqs].map((e) => e.at))].sort((a, b) => a - b)) {
    clock.set(at + 1_000);
    velocity.rotate();
    for (const op of ops.filter((o) => o.at === at)) {
      const labels: Record<string, string> = {};
      if (op.platform !== undefined) labels.platform = op.platform;
      if (op.statusClass !== undefined) labels.status_class = op.statusClass;
      velocity.recordOperationMetric(op.operation, op.success, op.ms, labels);
    }
    for (const req of reqs.filter((r) => r.at === at)) velocity.recordRequest(req.method, req.route, req.status, req.ms);
    clock.set(at + MINUTE_MS + 1_000);
    await velocity.flush();
  }
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const close = (actual: unknown, expected: number, tolerance: number, what: string): void =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tolerance, `${what}: ${String(actual)} vs ${expected}`);

/** Checks contract B's views against the recorded traffic, per hour. */
async function checkContractB(read: ReadRelation, ops: readonly Op[], reqs: readonly Req[]): Promise<void> {
  const routes = await read('route_metrics', 'period_start, route, method');
  assert.deepEqual(Object.keys(routes[0]), [
    'route', 'method', 'total_requests', 'successful', 'failed', 'total_duration_ms', 'average_duration_ms', 'last_request_at', 'period_start', 'period_end',
  ]);
  const expectedRoutes = [H10, H11].flatMap((hour) =>
    ['GET', 'POST'].map((method) => {
      const of = reqs.filter((r) => r.method === method && r.at >= hour && r.at < hour + HOUR_MS);
      return { hour, method, of, failed: of.filter((r) => r.status >= 500).length };
    }),
  );
  assert.equal(routes.length, expectedRoutes.length);
  routes.forEach((row, i) => {
    const { hour, method, of, failed } = expectedRoutes[i];
    assert.deepEqual(
      [row.route, row.method, row.total_requests, row.successful, row.failed, row.last_request_at, row.period_start, row.period_end],
      ['/api/jobs', method, of.length, of.length - failed, failed, iso(hour), iso(hour), iso(hour + HOUR_MS)],
      `route_metrics row ${i}`,
    );
    close(row.total_duration_ms, sum(of.map((r) => r.ms)), 0.0011, 'total_duration_ms');
    close(row.average_duration_ms, sum(of.map((r) => r.ms)) / of.length, 0.0011, 'average_duration_ms');
  });

  const operations = await read('operation_metrics', 'period_start, operation');
  assert.deepEqual(Object.keys(operations[0]), [
    'operation', 'total_executions', 'successful', 'failed', 'total_duration_ms', 'average_duration_ms', 'last_execution_at', 'period_start', 'period_end',
  ]);
  const expectedOps = [H10, H11].flatMap((hour) =>
    ['charge', 'embed', 'local', 'refund'].map((operation) => ({ hour, operation, of: ops.filter((o) => o.operation === operation && o.at >= hour && o.at < hour + HOUR_MS) })),
  ).filter((e) => e.of.length > 0);
  assert.deepEqual(operations.map((o) => [o.period_start, o.operation]), expectedOps.map((e) => [iso(e.hour), e.operation]));
  operations.forEach((row, i) => {
    const { of } = expectedOps[i];
    const failed = of.filter((o) => !o.success).length;
    assert.deepEqual([row.total_executions, row.successful, row.failed], [of.length, of.length - failed, failed], `operation_metrics row ${i}`);
    close(row.total_duration_ms, sum(of.map((o) => o.ms)), 0.0011, 'total_duration_ms');
  });
}

/** What a contract C row should hold for the executions `of` of one platform. */
function expectedPlatformRow(of: readonly Op[]): Row {
  const success = of.filter((o) => o.success).length;
  const errorOf = (cls: string) => of.filter((o) => !o.success && o.statusClass === cls).length;
  return {
    request_count: of.length,
    success_count: success,
    error_count: of.length - success,
    error_4xx_count: errorOf('4xx'),
    error_5xx_count: errorOf('5xx'),
    timeout_count: errorOf('timeout'),
  };
}

const COUNT_COLUMNS = ['request_count', 'success_count', 'error_count', 'error_4xx_count', 'error_5xx_count', 'timeout_count'];

/** Checks one contract C row against the executions `of`: exact counts, p99 within 1 % of the exact one. */
function checkPlatformRow(row: Row, of: readonly Op[], what: string): void {
  assert.deepEqual(Object.fromEntries(COUNT_COLUMNS.map((c) => [c, row[c]])), expectedPlatformRow(of), what);
  const durations = of.map((o) => o.ms).sort((a, b) => a - b);
  close(row.avg_latency_ms, sum(durations) / durations.length, 1e-9 * sum(durations), `${what} avg_latency_ms`);
  const exact = exactQuantile(durations, 0.99);
  close(row.p99_latency_ms, exact, 0.01 * exact, `${what} p99_latency_ms`);
  close(row.error_rate, (100 * (row.error_count as number)) / of.length, 1e-9, `${what} error_rate`);
}

/** Checks contract C's tables against `ops`, every row computed at `computedAt`; returns the rows read. */
async function checkContractC(read: ReadRelation, ops: readonly Op[], computedAt: number): Promise<{ hourly: Row[]; daily: Row[] }> {
  const hourly = await read('ops_metrics_hourly', 'bucket_start, platform');
  assert.deepEqual(Object.keys(hourly[0]), ['bucket_start', 'platform', ...COUNT_COLUMNS, 'avg_latency_ms', 'p99_latency_ms', 'error_rate', 'computed_at']);
  assert.deepEqual(hourly.map((r) => [r.bucket_start, r.platform]), [
    [iso(H10), 'openai'],
    [iso(H10), 'stripe'],
    [iso(H11), 'openai'],
    [iso(H11), 'stripe'],
  ]);
  for (const row of hourly) {
    const hour = Date.parse(row.bucket_start as string);
    checkPlatformRow(row, ops.filter((o) => o.platform === row.platform && o.at >= hour && o.at < hour + HOUR_MS), `${row.bucket_start} ${row.platform}`);
  }

  const daily = await read('ops_metrics_daily', 'bucket_date, platform');
  assert.deepEqual(Object.keys(daily[0]), ['bucket_date', 'platform', ...COUNT_COLUMNS, 'avg_latency_ms', 'p99_latency_ms', 'error_rate', 'computed_at']);
  assert.deepEqual(daily.map((r) => [r.bucket_date, r.platform]), [['2026-11-20', 'openai'], ['2026-11-20', 'stripe']]);
  for (const row of daily) {
    checkPlatformRow(row, ops.filter((o) => o.platform === row.platform), `daily ${row.platform}`);
    // The day is the merge of its hours: counts add up, the mean is their weighted mean.
    const hours = hourly.filter((h) => h.platform === row.platform);
    for (const column of COUNT_COLUMNS) assert.equal(row[column], sum(hours.map((h) => h[column] as number)), `daily ${column}`);
    const weighted = sum(hours.map((h) => (h.avg_latency_ms as number) * (h.request_count as number))) / (row.request_count as number);
    close(row.avg_latency_ms, weighted, 1e-9 * weighted, 'daily avg = weighted hourly avg');
  }
  for (const row of [...hourly, ...daily]) assert.equal(row.computed_at, iso(computedAt));
  return { hourly, daily };
}

/** Rows without `computed_at`, to compare what a recomputation leaves. */
const withoutComputedAt = (rows: Row[]): Row[] => rows.map(({ computed_at: _, ...rest }) => rest);

/** 20 late executions of charge on stripe in hour 10, as a window another process would ingest. */
function lateWindow(): { window: Window; ops: Op[] } {
  const at = H10 + 45 * MINUTE_MS;
  const durations = Array.from({ length: 20 }, (_, i) => 60_000 + 50 * i);
  const sketch = new Sketch();
  for (const d of durations) sketch.record(d);
  const labels = { service: 'api', instance: 'late-1', env: 'test', operation: 'charge', outcome: 'success', platform: 'stripe' };
  return {
    window: { series: { key: seriesKey(OPERATION_DURATION_METRIC, labels), metric: OPERATION_DURATION_METRIC, kind: 'distribution', labels }, ...distributionValues(sketch, at) },
    ops: durations.map((ms) => ({ at, operation: 'charge', platform: 'stripe', success: true, ms })),
  };
}

/**
 * Records, rolls up and checks every relation; then recomputation, late data and retention.
 * `filterByTime` runs a dialect's time filter on the views before retention empties them.
 */
async function scenario(store: Store, read: ReadRelation, filterByTime: () => Promise<void>): Promise<void> {
  const clock = testClock(H10);
  const velocity = testVelocity(clock, { store });
  try {
    const { ops, reqs } = traffic();
    await record(velocity, clock, ops, reqs);
    const rolledAt = T0 + DAY_MS + 10 * MINUTE_MS;
    clock.set(rolledAt);
    const [hours, days] = await velocity.rollup();
    assert.deepEqual([hours.buckets, days.buckets], [2, 1], 'hours 10 and 11 and their day are rolled');

    await checkContractB(read, ops, reqs);
    const first = await checkContractC(read, ops, rolledAt);

    // Nothing new: another run changes nothing at all.
    clock.set(rolledAt + 10 * MINUTE_MS);
    await velocity.rollup();
    assert.deepEqual(await read('ops_metrics_hourly', 'bucket_start, platform'), first.hourly);
    assert.deepEqual(await read('ops_metrics_daily', 'bucket_date, platform'), first.daily);

    // The same minutes of hour 10 written again: the hour and its day are recomputed, to the same rows.
    const series = await velocity.store.listSeries();
    const byId = new Map(series.map((s) => [s.id, s]));
    const again: Window[] = (await velocity.store.readWindows('1m', [...byId.keys()], H10, H10 + HOUR_MS)).map(({ seriesId, ...values }) => {
      const { key, metric, kind, labels } = byId.get(seriesId)!;
      return { series: { key, metric, kind, labels }, ...values };
    });
    await velocity.store.writeWindows('1m', again);
    const recomputedAt = rolledAt + 20 * MINUTE_MS;
    clock.set(recomputedAt);
    await velocity.rollup();
    const recomputed = {
      hourly: await read('ops_metrics_hourly', 'bucket_start, platform'),
      daily: await read('ops_metrics_daily', 'bucket_date, platform'),
    };
    assert.deepEqual(withoutComputedAt(recomputed.hourly), withoutComputedAt(first.hourly));
    assert.deepEqual(withoutComputedAt(recomputed.daily), withoutComputedAt(first.daily));
    assert.deepEqual(recomputed.hourly.map((r) => r.computed_at), [iso(recomputedAt), iso(recomputedAt), iso(rolledAt), iso(rolledAt)], 'hour 10 recomputed, hour 11 left');
    assert.deepEqual(recomputed.daily.map((r) => r.computed_at), [iso(recomputedAt), iso(recomputedAt)]);

    // Late data for hour 10: its rows and the day's take it in.
    const late = lateWindow();
    velocity.enqueueWindows([late.window]);
    await velocity.flush();
    const lateAt = rolledAt + 30 * MINUTE_MS;
    clock.set(lateAt);
    await velocity.rollup();
    const withLate = [...ops, ...late.ops];
    const hourly = await read('ops_metrics_hourly', 'bucket_start, platform');
    const stripe10 = hourly.find((r) => r.bucket_start === iso(H10) && r.platform === 'stripe') as Row;
    assert.equal(stripe10.request_count, (first.hourly[1].request_count as number) + 20);
    assert.equal(stripe10.computed_at, iso(lateAt));
    checkPlatformRow(stripe10, withLate.filter((o) => o.platform === 'stripe' && o.at < H11), 'stripe, hour 10, with the late window');
    assert.ok((stripe10.p99_latency_ms as number) > (first.hourly[1].p99_latency_ms as number), 'the slow late executions move p99 up');
    const [, stripeDay] = await read('ops_metrics_daily', 'bucket_date, platform');
    checkPlatformRow(stripeDay, withLate.filter((o) => o.platform === 'stripe'), 'stripe, the day, with the late window');
    assert.deepEqual(hourly.filter((r) => r.bucket_start === iso(H11)), recomputed.hourly.slice(2), 'hour 11 untouched');
    await filterByTime();

    // Retention of 1h drops the hourly rows with the hourly windows; the daily rows stay.
    clock.set(T0 + 92 * DAY_MS);
    await velocity.rollup();
    const pruned = await velocity.prune();
    assert.deepEqual(pruned.map((s) => [s.tier, s.platformRows]), [['1m', 0], ['1h', 4], ['1d', 0]]);
    assert.deepEqual(await read('ops_metrics_hourly', 'bucket_start, platform'), []);
    assert.equal((await read('ops_metrics_daily', 'bucket_date, platform')).length, 2);
  } finally {
    await velocity.close();
  }
}

/** A SQLite datetime() text as ISO-8601; any other value as it is. */
function fromSqlite(value: unknown): unknown {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value) ? new Date(`${value.replace(' ', 'T')}Z`).toISOString() : value;
}

describe('contract B and C relations on SQLite', { skip: skipUnlessSelected('sqlite') }, () => {
  it('hold what was recorded, per hour and day, and follow recomputation, late data and retention', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'velocity.db');
    const db = new Database(path);
    const read: ReadRelation = async (relation, orderBy) =>
      (db.prepare(`SELECT * FROM ${relation} ORDER BY ${orderBy}`).all() as Row[]).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, fromSqlite(v)])),
      );
    try {
      await scenario(createSqliteStore({ path }), read, async () => {
        const since = (relation: string, column: string, fn: string, ms: number) =>
          db.prepare(`SELECT count(*) AS n FROM ${relation} WHERE ${column} >= ${fn}(?, 'unixepoch')`).get(ms / 1000);
        assert.deepEqual(since('route_metrics', 'period_start', 'datetime', H11), { n: 2 }, 'times compare with datetime()');
        assert.deepEqual(since('ops_metrics_hourly', 'bucket_start', 'datetime', H11), { n: 2 });
        assert.deepEqual(since('ops_metrics_daily', 'bucket_date', 'date', T0), { n: 2 }, 'dates compare with date()');
      });
    } finally {
      db.close();
      tmp.remove();
    }
  });
});

const pgSkip = skipUnlessSelected('postgres') || (await postgresSkipReason());

describe('contract B and C relations on PostgreSQL', { skip: pgSkip }, () => {
  let db: TestDatabase;
  let sql: pg.Pool;
  // Times as ISO-8601, dates as their text, bigints as numbers: what the checks compare.
  const types = {
    getTypeParser(oid: number, format?: string) {
      if (oid === 1082) return (value: string) => value;
      if (oid === 20) return (value: string) => Number(value);
      if (oid === 1184) return (value: string) => (pg.types.getTypeParser(1184) as (v: string) => Date)(value).toISOString();
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
  before(async () => {
    db = await createTestDatabase();
    sql = new pg.Pool({ connectionString: db.url });
  });
  after(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('hold what was recorded, per hour and day, and follow recomputation, late data and retention', async () => {
    const read: ReadRelation = async (relation, orderBy) =>
      (await sql.query({ text: `SELECT * FROM metrics.${relation} ORDER BY ${orderBy}`, types })).rows as Row[];
    await scenario(createPostgresStore({ url: db.url, schema: 'metrics' }), read, async () => {
      const since = async (relation: string, column: string, value: unknown) =>
        (await sql.query({ text: `SELECT count(*)::int AS n FROM metrics.${relation} WHERE ${column} >= $1`, values: [value] })).rows;
      assert.deepEqual(await since('route_metrics', 'period_start', new Date(H11)), [{ n: 2 }]);
      assert.deepEqual(await since('ops_metrics_hourly', 'bucket_start', new Date(H11)), [{ n: 2 }]);
      assert.deepEqual(await since('ops_metrics_daily', 'bucket_date', '2026-11-20'), [{ n: 2 }]);
    });
  });
});
