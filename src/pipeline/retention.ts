/**
 * Retention: which windows to forget, per tier. Planning is a pure function of (now,
 * settings, roll-up progress); the job that carries the plan out is separate, so edge cases
 * test with a fixed clock. Detail is deleted only once it has been rolled up: the 1m cutoff
 * never passes the 1h watermark nor the earliest dirty hour, the 1h cutoff never passes the
 * 1d watermark nor the earliest dirty day. Contract C's platform rows of 1h and 1d follow their
 * tier: they are deleted with its windows, by the same cutoff.
 * @module
 */
import type { RollupTier } from '../model/rollup.js';
import { bucketStart } from '../model/time.js';
import { TIER_MS, type Tier } from '../model/window.js';
import type { Store } from '../store/store.js';

/** One deletion to carry out: windows of `tier` starting before `cutoffMs`. */
export interface RetentionStep {
  readonly tier: Tier;
  readonly cutoffMs: number;
}

/** Retention periods per tier, in milliseconds. */
export interface RetentionSettings {
  readonly retention1mMs: number;
  readonly retention1hMs: number;
  readonly retention1dMs: number;
}

/** How far each rolled tier has been rolled up, as `readRollupProgress` reads it. */
export interface RollupProgress {
  /** Each rolled tier's watermark (null: nothing rolled). */
  readonly watermarks: Readonly<Record<RollupTier, number | null>>;
  /** The start of each rolled tier's earliest dirty bucket (null: none). */
  readonly earliestDirty: Readonly<Record<RollupTier, number | null>>;
}

/**
 * The deletions due at `nowMs`: windows of each tier that ended more than its retention
 * ago (cutoffs aligned to the tier's width, so a window is kept whole or deleted whole), the
 * 1m and 1h cutoffs held back to what the tier above has rolled up (see the module comment).
 * A tier whose tier above has rolled nothing yet keeps everything: it has no step.
 */
export function planRetention(nowMs: number, settings: RetentionSettings, progress: RollupProgress): RetentionStep[] {
  const steps: RetentionStep[] = [];
  const heldBack = (tier: Tier, retentionMs: number, above: RollupTier): void => {
    const watermark = progress.watermarks[above];
    if (watermark === null) return;
    const cutoff = bucketStart(nowMs - retentionMs, TIER_MS[tier]);
    steps.push({ tier, cutoffMs: Math.min(cutoff, watermark, progress.earliestDirty[above] ?? Infinity) });
  };
  heldBack('1m', settings.retention1mMs, '1h');
  heldBack('1h', settings.retention1hMs, '1d');
  steps.push({ tier: '1d', cutoffMs: bucketStart(nowMs - settings.retention1dMs, TIER_MS['1d']) });
  return steps;
}

/** Reads each rolled tier's watermark and earliest dirty bucket, for `planRetention`. */
export async function readRollupProgress(store: Store): Promise<RollupProgress> {
  const earliest = async (tier: RollupTier): Promise<number | null> =>
    (await store.listDirtyBuckets(tier, 1))[0]?.start ?? null;
  return {
    watermarks: { '1h': await store.getWatermark('1h'), '1d': await store.getWatermark('1d') },
    earliestDirty: { '1h': await earliest('1h'), '1d': await earliest('1d') },
  };
}

/**
 * What a retention run deleted, per tier: `deleted` windows and `platformRows` rows of
 * contract C's `ops_metrics_hourly` (1h) or `ops_metrics_daily` (1d); 1m has none.
 */
export type RetentionResult = Array<RetentionStep & { readonly deleted: number; readonly platformRows: number }>;

/** Carries out a retention plan against a store, in short batches. */
export async function runRetention(store: Store, plan: readonly RetentionStep[]): Promise<RetentionResult> {
  const result: RetentionResult = [];
  for (const step of plan) {
    const deleted = await store.deleteWindowsBefore(step.tier, step.cutoffMs);
    const platformRows = step.tier === '1m' ? 0 : await store.deletePlatformAggregatesBefore(step.tier, step.cutoffMs);
    result.push({ ...step, deleted, platformRows });
  }
  return result;
}

/** Reads the roll-up progress, plans retention at `nowMs` and carries it out. */
export async function pruneStore(store: Store, nowMs: number, settings: RetentionSettings): Promise<RetentionResult> {
  return runRetention(store, planRetention(nowMs, settings, await readRollupProgress(store)));
}
