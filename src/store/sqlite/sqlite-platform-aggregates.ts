/**
 * Contract C's tables in SQLite, `ops_metrics_hourly` and `ops_metrics_daily`: the SQLite
 * store's `writePlatformAggregates`, `readPlatformAggregates` and
 * `deletePlatformAggregatesBefore`. Buckets are UTC text, so that the tables read as the
 * contract's do: `bucket_start` as datetime() writes it (`2026-11-20 14:00:00`),
 * `bucket_date` as date() does (`2026-11-20`), `computed_at` with milliseconds. Text in these
 * fixed forms sorts as time does, so bounds compare as text and use the primary key.
 * @module
 */
import type { RollupTier } from '../../model/rollup.js';
import { TIER_MS } from '../../model/window.js';
import { PLATFORM_AGGREGATE_COLUMNS } from '../platform-aggregate-columns.js';
import type { PlatformAggregate } from '../store.js';
import { lastRowPerKey, validatePlatformAggregates } from '../validate-platform-aggregates.js';
import { assertRollupTier, assertTime } from '../validate-windows.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/** The table and bucket column of each rolled tier. */
const TABLES: Readonly<Record<RollupTier, { readonly table: string; readonly bucket: string }>> = {
  '1h': { table: 'ops_metrics_hourly', bucket: 'bucket_start' },
  '1d': { table: 'ops_metrics_daily', bucket: 'bucket_date' },
};

/** The columns written and read besides the bucket and platform: the values, then when they were computed. */
const VALUE_COLUMNS = [...PLATFORM_AGGREGATE_COLUMNS, 'computed_at'] as const;

/** The statements on one tier's table. */
interface TableStatements {
  /** Upserts one row: (bucket, platform, …VALUE_COLUMNS). */
  readonly upsert: SqliteStatement;
  /** Rows with `from ≤ bucket < to` (bucket text), by bucket then platform. */
  readonly read: SqliteStatement;
  /** Deletes the rows with `bucket < cutoff` (bucket text). */
  readonly deleteBefore: SqliteStatement;
}

/** A row as the read statement returns it, in column order. */
type Row = [
  bucket: string,
  platform: string,
  requestCount: number,
  successCount: number,
  errorCount: number,
  error4xxCount: number,
  error5xxCount: number,
  timeoutCount: number,
  avgLatencyMs: number | null,
  p99LatencyMs: number | null,
  errorRate: number,
  computedAt: string,
];

/** The three platform-aggregate operations of a SQLite store. */
export interface SqlitePlatformAggregates {
  write(tier: RollupTier, rows: readonly PlatformAggregate[]): void;
  read(tier: RollupTier, fromMs: number, toMs: number): PlatformAggregate[];
  deleteBefore(tier: RollupTier, cutoffMs: number): number;
}

/**
 * The platform-aggregate operations on `db`, whose statements `prepare` makes (on first use:
 * the tables exist once the store is migrated).
 */
export function sqlitePlatformAggregates(db: SqliteDatabase, prepare: (sql: string) => SqliteStatement): SqlitePlatformAggregates {
  const statements = new Map<RollupTier, TableStatements>();

  function statementsOf(tier: RollupTier): TableStatements {
    let found = statements.get(tier);
    if (found === undefined) {
      const { table, bucket } = TABLES[tier];
      const read = prepare(`SELECT ${bucket}, platform, ${VALUE_COLUMNS.join(', ')} FROM ${table} WHERE ${bucket} >= ? AND ${bucket} < ? ORDER BY ${bucket}, platform`);
      read.raw(true);
      found = {
        upsert: prepare(`
          INSERT INTO ${table} (${bucket}, platform, ${VALUE_COLUMNS.join(', ')})
          VALUES (${new Array(VALUE_COLUMNS.length + 2).fill('?').join(', ')})
          ON CONFLICT (${bucket}, platform) DO UPDATE SET
            ${VALUE_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ')}`),
        read,
        deleteBefore: prepare(`DELETE FROM ${table} WHERE ${bucket} < ?`),
      };
      statements.set(tier, found);
    }
    return found;
  }

  const writeAll = db.transaction((upsert: SqliteStatement, tier: RollupTier, rows: readonly PlatformAggregate[]) => {
    for (const row of rows) {
      upsert.run(
        bucketText(tier, row.bucketStart),
        row.platform,
        row.requestCount,
        row.successCount,
        row.errorCount,
        row.error4xxCount,
        row.error5xxCount,
        row.timeoutCount,
        row.avgLatencyMs,
        row.p99LatencyMs,
        row.errorRate,
        new Date(row.computedAt).toISOString().slice(0, 23).replace('T', ' '),
      );
    }
  });

  return {
    write(tier, rows) {
      validatePlatformAggregates(tier, rows);
      if (rows.length > 0) writeAll(statementsOf(tier).upsert, tier, lastRowPerKey(rows));
    },

    read(tier, fromMs, toMs) {
      assertRollupTier(tier);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const rows = statementsOf(tier).read.all(boundText(tier, fromMs), boundText(tier, toMs)) as Row[];
      return rows.map((row) => ({
        bucketStart: Date.parse(tier === '1h' ? `${row[0].replace(' ', 'T')}Z` : `${row[0]}T00:00:00Z`),
        platform: row[1],
        requestCount: row[2],
        successCount: row[3],
        errorCount: row[4],
        error4xxCount: row[5],
        error5xxCount: row[6],
        timeoutCount: row[7],
        avgLatencyMs: row[8],
        p99LatencyMs: row[9],
        errorRate: row[10],
        computedAt: Date.parse(`${row[11].replace(' ', 'T')}Z`),
      }));
    },

    deleteBefore(tier, cutoffMs) {
      assertRollupTier(tier);
      assertTime('cutoffMs', cutoffMs);
      return statementsOf(tier).deleteBefore.run(boundText(tier, cutoffMs)).changes;
    },
  };
}

/** A bucket start as its column holds it: `YYYY-MM-DD HH:MM:SS` (1h) or `YYYY-MM-DD` (1d). */
function bucketText(tier: RollupTier, ms: number): string {
  const iso = new Date(ms).toISOString();
  return tier === '1h' ? iso.slice(0, 19).replace('T', ' ') : iso.slice(0, 10);
}

// Buckets lie in the years 1 to 9999 (validatePlatformAggregates): bounds beyond compare as ''
// (before every bucket) and '~' (after every bucket; '~' sorts after every digit).
const FIRST_MS = Date.parse('0001-01-01T00:00:00Z');
const END_MS = Date.parse('9999-12-31T00:00:00Z') + TIER_MS['1d'];

/**
 * Bucket text `b` such that, for every bucket of `tier`, `bucket >= b` exactly when it starts
 * at or after `ms`: buckets are aligned, so that is the first bucket boundary at or after it.
 */
function boundText(tier: RollupTier, ms: number): string {
  if (ms <= FIRST_MS) return '';
  if (ms >= END_MS) return '~';
  return bucketText(tier, Math.ceil(ms / TIER_MS[tier]) * TIER_MS[tier]);
}
