/**
 * The PostgreSQL store (`pg`): production storage shared by every instance of a service.
 * Times are `timestamptz`; series are stored once in `velocity_series` and referenced by id;
 * 1-minute windows live in `velocity_windows_1m`, keyed by (series_id, t) and partitioned by
 * UTC day so that retention drops whole days; 1-hour windows in `velocity_windows_1h`,
 * partitioned by UTC month; 1-day windows in `velocity_windows_1d`, one plain table. A batch
 * is written in one transaction with one statement per table, never a statement per row: its
 * windows as one binary `COPY … FROM STDIN`, or, when some of them are stored already, as one
 * `INSERT … SELECT FROM unnest(…)` of binary array parameters upserting on (series_id, t);
 * before them, one statement moving its series' last seen and marking the rolled buckets it
 * makes dirty.
 * @module
 */
import pg from 'pg';
import { invalidOption, invalidParameter } from '../../errors.js';
import { DAY_MS } from '../../model/duration.js';
import { canonicalLabels, type Labels } from '../../model/labels.js';
import type { RollupTier } from '../../model/rollup.js';
import type { SeriesDescriptor, StoredWindow, Tier, Window, WindowKind } from '../../model/window.js';
import { fedBuckets, type FedBucket } from '../dirty-buckets.js';
import {
  DEFAULT_DELETE_BATCH,
  type DirtyBucket,
  type PlatformAggregate,
  type ReadWindowsOptions,
  type SeriesRecord,
  type Store,
  type WindowSum,
  type WindowSummaries,
} from '../store.js';
import {
  assertBatchSize,
  assertBoundary,
  assertOpen,
  assertRollupTier,
  assertTime,
  validateWindows,
} from '../validate-windows.js';
import { emptySummaries, keysWithin } from '../window-summaries.js';
import { checkOut, PG_TYPES, withTransaction, type PgPoolLike } from './postgres-driver.js';
import { applyPostgresMigrations } from './postgres-migrations.js';
import { runPostgresMaintenance } from './postgres-maintenance.js';
import { postgresPlatformAggregates } from './postgres-platform-aggregates.js';
import { int8Array, timestamptzArray } from './postgres-binary.js';
import { copyFrom } from './postgres-copy.js';
import { copyTo } from './postgres-copy-out.js';
import { decodeStatusCounts } from './postgres-status-counts.js';
import {
  summariesFromCopy,
  summaryCopyText,
  windowCopyText,
  windowsAtCopyText,
  windowsFromCopy,
} from './postgres-window-copy.js';
import {
  COPY_SAVEPOINT_SQL,
  EXISTING_RELATIONS_SQL,
  LOCK_KEYS,
  RELATION_EXISTS_SQL,
  ROLLBACK_COPY_SQL,
  countPartitionSql,
  createPartitionSql,
  dropPartitionSql,
  lockSql,
  partitionEnd,
  partitionName,
  partitionNameStart,
  partitionStart,
  qualifiedName,
  rollupSql,
  seriesSql,
  widenAndMarkSql,
  windowSql,
  type PartitionUnit,
  type WindowSql,
} from './postgres-statements.js';
import { windowArrays, windowCopyChunks, type SeriesRows } from './postgres-window-rows.js';

/** Days after today (UTC) whose 1-minute partitions exist before any window reaches them. */
export const POSTGRES_PARTITION_DAYS_AHEAD = 7;

/** Months after this one (UTC) whose 1-hour partitions exist before any window reaches them. */
export const POSTGRES_PARTITION_MONTHS_AHEAD = 1;

/**
 * How long a connection attempt of a pool the store creates may take before the call that
 * needed it rejects: an unreachable database fails calls rather than blocking them.
 */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;

/**
 * How long retention waits for the table lock that dropping a partition needs. Writers and
 * readers queue behind a waiting DROP, so it gives up (and retention fails, to be retried)
 * rather than stall them behind a long-running query.
 */
export const POSTGRES_DROP_LOCK_TIMEOUT_MS = 2_000;

