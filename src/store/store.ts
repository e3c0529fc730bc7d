/**
 * The Store interface: the one contract every storage backend (memory, SQLite, PostgreSQL)
 * implements and the conformance suite checks. Times are epoch milliseconds throughout.
 * @module
 */
import type { Labels } from '../model/labels.js';
import type { RollupTier } from '../model/rollup.js';
import type { StoredWindow, Tier, Window, WindowKind } from '../model/window.js';

/** A series as a store knows it: its id, identity and when windows of it were first and last written. */
export interface SeriesRecord {
  readonly id: number;
  readonly key: string;
  readonly metric: string;
  readonly kind: WindowKind;
  readonly labels: Labels;
  /** Start of the earliest window ever written for it, epoch ms. */
  readonly firstSeen: number;
  /** Start of the latest window written for it, epoch ms. */
  readonly lastSeen: number;
}

/** Options for reading windows back. */
export interface ReadWindowsOptions {
  /** Also return each distribution window's encoded sketch (default true). */
  readonly withSketch?: boolean;
  /**
   * Only these windows, those of them among the series asked for and within [fromMs, toMs):
   * how a query fetches the sketches of just the windows it has to merge. Default: every window.
   */
  readonly only?: WindowKeys;
}

/** Windows named by key: series `seriesIds[i]` at start `starts[i]` (epoch ms). */
export interface WindowKeys {
  readonly seriesIds: readonly number[];
  readonly starts: readonly number[];
}

/**
 * What history points are built from, for windows read in no particular order: one array per
 * field, index i being one window. Latencies are in whole microseconds (rounded), the
 * precision the API reports in milliseconds with 3 decimals; null where a window has none.
 */
export interface WindowSummaries {
  readonly seriesId: readonly number[];
  /** Window start, epoch ms. */
  readonly start: readonly number[];
  readonly count: readonly number[];
  readonly minUs: readonly (number | null)[];
  readonly maxUs: readonly (number | null)[];
  readonly p50Us: readonly (number | null)[];
  readonly p95Us: readonly (number | null)[];
  readonly p99Us: readonly (number | null)[];
  /**
   * The status counts (`WindowValues.statusCounts`) of every row, flat: row i's at
   * [i × STATUS_COUNTS_LENGTH, (i + 1) × STATUS_COUNTS_LENGTH), all zeros for a window without;
   * empty when no window read has any (a read of recorded series). One array rather than one
   * per window: a long-range read holds tens of thousands of rows.
   */
  readonly statusCounts: readonly number[];
}

/**
 * How many status counts a window that has them carries: one per status class, in the order
 * of `STATUS_CLASSES` (`collect/http.ts`).
 */
export const STATUS_COUNTS_LENGTH = 7;

/** One window's sum, as `readSums` returns it: [series id, start (epoch ms), sum]. */
export type WindowSum = readonly [seriesId: number, start: number, sum: number];

/**
 * A bucket of a rolled tier marked dirty: windows of the tiers below it were written after it
 * had been claimed for rolling (late data), so it has to be rolled again.
 */
export interface DirtyBucket {
  readonly tier: RollupTier;
  /** The bucket's start, epoch ms, aligned to the tier's width. */
  readonly start: number;
  /**
   * The latest mark's token, different for every marking: `clearDirtyBucket` clears the
   * bucket only while this is still its mark, so a bucket marked again meanwhile stays dirty.
   */
  readonly mark: number;
}

/**
 * Contract C's pre-aggregate of one `platform` label value over one bucket of a rolled tier
 * (a row of `ops_metrics_hourly` or `ops_metrics_daily`), computed by the roll-up from the
 * bucket's rolled windows (see `pipeline/platform-aggregates.ts` for what counts as what).
 */
