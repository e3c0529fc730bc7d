/**
 * The memory store: windows held in Maps, for tests and as the fallback while the database is
 * unreachable. Nothing survives `close()` or the process.
 * @module
 */
import { canonicalLabels, type Labels } from '../../model/labels.js';
import type { RollupTier } from '../../model/rollup.js';
import type { StoredWindow, Tier, Window } from '../../model/window.js';
import { fedBuckets } from '../dirty-buckets.js';
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
import { inProcessMaintenance } from '../maintenance.js';
import { keysWithin, summariesOf } from '../window-summaries.js';
import { lastRowPerKey, validatePlatformAggregates } from '../validate-platform-aggregates.js';
import {
  assertBatchSize,
  assertBoundary,
  assertOpen,
  assertRollupTier,
  assertTier,
  assertTime,
  validateWindows,
} from '../validate-windows.js';

interface MutableSeries {
  readonly id: number;
  readonly key: string;
  readonly metric: string;
  readonly kind: SeriesRecord['kind'];
  readonly labels: SeriesRecord['labels'];
  firstSeen: number;
  lastSeen: number;
}

/** Windows of one tier: series id → window start (epoch ms) → window. */
type TierWindows = Map<number, Map<number, StoredWindow>>;

/** The roll-up progress of one rolled tier, epoch ms (null: not yet). */
interface RollupState {
  watermark: number | null;
  claimed: number | null;
  /** Dirty buckets: start → mark. */
  readonly dirty: Map<number, number>;
}

/**
 * Creates an empty store that keeps everything in memory. It holds copies: arrays and label
 * sets passed in or handed out can be mutated without touching what is stored. Every method
 * runs synchronously to completion, so a batch is written atomically and deletes need no
 * batching (`batchSize` is validated, then one pass deletes everything older than the cutoff).
 * `migrate()` has nothing to do; the store is ready as soon as it is created. Maintenance
 * runs are guarded in-process (see `inProcessMaintenance`).
 * @example
 * const store = createMemoryStore();
 * await store.writeWindows('1m', windows);
 */