/** Options of `createPostgresStore`: a URL to connect to, or a pool to use; and the schema. */
export interface PostgresStoreOptions {
  /** A `postgres://` or `postgresql://` URL; the store creates its own pool and ends it on close. */
  readonly url?: string;
  /**
   * A pool to use instead, e.g. your own `pg.Pool`. The store never ends it (its owner does)
   * and never changes its settings: result parsing is set per query. Its clients must run
   * pg's own query objects, as the COPY of the windows (pg's clients do, outside pipeline mode).
   */
  readonly pool?: PgPoolLike;
  /** The schema holding Velocity's tables, created by `migrate()` if missing. Default `public`. */
  readonly schema?: string;
}

// Years 1 to 9999: the range in which partition names (pYYYYMMDD) and ISO dates are plain.
const FIRST_STORABLE_MS = Date.parse('0001-01-01T00:00:00Z');
const END_STORABLE_MS = Date.parse('9999-12-31T00:00:00Z') + DAY_MS;

// The range of timestamptz (4714-11-24 BC to 294276 AD), in epoch ms; bounds outside it are infinite.
const PG_TIME_MIN_MS = -210_866_803_200_000;
const PG_TIME_END_MS = 9_224_318_016_000_000;

/** What this store knows a series' row holds: its id and a span (epoch ms) its first/last seen covers. */
interface KnownSeries {
  readonly id: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** One distinct series of a batch: its windows in start order, the span of their starts, and its id once known. */
interface BatchSeries extends SeriesRows {
  readonly series: SeriesDescriptor;
  id: number;
  /** Its windows by start, each start once: a later window with the same start replaced the earlier. */
  windows: Window[];
  first: number;
  last: number;
}

/** A batch grouped by series key, and the distinct starts (epoch ms) of its windows. */
interface Batch {
  readonly series: Map<string, BatchSeries>;
  readonly starts: ReadonlySet<number>;
}

interface SeriesRow {
  id: number;
  key: string;
  metric: string;
  kind: WindowKind;
  labels: Labels;
  first_seen: number;
  last_seen: number;
}

interface WindowRow {
  series_id: number;
  start_ms: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Hex (`\x…`), as PostgreSQL writes a bytea in text. */
  status_counts: string | null;
}

/**
 * Creates a store on a PostgreSQL database, through a pool it creates from `url` or through
 * your own `pool`. Nothing connects until the first call, so creating a store never fails or
 * blocks on an unreachable database; calls reject until it answers. The schema is not created
 * implicitly: call `await store.migrate()` (at start-up, or through `velocity migrate`); it
 * applies the migrations the database has not had, under an advisory lock so instances
 * starting together are safe, and creates the coming days' partitions.
 *
 * Partitions: one per UTC day of 1m (`velocity_windows_1m_pYYYYMMDD`) and one per UTC month
 * of 1h (`velocity_windows_1h_pYYYYMM`), no DEFAULT partition, so that any day or month can be
 * dropped. `migrate()` and every write make sure that today and the next
 * POSTGRES_PARTITION_DAYS_AHEAD days exist (this month and the next
 * POSTGRES_PARTITION_MONTHS_AHEAD for 1h), and every day or month a batch touches, however far
 * in the past or future (years 1 to 9999), gets its partition on demand. Which partitions exist is
 * cached per store; a write that finds one of them dropped (by another instance's retention)
 * looks again and retries once. Series ids are cached per store too, once a write commits.
 * @example
 * const store = createPostgresStore({ url: process.env.DATABASE_URL });
 * await store.migrate();
 * await store.writeWindows('1m', windows);
 * @example
 * // Your own pool: the store uses it and leaves it open on close().
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 5 });
 * const velocity = createVelocity({ store: createPostgresStore({ pool, schema: 'metrics' }) });
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  if (options.url !== undefined && options.pool !== undefined) {
    throw invalidOption('pool', 'give either a url or a pool, not both');
  }
  if (options.url === undefined && options.pool === undefined) {
    throw invalidOption('url', 'give a postgres:// URL or a pg.Pool');
  }
  const schema = options.schema ?? 'public';
  if (typeof schema !== 'string' || schema === '' || Buffer.byteLength(schema) > 63) {
    throw invalidOption('schema', `must be a name of 1 to 63 bytes (got ${JSON.stringify(schema)})`);
  }
  const ownPool = options.pool === undefined ? openPool(options.url as string) : undefined;
  const pool: PgPoolLike = options.pool ?? (ownPool as pg.Pool);

  const series = seriesSql(schema);
  const rollup = rollupSql(schema);
  const widenAndMark = widenAndMarkSql(schema);
  const platformAggregates = postgresPlatformAggregates(pool, schema);
  const windowStatements = new Map<Tier, WindowSql>();
  const knownSeries = new Map<string, KnownSeries>();
  /** The names of the partitions (of any window table) this store has seen exist. */
  const knownPartitions = new Set<string>();
  let closed = false;

