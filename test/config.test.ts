import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { VelocityError } from '../src/errors.js';

describe('resolveConfig', () => {
  it('works with nothing set', () => {
    const config = resolveConfig({}, {});
    assert.equal(config.database, './data/velocity.db');
    assert.equal(config.flushIntervalMs, 30_000);
    assert.equal(config.retention1mMs, 14 * 86_400_000);
    assert.equal(config.env, 'dev');
    assert.match(config.instance, /^.+:\d+$/);
  });

  it('prefers options over VELOCITY_* over the earlier designs’ aliases', () => {
    const env = { VELOCITY_FLUSH_INTERVAL: '10s', HISTORY_SNAPSHOT_SEC: '45', HISTORY_RETENTION_DAYS: '3', NODE_ENV: 'production', SENTRY_ENV: 'staging' };
    const config = resolveConfig({}, env);
    assert.equal(config.flushIntervalMs, 10_000);
    assert.equal(config.retention1mMs, 3 * 86_400_000);
    assert.equal(config.env, 'staging');
    assert.equal(resolveConfig({ flushInterval: '5s' }, env).flushIntervalMs, 5_000);
    assert.equal(resolveConfig({}, { HISTORY_SNAPSHOT_SEC: '45' }).flushIntervalMs, 45_000);
  });

  it('takes contract A’s labels from RELEASE_SHA and BUILD_TIME, and the database from DATABASE_URL', () => {
    const config = resolveConfig({}, { RELEASE_SHA: 'abc123', BUILD_TIME: '2026-11-20T10:00:00Z', DATABASE_URL: '/tmp/x.db' });
    assert.equal(config.releaseSha, 'abc123');
    assert.equal(config.buildTime, '2026-11-20T10:00:00Z');
    assert.equal(config.database, '/tmp/x.db');
  });

  it('maps contract B’s storage and batch settings', () => {
    assert.equal(resolveConfig({}, { OBSERVABILITY_METRICS_STORAGE: 'memory', DATABASE_URL: 'postgres://h/db' }).database, 'memory');
    assert.equal(resolveConfig({}, { OBSERVABILITY_METRICS_STORAGE: 'database', DATABASE_URL: 'postgres://h/db' }).database, 'postgres://h/db');
    assert.equal(resolveConfig({}, { OBSERVABILITY_METRICS_STORAGE: 'database' }).database, './data/velocity.db');
    assert.equal(resolveConfig({}, { VELOCITY_DATABASE_URL: '/a.db', OBSERVABILITY_METRICS_STORAGE: 'memory' }).database, '/a.db');
    assert.equal(resolveConfig({}, { OBSERVABILITY_METRICS_BATCH_INTERVAL: '5000' }).flushIntervalMs, 5_000);
    assert.throws(() => resolveConfig({}, { OBSERVABILITY_METRICS_STORAGE: 'redis' }), /OBSERVABILITY_METRICS_STORAGE: "redis" is neither/);
  });

  it('names the setting that holds a bad value', () => {
    assert.throws(() => resolveConfig({}, { VELOCITY_FLUSH_INTERVAL: 'fast' }), (e: unknown) => e instanceof VelocityError && e.param === 'VELOCITY_FLUSH_INTERVAL');
    assert.throws(() => resolveConfig({ flushInterval: '10ms' }, {}), /flushInterval: must be at least 100ms/);
    assert.throws(() => resolveConfig({ retention1m: '5s' }, {}), /retention1m/);
  });

  it('caps series per metric at 2,000 unless the option or VELOCITY_MAX_SERIES_PER_METRIC says otherwise', () => {
    assert.equal(resolveConfig({}, {}).maxSeriesPerMetric, 2_000);
    assert.equal(resolveConfig({}, { VELOCITY_MAX_SERIES_PER_METRIC: '500' }).maxSeriesPerMetric, 500);
    assert.equal(resolveConfig({ maxSeriesPerMetric: 50 }, { VELOCITY_MAX_SERIES_PER_METRIC: '500' }).maxSeriesPerMetric, 50);
    assert.throws(
      () => resolveConfig({}, { VELOCITY_MAX_SERIES_PER_METRIC: 'many' }),
      (e: unknown) => e instanceof VelocityError && e.param === 'VELOCITY_MAX_SERIES_PER_METRIC',
    );
    assert.throws(() => resolveConfig({ maxSeriesPerMetric: 0 }, {}), /maxSeriesPerMetric: must be a whole number of at least 1/);
  });

  it('lets only token holders ingest, 1 MiB and 10,000 items a batch, unless told otherwise', () => {
    const defaults = resolveConfig({}, {});
    assert.deepEqual([defaults.ingest, defaults.ingestMaxBytes, defaults.ingestMaxItems], ['token', 1_048_576, 10_000]);
    const env = { VELOCITY_INGEST: 'open', VELOCITY_INGEST_MAX_BYTES: '2048', VELOCITY_INGEST_MAX_ITEMS: '10' };
    const fromEnv = resolveConfig({}, env);
    assert.deepEqual([fromEnv.ingest, fromEnv.ingestMaxBytes, fromEnv.ingestMaxItems], ['open', 2_048, 10]);
    assert.equal(resolveConfig({ ingest: 'off' }, env).ingest, 'off');
    assert.throws(() => resolveConfig({}, { VELOCITY_INGEST: 'yes' }), (e: unknown) => e instanceof VelocityError && e.param === 'VELOCITY_INGEST');
    assert.throws(() => resolveConfig({ ingestMaxBytes: 0 }, {}), /ingestMaxBytes/);
  });

  it('keeps each tier for its own retention: 1m 14 days, 1h 90 days, 1d 2 years, with contract B on 1m', () => {
    const defaults = resolveConfig({}, {});
    assert.deepEqual([defaults.retention1mMs, defaults.retention1hMs, defaults.retention1dMs], [14, 90, 730].map((d) => d * 86_400_000));
    const env = { VELOCITY_RETENTION_1H: '30d', VELOCITY_RETENTION_1D: '1y', OBSERVABILITY_METRICS_RETENTION_DAYS: '90' };
    const fromEnv = resolveConfig({}, env);
    assert.deepEqual([fromEnv.retention1mMs, fromEnv.retention1hMs, fromEnv.retention1dMs], [90, 30, 365].map((d) => d * 86_400_000));
    assert.equal(resolveConfig({ retention1h: '2w' }, env).retention1hMs, 14 * 86_400_000);
    assert.equal(resolveConfig({}, { ...env, HISTORY_RETENTION_DAYS: '7' }).retention1mMs, 7 * 86_400_000, 'contract A before contract B');
    assert.throws(() => resolveConfig({ retention1h: '30m' }, {}), /retention1h: must be at least 1h/);
    assert.throws(() => resolveConfig({}, { VELOCITY_RETENTION_1D: '12h' }), /retention1d: must be at least 1d/);
  });
});