export interface PlatformAggregate {
  /** The bucket's start, epoch ms: a whole UTC hour (1h) or a UTC midnight (1d). */
  readonly bucketStart: number;
  readonly platform: string;
  /** Requests and operation executions in the bucket. */
  readonly requestCount: number;
  readonly successCount: number;
  /** Every one that did not succeed: `requestCount − successCount`. */
  readonly errorCount: number;
  /** The errors classed 4xx, 5xx and timeout; an error may be in none of them (unclassed). */
  readonly error4xxCount: number;
  readonly error5xxCount: number;
  readonly timeoutCount: number;
  /** Mean duration in ms; null without requests. */
  readonly avgLatencyMs: number | null;
  /** p99 in ms of the merged sketches of the bucket; null without requests or sketches. */
  readonly p99LatencyMs: number | null;
  /** `errorCount / requestCount × 100`, 0–100; 0 without requests. */
  readonly errorRate: number;
  /** When the row was computed, epoch ms. */
  readonly computedAt: number;
}

/**
 * Storage for windows. Every method may be called concurrently; implementations serialise
 * what must be serialised.
 */
export interface Store {
  /** Which backend this is. */
  readonly kind: 'memory' | 'sqlite' | 'postgres';

  /** Applies every migration not yet recorded, each exactly once. Safe to call repeatedly. */
  migrate(): Promise<void>;

  /**
   * Writes `windows` of `tier` atomically: all of them or, on error, none. Registers series
   * not seen before and moves each series' last-seen time forward. Idempotent per
   * (series, start): a window whose key is already stored replaces the stored one, so
   * re-sending a batch whose commit did succeed never double-counts.
   *
   * In the same transaction it marks dirty every bucket of a rolled tier above `tier` (1h
   * and 1d for 1m, 1d for 1h) that holds one of the windows and starts before that tier's
   * claim (see `claimRollup`; the claim is never behind the watermark), so that late windows
   * are rolled up again.
   */
  writeWindows(tier: Tier, windows: readonly Window[]): Promise<void>;

  /**
   * Every series known to the store, or those of one metric, ordered by id; with `labels`,
   * only those whose labels include every one of them, name and value.
   */
  listSeries(metric?: string, labels?: Labels): Promise<SeriesRecord[]>;

  /**
   * The windows of `tier` for the given series whose start lies in [fromMs, toMs),
   * ordered by start, then series id.
   */
  readWindows(
    tier: Tier,
    seriesIds: readonly number[],
    fromMs: number,
    toMs: number,
    options?: ReadWindowsOptions,
  ): Promise<StoredWindow[]>;

  /**
   * The sum of each window of `tier` for the given series whose start lies in [fromMs, toMs),
   * in no particular order: what counters hold, read without the other columns, unsorted and
   * as arrays, for queries that add up many windows.
   */
  readSums(tier: Tier, seriesIds: readonly number[], fromMs: number, toMs: number): Promise<WindowSum[]>;

  /**
   * The summaries (series, start, count, extremes and precomputed quantiles) of the windows of
   * `tier` for the given series whose start lies in [fromMs, toMs), in no particular order:
   * the windows a history query builds its points from, read without sketches and without
   * one object per window.
   */
  readWindowSummaries(tier: Tier, seriesIds: readonly number[], fromMs: number, toMs: number): Promise<WindowSummaries>;

  /**
   * Deletes windows of `tier` that start before `cutoffMs`, in transactions of at most
   * `batchSize` rows so that writers are never held for long. Returns the rows deleted.
   */
  deleteWindowsBefore(tier: Tier, cutoffMs: number, batchSize?: number): Promise<number>;

