/**
 * The SQL the SQLite store runs, in one place so that its query plans can be checked
 * (`EXPLAIN QUERY PLAN`) by tests. Table names come only from the tier → table map below,
 * never from input.
 * @module
 */
import type { Tier } from '../../model/window.js';
import { STATUS_COUNTS_LENGTH } from '../store.js';
import { assertTier } from '../validate-windows.js';

/**
 * A window's status counts as STATUS_COUNTS_LENGTH comma-separated integers (its JSON array
 * without the brackets), all zeros without: its part of the flat `WindowSummaries.statusCounts`.
 */
const STATUS_COUNTS_TEXT = `coalesce(substr(status_counts, 2, length(status_counts) - 2), '${Array(STATUS_COUNTS_LENGTH).fill(0).join(',')}')`;

const windowTables: Readonly<Record<Tier, string>> = {
  '1m': 'windows_1m',
  '1h': 'windows_1h',
  '1d': 'windows_1d',
};

/** A series row's labels include every name and value of the JSON object parameter (`{}`: any row). */
const HAS_LABELS = `NOT EXISTS (
  SELECT 1 FROM json_each(?) AS wanted WHERE NOT EXISTS (
    SELECT 1 FROM json_each(series.labels) AS held WHERE held.key = wanted.key AND held.value = wanted.value))`;

/** Statements on the `series` table. Times are epoch seconds. */
export const SERIES_SQL = {
  /** Registers a series or widens its first/last seen; returns its id. */
  upsert: `
    INSERT INTO series (key, metric, kind, labels, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET
      first_seen = min(first_seen, excluded.first_seen),
      last_seen  = max(last_seen, excluded.last_seen)
    RETURNING id`,
  /** Widens first/last seen of a series whose id is already known: (first, last, id). */
  widen: `
    UPDATE series SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?)
    WHERE id = ?`,
  /** Every series whose labels include those of a JSON object, by id: (labelsJson). */
  listAll: `SELECT id, key, metric, kind, labels, first_seen, last_seen FROM series WHERE ${HAS_LABELS} ORDER BY id`,
  /** The series of one metric whose labels include those of a JSON object, by id: (metric, labelsJson). */
  listByMetric: `SELECT id, key, metric, kind, labels, first_seen, last_seen FROM series
    WHERE metric = ? AND ${HAS_LABELS} ORDER BY id`,
} as const;

/** The SQL for the window table of one tier. Times are epoch seconds. */
export interface WindowSql {
  /** Inserts a window or replaces the stored one with the same (series_id, t). */
  readonly upsert: string;
  /**
   * Windows of the series in a JSON array parameter with `from ≤ t < to`, by t then series:
   * (idsJson, from, to). The array is one bound parameter, so any number of ids is safe and
   * the primary key is searched once per id.
   */
  readonly read: string;
  /** As `read`, without the sketch column. */
  readonly readWithoutSketch: string;
  /** `[series_id, start in epoch ms, sum]` of the same windows, in no particular order: (idsJson, from, to). */
  readonly readSums: string;
  /**
   * The same windows as `read`, as one row of nine JSON arrays, one per field of
   * `WindowSummaries` in its order (starts in epoch seconds, which the store turns into ms:
   * small integers parse faster; latencies in whole microseconds; status counts flat, built
   * by concatenating text, or empty when no window has any):
   * (idsJson, from, to). SQLite writes integers into JSON far faster than the driver turns
   * floats into numbers one by one.
   */
  readonly readSummaries: string;
  /** As `read`, only the windows named by a JSON array of `[series id, t]` pairs: (pairsJson). */
  readonly readAt: string;
  /** Deletes at most `limit` windows with `t < cutoff`, found through the index on t: (cutoff, limit). */
  readonly deleteBatch: string;
  /** The start of the earliest window with `t >= from`, through the index on t: (from) → `t`, null when none. */
  readonly first: string;
}

/**
 * Builds the statements of the window table of `tier`. Throws INVALID_PARAMETER for anything
 * that is not a tier, so the table name placed in the SQL is always one of ours.
 */