export function createMemoryStore(): Store {
  const seriesByKey = new Map<string, MutableSeries>();
  const windowsByTier = new Map<Tier, TierWindows>();
  /** Each maintenance job's last run, epoch ms. */
  const lastRuns = new Map<string, number>();
  const rollups = new Map<RollupTier, RollupState>([
    ['1h', { watermark: null, claimed: null, dirty: new Map() }],
    ['1d', { watermark: null, claimed: null, dirty: new Map() }],
  ]);
  /** Contract C's rows per rolled tier, by `${bucketStart} ${platform}`. */
  const platformRows = new Map<RollupTier, Map<string, PlatformAggregate>>([
    ['1h', new Map()],
    ['1d', new Map()],
  ]);
  /** The last mark handed out: every marking gets the next one. */
  let lastMark = 0;
  let closed = false;

  function tierWindows(tier: Tier): TierWindows {
    let windows = windowsByTier.get(tier);
    if (windows === undefined) {
      windows = new Map();
      windowsByTier.set(tier, windows);
    }
    return windows;
  }

  return {
    kind: 'memory',

    async migrate(): Promise<void> {
      assertOpen(closed);
    },

    async writeWindows(tier: Tier, windows: readonly Window[]): Promise<void> {
      assertOpen(closed);
      validateWindows(tier, windows);
      // Nothing below can throw, so the batch lands whole.
      const stored = tierWindows(tier);
      for (const w of windows) {
        let series = seriesByKey.get(w.series.key);
        if (series === undefined) {
          series = {
            id: seriesByKey.size + 1,
            key: w.series.key,
            metric: w.series.metric,
            kind: w.series.kind,
            labels: canonicalLabels(w.series.labels),
            firstSeen: w.start,
            lastSeen: w.start,
          };
          seriesByKey.set(series.key, series);
        } else {
          if (w.start < series.firstSeen) series.firstSeen = w.start;
          if (w.start > series.lastSeen) series.lastSeen = w.start;
        }
        let byStart = stored.get(series.id);
        if (byStart === undefined) {
          byStart = new Map();
          stored.set(series.id, byStart);
        }
        byStart.set(w.start, copyWindow(series.id, w, true));
      }
      for (const bucket of fedBuckets(tier, windows.map((w) => w.start))) {
        const state = rollups.get(bucket.tier) as RollupState;
        if (state.claimed !== null && bucket.start < state.claimed) state.dirty.set(bucket.start, ++lastMark);
      }
    },

    async listSeries(metric?: string, labels: Labels = {}): Promise<SeriesRecord[]> {
      assertOpen(closed);
      const wanted = Object.entries(labels);
      const found: SeriesRecord[] = [];
      // Ids are assigned in insertion order, so the Map already iterates by id.
      for (const s of seriesByKey.values()) {
        if (metric !== undefined && s.metric !== metric) continue;
        if (wanted.every(([name, value]) => s.labels[name] === value)) found.push({ ...s, labels: { ...s.labels } });
      }
      return found;
    },

    async readWindows(
      tier: Tier,
      seriesIds: readonly number[],
      fromMs: number,
      toMs: number,
      options?: ReadWindowsOptions,
    ): Promise<StoredWindow[]> {
      assertOpen(closed);
      assertTier(tier);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const withSketch = options?.withSketch ?? true;
      const stored = tierWindows(tier);
      const found: StoredWindow[] = [];
      if (options?.only !== undefined) {
        const { seriesIds: keyIds, starts } = keysWithin(options.only, seriesIds, fromMs, toMs);
        const seen = new Set<unknown>();
        for (let i = 0; i < keyIds.length; i++) {
          const w = stored.get(keyIds[i])?.get(starts[i]);
          if (w !== undefined && !seen.has(w)) {
            seen.add(w);
            found.push(copyWindow(keyIds[i], w, withSketch));
          }
        }
      } else {
        for (const id of new Set(seriesIds)) {
          const byStart = stored.get(id);
          if (byStart === undefined) continue;
          for (const w of byStart.values()) {
            if (w.start >= fromMs && w.start < toMs) found.push(copyWindow(id, w, withSketch));
          }
        }
      }
      return found.sort((a, b) => a.start - b.start || a.seriesId - b.seriesId);
    },

    async readSums(tier: Tier, seriesIds: readonly number[], fromMs: number, toMs: number): Promise<WindowSum[]> {
      assertOpen(closed);
      assertTier(tier);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const stored = tierWindows(tier);
      const found: WindowSum[] = [];
      for (const id of new Set(seriesIds)) {
        for (const w of stored.get(id)?.values() ?? []) {
          if (w.start >= fromMs && w.start < toMs) found.push([id, w.start, w.sum]);
        }
      }
      return found;
    },

    async readWindowSummaries(tier: Tier, seriesIds: readonly number[], fromMs: number, toMs: number): Promise<WindowSummaries> {
      assertOpen(closed);
      assertTier(tier);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      const stored = tierWindows(tier);
      const found: StoredWindow[] = [];
      for (const id of new Set(seriesIds)) {
        for (const w of stored.get(id)?.values() ?? []) {
          if (w.start >= fromMs && w.start < toMs) found.push({ ...w, seriesId: id });
        }
      }
      return summariesOf(found);
    },

    async deleteWindowsBefore(
      tier: Tier,
      cutoffMs: number,
      batchSize = DEFAULT_DELETE_BATCH,
    ): Promise<number> {
      assertOpen(closed);
      assertTier(tier);
      assertTime('cutoffMs', cutoffMs);
      assertBatchSize(batchSize);
      let deleted = 0;
      for (const byStart of tierWindows(tier).values()) {
        for (const start of byStart.keys()) {
          if (start < cutoffMs) {
            byStart.delete(start);
            deleted++;
          }
        }
      }
      return deleted;
    },

    async firstWindowStart(tier: Tier, fromMs: number): Promise<number | null> {
      assertOpen(closed);
      assertTier(tier);
      assertTime('fromMs', fromMs);
      let first: number | null = null;
      for (const byStart of tierWindows(tier).values()) {
        for (const start of byStart.keys()) {
          if (start >= fromMs && (first === null || start < first)) first = start;
        }
      }
      return first;
    },

    async getWatermark(tier: RollupTier): Promise<number | null> {
      assertOpen(closed);
      assertRollupTier(tier);
      return (rollups.get(tier) as RollupState).watermark;
    },

    async claimRollup(tier: RollupTier, toMs: number): Promise<void> {
      assertOpen(closed);
      assertBoundary(tier, 'toMs', toMs);
      const state = rollups.get(tier) as RollupState;
      state.claimed = Math.max(state.claimed ?? toMs, toMs);
    },

    async advanceWatermark(tier: RollupTier, toMs: number): Promise<void> {
      assertOpen(closed);
      assertBoundary(tier, 'toMs', toMs);
      const state = rollups.get(tier) as RollupState;
      state.watermark = Math.max(state.watermark ?? toMs, toMs);
      state.claimed = Math.max(state.claimed ?? toMs, toMs);
    },

    async listDirtyBuckets(tier: RollupTier, limit: number): Promise<DirtyBucket[]> {
      assertOpen(closed);
      assertRollupTier(tier);
      assertBatchSize(limit, 'limit');
      return [...(rollups.get(tier) as RollupState).dirty]
        .sort(([a], [b]) => a - b)
        .slice(0, limit)
        .map(([start, mark]) => ({ tier, start, mark }));
    },

    async clearDirtyBucket(bucket: DirtyBucket): Promise<boolean> {
      assertOpen(closed);
      assertBoundary(bucket.tier, 'bucket.start', bucket.start);
      const dirty = (rollups.get(bucket.tier) as RollupState).dirty;
      if (dirty.get(bucket.start) !== bucket.mark) return false;
      dirty.delete(bucket.start);
      return true;
    },

    async writePlatformAggregates(tier: RollupTier, rows: readonly PlatformAggregate[]): Promise<void> {
      assertOpen(closed);
      validatePlatformAggregates(tier, rows);
      const stored = platformRows.get(tier) as Map<string, PlatformAggregate>;
      for (const row of lastRowPerKey(rows)) stored.set(`${row.bucketStart} ${row.platform}`, { ...row });
    },

    async readPlatformAggregates(tier: RollupTier, fromMs: number, toMs: number): Promise<PlatformAggregate[]> {
      assertOpen(closed);
      assertRollupTier(tier);
      assertTime('fromMs', fromMs);
      assertTime('toMs', toMs);
      return [...(platformRows.get(tier) as Map<string, PlatformAggregate>).values()]
        .filter((row) => row.bucketStart >= fromMs && row.bucketStart < toMs)
        .sort((a, b) => a.bucketStart - b.bucketStart || (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0))
        .map((row) => ({ ...row }));
    },

    async deletePlatformAggregatesBefore(tier: RollupTier, cutoffMs: number): Promise<number> {
      assertOpen(closed);
      assertRollupTier(tier);
      assertTime('cutoffMs', cutoffMs);
      const stored = platformRows.get(tier) as Map<string, PlatformAggregate>;
      let deleted = 0;
      for (const [key, row] of stored) {
        if (row.bucketStart < cutoffMs) {
          stored.delete(key);
          deleted++;
        }
      }
      return deleted;
    },

    runMaintenance: inProcessMaintenance(() => assertOpen(closed), {
      lastRun: (job) => lastRuns.get(job) ?? null,
      record: (job, nowMs) => void lastRuns.set(job, nowMs),
    }),

    async ping(): Promise<void> {
      assertOpen(closed);
    },

    async close(): Promise<void> {
      closed = true;
      seriesByKey.clear();
      windowsByTier.clear();
      lastRuns.clear();
      rollups.clear();
      platformRows.clear();
    },
  };
}

/** A stored window with its own copy of the sketch bytes (or none, when `withSketch` is false). */
function copyWindow(seriesId: number, w: Window | StoredWindow, withSketch: boolean): StoredWindow {
  return {
    seriesId,
    start: w.start,
    count: w.count,
    sum: w.sum,
    min: w.min,
    max: w.max,
    last: w.last,
    p50: w.p50,
    p95: w.p95,
    p99: w.p99,
    statusCounts: w.statusCounts == null ? null : [...w.statusCounts],
    // new Uint8Array(…) copies even when handed a Buffer, whose slice() would only be a view.
    sketch: withSketch && w.sketch !== null ? new Uint8Array(w.sketch) : null,
  };
}
