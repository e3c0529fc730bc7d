/**
 * The SQLite store (better-sqlite3): one file in WAL mode, times as integer epoch seconds,
 * windows in `WITHOUT ROWID` tables keyed by (series_id, t). The embedded default.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { invalidOption } from '../../errors.js';
import { canonicalLabels, type Labels } from '../../model/labels.js';
import type { RollupTier } from '../../model/rollup.js';
import type { SeriesDescriptor, StoredWindow, Tier, Window, WindowKind } from '../../model/window.js';
import { fedBuckets } from '../dirty-buckets.js';
import { inProcessMaintenance } from '../maintenance.js';
import {
  DEFAULT_DELETE_BATCH,
  type DirtyBucket,
  type PlatformAggregate,
  type ReadWindowsOptions,
  type SeriesRecord,
  type Store,
  type WindowKeys,
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
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';
import { applySqliteMigrations } from './sqlite-migrations.js';
import { sqlitePlatformAggregates } from './sqlite-platform-aggregates.js';
import { MAINTENANCE_SQL, ROLLUP_SQL, SERIES_SQL, windowSql } from './sqlite-statements.js';

/** Where the SQLite store keeps its file when no path is given (relative to the working directory). */
export const DEFAULT_SQLITE_PATH = './data/velocity.db';

/**
 * How long a statement waits, by default, for another connection's write lock before failing
 * with SQLITE_BUSY. better-sqlite3 waits synchronously, blocking the host's event loop, so
 * this is short: a failed flush keeps its windows and retries.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 200;

/** Options of `createSqliteStore`: a file to open, or an open database to use. */
export interface SqliteStoreOptions {
  /**
   * The database file, created (with its directory) if missing. Default `./data/velocity.db`.
   * Not allowed together with `database`.
   */
  readonly path?: string;
  /**
   * An open better-sqlite3 `Database` to use instead of opening a file. The store sets its
   * pragmas (WAL, synchronous, busy timeout) but never closes it: its owner does.
   */
  readonly database?: SqliteDatabase;
  /** Milliseconds to wait for another connection's write lock. Default SQLITE_BUSY_TIMEOUT_MS. */
  readonly busyTimeoutMs?: number;
}

interface SeriesStatements {
  readonly upsert: SqliteStatement;
  readonly widen: SqliteStatement;
  readonly listAll: SqliteStatement;
  readonly listByMetric: SqliteStatement;
}

interface MaintenanceStatements {
  readonly lastRun: SqliteStatement;
  readonly record: SqliteStatement;
}

interface WindowStatements {
  readonly upsert: SqliteStatement;
  readonly read: SqliteStatement;
  readonly readWithoutSketch: SqliteStatement;
  readonly readSums: SqliteStatement;
  readonly readSummaries: SqliteStatement;
  readonly readAt: SqliteStatement;
  readonly deleteBatch: SqliteStatement;
  readonly first: SqliteStatement;
}

type RollupStatements = { readonly [name in keyof typeof ROLLUP_SQL]: SqliteStatement };

/**
 * What this store knows a series' row holds: its id and a range of seconds that its
 * first_seen … last_seen is known to cover (others may have widened it further).
 */
