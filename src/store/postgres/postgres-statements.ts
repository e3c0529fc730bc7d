/**
 * The SQL the PostgreSQL store runs, in one place so that its plans can be checked
 * (`EXPLAIN`) by tests. Names come only from the store's schema (quoted), the tier → table map
 * below and partition names built from a day; values are always bound parameters. Times are
 * bound as epoch milliseconds (`float8`) and turned into `timestamptz` by `to_timestamp`, or,
 * in the batched writes, as binary `timestamptz` arrays built from epoch milliseconds
 * (`postgres-binary.ts`): no JavaScript Date (nor its range, nor its time zone) is involved.
 * @module
 */
import { DAY_MS } from '../../model/duration.js';
import type { Tier } from '../../model/window.js';
import { assertTier } from '../validate-windows.js';

const windowTables: Readonly<Record<Tier, string>> = {
  '1m': 'velocity_windows_1m',
  '1h': 'velocity_windows_1h',
  '1d': 'velocity_windows_1d',
};

/** What a partitioned window table's partitions each hold: one UTC day or one UTC month. */
export type PartitionUnit = 'day' | 'month';

const partitionUnits: Readonly<Record<Tier, PartitionUnit | null>> = { '1m': 'day', '1h': 'month', '1d': null };

/**
 * Keys of the transaction-level advisory locks (`pg_advisory_xact_lock(bigint)`) the store
 * takes: "velo" in the high 32 bits, the purpose in the low ones. Fixed, so that every
 * instance of every version agrees on them.
 */
export const LOCK_KEYS = {
  /** Held while applying migrations: two instances starting together apply each once. */
  migrate: 0x76656c6f_00000001n,
  /** Held while creating partitions, so two instances never create the same one. */
  partitions: 0x76656c6f_00000002n,
  /** Held while dropping a partition, so two retention runs never drop the same one. */
  retention: 0x76656c6f_00000003n,
  /** Held by a write that registers new series, so that concurrent registrations never deadlock. */
  series: 0x76656c6f_00000004n,
} as const;

/** `name` as a quoted SQL identifier: `"name"`, with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `SELECT pg_advisory_xact_lock(key)`: waits for the lock, holds it until the transaction ends. */
export function lockSql(key: bigint): string {
  return `SELECT pg_advisory_xact_lock(${key.toString()})`;
}

/** `timestamptz` from a bound epoch-ms parameter `$n` (float8, ±Infinity allowed). */
function time(n: number): string {
  return `to_timestamp($${n}::float8 / 1000)`;
}

/**
 * Epoch milliseconds, as bigint, of a `timestamptz` column: through `date_part`, whose float8
 * is exact for whole milliseconds and several times cheaper than `extract`'s numeric.
 */
function epochMs(column: string): string {
  return `(date_part('epoch', ${column}) * 1000)::int8`;
}

/** Statements on `velocity_series`. */
export interface SeriesSql {
  /**
   * Registers series or widens their first/last seen, all in one statement, in the order
   * given (so ids follow it): parallel arrays ($1 keys, $2 metrics, $3 kinds, $4 labels JSON,
   * $5 first and $6 last seen in epoch ms). Returns `id, key` of every row.
   */
  readonly upsert: string;
  /**
   * Widens the first/last seen of series already registered, by id, in one statement:
   * parallel arrays $1 ids (bigint), $2 first and $3 last seen (timestamptz), bound in binary
   * format. Sends neither keys nor labels, so it is much cheaper than `upsert` for the usual
   * batch, whose series are all known and whose windows only move their last seen forward.
   */
  readonly widen: string;
  /** Every series whose labels include those of the jsonb $1, by id. */
  readonly listAll: string;
  /** The series of one metric ($1) whose labels include those of the jsonb $2, by id. */
  readonly listByMetric: string;
}

/** `SeriesSql.widen` in `schema`, its three arrays bound from parameter `$first` on. */
function widenSql(schema: string, first: number): string {
  return `
      UPDATE ${quoteIdent(schema)}.velocity_series AS s SET
        first_seen = least(s.first_seen, u.first_seen),
        last_seen  = greatest(s.last_seen, u.last_seen)
      FROM unnest($${first}::bigint[], $${first + 1}::timestamptz[], $${first + 2}::timestamptz[]) AS u (id, first_seen, last_seen)
      WHERE s.id = u.id`;
}

