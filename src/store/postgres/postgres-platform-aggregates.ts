/**
 * Contract C's tables in PostgreSQL, `ops_metrics_hourly` (`bucket_start timestamptz`) and
 * `ops_metrics_daily` (`bucket_date date`, the UTC day): the PostgreSQL store's
 * `writePlatformAggregates`, `readPlatformAggregates` and `deletePlatformAggregatesBefore`.
 * A batch is one `INSERT … SELECT FROM unnest(…) ON CONFLICT … DO UPDATE`, so it lands whole.
 * Times are bound as epoch milliseconds (`float8`), as everywhere in the store.
 * @module
 */
import type { RollupTier } from '../../model/rollup.js';
import { TIER_MS } from '../../model/window.js';
import { PLATFORM_AGGREGATE_COLUMNS } from '../platform-aggregate-columns.js';
import type { PlatformAggregate } from '../store.js';
import { lastRowPerKey, validatePlatformAggregates } from '../validate-platform-aggregates.js';
import { assertRollupTier, assertTime } from '../validate-windows.js';
import { PG_TYPES, type PgPoolLike } from './postgres-driver.js';
import { quoteIdent } from './postgres-statements.js';

/** The statements on one tier's table. */
interface TableSql {
  /** Upserts rows given as parallel arrays, one per column, buckets and computed_at in epoch ms. */
  readonly upsert: string;
  /** Rows with `$1 ≤ bucket < $2` (epoch ms of bucket boundaries), by bucket then platform (byte order). */
  readonly read: string;
  /** Deletes the rows with `bucket < $1` (epoch ms of a bucket boundary). */
  readonly deleteBefore: string;
}

interface Row {
  bucket_ms: number;
  platform: string;
  request_count: number;
  success_count: number;
  error_count: number;
  error_4xx_count: number;
  error_5xx_count: number;
  timeout_count: number;
  avg_latency_ms: number | null;
  p99_latency_ms: number | null;
  error_rate: number;
  computed_ms: number;
}


/** The statements of `tier`'s table in `schema`. */
function tableSql(schema: string, tier: RollupTier): TableSql {
  const table = `${quoteIdent(schema)}.${tier === '1h' ? 'ops_metrics_hourly' : 'ops_metrics_daily'}`;
  const bucket = tier === '1h' ? 'bucket_start' : 'bucket_date';
  // A bound in epoch ms as the bucket column's type: the UTC day of a date.
  const asBucket = (value: string): string =>
    tier === '1h' ? `to_timestamp(${value} / 1000)` : `(to_timestamp(${value} / 1000) AT TIME ZONE 'UTC')::date`;
  const epochMs = (column: string): string => `(extract(epoch FROM ${column}) * 1000)::int8`;
  return {
    upsert: `
      INSERT INTO ${table} (${bucket}, platform, ${PLATFORM_AGGREGATE_COLUMNS.join(', ')}, computed_at)
      SELECT ${asBucket('u.bucket_ms')}, u.platform, ${PLATFORM_AGGREGATE_COLUMNS.map((c) => `u.${c}`).join(', ')}, to_timestamp(u.computed_ms / 1000)
      FROM unnest($1::float8[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
                  $9::float8[], $10::float8[], $11::float8[], $12::float8[])
        AS u (bucket_ms, platform, ${PLATFORM_AGGREGATE_COLUMNS.join(', ')}, computed_ms)
      ON CONFLICT (${bucket}, platform) DO UPDATE SET
        ${[...PLATFORM_AGGREGATE_COLUMNS, 'computed_at'].map((c) => `${c} = excluded.${c}`).join(', ')}`,
    read: `
      SELECT ${epochMs(bucket)} AS bucket_ms, platform, ${PLATFORM_AGGREGATE_COLUMNS.join(', ')}, ${epochMs('computed_at')} AS computed_ms
      FROM ${table} WHERE ${bucket} >= ${asBucket('$1::float8')} AND ${bucket} < ${asBucket('$2::float8')}
      ORDER BY ${bucket}, platform COLLATE "C"`,
    deleteBefore: `DELETE FROM ${table} WHERE ${bucket} < ${asBucket('$1::float8')}`,
  };
}

/** The three platform-aggregate operations of a PostgreSQL store. */
export interface PostgresPlatformAggregates {
  write(tier: RollupTier, rows: readonly PlatformAggregate[]): Promise<void>;
  read(tier: RollupTier, fromMs: number, toMs: number): Promise<PlatformAggregate[]>;
  deleteBefore(tier: RollupTier, cutoffMs: number): Promise<number>;
}

/** The platform-aggregate operations on the tables in `schema`, through `pool`. */
export function postgresPlatformAggregates(pool: PgPoolLike, schema: string): PostgresPlatformAggregates {
  const sql: Record<RollupTier, TableSql> = { '1h': tableSql(schema, '1h'), '1d': tableSql(schema, '1d') };
  return {
    async write(tier, rows) {
      validatePlatformAggregates(tier, rows);
      if (rows.length === 0) return;
      const unique = lastRowPerKey(rows);
      await pool.query({
        text: sql[tier].upsert,
        values: [
          unique.map((r) => r.bucketStart),
          unique.map((r) => r.platform),
          unique.map((r) => r.requestCount),
          unique.map((r) => r.successCount),
          unique.map((r) => r.errorCount),
          unique.map((r) => r.error4xxCount),
          unique.map((r) => r.error5xxCount),
          unique.map((r) => r.timeoutCount),
          unique.map((r) => r.avgLatencyMs),
          unique.map((r) => r.p99LatencyMs),
          unique.map((r) => r.errorRate),
          unique.map((r) => r.computedAt),
        ],
      });
    },

    async read(tier, fromMs, toMs) {
      assertRollupTier(tier);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const { rows } = await pool.query({
        text: sql[tier].read,
        values: [boundary(tier, fromMs), boundary(tier, toMs)],
        types: PG_TYPES,
      });
      return (rows as Row[]).map((row) => ({
        bucketStart: row.bucket_ms,
        platform: row.platform,
        requestCount: row.request_count,
        successCount: row.success_count,
        errorCount: row.error_count,
        error4xxCount: row.error_4xx_count,
        error5xxCount: row.error_5xx_count,
        timeoutCount: row.timeout_count,
        avgLatencyMs: row.avg_latency_ms,
        p99LatencyMs: row.p99_latency_ms,
        errorRate: row.error_rate,
        computedAt: row.computed_ms,
      }));
    },

    async deleteBefore(tier, cutoffMs) {
      assertRollupTier(tier);
      assertTime('cutoffMs', cutoffMs);
      const { rowCount } = await pool.query({ text: sql[tier].deleteBefore, values: [boundary(tier, cutoffMs)] });
      return rowCount ?? 0;
    },
  };
}

// Years 1 to 9999 hold every bucket (validatePlatformAggregates); bounds beyond become ±Infinity.
const FIRST_MS = Date.parse('0001-01-01T00:00:00Z');
const END_MS = Date.parse('9999-12-31T00:00:00Z') + TIER_MS['1d'];

/**
 * The first bucket boundary of `tier` at or after `ms`: buckets are aligned, so a bucket
 * starts at or after `ms` exactly when it starts at or after that boundary.
 */
function boundary(tier: RollupTier, ms: number): number {
  if (ms <= FIRST_MS) return -Infinity;
  if (ms >= END_MS) return Infinity;
  return Math.ceil(ms / TIER_MS[tier]) * TIER_MS[tier];
}