export function windowSql(tier: Tier): WindowSql {
  assertTier(tier);
  const table = windowTables[tier];
  const values = 'count, sum, min, max, last, p50, p95, p99, status_counts';
  const where = 'series_id IN (SELECT value FROM json_each(?)) AND t >= ? AND t < ?';
  return {
    upsert: `
      INSERT INTO ${table} (series_id, t, ${values}, sketch)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (series_id, t) DO UPDATE SET
        count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        last = excluded.last, p50 = excluded.p50, p95 = excluded.p95, p99 = excluded.p99,
        status_counts = excluded.status_counts, sketch = excluded.sketch`,
    read: `SELECT series_id, t, ${values}, sketch FROM ${table} WHERE ${where} ORDER BY t, series_id`,
    readWithoutSketch: `SELECT series_id, t, ${values} FROM ${table} WHERE ${where} ORDER BY t, series_id`,
    readSums: `SELECT series_id, t * 1000, sum FROM ${table} WHERE ${where}`,
    readSummaries: `SELECT json_group_array(series_id), json_group_array(t), json_group_array(count),
      ${['min', 'max', 'p50', 'p95', 'p99'].map((c) => `json_group_array(CAST(round(${c} * 1000) AS INTEGER))`).join(', ')},
      CASE WHEN count(status_counts) = 0 THEN '[]' ELSE '[' || group_concat(${STATUS_COUNTS_TEXT}) || ']' END
      FROM ${table} WHERE ${where}`,
    // A row-value IN probes the primary key once per distinct pair, with no join to de-duplicate.
    readAt: `SELECT series_id, t, ${values}, sketch FROM ${table}
      WHERE (series_id, t) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?)) ORDER BY t, series_id`,
    // A WITHOUT ROWID table has no rowid to pick a batch by, so the batch is picked by its key.
    deleteBatch: `
      DELETE FROM ${table} WHERE (series_id, t) IN (
        SELECT series_id, t FROM ${table} WHERE t < ? LIMIT ?
      )`,
    first: `SELECT min(t) AS t FROM ${table} WHERE t >= ?`,
  };
}

/** Statements on the `maintenance` table. Times are epoch milliseconds. */
export const MAINTENANCE_SQL = {
  /** The last run of a job: (job) → `last_run_ms`, or no row. */
  lastRun: 'SELECT last_run_ms FROM maintenance WHERE job = ?',
  /** Records a job's run: (job, last_run_ms). */
  record: `
    INSERT INTO maintenance (job, last_run_ms) VALUES (?, ?)
    ON CONFLICT (job) DO UPDATE SET last_run_ms = excluded.last_run_ms`,
} as const;

/** Statements on `rollup_state` and `rollup_dirty`. Times are epoch seconds. */
export const ROLLUP_SQL = {
  /**
   * Marks dirty the buckets of a JSON array of `[tier, t]` pairs (distinct) that start before
   * their tier's claim, each with a fresh random mark (53 bits, exact as a JavaScript number).
   */
  mark: `
    INSERT INTO rollup_dirty (tier, t, mark)
    SELECT s.tier, json_extract(j.value, '$[1]'), random() >> 11
    FROM json_each(?) AS j JOIN rollup_state AS s ON s.tier = json_extract(j.value, '$[0]')
    WHERE json_extract(j.value, '$[1]') < s.claimed
    ON CONFLICT (tier, t) DO UPDATE SET mark = excluded.mark`,
  /** A tier's watermark: (tier) → `watermark`, null when nothing was rolled. */
  watermark: 'SELECT watermark FROM rollup_state WHERE tier = ?',
  /** Moves a tier's claim forward: ({ to, tier }). */
  claim: 'UPDATE rollup_state SET claimed = max(coalesce(claimed, :to), :to) WHERE tier = :tier',
  /** Moves a tier's watermark, and its claim with it, forward: ({ to, tier }). */
  advance: `
    UPDATE rollup_state SET watermark = max(coalesce(watermark, :to), :to), claimed = max(coalesce(claimed, :to), :to)
    WHERE tier = :tier`,
  /** A tier's dirty buckets, oldest first: (tier, limit) → `t, mark`. */
  listDirty: 'SELECT t, mark FROM rollup_dirty WHERE tier = ? ORDER BY t LIMIT ?',
  /** Clears a dirty bucket if its mark is unchanged: (tier, t, mark). */
  clearDirty: 'DELETE FROM rollup_dirty WHERE tier = ? AND t = ? AND mark = ?',
} as const;
