/**
 * Retention: which windows to forget. Planning is a pure function of (now, settings); the
 * job that carries the plan out is separate, so edge cases test with a fixed clock.
 * @module
 */
import { MINUTE_MS } from '../model/duration.js';
import { bucketStart } from '../model/time.js';
import type { Tier } from '../model/window.js';
import type { Store } from '../store/store.js';

/** One deletion to carry out: windows of `tier` starting before `cutoffMs`. */
export interface RetentionStep {
  readonly tier: Tier;
  readonly cutoffMs: number;
}

/** Retention periods per tier, in milliseconds. */
export interface RetentionSettings {
  readonly retention1mMs: number;
}

/**
 * The deletions due at `nowMs`: 1-minute windows that ended more than `retention1mMs` ago
 * (the cutoff is minute-aligned, so a window is kept whole or deleted whole).
 */
export function planRetention(nowMs: number, settings: RetentionSettings): RetentionStep[] {
  return [{ tier: '1m', cutoffMs: bucketStart(nowMs - settings.retention1mMs, MINUTE_MS) }];
}

/** What a retention run deleted, per tier. */
export type RetentionResult = Array<RetentionStep & { readonly deleted: number }>;

/** Carries out a retention plan against a store, in short batches. */
export async function runRetention(store: Store, plan: readonly RetentionStep[]): Promise<RetentionResult> {
  const result: RetentionResult = [];
  for (const step of plan) {
    result.push({ ...step, deleted: await store.deleteWindowsBefore(step.tier, step.cutoffMs) });
  }
  return result;
}