  function windowsSql(tier: Tier): WindowSql {
    let statements = windowStatements.get(tier);
    if (statements === undefined) {
      statements = windowSql(schema, tier);
      windowStatements.set(tier, statements);
    }
    return statements;
  }

  /** Runs `text`, a COPY … TO STDOUT, on a client of the pool, and gives back what it wrote. */
  async function copyOut(text: string): Promise<Buffer> {
    const checkedOut = await checkOut(pool);
    let data: Buffer;
    try {
      data = await copyTo(checkedOut.client, text);
    } catch (error) {
      checkedOut.release(error as Error);
      throw error;
    }
    checkedOut.release();
    return data;
  }

  /** Creates the partitions of `table` for the days or months (starts, epoch ms) not known to exist. */
  async function ensurePartitions(table: string, unit: PartitionUnit, starts: Iterable<number>): Promise<void> {
    const missing = [...starts].filter((start) => !knownPartitions.has(partitionName(table, unit, start)));
    if (missing.length === 0) return;
    await withTransaction(pool, async (client) => {
      // One instance at a time, and checked under the lock: another may just have made them.
      await client.query({ text: lockSql(LOCK_KEYS.partitions) });
      const { rows } = await client.query({
        text: EXISTING_RELATIONS_SQL,
        values: [schema, missing.map((start) => partitionName(table, unit, start))],
        types: PG_TYPES,
      });
      const existing = new Set((rows as Array<{ name: string }>).map((row) => row.name));
      for (const start of missing) {
        if (!existing.has(partitionName(table, unit, start))) {
          await client.query({ text: createPartitionSql(schema, table, unit, start) });
        }
      }
    });
    for (const start of missing) knownPartitions.add(partitionName(table, unit, start));
  }

  /**
   * The partitions made ahead, as starts in epoch ms: today and POSTGRES_PARTITION_DAYS_AHEAD
   * days after it, or this month and POSTGRES_PARTITION_MONTHS_AHEAD months after it.
   */
  function partitionsAhead(unit: PartitionUnit): number[] {
    const starts = [partitionStart(unit, Date.now())];
    const ahead = unit === 'day' ? POSTGRES_PARTITION_DAYS_AHEAD : POSTGRES_PARTITION_MONTHS_AHEAD;
    for (let i = 0; i < ahead; i++) starts.push(partitionEnd(unit, starts[i]));
    return starts;
  }

  async function ensurePartitionsFor(sql: WindowSql, batch: Batch): Promise<void> {
    const unit = sql.partition;
    if (unit === null) return;
    const starts = new Set(partitionsAhead(unit));
    for (const start of batch.starts) starts.add(partitionStart(unit, start));
    await ensurePartitions(sql.table, unit, starts);
  }