/** The statements on `velocity_series` in `schema`. */
export function seriesSql(schema: string): SeriesSql {
  const table = `${quoteIdent(schema)}.velocity_series`;
  const seen = `${epochMs('first_seen')} AS first_seen, ${epochMs('last_seen')} AS last_seen`;
  const columns = `id, key, metric, kind, labels, ${seen}`;
  return {
    upsert: `
      INSERT INTO ${table} AS s (key, metric, kind, labels, first_seen, last_seen)
      SELECT u.key, u.metric, u.kind, u.labels::jsonb, to_timestamp(u.first_ms / 1000), to_timestamp(u.last_ms / 1000)
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[])
        WITH ORDINALITY AS u (key, metric, kind, labels, first_ms, last_ms, n)
      ORDER BY u.n
      ON CONFLICT (key) DO UPDATE SET
        first_seen = least(s.first_seen, excluded.first_seen),
        last_seen  = greatest(s.last_seen, excluded.last_seen)
      RETURNING id, key`,
    widen: widenSql(schema, 1),
    listAll: `SELECT ${columns} FROM ${table} WHERE labels @> $1::jsonb ORDER BY id`,
    listByMetric: `SELECT ${columns} FROM ${table} WHERE metric = $1 AND labels @> $2::jsonb ORDER BY id`,
  };
}

/** The SQL for the window table of one tier. */
export interface WindowSql {
  /** The table's name, unquoted and unqualified (partitions are named after it). */
  readonly table: string;
  /**
   * What each partition of the table holds (`<table>_pYYYYMMDD` per day, `<table>_pYYYYMM`
   * per month, made by the store), or null for a table that is not partitioned.
   */
  readonly partition: PartitionUnit | null;
  /**
   * Inserts windows or replaces the stored ones with the same (series_id, t), in one
   * statement: parallel arrays of series ids, starts (timestamptz), count, sum, min, max, last,
   * p50, p95, p99, status counts (`postgres-status-counts.ts`), sketch, bound in binary
   * format (see `postgres-binary.ts`). A (series_id, t)
   * may appear once per statement.
   */
  readonly upsert: string;
  /**
   * Inserts windows, and fails with a unique violation (SQLSTATE 23505) if any (series_id, t)
   * is stored already: `COPY … FROM STDIN (FORMAT binary)` of rows of the same columns as
   * `upsert`'s arrays, in that order (see `binaryCopyData` in `postgres-binary.ts`).
   */
  readonly copy: string;
  /**
   * Windows of the series in the bigint array $1 with `$2 ≤ t < $3` (epoch ms), by t then
   * series, times as epoch ms, without the sketch (reads with it: `postgres-window-copy.ts`).
   */
  readonly readWithoutSketch: string;
  /** `series_id, start_ms, sum` of the same windows, in no particular order. */
  readonly readSums: string;
  /** Deletes at most $2 windows with `t < $1` (epoch ms), found through the index on t. */
  readonly deleteBatch: string;
  /** The start (epoch ms, `start_ms`, null when none) of the earliest window with `t >= $1` (epoch ms). */
  readonly first: string;
  /** The names of the table's partitions ($1: the table's regclass text, see `regclass`). */
  readonly listPartitions: string;
  /** The table as `schema.table` text, for a `$n::regclass` parameter. */
  readonly regclass: string;
}

/**
 * Builds the statements of the window table of `tier` in `schema`. Throws INVALID_PARAMETER
 * for anything that is not a tier, so the table name placed in the SQL is always one of ours.
 */