  /**
   * Runs maintenance job `job` (retention, rollup) if it is due, in one instance at a
   * time, and records the run. `work` is called only when both hold:
   *
   * 1. This store's maintenance lock, one for all jobs, is taken without waiting. PostgreSQL:
   *    a session-level `pg_try_advisory_lock` on one pooled connection, held until `work`
   *    settles, excludes every process using the same schema of the database (so the pool
   *    needs a second connection for `work`'s own queries). SQLite and memory: an in-process
   *    guard per store object only; two processes on one SQLite file may both run a job in
   *    the same cycle, which idempotent maintenance tolerates.
   * 2. The job is due by its last run recorded in the store (`velocity_maintenance` in
   *    PostgreSQL, `maintenance` in SQLite, a Map in memory), read under the lock: it never
   *    ran, or ran at least `intervalMs × 0.9` before `nowMs`, or its recorded run lies more
   *    than `intervalMs` after `nowMs` (a clock that was wrong); see `isMaintenanceDue`. So
   *    instances whose timers fire at different moments of a cycle run it once per cycle.
   *
   * When `work` resolves, `nowMs` is recorded as the job's last run and the call resolves
   * true. When `work` rejects, nothing is recorded (the job stays due) and the call rejects
   * with `work`'s error. When the lock is held elsewhere or the job is not due, `work` is not
   * called and the call resolves false. Times are epoch ms of the caller's clock, which the
   * instances sharing a store are expected to share. An empty `job`, a `nowMs` that is not a
   * number or an `intervalMs` that is not finite and ≥ 0 rejects with INVALID_PARAMETER.
   */
  runMaintenance(job: string, nowMs: number, intervalMs: number, work: () => Promise<void>): Promise<boolean>;

  /**
   * The start of the earliest window of `tier` that starts at or after `fromMs`, epoch ms, or
   * null when there is none: where a roll-up starts, and how it skips empty stretches.
   */
  firstWindowStart(tier: Tier, fromMs: number): Promise<number | null>;

  /**
   * The watermark of rolled tier `tier`, epoch ms: every bucket of `tier` that starts before
   * it has been rolled up (written from the tier below). Null when nothing has been rolled.
   */
  getWatermark(tier: RollupTier): Promise<number | null>;

  /**
   * Claims the buckets of `tier` before `toMs` for rolling (a claim only moves forward).
   * Once it resolves, every write of windows that feed one of those buckets marks it dirty,
   * and every write that did not has committed: a roll-up that reads a bucket after claiming
   * it either sees a window or finds the bucket dirty afterwards. `toMs` must be aligned to
   * the tier's width.
   */
  claimRollup(tier: RollupTier, toMs: number): Promise<void>;

  /**
   * Moves the watermark of `tier` forward to `toMs` (never back; the claim follows it), once
   * every bucket of `tier` before `toMs` has been rolled. `toMs` must be aligned to the
   * tier's width.
   */
  advanceWatermark(tier: RollupTier, toMs: number): Promise<void>;

  /** The dirty buckets of `tier`, oldest first, at most `limit` of them. */
  listDirtyBuckets(tier: RollupTier, limit: number): Promise<DirtyBucket[]>;

  /**
   * Clears `bucket`'s dirty mark if it is still the one listed (`bucket.mark`); a bucket
   * marked again since it was listed stays dirty. Resolves whether it cleared the mark.
   */
  clearDirtyBucket(bucket: DirtyBucket): Promise<boolean>;

  /**
   * Upserts contract C's rows of rolled tier `tier` (`ops_metrics_hourly` for 1h,
   * `ops_metrics_daily` for 1d), keyed by (bucketStart, platform): a row whose key is stored
   * replaces it, so recomputing a bucket is idempotent. All rows or, on error, none; of two
   * rows with one key in a batch the later wins. Rejects with INVALID_PARAMETER, writing
   * nothing, unless every row is well formed (`validatePlatformAggregates`).
   */
  writePlatformAggregates(tier: RollupTier, rows: readonly PlatformAggregate[]): Promise<void>;

  /** The rows of `tier` whose bucket starts in [fromMs, toMs), ordered by bucket, then platform. */
  readPlatformAggregates(tier: RollupTier, fromMs: number, toMs: number): Promise<PlatformAggregate[]>;

  /** Deletes the rows of `tier` whose bucket starts before `cutoffMs`; returns how many. */
  deletePlatformAggregatesBefore(tier: RollupTier, cutoffMs: number): Promise<number>;

  /** One cheap round trip; rejects when the store cannot be reached. */
  ping(): Promise<void>;

  /** Releases connections and file handles. The store is unusable afterwards. */
  close(): Promise<void>;
}

/** Rows per transaction that retention deletes when no batch size is given. */
export const DEFAULT_DELETE_BATCH = 5_000;