  /**
   * Writes a grouped batch in one transaction: its series' spans and the marks of the rolled
   * `buckets` it feeds that lie before their tier's claim (one statement in the usual flush,
   * whose series are all known; none when the spans cover the batch already and there is
   * nothing to mark), then its windows (a COPY in a savepoint; the upsert after it when the
   * COPY hit a stored window).
   */
  async function writeBatch(sql: WindowSql, batch: Batch, buckets: readonly FedBucket[]): Promise<void> {
    await withTransaction(pool, async (client) => {
      const upserts: BatchSeries[] = [];
      let registers = false;
      for (const [key, entry] of batch.series) {
        const known = knownSeries.get(key);
        if (known === undefined) {
          registers = true;
          upserts.push(entry);
        } else {
          entry.id = known.id;
          if (entry.first < known.firstSeen || entry.last > known.lastSeen) upserts.push(entry);
        }
      }
      const marks = buckets.length === 0 ? undefined : [buckets.map((b) => b.tier), buckets.map((b) => b.start)];
      if (registers) {
        // Two writes registering the same new series in different orders would deadlock on the
        // key index; new series are rare, so their writes simply take turns.
        await client.query({ text: lockSql(LOCK_KEYS.series) });
        const { rows } = await client.query({
          text: series.upsert,
          values: [
            upserts.map((e) => e.series.key),
            upserts.map((e) => e.series.metric),
            upserts.map((e) => e.series.kind),
            upserts.map((e) => JSON.stringify(canonicalLabels(e.series.labels))),
            upserts.map((e) => e.first),
            upserts.map((e) => e.last),
          ],
          types: PG_TYPES,
        });
        for (const row of rows as Array<{ id: number; key: string }>) {
          (batch.series.get(row.key) as BatchSeries).id = row.id;
        }
        if (marks !== undefined) await client.query({ text: rollup.mark, values: marks });
      } else if (upserts.length > 0) {
        // The usual flush: known series whose last seen moves forward, widened by id in id order.
        upserts.sort((a, b) => a.id - b.id);
        const spans = [
          int8Array(upserts.map((e) => e.id)),
          timestamptzArray(upserts.map((e) => e.first)),
          timestamptzArray(upserts.map((e) => e.last)),
        ];
        await client.query(
          marks === undefined ? { text: series.widen, values: spans } : { text: widenAndMark, values: [...spans, ...marks] },
        );
      } else if (marks !== undefined) {
        await client.query({ text: rollup.mark, values: marks });
      }

      // Rows in key order, so concurrent writes of overlapping windows lock them in one order.
      const entries = [...batch.series.values()].sort((a, b) => a.id - b.id);
      // Binary COPY straight into the table: about half the time of the same rows through
      // `INSERT … SELECT FROM unnest(…)` (bench/flush.bench.ts). COPY cannot replace a stored
      // row, so it runs in a savepoint; when a window is stored already (a batch re-sent after
      // a commit whose reply was lost, a roll-up rewriting its bucket) it fails on it, and the
      // batch is upserted instead, replacing those windows: never counted twice. The spans and
      // marks, before the savepoint, stay when it is undone (the upsert writes the same windows).
      // Not released: the savepoint ends with the transaction, and nothing after it needs it gone.
      await client.query({ text: COPY_SAVEPOINT_SQL });
      try {
        // Encoded chunk by chunk as the server asks for the data: it reads a chunk while the next is made.
        await copyFrom(client, sql.copy, windowCopyChunks(entries));
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await client.query({ text: ROLLBACK_COPY_SQL });
        await client.query({ text: sql.upsert, values: windowArrays(entries) });
      }
    });
  }

  /** Drops the partitions of `sql.table` whose day or month ends at or before `cutoffMs`; returns their rows. */
  async function dropPartitionsBefore(sql: WindowSql, unit: PartitionUnit, cutoffMs: number): Promise<number> {
    const { rows } = await pool.query({ text: sql.listPartitions, values: [sql.regclass], types: PG_TYPES });
    let dropped = 0;
    for (const { name } of rows as Array<{ name: string }>) {
      const start = partitionNameStart(sql.table, unit, name);
      if (start === null || partitionEnd(unit, start) > cutoffMs) continue;
      dropped += await withTransaction(pool, async (client) => {
        await client.query({ text: lockSql(LOCK_KEYS.retention) });
        // Another instance's retention may have dropped it while this one waited for the lock.
        const exists = await client.query({
          text: RELATION_EXISTS_SQL,
          values: [qualifiedName(schema, name)],
          types: PG_TYPES,
        });
        if ((exists.rows[0] as { found: number }).found === 0) return 0;
        await client.query({ text: `SET LOCAL lock_timeout = ${POSTGRES_DROP_LOCK_TIMEOUT_MS}` });
        const counted = await client.query({ text: countPartitionSql(schema, name), types: PG_TYPES });
        await client.query({ text: dropPartitionSql(schema, name) });
        return (counted.rows[0] as { n: number }).n;
      });
      knownPartitions.delete(name);
    }
    return dropped;
  }

