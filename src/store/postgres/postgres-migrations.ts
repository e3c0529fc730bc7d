/**
 * The PostgreSQL schema as an ordered list of migrations, and the function that applies the
 * ones not yet recorded in `velocity_schema_migrations`, each in its own transaction under an
 * advisory lock, exactly once (the PostgreSQL store's `migrate()`). Never edit a migration
 * that has shipped: add one with the next version.
 * @module
 */
import { PG_TYPES, withTransaction, type PgPoolLike } from './postgres-driver.js';
import { LOCK_KEYS, lockSql, quoteIdent } from './postgres-statements.js';

/** One versioned schema change. */
export interface PostgresMigration {
  /** Position in the sequence, starting at 1, strictly increasing. */
  readonly version: number;
  /** A short name, recorded beside the version. */
  readonly name: string;
  /**
   * The statements to run, separated by semicolons, with unqualified names: they are run
   * with `search_path` set to the store's schema.
   */
  readonly sql: string;
}

/**
 * Every migration, oldest first. Times are `timestamptz`; the 1-minute windows are keyed by
 * (series_id, t) and partitioned by day on t (the store creates the daily partitions, see
 * `createPostgresStore`), with an index on t for retention and time-range scans.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'series and 1m windows partitioned by day',
    sql: `
      CREATE TABLE velocity_series (
        id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key        text        NOT NULL UNIQUE,
        metric     text        NOT NULL,
        kind       text        NOT NULL CHECK (kind IN ('distribution', 'counter', 'gauge')),
        labels     jsonb       NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen  timestamptz NOT NULL
      );
      CREATE INDEX velocity_series_metric ON velocity_series (metric);

      CREATE TABLE velocity_windows_1m (
        series_id bigint           NOT NULL,
        t         timestamptz      NOT NULL,
        count     bigint           NOT NULL,
        sum       double precision NOT NULL,
        min       double precision NOT NULL,
        max       double precision NOT NULL,
        last      double precision,
        p50       double precision,
        p95       double precision,
        p99       double precision,
        sketch    bytea,
        PRIMARY KEY (series_id, t)
      ) PARTITION BY RANGE (t);
      CREATE INDEX velocity_windows_1m_t ON velocity_windows_1m (t);
    `,
  },
  {
    version: 2,
    name: 'velocity_metrics view (contract A)',
    sql: `
      -- One row per (minute, env, route, release_sha, build_time). Minutes are enumerated
      -- newest first and each is aggregated on its own (LATERAL): "ORDER BY ts DESC LIMIT n"
      -- then reads the newest minutes only instead of aggregating and sorting the whole table.
      CREATE VIEW velocity_metrics AS
      SELECT m.ts, g.env, g.route, g.rps, g.p50_ms, g.p95_ms, g.err_rate_pct, g.samples_1m, g.release_sha, g.build_time
      FROM (SELECT DISTINCT t AS ts FROM velocity_windows_1m ORDER BY t DESC) m
      CROSS JOIN LATERAL (
        SELECT
          s.labels ->> 'env' AS env,
          (s.labels ->> 'method') || ' ' || (s.labels ->> 'route') AS route,
          round(sum(w.count) / 60.0, 3)::double precision AS rps,
          round(((array_agg(w.p50 ORDER BY w.count DESC, w.series_id))[1])::numeric, 3)::double precision AS p50_ms,
          round(((array_agg(w.p95 ORDER BY w.count DESC, w.series_id))[1])::numeric, 3)::double precision AS p95_ms,
          coalesce(round(
            100.0 * sum(w.count) FILTER (WHERE s.labels ->> 'status_class' IN ('5xx', 'timeout'))
              / nullif(sum(w.count), 0),
            3), 0)::double precision AS err_rate_pct,
          sum(w.count)::bigint AS samples_1m,
          s.labels ->> 'release_sha' AS release_sha,
          s.labels ->> 'build_time' AS build_time
        FROM velocity_windows_1m w
        JOIN velocity_series s ON s.id = w.series_id
        WHERE w.t = m.ts
          AND s.metric = 'http.server.request.duration'
          AND s.labels ->> 'status_class' IN ('1xx', '2xx', '3xx', '4xx', '5xx', 'timeout', 'aborted')
        GROUP BY env, route, release_sha, build_time
      ) g;

      COMMENT ON VIEW velocity_metrics IS
        'Per route ("METHOD /route") and minute, per env, release_sha and build_time: HTTP request '
        'KPIs from the 1-minute windows of http.server.request.duration (contract A). '
        'samples_1m = requests in the minute; rps = samples_1m / 60; err_rate_pct = (5xx + timeout) / all * 100; '
        'all rounded to 3 decimals. p50_ms and p95_ms are those of the minute''s window with the most requests '
        '(ties: the lowest series id): exact when one window holds all of the minute''s requests for the row '
        '(one instance, one status class), otherwise an approximation, since percentiles cannot be merged in SQL. '
        'Merged percentiles come from the history API, which merges the windows'' sketches.';
      COMMENT ON COLUMN velocity_metrics.ts IS 'Start of the minute (UTC-aligned).';
      COMMENT ON COLUMN velocity_metrics.route IS 'HTTP method and route template, e.g. GET /api/jobs/:id.';
      COMMENT ON COLUMN velocity_metrics.p50_ms IS 'p50 in ms of the minute''s largest window (see the view''s comment).';
      COMMENT ON COLUMN velocity_metrics.p95_ms IS 'p95 in ms of the minute''s largest window (see the view''s comment).';
      COMMENT ON COLUMN velocity_metrics.err_rate_pct IS '(5xx + timeout) / all requests * 100; 0 without requests.';
      COMMENT ON COLUMN velocity_metrics.samples_1m IS 'Requests in the minute, over every status class and instance.';
    `,
  },
  {
    version: 3,
    name: 'maintenance runs',
    sql: `
      CREATE TABLE velocity_maintenance (
        job      text        PRIMARY KEY,
        last_run timestamptz NOT NULL
      );
      COMMENT ON TABLE velocity_maintenance IS
        'When each maintenance job (retention, rollups) last ran, in whichever instance ran it. '
        'An instance runs a job under the maintenance advisory lock once 90 % of its interval has passed.';
    `,
  },
  {
    version: 4,
    name: '1h and 1d windows, roll-up watermarks and dirty buckets',
    sql: `
      CREATE TABLE velocity_windows_1h (
        series_id bigint           NOT NULL,
        t         timestamptz      NOT NULL,
        count     bigint           NOT NULL,
        sum       double precision NOT NULL,
        min       double precision NOT NULL,
        max       double precision NOT NULL,
        last      double precision,
        p50       double precision,
        p95       double precision,
        p99       double precision,
        sketch    bytea,
        PRIMARY KEY (series_id, t)
      ) PARTITION BY RANGE (t);
      CREATE INDEX velocity_windows_1h_t ON velocity_windows_1h (t);
      COMMENT ON TABLE velocity_windows_1h IS
        'Hourly windows rolled up from velocity_windows_1m, with the instance label folded away; '
        'partitioned by UTC month (velocity_windows_1h_pYYYYMM). Complete before the 1h watermark '
        '(velocity_rollup_state).';

      CREATE TABLE velocity_windows_1d (
        series_id bigint           NOT NULL,
        t         timestamptz      NOT NULL,
        count     bigint           NOT NULL,
        sum       double precision NOT NULL,
        min       double precision NOT NULL,
        max       double precision NOT NULL,
        last      double precision,
        p50       double precision,
        p95       double precision,
        p99       double precision,
        sketch    bytea,
        PRIMARY KEY (series_id, t)
      );
      CREATE INDEX velocity_windows_1d_t ON velocity_windows_1d (t);
      COMMENT ON TABLE velocity_windows_1d IS
        'Daily windows rolled up from velocity_windows_1h. Complete before the 1d watermark (velocity_rollup_state).';

      CREATE TABLE velocity_rollup_state (
        tier      text        PRIMARY KEY CHECK (tier IN ('1h', '1d')),
        watermark timestamptz,
        claimed   timestamptz
      );
      INSERT INTO velocity_rollup_state (tier) VALUES ('1h'), ('1d');
      COMMENT ON TABLE velocity_rollup_state IS
        'Per rolled tier: every bucket starting before watermark has been rolled up (NULL: none yet); '
        'a write of windows below a bucket starting before claimed marks it dirty (velocity_rollup_dirty). '
        'Writers lock these rows FOR SHARE, so that moving a claim waits for the writes in progress.';

      CREATE TABLE velocity_rollup_dirty (
        tier text        NOT NULL CHECK (tier IN ('1h', '1d')),
        t    timestamptz NOT NULL,
        mark bigserial   NOT NULL,
        PRIMARY KEY (tier, t)
      );
      COMMENT ON TABLE velocity_rollup_dirty IS
        'Buckets of a rolled tier to roll up again: windows below them were written after they were claimed. '
        'Each marking takes a new mark; a roll-up clears a bucket only if its mark is the one it saw.';
    `,
  },
  {
    version: 5,
    name: 'system_metrics view (contract D)',
    sql: `
      -- One row per minute and process (service, instance) that collected host figures in it;
      -- a filter on "timestamp" reaches the 1-minute windows' t (partition pruning, index).
      CREATE VIEW system_metrics AS
      WITH means AS (
        SELECT w.t,
               s.labels ->> 'service' AS service,
               s.labels ->> 'instance' AS instance,
               s.metric,
               sum(w.sum) / sum(w.count)::double precision AS mean
        FROM velocity_windows_1m w
        JOIN velocity_series s ON s.id = w.series_id
        WHERE s.metric IN ('system.cpu.utilization', 'system.cpu.temperature', 'system.memory.limit',
                           'system.memory.usage', 'system.memory.utilization', 'system.filesystem.limit',
                           'system.filesystem.usage', 'system.filesystem.utilization')
        GROUP BY w.t, s.labels ->> 'service', s.labels ->> 'instance', s.metric
      )
      SELECT
        t AS "timestamp",
        round((100 * max(mean) FILTER (WHERE metric = 'system.cpu.utilization'))::numeric, 3)::double precision AS cpu_usage,
        round((max(mean) FILTER (WHERE metric = 'system.cpu.temperature'))::numeric, 3)::double precision AS cpu_temperature,
        round(max(mean) FILTER (WHERE metric = 'system.memory.limit'))::bigint AS memory_total,
        round(max(mean) FILTER (WHERE metric = 'system.memory.usage'))::bigint AS memory_used,
        round((100 * max(mean) FILTER (WHERE metric = 'system.memory.utilization'))::numeric, 3)::double precision AS memory_percent,
        round(max(mean) FILTER (WHERE metric = 'system.filesystem.limit'))::bigint AS disk_total,
        round(max(mean) FILTER (WHERE metric = 'system.filesystem.usage'))::bigint AS disk_used,
        round((100 * max(mean) FILTER (WHERE metric = 'system.filesystem.utilization'))::numeric, 3)::double precision AS disk_percent,
        service,
        instance
      FROM means
      GROUP BY t, service, instance;

      COMMENT ON VIEW system_metrics IS
        'Host figures per minute and process (contract D), from the gauges system.cpu.utilization, '
        'system.cpu.temperature, system.memory.limit/usage/utilization and system.filesystem.limit/usage/utilization '
        'of velocity_windows_1m. Each column is the mean of the samples taken in the minute (one at the default '
        '60 s collection interval); percentages are the 0-1 utilization gauges times 100, rounded to 3 decimals.';
      COMMENT ON COLUMN system_metrics."timestamp" IS 'Start of the minute (UTC-aligned).';
      COMMENT ON COLUMN system_metrics.cpu_usage IS 'Machine-wide CPU busy %, 0-100, over the collection interval (/proc/stat).';
      COMMENT ON COLUMN system_metrics.cpu_temperature IS 'CPU thermal zone, degrees Celsius; NULL where the host has no sensor.';
      COMMENT ON COLUMN system_metrics.memory_total IS 'MemTotal, bytes.';
      COMMENT ON COLUMN system_metrics.memory_used IS 'MemTotal - MemAvailable, bytes.';
      COMMENT ON COLUMN system_metrics.memory_percent IS 'memory_used / memory_total * 100.';
      COMMENT ON COLUMN system_metrics.disk_total IS 'Size of the file system holding the data directory, bytes.';
      COMMENT ON COLUMN system_metrics.disk_used IS 'Its used bytes (size - free).';
      COMMENT ON COLUMN system_metrics.disk_percent IS 'used / (used + available to unprivileged users) * 100, as df computes it, unrounded.';
    `,
  },
  {
    version: 6,
    name: 'route_metrics and operation_metrics views (contract B), ops_metrics tables (contract C)',
    sql: `
      -- Contract B: one row per (route, method) and hour from the hourly windows; a filter on
      -- period_start reaches the windows' t (partition pruning, index).
      CREATE VIEW route_metrics AS
      SELECT
        s.labels ->> 'route' AS route,
        s.labels ->> 'method' AS method,
        sum(w.count)::bigint AS total_requests,
        (sum(w.count) - coalesce(sum(w.count) FILTER (WHERE s.labels ->> 'status_class' IN ('5xx', 'timeout')), 0))::bigint AS successful,
        coalesce(sum(w.count) FILTER (WHERE s.labels ->> 'status_class' IN ('5xx', 'timeout')), 0)::bigint AS failed,
        round(sum(w.sum)::numeric, 3)::double precision AS total_duration_ms,
        coalesce(round((sum(w.sum) / nullif(sum(w.count), 0)::double precision)::numeric, 3), 0)::double precision AS average_duration_ms,
        CASE WHEN sum(w.count) > 0 THEN w.t END AS last_request_at,
        w.t AS period_start,
        w.t + interval '1 hour' AS period_end
      FROM velocity_windows_1h w
      JOIN velocity_series s ON s.id = w.series_id
      WHERE s.metric = 'http.server.request.duration'
      GROUP BY w.t, s.labels ->> 'route', s.labels ->> 'method';

      COMMENT ON VIEW route_metrics IS
        'Contract B: per route and method, per hour, from the hourly windows of http.server.request.duration '
        '(every instance and status class together; the current hour appears once the roll-up has rolled it). '
        'failed = 5xx + timeout, successful = the rest, as getRouteMetrics counts; durations in ms, rounded to 3 decimals.';
      COMMENT ON COLUMN route_metrics.route IS 'Route template, e.g. /api/jobs/:id.';
      COMMENT ON COLUMN route_metrics.failed IS 'Requests answered 5xx or timed out.';
      COMMENT ON COLUMN route_metrics.average_duration_ms IS 'total_duration_ms / total_requests; 0 without requests.';
      COMMENT ON COLUMN route_metrics.last_request_at IS 'Start of the latest window holding a request: the hour''s start, since the view reads hourly windows.';
      COMMENT ON COLUMN route_metrics.period_start IS 'Start of the hour (UTC-aligned).';
      COMMENT ON COLUMN route_metrics.period_end IS 'End of the hour, exclusive.';

      CREATE VIEW operation_metrics AS
      SELECT
        s.labels ->> 'operation' AS operation,
        sum(w.count)::bigint AS total_executions,
        (sum(w.count) - coalesce(sum(w.count) FILTER (WHERE s.labels ->> 'outcome' = 'failure'), 0))::bigint AS successful,
        coalesce(sum(w.count) FILTER (WHERE s.labels ->> 'outcome' = 'failure'), 0)::bigint AS failed,
        round(sum(w.sum)::numeric, 3)::double precision AS total_duration_ms,
        coalesce(round((sum(w.sum) / nullif(sum(w.count), 0)::double precision)::numeric, 3), 0)::double precision AS average_duration_ms,
        CASE WHEN sum(w.count) > 0 THEN w.t END AS last_execution_at,
        w.t AS period_start,
        w.t + interval '1 hour' AS period_end
      FROM velocity_windows_1h w
      JOIN velocity_series s ON s.id = w.series_id
      WHERE s.metric = 'velocity.operation.duration'
      GROUP BY w.t, s.labels ->> 'operation';

      COMMENT ON VIEW operation_metrics IS
        'Contract B: per operation, per hour, over every custom label, from the hourly windows of '
        'velocity.operation.duration. failed = outcome failure; durations in ms, rounded to 3 decimals.';
      COMMENT ON COLUMN operation_metrics.last_execution_at IS 'Start of the latest window holding an execution: the hour''s start.';
      COMMENT ON COLUMN operation_metrics.period_start IS 'Start of the hour (UTC-aligned).';
      COMMENT ON COLUMN operation_metrics.period_end IS 'End of the hour, exclusive.';

      CREATE TABLE ops_metrics_hourly (
        bucket_start    timestamptz      NOT NULL,
        platform        text             NOT NULL,
        request_count   bigint           NOT NULL,
        success_count   bigint           NOT NULL,
        error_count     bigint           NOT NULL,
        error_4xx_count bigint           NOT NULL,
        error_5xx_count bigint           NOT NULL,
        timeout_count   bigint           NOT NULL,
        avg_latency_ms  double precision,
        p99_latency_ms  double precision,
        error_rate      double precision NOT NULL,
        computed_at     timestamptz      NOT NULL,
        PRIMARY KEY (bucket_start, platform)
      );
      COMMENT ON TABLE ops_metrics_hourly IS
        'Contract C: per platform label and UTC hour, upserted by the roll-up right after it rolls the hour, '
        'and again when late data re-rolls it (keyed by bucket_start, platform). Requests and operations of series '
        'with a platform label; error_count = every one that did not succeed, split into 4xx, 5xx and timeout where '
        'their status class says so; p99 from the merged sketches; error_rate = error_count / request_count * 100.';
      COMMENT ON COLUMN ops_metrics_hourly.p99_latency_ms IS 'p99 in ms of every duration of the hour (merged sketches, within 1 %), never an average of p99s.';
      COMMENT ON COLUMN ops_metrics_hourly.computed_at IS 'When the roll-up computed the row.';

      CREATE TABLE ops_metrics_daily (
        bucket_date     date             NOT NULL,
        platform        text             NOT NULL,
        request_count   bigint           NOT NULL,
        success_count   bigint           NOT NULL,
        error_count     bigint           NOT NULL,
        error_4xx_count bigint           NOT NULL,
        error_5xx_count bigint           NOT NULL,
        timeout_count   bigint           NOT NULL,
        avg_latency_ms  double precision,
        p99_latency_ms  double precision,
        error_rate      double precision NOT NULL,
        computed_at     timestamptz      NOT NULL,
        PRIMARY KEY (bucket_date, platform)
      );
      COMMENT ON TABLE ops_metrics_daily IS
        'Contract C: per platform label and UTC day, as ops_metrics_hourly, from the day''s 24 hourly windows merged '
        '(its counts are the sums of the day''s hourly rows, its p99 that of their merged sketches).';
    `,
  },
  {
    version: 7,
    name: 'series pages half empty, so that moving last seen is a HOT update',
    sql: `
      -- Every flush moves the last seen of every series it writes. On full pages each new row
      -- version moves to another page, with an entry in each of the table's three indexes, and
      -- the table grows by its own size per flush until vacuumed. With room on its page, the
      -- new version stays there (a heap-only tuple, no index entry) and the one before it is
      -- pruned by the next flush: about a quarter of the time, and no growth.
      ALTER TABLE velocity_series SET (fillfactor = 50);
    `,
  },
  {
    version: 8,
    name: 'status counts of route-totals windows',
    sql: `
      -- Requests per status class, set on the windows that merge a route's status classes
      -- (the roll-up writes them); NULL on every other window. Seven unsigned LEB128 varints
      -- (7 bits per byte, low group first, high bit set on all bytes but a value's last): a
      -- tenth of the bytes of a bigint[], which long-range reads send by the ten thousand.
      ALTER TABLE velocity_windows_1m ADD COLUMN status_counts bytea;
      ALTER TABLE velocity_windows_1h ADD COLUMN status_counts bytea;
      ALTER TABLE velocity_windows_1d ADD COLUMN status_counts bytea;

      CREATE FUNCTION velocity_status_counts(bytes bytea) RETURNS bigint[]
      LANGUAGE plpgsql IMMUTABLE STRICT AS $$
      DECLARE
        counts bigint[] := '{}';
        value bigint := 0;
        scale bigint := 1;
        b int;
      BEGIN
        FOR i IN 0 .. length(bytes) - 1 LOOP
          b := get_byte(bytes, i);
          value := value + (b & 127) * scale;
          IF b < 128 THEN
            counts := counts || value;
            value := 0;
            scale := 1;
          ELSE
            scale := scale * 128;
          END IF;
        END LOOP;
        RETURN counts;
      END $$;
      COMMENT ON FUNCTION velocity_status_counts(bytea) IS
        'The status counts of a window (column status_counts) as bigint[]: requests per status class, in the order '
        '1xx, 2xx, 3xx, 4xx, 5xx, timeout, aborted.';
      COMMENT ON COLUMN velocity_windows_1h.status_counts IS
        'Of a window of http.server.request.duration.route (a route''s status classes merged): its requests per '
        'status class, in the order 1xx, 2xx, 3xx, 4xx, 5xx, timeout, aborted, as seven varints; '
        'velocity_status_counts(status_counts) gives them as bigint[]. NULL on every other window.';
    `,
  },
  {
    version: 9,
    name: 'covering indexes for the summaries of the rolled tiers',
    sql: `
      -- A long-range history reads the summaries of every window of many series (the 30-day
      -- dashboard: 72,000 hourly windows) and their sketches only where a point merges several.
      -- An index-only scan of these reads the summary columns alone, without the heap rows and
      -- their sketches (once vacuum has marked the pages all-visible, as it does for rolled
      -- windows, written once). The 1m tier has none: it is written every flush.
      CREATE INDEX velocity_windows_1h_summary ON velocity_windows_1h (series_id, t)
        INCLUDE (count, min, max, p50, p95, p99, status_counts);
      CREATE INDEX velocity_windows_1d_summary ON velocity_windows_1d (series_id, t)
        INCLUDE (count, min, max, p50, p95, p99, status_counts);
    `,
  },
];

/**
 * Applies, in order, every migration of `migrations` not yet recorded in
 * `<schema>.velocity_schema_migrations` (creating the schema and that table if missing), each
 * with its record in one transaction under `pg_advisory_xact_lock`: a failing migration
 * leaves no trace, and instances migrating one database at the same moment apply each
 * migration once (the others wait, then find it recorded). Returns the versions it applied,
 * oldest first.
 */