export function windowSql(schema: string, tier: Tier): WindowSql {
  assertTier(tier);
  const name = windowTables[tier];
  const table = `${quoteIdent(schema)}.${name}`;
  const values = 'count, sum, min, max, last, p50, p95, p99, status_counts';
  const columns = `series_id, t, ${values}, sketch`;
  const where = `series_id = ANY($1::bigint[]) AND t >= ${time(2)} AND t < ${time(3)}`;
  // Aliased start_ms, not t: ORDER BY t must name the column (whose index order it can use).
  const select = `series_id, ${epochMs('t')} AS start_ms, ${values}`;
  return {
    table: name,
    partition: partitionUnits[tier],
    upsert: `
      INSERT INTO ${table} AS w (${columns})
      SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[],
                           $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::bytea[], $12::bytea[])
      ON CONFLICT (series_id, t) DO UPDATE SET
        count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        last = excluded.last, p50 = excluded.p50, p95 = excluded.p95, p99 = excluded.p99,
        status_counts = excluded.status_counts, sketch = excluded.sketch`,
    copy: `COPY ${table} (${columns}) FROM STDIN (FORMAT binary)`,
    readWithoutSketch: `SELECT ${select} FROM ${table} WHERE ${where} ORDER BY t, series_id`,
    readSums: `SELECT series_id, ${epochMs('t')} AS start_ms, sum FROM ${table} WHERE ${where}`,
    deleteBatch: `
      DELETE FROM ${table} WHERE (series_id, t) IN (
        SELECT series_id, t FROM ${table} WHERE t < ${time(1)} LIMIT $2
      )`,
    first: `SELECT ${epochMs('min(t)')} AS start_ms FROM ${table} WHERE t >= ${time(1)}`,
    listPartitions: `
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
    regclass: table,
  };
}

/**
 * Starts the savepoint a write's COPY runs in: a COPY that fails undoes itself alone
 * (`ROLLBACK_COPY_SQL`), and the transaction goes on with what it did before.
 */
export const COPY_SAVEPOINT_SQL = 'SAVEPOINT velocity_copy';

/** Undoes everything since `COPY_SAVEPOINT_SQL`, the failed COPY's rows and its error. */
export const ROLLBACK_COPY_SQL = 'ROLLBACK TO SAVEPOINT velocity_copy';

/** Which of the relations named in the text array $2 exist in the schema named by $1. */
export const EXISTING_RELATIONS_SQL = `
  SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = ANY($2::text[])`;

const partitionSuffixes: Readonly<Record<PartitionUnit, RegExp>> = {
  day: /_p(\d{4})(\d{2})(\d{2})$/,
  month: /_p(\d{4})(\d{2})$/,
};

/** The start (epoch ms) of UTC month `month` (0-based, may overflow into the next year) of `year`. */
function monthStart(year: number, month: number): number {
  // setUTCFullYear, unlike Date.UTC, does not read years 0 to 99 as 1900 to 1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, 1);
  return date.getTime();
}

/** The start (epoch ms) of the UTC day or month holding `ms`. */
export function partitionStart(unit: PartitionUnit, ms: number): number {
  if (unit === 'day') return Math.floor(ms / DAY_MS) * DAY_MS;
  const date = new Date(ms);
  return monthStart(date.getUTCFullYear(), date.getUTCMonth());
}

/** The end (epoch ms, exclusive) of the UTC day or month starting at `startMs`. */
export function partitionEnd(unit: PartitionUnit, startMs: number): number {
  if (unit === 'day') return startMs + DAY_MS;
  const date = new Date(startMs);
  return monthStart(date.getUTCFullYear(), date.getUTCMonth() + 1);
}

/**
 * The name of the partition of `table` holding the UTC day or month that starts at
 * `startMs`: `<table>_pYYYYMMDD` or `<table>_pYYYYMM`.
 */
export function partitionName(table: string, unit: PartitionUnit, startMs: number): string {
  const date = new Date(startMs).toISOString().slice(0, unit === 'day' ? 10 : 7).replaceAll('-', '');
  return `${table}_p${date}`;
}

/** The start (epoch ms) of the day or month a partition of `table` holds, from its name; null for another name. */
export function partitionNameStart(table: string, unit: PartitionUnit, name: string): number | null {
  const match = partitionSuffixes[unit].exec(name);
  const suffixLength = unit === 'day' ? 10 : 8;
  if (match === null || name.length !== table.length + suffixLength || !name.startsWith(table)) return null;
  return Date.parse(`${match[1]}-${match[2]}-${match[3] ?? '01'}T00:00:00Z`);
}

/** Creates the partition of `schema.table` for the UTC day or month starting at `startMs`. */
export function createPartitionSql(schema: string, table: string, unit: PartitionUnit, startMs: number): string {
  const from = startMs / 1000;
  const to = partitionEnd(unit, startMs) / 1000;
  return `CREATE TABLE ${quoteIdent(schema)}.${partitionName(table, unit, startMs)}
    PARTITION OF ${quoteIdent(schema)}.${table} FOR VALUES FROM (to_timestamp(${from})) TO (to_timestamp(${to}))`;
}

/** Whether the relation named by $1 (`schema.name` text) exists: 1 or 0. */
export const RELATION_EXISTS_SQL = 'SELECT (to_regclass($1) IS NOT NULL)::int AS found';

/** `schema.name` of a partition (by its unquoted name), as text for `RELATION_EXISTS_SQL`. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** Counts the rows of a partition (by its unquoted name) of `schema`. */
export function countPartitionSql(schema: string, name: string): string {
  return `SELECT count(*) AS n FROM ${qualifiedName(schema, name)}`;
}

/** Drops a partition (by its unquoted name) of `schema`. */
export function dropPartitionSql(schema: string, name: string): string {
  return `DROP TABLE ${qualifiedName(schema, name)}`;
}

/** Statements on `velocity_rollup_state` and `velocity_rollup_dirty`. Times are epoch ms. */
export interface RollupSql {
  /**
   * Marks dirty the buckets given as parallel arrays ($1 tiers, $2 starts in epoch ms, each
   * pair once) that start before their tier's claim, each with a new mark. It locks the
   * tiers' state rows FOR SHARE until the writer's transaction ends: a claim (an UPDATE of
   * the row) waits for the writes that checked the old claim, and a write that checks while
   * a claim is being moved waits for it and then sees the new one.
   */
  readonly mark: string;
  /** A tier's ($1) watermark, `watermark_ms`, null when nothing was rolled. */
  readonly watermark: string;
  /** Moves a tier's ($1) claim forward to $2 (epoch ms). */
  readonly claim: string;
  /** Moves a tier's ($1) watermark, and its claim with it, forward to $2 (epoch ms). */
  readonly advance: string;
  /** A tier's ($1) dirty buckets, oldest first, at most $2: `start_ms, mark`. */
  readonly listDirty: string;
  /** Clears the dirty bucket of tier $1 starting at $2 (epoch ms) if its mark is still $3. */
  readonly clearDirty: string;
}

/** `RollupSql.mark` in `schema`, its two arrays bound from parameter `$first` on. */
function markSql(schema: string, first: number): string {
  const tiers = `$${first}::text[]`;
  return `
      INSERT INTO ${quoteIdent(schema)}.velocity_rollup_dirty (tier, t)
      SELECT s.tier, to_timestamp(b.t_ms / 1000)
      FROM (SELECT tier, claimed FROM ${quoteIdent(schema)}.velocity_rollup_state WHERE tier = ANY(${tiers}) FOR SHARE) AS s
      JOIN unnest(${tiers}, $${first + 1}::float8[]) AS b (tier, t_ms) ON b.tier = s.tier
      WHERE to_timestamp(b.t_ms / 1000) < s.claimed
      ON CONFLICT (tier, t) DO UPDATE SET mark = excluded.mark`;
}

/**
 * `SeriesSql.widen` ($1 to $3) and `RollupSql.mark` ($4, $5) in one statement: the usual flush's
 * two statements before its windows, in one round trip.
 */
export function widenAndMarkSql(schema: string): string {
  return `WITH widened AS (${widenSql(schema, 1)})${markSql(schema, 4)}`;
}

/** The statements on the roll-up state in `schema`. */
export function rollupSql(schema: string): RollupSql {
  const state = `${quoteIdent(schema)}.velocity_rollup_state`;
  const dirty = `${quoteIdent(schema)}.velocity_rollup_dirty`;
  return {
    mark: markSql(schema, 1),
    watermark: `SELECT ${epochMs('watermark')} AS watermark_ms FROM ${state} WHERE tier = $1`,
    claim: `UPDATE ${state} SET claimed = greatest(claimed, ${time(2)}) WHERE tier = $1`,
    advance: `UPDATE ${state} SET watermark = greatest(watermark, ${time(2)}), claimed = greatest(claimed, ${time(2)})
      WHERE tier = $1`,
    listDirty: `SELECT ${epochMs('t')} AS start_ms, mark FROM ${dirty} WHERE tier = $1 ORDER BY t LIMIT $2`,
    clearDirty: `DELETE FROM ${dirty} WHERE tier = $1 AND t = ${time(2)} AND mark = $3`,
  };
}