  return {
    kind: 'postgres',

    async migrate(): Promise<void> {
      assertOpen(closed);
      await applyPostgresMigrations(pool, schema);
      await ensurePartitions(windowsSql('1m').table, 'day', partitionsAhead('day'));
      await ensurePartitions(windowsSql('1h').table, 'month', partitionsAhead('month'));
    },

    async writeWindows(tier: Tier, windows: readonly Window[]): Promise<void> {
      assertOpen(closed);
      validateWindows(tier, windows);
      assertStorable(windows);
      if (windows.length === 0) return;
      const sql = windowsSql(tier);
      const batch = groupBatch(windows);
      const buckets = fedBuckets(tier, batch.starts);
      try {
        await ensurePartitionsFor(sql, batch);
        await writeBatch(sql, batch, buckets);
      } catch (error) {
        if (!isMissingPartition(error)) throw error;
        // A partition this store had seen is gone (dropped by retention elsewhere): look again.
        knownPartitions.clear();
        await ensurePartitionsFor(sql, batch);
        await writeBatch(sql, batch, buckets);
      }
      // Only after the commit: a rolled-back batch must not leave ids or spans in the cache.
      for (const [key, entry] of batch.series) {
        const known = knownSeries.get(key);
        knownSeries.set(key, {
          id: entry.id,
          firstSeen: known === undefined ? entry.first : Math.min(known.firstSeen, entry.first),
          lastSeen: known === undefined ? entry.last : Math.max(known.lastSeen, entry.last),
        });
      }
    },

    async listSeries(metric?: string, labels: Labels = {}): Promise<SeriesRecord[]> {
      assertOpen(closed);
      const wanted = JSON.stringify(labels);
      const { rows } = await pool.query(
        metric === undefined
          ? { text: series.listAll, values: [wanted], types: PG_TYPES }
          : { text: series.listByMetric, values: [metric, wanted], types: PG_TYPES },
      );
      return (rows as SeriesRow[]).map((row) => ({
        id: row.id,
        key: row.key,
        metric: row.metric,
        kind: row.kind,
        // jsonb keeps keys in its own order; hand them out sorted, as they were written.
        labels: canonicalLabels(row.labels),
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
      }));
    },

    async readWindows(
      tier: Tier,
      seriesIds: readonly number[],
      fromMs: number,
      toMs: number,
      options?: ReadWindowsOptions,
    ): Promise<StoredWindow[]> {
      assertOpen(closed);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const sql = windowsSql(tier);
      if (seriesIds.length === 0 || !(fromMs < toMs)) return [];
      const withSketch = options?.withSketch ?? true;
      if (!withSketch && options?.only === undefined) {
        const values = [[...seriesIds], timeParam(fromMs), timeParam(toMs)];
        const { rows } = await pool.query({ text: sql.readWithoutSketch, values, types: PG_TYPES });
        return (rows as WindowRow[]).map((row) => ({
          seriesId: row.series_id,
          start: row.start_ms,
          count: row.count,
          sum: row.sum,
          min: row.min,
          max: row.max,
          last: row.last,
          p50: row.p50,
          p95: row.p95,
          p99: row.p99,
          statusCounts: row.status_counts === null ? null : decodeStatusCounts(Buffer.from(row.status_counts.slice(2), 'hex')),
          sketch: null,
        }));
      }
      const only = options?.only === undefined ? undefined : keysWithin(options.only, seriesIds, fromMs, toMs);
      if (only?.starts.length === 0) return [];
      const text =
        only === undefined
          ? windowCopyText(sql.regclass, seriesIds, timeParam(fromMs), timeParam(toMs))
          : windowsAtCopyText(sql.regclass, only);
      const windows = windowsFromCopy(await copyOut(text));
      return withSketch ? windows : windows.map((w) => ({ ...w, sketch: null }));
    },

    async readSums(tier: Tier, seriesIds: readonly number[], fromMs: number, toMs: number): Promise<WindowSum[]> {
      assertOpen(closed);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const sql = windowsSql(tier);
      if (seriesIds.length === 0 || !(fromMs < toMs)) return [];
      const values = [[...seriesIds], timeParam(fromMs), timeParam(toMs)];
      const { rows } = await pool.query({ text: sql.readSums, values, types: PG_TYPES, rowMode: 'array' });
      return rows as WindowSum[];
    },

    async readWindowSummaries(tier: Tier, seriesIds: readonly number[], fromMs: number, toMs: number): Promise<WindowSummaries> {
      assertOpen(closed);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const sql = windowsSql(tier);
      if (seriesIds.length === 0 || !(fromMs < toMs)) return emptySummaries();
      return summariesFromCopy(await copyOut(summaryCopyText(sql.regclass, seriesIds, timeParam(fromMs), timeParam(toMs))));
    },

    /**
     * Drops, whole, every partition (day of 1m, month of 1h) that ends at or before `cutoffMs`
     * (counting its rows first), then deletes the older windows of the partition the cutoff
     * falls in (or of the unpartitioned 1d table), `batchSize` rows per statement. Rows written
     * into a partition between its count and its drop are dropped without being counted.
     */
    async deleteWindowsBefore(tier: Tier, cutoffMs: number, batchSize = DEFAULT_DELETE_BATCH): Promise<number> {
      assertOpen(closed);
      const sql = windowsSql(tier);
      assertTime('cutoffMs', cutoffMs);
      assertBatchSize(batchSize);
      let deleted = sql.partition === null ? 0 : await dropPartitionsBefore(sql, sql.partition, cutoffMs);
      const cutoff = timeParam(cutoffMs);
      for (;;) {
        assertOpen(closed);
        // One statement in autocommit mode is one short transaction: writers wait at most one batch.
        const { rowCount } = await pool.query({ text: sql.deleteBatch, values: [cutoff, batchSize] });
        const changes = rowCount ?? 0;
        deleted += changes;
        if (changes < batchSize) return deleted;
      }
    },

    async firstWindowStart(tier: Tier, fromMs: number): Promise<number | null> {
      assertOpen(closed);
      assertTime('fromMs', fromMs);
      const { rows } = await pool.query({ text: windowsSql(tier).first, values: [timeParam(fromMs)], types: PG_TYPES });
      return (rows[0] as { start_ms: number | null }).start_ms;
    },

    async getWatermark(tier: RollupTier): Promise<number | null> {
      assertOpen(closed);
      assertRollupTier(tier);
      const { rows } = await pool.query({ text: rollup.watermark, values: [tier], types: PG_TYPES });
      return (rows[0] as { watermark_ms: number | null }).watermark_ms;
    },

    /** One UPDATE of the tier's state row, which waits for the writes holding it FOR SHARE. */
    async claimRollup(tier: RollupTier, toMs: number): Promise<void> {
      assertOpen(closed);
      assertBoundary(tier, 'toMs', toMs);
      await pool.query({ text: rollup.claim, values: [tier, toMs] });
    },

    async advanceWatermark(tier: RollupTier, toMs: number): Promise<void> {
      assertOpen(closed);
      assertBoundary(tier, 'toMs', toMs);
      await pool.query({ text: rollup.advance, values: [tier, toMs] });
    },

    async listDirtyBuckets(tier: RollupTier, limit: number): Promise<DirtyBucket[]> {
      assertOpen(closed);
      assertRollupTier(tier);
      assertBatchSize(limit, 'limit');
      const { rows } = await pool.query({ text: rollup.listDirty, values: [tier, limit], types: PG_TYPES });
      return (rows as Array<{ start_ms: number; mark: number }>).map((row) => ({ tier, start: row.start_ms, mark: row.mark }));
    },

    async clearDirtyBucket(bucket: DirtyBucket): Promise<boolean> {
      assertOpen(closed);
      assertBoundary(bucket.tier, 'bucket.start', bucket.start);
      const { rowCount } = await pool.query({ text: rollup.clearDirty, values: [bucket.tier, bucket.start, bucket.mark] });
      return rowCount === 1;
    },

    async writePlatformAggregates(tier: RollupTier, rows: readonly PlatformAggregate[]): Promise<void> {
      assertOpen(closed);
      await platformAggregates.write(tier, rows);
    },

    async readPlatformAggregates(tier: RollupTier, fromMs: number, toMs: number): Promise<PlatformAggregate[]> {
      assertOpen(closed);
      return platformAggregates.read(tier, fromMs, toMs);
    },

    async deletePlatformAggregatesBefore(tier: RollupTier, cutoffMs: number): Promise<number> {
      assertOpen(closed);
      return platformAggregates.deleteBefore(tier, cutoffMs);
    },

    async runMaintenance(job, nowMs, intervalMs, work): Promise<boolean> {
      assertOpen(closed);
      return runPostgresMaintenance(pool, schema, job, nowMs, intervalMs, work);
    },

    async ping(): Promise<void> {
      assertOpen(closed);
      await pool.query({ text: 'SELECT 1' });
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      knownSeries.clear();
      knownPartitions.clear();
      await ownPool?.end();
    },
  };
}

function openPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    application_name: 'velocity',
    // Idle connections must not keep the host's process alive once it is otherwise done.
    allowExitOnIdle: true,
  });
  // An idle connection that breaks (the server restarted) is emitted here, and an unhandled
  // 'error' event would crash the host. The pool has already discarded it; the next call
  // that needs a connection reports the problem to its caller.
  pool.on('error', () => {});
  return pool;
}

/**
 * Throws INVALID_PARAMETER, naming the first offending window, unless every window fits the
 * PostgreSQL schema beyond what `validateWindows` checks: a whole `count` (a bigint column)
 * and a start between the years 1 and 9999.
 */
function assertStorable(windows: readonly Window[]): void {
  for (let i = 0; i < windows.length; i++) {
    const { count, start } = windows[i];
    if (!Number.isSafeInteger(count)) {
      throw invalidParameter(`windows[${i}].count`, `must be a whole number in PostgreSQL (got ${count})`);
    }
    if (start < FIRST_STORABLE_MS || start >= END_STORABLE_MS) {
      throw invalidParameter(`windows[${i}].start`, `PostgreSQL keeps windows from year 1 to 9999 (got ${start})`);
    }
  }
}

/**
 * The batch by series key, each series with its windows by start (a later duplicate replaces
 * an earlier one), and the distinct starts of its windows.
 */