interface KnownSeries {
  readonly id: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** One distinct series of a batch, with the span of its windows' starts (epoch seconds). */
interface BatchSeries {
  readonly series: SeriesDescriptor;
  first: number;
  last: number;
  id: number;
}

interface SeriesRow {
  id: number;
  key: string;
  metric: string;
  kind: WindowKind;
  labels: string;
  first_seen: number;
  last_seen: number;
}

/** A window row as an array, in the read statements' column order (sketch only when asked for). */
type WindowRow = [
  seriesId: number,
  t: number,
  count: number,
  sum: number,
  min: number,
  max: number,
  last: number | null,
  p50: number | null,
  p95: number | null,
  p99: number | null,
  /** A JSON array of counts, or null. */
  statusCounts: string | null,
  sketch?: Uint8Array | null,
];

/**
 * Creates a store on a SQLite file, or on a better-sqlite3 `Database` you opened. The schema
 * is not created implicitly: call `await store.migrate()` once before using it (at start-up,
 * or through `velocity migrate`); it applies only the migrations the file has not had.
 * Statements are prepared on first use and kept; series ids are cached per store, so writing
 * known series does not look them up again. Maintenance runs are recorded in the file but
 * guarded in-process only (see `inProcessMaintenance`).
 * @example
 * const store = createSqliteStore({ path: './data/velocity.db' });
 * await store.migrate();
 * await store.writeWindows('1m', windows);
 */
export function createSqliteStore(options: SqliteStoreOptions = {}): Store {
  if (options.path !== undefined && options.database !== undefined) {
    throw invalidOption('database', 'give either a path or a database, not both');
  }
  const ownsDatabase = options.database === undefined;
  const db = options.database ?? openDatabase(options.path ?? DEFAULT_SQLITE_PATH);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS))}`);

  const pingStatement = prepare('SELECT 1');
  let seriesStatements: SeriesStatements | undefined;
  const windowStatements = new Map<Tier, WindowStatements>();
  let maintenanceStatements: MaintenanceStatements | undefined;
  let rollupStatements: RollupStatements | undefined;
  const knownSeries = new Map<string, KnownSeries>();
  let closed = false;
  const platformAggregates = sqlitePlatformAggregates(db, prepare);

  function prepare(sql: string): SqliteStatement {
    const statement = db.prepare(sql);
    // A user's Database may default to BigInt integers; ids and times here are numbers.
    statement.safeIntegers(false);
    return statement;
  }

  // Reads return many rows: arrays are several times cheaper for the driver to build than objects.
  function prepareRaw(sql: string): SqliteStatement {
    const statement = prepare(sql);
    statement.raw(true);
    return statement;
  }

  // Prepared on first use, not at creation: the tables exist only once migrate() has run.
  function seriesSql(): SeriesStatements {
    seriesStatements ??= {
      upsert: prepare(SERIES_SQL.upsert),
      widen: prepare(SERIES_SQL.widen),
      listAll: prepare(SERIES_SQL.listAll),
      listByMetric: prepare(SERIES_SQL.listByMetric),
    };
    return seriesStatements;
  }

  function maintenanceSql(): MaintenanceStatements {
    maintenanceStatements ??= { lastRun: prepare(MAINTENANCE_SQL.lastRun), record: prepare(MAINTENANCE_SQL.record) };
    return maintenanceStatements;
  }

  function rollupSql(): RollupStatements {
    rollupStatements ??= {
      mark: prepare(ROLLUP_SQL.mark),
      watermark: prepare(ROLLUP_SQL.watermark),
      claim: prepare(ROLLUP_SQL.claim),
      advance: prepare(ROLLUP_SQL.advance),
      listDirty: prepare(ROLLUP_SQL.listDirty),
      clearDirty: prepare(ROLLUP_SQL.clearDirty),
    };
    return rollupStatements;
  }

  function windowsSql(tier: Tier): WindowStatements {
    let statements = windowStatements.get(tier);
    if (statements === undefined) {
      const sql = windowSql(tier);
      statements = {
        upsert: prepare(sql.upsert),
        read: prepareRaw(sql.read),
        readWithoutSketch: prepareRaw(sql.readWithoutSketch),
        readSums: prepareRaw(sql.readSums),
        readSummaries: prepareRaw(sql.readSummaries),
        readAt: prepareRaw(sql.readAt),
        deleteBatch: prepare(sql.deleteBatch),
        first: prepare(sql.first),
      };
      windowStatements.set(tier, statements);
    }
    return statements;
  }

  /**
   * Writes a validated batch in one transaction, marking dirty the rolled buckets it feeds
   * (`bucketsJson`, `[tier, t]` pairs, or null for none); returns what it learnt about its series.
   */
  const writeBatch = db.transaction(
    (
      series: SeriesStatements,
      windows: WindowStatements,
      batch: readonly Window[],
      bucketsJson: string | null,
    ): Map<string, BatchSeries> => {
      const inBatch = new Map<string, BatchSeries>();
      for (const w of batch) {
        const t = w.start / 1000;
        const seen = inBatch.get(w.series.key);
        if (seen === undefined) inBatch.set(w.series.key, { series: w.series, first: t, last: t, id: 0 });
        else {
          if (t < seen.first) seen.first = t;
          if (t > seen.last) seen.last = t;
        }
      }
      for (const [key, entry] of inBatch) {
        const known = knownSeries.get(key);
        if (known === undefined) {
          const { metric, kind, labels } = entry.series;
          const row = series.upsert.get(
            key,
            metric,
            kind,
            JSON.stringify(canonicalLabels(labels)),
            entry.first,
            entry.last,
          ) as { id: number };
          entry.id = row.id;
        } else {
          entry.id = known.id;
          if (entry.first < known.firstSeen || entry.last > known.lastSeen) {
            series.widen.run(entry.first, entry.last, known.id);
          }
        }
      }
      for (const w of batch) {
        windows.upsert.run(
          (inBatch.get(w.series.key) as BatchSeries).id,
          w.start / 1000,
          w.count,
          w.sum,
          w.min,
          w.max,
          w.last,
          w.p50,
          w.p95,
          w.p99,
          w.statusCounts == null ? null : JSON.stringify(w.statusCounts),
          w.sketch,
        );
      }
      if (bucketsJson !== null) rollupSql().mark.run(bucketsJson);
      return inBatch;
    },
  );

  return {
    kind: 'sqlite',

    async migrate(): Promise<void> {
      assertOpen(closed);
      applySqliteMigrations(db);
    },

    async writeWindows(tier: Tier, windows: readonly Window[]): Promise<void> {
      assertOpen(closed);
      validateWindows(tier, windows);
      if (windows.length === 0) return;
      const buckets = fedBuckets(tier, windows.map((w) => w.start));
      const bucketsJson = buckets.length === 0 ? null : JSON.stringify(buckets.map((b) => [b.tier, b.start / 1000]));
      const written = writeBatch(seriesSql(), windowsSql(tier), windows, bucketsJson);
      // Only after the commit: a rolled-back batch must not leave ids or spans in the cache.
      for (const [key, entry] of written) {
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
      const statements = seriesSql();
      const wanted = JSON.stringify(labels);
      const rows = (
        metric === undefined ? statements.listAll.all(wanted) : statements.listByMetric.all(metric, wanted)
      ) as SeriesRow[];
      return rows.map((row) => ({
        id: row.id,
        key: row.key,
        metric: row.metric,
        kind: row.kind,
        labels: JSON.parse(row.labels) as Labels,
        firstSeen: row.first_seen * 1000,
        lastSeen: row.last_seen * 1000,
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
      const statements = windowsSql(tier);
      if (seriesIds.length === 0 || !(fromMs < toMs)) return [];
      const withSketch = options?.withSketch ?? true;
      const only = options?.only === undefined ? undefined : keysWithin(options.only, seriesIds, fromMs, toMs);
      if (only?.starts.length === 0) return [];
      const range = [JSON.stringify(seriesIds), firstSecondFrom(fromMs), firstSecondFrom(toMs)] as const;
      const rows = (
        only !== undefined
          ? statements.readAt.all(keysJson(only))
          : (withSketch ? statements.read : statements.readWithoutSketch).all(...range)
      ) as WindowRow[];
      return rows.map((row) => ({
        seriesId: row[0],
        start: row[1] * 1000,
        count: row[2],
        sum: row[3],
        min: row[4],
        max: row[5],
        last: row[6],
        p50: row[7],
        p95: row[8],
        p99: row[9],
        statusCounts: row[10] === null ? null : (JSON.parse(row[10]) as number[]),
        sketch: !withSketch || row[11] == null ? null : asUint8Array(row[11]),
      }));
    },

    async readSums(tier: Tier, seriesIds: readonly number[], fromMs: number, toMs: number): Promise<WindowSum[]> {
      assertOpen(closed);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const { readSums } = windowsSql(tier);
      if (seriesIds.length === 0 || !(fromMs < toMs)) return [];
      return readSums.all(JSON.stringify(seriesIds), firstSecondFrom(fromMs), firstSecondFrom(toMs)) as WindowSum[];
    },

    async readWindowSummaries(tier: Tier, seriesIds: readonly number[], fromMs: number, toMs: number): Promise<WindowSummaries> {
      assertOpen(closed);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const { readSummaries } = windowsSql(tier);
      if (seriesIds.length === 0 || !(fromMs < toMs)) return emptySummaries();
      const row = readSummaries.get(JSON.stringify(seriesIds), firstSecondFrom(fromMs), firstSecondFrom(toMs)) as string[];
      const [seriesId, start, count, minUs, maxUs, p50Us, p95Us, p99Us, statusCounts] = row.map(
        (json) => JSON.parse(json) as never,
      );
      const starts = start as number[];
      for (let i = 0; i < starts.length; i++) starts[i] *= 1000;
      return { seriesId, start, count, minUs, maxUs, p50Us, p95Us, p99Us, statusCounts };
    },

    async deleteWindowsBefore(
      tier: Tier,
      cutoffMs: number,
      batchSize = DEFAULT_DELETE_BATCH,
    ): Promise<number> {
      assertOpen(closed);
      assertTime('cutoffMs', cutoffMs);
      assertBatchSize(batchSize);
      const { deleteBatch } = windowsSql(tier);
      const cutoff = firstSecondFrom(cutoffMs);
      let deleted = 0;
      for (;;) {
        assertOpen(closed);
        // One statement in autocommit mode is one short transaction: writers wait at most one batch.
        const { changes } = deleteBatch.run(cutoff, batchSize);
        deleted += changes;
        if (changes < batchSize) return deleted;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },

    async firstWindowStart(tier: Tier, fromMs: number): Promise<number | null> {
      assertOpen(closed);
      assertTime('fromMs', fromMs);
      const row = windowsSql(tier).first.get(firstSecondFrom(fromMs)) as { t: number | null };
      return row.t === null ? null : row.t * 1000;
    },

    async getWatermark(tier: RollupTier): Promise<number | null> {
      assertOpen(closed);
      assertRollupTier(tier);
      const row = rollupSql().watermark.get(tier) as { watermark: number | null };
      return row.watermark === null ? null : row.watermark * 1000;
    },

    async claimRollup(tier: RollupTier, toMs: number): Promise<void> {
      assertOpen(closed);
      assertBoundary(tier, 'toMs', toMs);
      rollupSql().claim.run({ to: toMs / 1000, tier });
    },

    async advanceWatermark(tier: RollupTier, toMs: number): Promise<void> {
      assertOpen(closed);
      assertBoundary(tier, 'toMs', toMs);
      rollupSql().advance.run({ to: toMs / 1000, tier });
    },

    async listDirtyBuckets(tier: RollupTier, limit: number): Promise<DirtyBucket[]> {
      assertOpen(closed);
      assertRollupTier(tier);
      assertBatchSize(limit, 'limit');
      const rows = rollupSql().listDirty.all(tier, limit) as Array<{ t: number; mark: number }>;
      return rows.map((row) => ({ tier, start: row.t * 1000, mark: row.mark }));
    },

    async clearDirtyBucket(bucket: DirtyBucket): Promise<boolean> {
      assertOpen(closed);
      assertBoundary(bucket.tier, 'bucket.start', bucket.start);
      return rollupSql().clearDirty.run(bucket.tier, bucket.start / 1000, bucket.mark).changes === 1;
    },

    async writePlatformAggregates(tier: RollupTier, rows: readonly PlatformAggregate[]): Promise<void> {
      assertOpen(closed);
      platformAggregates.write(tier, rows);
    },

    async readPlatformAggregates(tier: RollupTier, fromMs: number, toMs: number): Promise<PlatformAggregate[]> {
      assertOpen(closed);
      return platformAggregates.read(tier, fromMs, toMs);
    },

    async deletePlatformAggregatesBefore(tier: RollupTier, cutoffMs: number): Promise<number> {
      assertOpen(closed);
      return platformAggregates.deleteBefore(tier, cutoffMs);
    },

    runMaintenance: inProcessMaintenance(() => assertOpen(closed), {
      lastRun(job) {
        const row = maintenanceSql().lastRun.get(job) as { last_run_ms: number } | undefined;
        return row === undefined ? null : row.last_run_ms;
      },
      record(job, nowMs) {
        maintenanceSql().record.run(job, nowMs);
      },
    }),

    async ping(): Promise<void> {
      assertOpen(closed);
      pingStatement.get();
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      knownSeries.clear();
      if (ownsDatabase) db.close();
    },
  };
}

function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  return new Database(path);
}

/**
 * A plain Uint8Array over the bytes of a blob, so that stores return the same type.
 * better-sqlite3 hands each blob over in a Buffer of its own, so a view of it costs no copy.
 */
function asUint8Array(blob: Uint8Array): Uint8Array {
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

/**
 * The first whole epoch second at or after `ms`. Window starts are whole seconds `t`, and
 * `t * 1000 >= ms` exactly when `t >= ceil(ms / 1000)`, so comparing seconds with this gives
 * the same windows as comparing milliseconds.
 */
function firstSecondFrom(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** `keys` as the JSON array of `[series id, start in epoch seconds]` pairs the `readAt` statement reads. */
function keysJson({ seriesIds, starts }: WindowKeys): string {
  const pairs = new Array<string>(seriesIds.length);
  for (let i = 0; i < pairs.length; i++) pairs[i] = `[${seriesIds[i]},${starts[i] / 1000}]`;
  return `[${pairs.join(',')}]`;
}
