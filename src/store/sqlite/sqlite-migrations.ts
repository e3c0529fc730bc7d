/**
 * The SQLite schema as an ordered list of migrations, and the function that applies the ones
 * not yet recorded in `schema_migrations`, each in its own transaction, exactly once (the
 * SQLite store's `migrate()`). Never edit a migration that has shipped: add one with the next
 * version.
 * @module
 */
import type { SqliteDatabase } from './sqlite-driver.js';

/** One versioned schema change. */
export interface SqliteMigration {
  /** Position in the sequence, starting at 1, strictly increasing. */
  readonly version: number;
  /** A short name, recorded beside the version. */
  readonly name: string;
  /** The statements to run, separated by semicolons. */
  readonly sql: string;
}

/**
 * Every migration, oldest first. Window times are integer epoch seconds; windows are keyed by
 * (series_id, t) in `WITHOUT ROWID` tables, one per tier, with an index on `t` for retention
 * and roll-ups. Maintenance runs are recorded in epoch milliseconds, since their intervals may
 * be shorter than a second.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'series and 1m windows',
    sql: `
      CREATE TABLE series (
        id         INTEGER PRIMARY KEY,
        key        TEXT    NOT NULL UNIQUE,
        metric     TEXT    NOT NULL,
        kind       TEXT    NOT NULL CHECK (kind IN ('distribution', 'counter', 'gauge')),
        labels     TEXT    NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL
      );
      CREATE INDEX series_metric ON series (metric);

      CREATE TABLE windows_1m (
        series_id INTEGER NOT NULL REFERENCES series (id),
        t         INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        sum       REAL    NOT NULL,
        min       REAL    NOT NULL,
        max       REAL    NOT NULL,
        last      REAL,
        p50       REAL,
        p95       REAL,
        p99       REAL,
        sketch    BLOB,
        PRIMARY KEY (series_id, t)
      ) WITHOUT ROWID;
      CREATE INDEX windows_1m_t ON windows_1m (t);
    `,
  },
  {
    version: 2,
    name: 'maintenance runs',
    sql: `
      -- When each maintenance job (retention, rollups) last ran, in epoch milliseconds: the
      -- store runs a job again once 90 % of its interval has passed (Store.runMaintenance).
      CREATE TABLE maintenance (
        job         TEXT    PRIMARY KEY,
        last_run_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: '1h and 1d windows, roll-up watermarks and dirty buckets',
    sql: `
      CREATE TABLE windows_1h (
        series_id INTEGER NOT NULL REFERENCES series (id),
        t         INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        sum       REAL    NOT NULL,
        min       REAL    NOT NULL,
        max       REAL    NOT NULL,
        last      REAL,
        p50       REAL,
        p95       REAL,
        p99       REAL,
        sketch    BLOB,
        PRIMARY KEY (series_id, t)
      ) WITHOUT ROWID;
      CREATE INDEX windows_1h_t ON windows_1h (t);

      CREATE TABLE windows_1d (
        series_id INTEGER NOT NULL REFERENCES series (id),
        t         INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        sum       REAL    NOT NULL,
        min       REAL    NOT NULL,
        max       REAL    NOT NULL,
        last      REAL,
        p50       REAL,
        p95       REAL,
        p99       REAL,
        sketch    BLOB,
        PRIMARY KEY (series_id, t)
      ) WITHOUT ROWID;
      CREATE INDEX windows_1d_t ON windows_1d (t);

      -- Per rolled tier, epoch seconds: every bucket before watermark has been rolled up;
      -- writes of windows below a bucket before claimed mark it dirty. One row per tier from
      -- the start, so that a write always finds the row it checks.
      CREATE TABLE rollup_state (
        tier      TEXT    PRIMARY KEY CHECK (tier IN ('1h', '1d')),
        watermark INTEGER,
        claimed   INTEGER
      ) WITHOUT ROWID;
      INSERT INTO rollup_state (tier) VALUES ('1h'), ('1d');

      -- Buckets (start t, epoch seconds) to roll up again; mark is a fresh random token per
      -- marking, so that a roll-up clears only the mark it saw.
      CREATE TABLE rollup_dirty (
        tier TEXT    NOT NULL CHECK (tier IN ('1h', '1d')),
        t    INTEGER NOT NULL,
        mark INTEGER NOT NULL,
        PRIMARY KEY (tier, t)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'system_metrics view (contract D)',
    sql: `
      -- One row per minute and process (service, instance) that collected host figures in it.
      -- Each column is the mean of the minute's samples of one gauge (one sample at the default
      -- 60 s interval); the percentages are the 0-1 utilization gauges times 100. timestamp is
      -- the minute's start, UTC, as SQLite's datetime() writes it ('YYYY-MM-DD HH:MM:SS').
      CREATE VIEW system_metrics AS
      WITH means AS (
        SELECT w.t AS t,
               json_extract(s.labels, '$.service') AS service,
               json_extract(s.labels, '$.instance') AS instance,
               s.metric AS metric,
               sum(w.sum) / sum(w.count) AS mean
        FROM series s
        JOIN windows_1m w ON w.series_id = s.id
        WHERE s.metric IN ('system.cpu.utilization', 'system.cpu.temperature', 'system.memory.limit',
                           'system.memory.usage', 'system.memory.utilization', 'system.filesystem.limit',
                           'system.filesystem.usage', 'system.filesystem.utilization')
        GROUP BY w.t, service, instance, s.metric
      )
      SELECT
        datetime(t, 'unixepoch') AS timestamp,
        round(100 * max(CASE WHEN metric = 'system.cpu.utilization' THEN mean END), 3) AS cpu_usage,
        round(max(CASE WHEN metric = 'system.cpu.temperature' THEN mean END), 3) AS cpu_temperature,
        CAST(round(max(CASE WHEN metric = 'system.memory.limit' THEN mean END)) AS INTEGER) AS memory_total,
        CAST(round(max(CASE WHEN metric = 'system.memory.usage' THEN mean END)) AS INTEGER) AS memory_used,
        round(100 * max(CASE WHEN metric = 'system.memory.utilization' THEN mean END), 3) AS memory_percent,
        CAST(round(max(CASE WHEN metric = 'system.filesystem.limit' THEN mean END)) AS INTEGER) AS disk_total,
        CAST(round(max(CASE WHEN metric = 'system.filesystem.usage' THEN mean END)) AS INTEGER) AS disk_used,
        round(100 * max(CASE WHEN metric = 'system.filesystem.utilization' THEN mean END), 3) AS disk_percent,
        service,
        instance
      FROM means
      GROUP BY t, service, instance;
    `,
  },
  {
    version: 5,
    name: 'route_metrics and operation_metrics views (contract B), ops_metrics tables (contract C)',
    sql: `
      -- Contract B: one row per (route, method) and hour, from the hourly windows of
      -- http.server.request.duration (every instance and status class together). failed =
      -- 5xx + timeout, as getRouteMetrics counts. Times are UTC text as datetime() writes it;
      -- last_request_at is the start of the latest window holding a request, here the hour's.
      CREATE VIEW route_metrics AS
      SELECT
        json_extract(s.labels, '$.route') AS route,
        json_extract(s.labels, '$.method') AS method,
        sum(w.count) AS total_requests,
        sum(w.count) - sum(CASE WHEN json_extract(s.labels, '$.status_class') IN ('5xx', 'timeout') THEN w.count ELSE 0 END) AS successful,
        sum(CASE WHEN json_extract(s.labels, '$.status_class') IN ('5xx', 'timeout') THEN w.count ELSE 0 END) AS failed,
        round(sum(w.sum), 3) AS total_duration_ms,
        coalesce(round(sum(w.sum) / nullif(sum(w.count), 0), 3), 0) AS average_duration_ms,
        CASE WHEN sum(w.count) > 0 THEN datetime(w.t, 'unixepoch') END AS last_request_at,
        datetime(w.t, 'unixepoch') AS period_start,
        datetime(w.t + 3600, 'unixepoch') AS period_end
      FROM windows_1h w
      JOIN series s ON s.id = w.series_id
      WHERE s.metric = 'http.server.request.duration'
      GROUP BY w.t, route, method;

      -- Contract B: one row per operation and hour, from the hourly windows of
      -- velocity.operation.duration, over every custom label; failed = outcome failure.
      CREATE VIEW operation_metrics AS
      SELECT
        json_extract(s.labels, '$.operation') AS operation,
        sum(w.count) AS total_executions,
        sum(w.count) - sum(CASE WHEN json_extract(s.labels, '$.outcome') = 'failure' THEN w.count ELSE 0 END) AS successful,
        sum(CASE WHEN json_extract(s.labels, '$.outcome') = 'failure' THEN w.count ELSE 0 END) AS failed,
        round(sum(w.sum), 3) AS total_duration_ms,
        coalesce(round(sum(w.sum) / nullif(sum(w.count), 0), 3), 0) AS average_duration_ms,
        CASE WHEN sum(w.count) > 0 THEN datetime(w.t, 'unixepoch') END AS last_execution_at,
        datetime(w.t, 'unixepoch') AS period_start,
        datetime(w.t + 3600, 'unixepoch') AS period_end
      FROM windows_1h w
      JOIN series s ON s.id = w.series_id
      WHERE s.metric = 'velocity.operation.duration'
      GROUP BY w.t, operation;

      -- Contract C: per platform label and UTC hour / day, upserted by the roll-up right after
      -- it rolls the bucket (p99 from merged sketches, which SQL cannot merge). Times are UTC
      -- text: bucket_start and computed_at as datetime() writes them (computed_at with
      -- milliseconds), bucket_date as date() does.
      CREATE TABLE ops_metrics_hourly (
        bucket_start    TEXT    NOT NULL,
        platform        TEXT    NOT NULL,
        request_count   INTEGER NOT NULL,
        success_count   INTEGER NOT NULL,
        error_count     INTEGER NOT NULL,
        error_4xx_count INTEGER NOT NULL,
        error_5xx_count INTEGER NOT NULL,
        timeout_count   INTEGER NOT NULL,
        avg_latency_ms  REAL,
        p99_latency_ms  REAL,
        error_rate      REAL    NOT NULL,
        computed_at     TEXT    NOT NULL,
        PRIMARY KEY (bucket_start, platform)
      ) WITHOUT ROWID;

      CREATE TABLE ops_metrics_daily (
        bucket_date     TEXT    NOT NULL,
        platform        TEXT    NOT NULL,
        request_count   INTEGER NOT NULL,
        success_count   INTEGER NOT NULL,
        error_count     INTEGER NOT NULL,
        error_4xx_count INTEGER NOT NULL,
        error_5xx_count INTEGER NOT NULL,
        timeout_count   INTEGER NOT NULL,
        avg_latency_ms  REAL,
        p99_latency_ms  REAL,
        error_rate      REAL    NOT NULL,
        computed_at     TEXT    NOT NULL,
        PRIMARY KEY (bucket_date, platform)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'status counts of route-totals windows',
    sql: `
      -- A JSON array of request counts per status class, set on the windows that merge a
      -- route's status classes (the roll-up writes them); NULL on every other window.
      ALTER TABLE windows_1m ADD COLUMN status_counts TEXT;
      ALTER TABLE windows_1h ADD COLUMN status_counts TEXT;
      ALTER TABLE windows_1d ADD COLUMN status_counts TEXT;
    `,
  },
  {
    version: 7,
    name: 'covering indexes for the summaries of the rolled tiers',
    sql: `
      -- A long-range history reads the summaries of every window of many series (the 30-day
      -- dashboard: 72,000 hourly windows) and their sketches only where a point merges several.
      -- From the table, each row read drags its sketch (about 440 bytes for an hour) through
      -- the page cache; this index holds the summary columns alone, a seventh of the bytes.
      -- The 1m tier has none: it is written every flush, and its history reads one route.
      CREATE INDEX windows_1h_summary ON windows_1h (series_id, t, count, min, max, p50, p95, p99, status_counts);
      CREATE INDEX windows_1d_summary ON windows_1d (series_id, t, count, min, max, p50, p95, p99, status_counts);
    `,
  },
];

/**
 * Applies, in order, every migration of `migrations` not yet recorded in `schema_migrations`
 * (which it creates if missing), each with its record in one `BEGIN IMMEDIATE` transaction:
 * a failing migration leaves no trace, and two processes migrating one file at once apply
 * each migration once. Returns the versions it applied, oldest first.
 */
export function applySqliteMigrations(
  db: SqliteDatabase,
  migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS,
): number[] {
  for (let i = 0; i < migrations.length; i++) {
    const { version } = migrations[i];
    if (!Number.isSafeInteger(version) || version < 1 || (i > 0 && version <= migrations[i - 1].version)) {
      throw new Error(`SQLite migrations must have strictly increasing positive versions (at ${version})`);
    }
  }
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const apply = db.transaction((migration: SqliteMigration): boolean => {
    // Checked under the write lock: another process may have applied it since we looked.
    if (isApplied.get(migration.version) !== undefined) return false;
    db.exec(migration.sql);
    record.run(migration.version, migration.name, Math.floor(Date.now() / 1000));
    return true;
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    if (apply.immediate(migration)) applied.push(migration.version);
  }
  return applied;
}