function groupBatch(windows: readonly Window[]): Batch {
  const series = new Map<string, BatchSeries>();
  const starts = new Set<number>();
  for (const w of windows) {
    starts.add(w.start);
    const entry = series.get(w.series.key);
    if (entry === undefined) {
      series.set(w.series.key, { series: w.series, id: 0, windows: [w], first: w.start, last: w.start });
    } else {
      entry.windows.push(w);
      if (w.start < entry.first) entry.first = w.start;
      if (w.start > entry.last) entry.last = w.start;
    }
  }
  for (const entry of series.values()) entry.windows = byStart(entry.windows);
  return { series, starts };
}

/** `windows` (of one series) by start, each start once: of those with the same start, the last given. */
function byStart(windows: Window[]): Window[] {
  for (let i = 1; i < windows.length; i++) {
    if (windows[i].start <= windows[i - 1].start) {
      // Out of order (rare: windows come minute by minute): a stable sort keeps duplicates in their order.
      const sorted = [...windows].sort((a, b) => a.start - b.start);
      return sorted.filter((w, j) => j === sorted.length - 1 || sorted[j + 1].start !== w.start);
    }
  }
  return windows;
}

/** Whether `error` is PostgreSQL's "no partition of relation … found for row" (SQLSTATE 23514). */
function isMissingPartition(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23514';
}

/** Whether `error` is PostgreSQL's unique violation (SQLSTATE 23505): a key stored already. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

/** `ms` as a bound time parameter: times beyond timestamptz's range become ±Infinity. */
function timeParam(ms: number): number {
  if (ms < PG_TIME_MIN_MS) return -Infinity;
  if (ms >= PG_TIME_END_MS) return Infinity;
  return ms;
}