export async function applyPostgresMigrations(
  pool: PgPoolLike,
  schema = 'public',
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  for (let i = 0; i < migrations.length; i++) {
    const { version } = migrations[i];
    if (!Number.isSafeInteger(version) || version < 1 || (i > 0 && version <= migrations[i - 1].version)) {
      throw new Error(`PostgreSQL migrations must have strictly increasing positive versions (at ${version})`);
    }
  }
  const recordTable = `${quoteIdent(schema)}.velocity_schema_migrations`;
  const lock = lockSql(LOCK_KEYS.migrate);
  const recorded = await withTransaction(pool, async (client) => {
    await client.query({ text: lock });
    // Looked up before creating: CREATE … IF NOT EXISTS would still need the CREATE privilege.
    const exists = await client.query({
      text: 'SELECT (to_regnamespace($1) IS NOT NULL)::int AS schema, (to_regclass($2) IS NOT NULL)::int AS log',
      values: [quoteIdent(schema), recordTable],
      types: PG_TYPES,
    });
    const found = exists.rows[0] as { schema: number; log: number };
    if (found.schema === 0) await client.query({ text: `CREATE SCHEMA ${quoteIdent(schema)}` });
    if (found.log === 0) {
      await client.query({
        text: `CREATE TABLE ${recordTable} (
          version    integer     PRIMARY KEY,
          name       text        NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      });
      return new Set<number>();
    }
    const { rows } = await client.query({ text: `SELECT version FROM ${recordTable}`, types: PG_TYPES });
    return new Set((rows as Array<{ version: number }>).map((row) => row.version));
  });

  const applied: number[] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.version)) continue;
    const didApply = await withTransaction(pool, async (client) => {
      await client.query({ text: lock });
      // Checked under the lock: another instance may have applied it since we looked.
      const again = await client.query({
        text: `SELECT 1 FROM ${recordTable} WHERE version = $1`,
        values: [migration.version],
      });
      if (again.rows.length > 0) return false;
      await client.query({ text: `SET LOCAL search_path TO ${quoteIdent(schema)}` });
      await client.query({ text: migration.sql });
      await client.query({
        text: `INSERT INTO ${recordTable} (version, name) VALUES ($1, $2)`,
        values: [migration.version, migration.name],
      });
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}
