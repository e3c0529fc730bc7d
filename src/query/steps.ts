/**
 * Steps and tiers: which storage tier can build a step, how steps align to UTC, and the
 * finest step the data kept for a range allows. Pure functions of times and settings.
 * @module
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS } from '../model/duration.js';
import { TIER_MS, type Tier } from '../model/window.js';

/** Tiers from the finest to the coarsest. */
export const TIERS_FINE_TO_COARSE: readonly Tier[] = ['1m', '1h', '1d'];

/** How long each tier's windows are kept, in ms: what a query may expect to find. */
export type TierRetention = Readonly<Record<Tier, number>>;

/** The default retention of each tier: 1m 14 days, 1h 90 days, 1d two years. */
export const DEFAULT_TIER_RETENTION: TierRetention = { '1m': 14 * DAY_MS, '1h': 90 * DAY_MS, '1d': 730 * DAY_MS };

/** 1970-01-05, the first Monday after the epoch: weeks start on Mondays, as ISO-8601 has it. */
const FIRST_MONDAY_MS = 4 * DAY_MS;

/**
 * The start of the step-wide bucket holding `timeMs`, in UTC: steps that are whole weeks
 * start on Mondays at 00:00, every other step is aligned to the epoch (so days start at
 * 00:00 UTC, hours on the hour).
 */
export function stepStart(timeMs: number, stepMs: number): number {
  const origin = stepMs % WEEK_MS === 0 ? FIRST_MONDAY_MS : 0;
  return Math.floor((timeMs - origin) / stepMs) * stepMs + origin;
}

/** The number of step-aligned points that cover [start, end). */
export function pointCount(start: number, end: number, stepMs: number): number {
  return Math.ceil((end - stepStart(start, stepMs)) / stepMs);
}

/** The coarsest tier whose windows tile a step of `stepMs` (a whole number of minutes). */
export function coarsestTierFor(stepMs: number): Tier {
  if (stepMs % DAY_MS === 0) return '1d';
  if (stepMs % HOUR_MS === 0) return '1h';
  return '1m';
}

/**
 * The finest tier that still holds windows starting at `startMs`, given what each tier keeps:
 * 1m within its retention of `nowMs`, else 1h within its retention, else 1d.
 */
export function finestTierAt(startMs: number, nowMs: number, retention: TierRetention): Tier {
  if (startMs >= nowMs - retention['1m']) return '1m';
  if (startMs >= nowMs - retention['1h']) return '1h';
  return '1d';
}

/** Whether `stepMs` is a whole number of `tier`'s windows. */
export function stepFitsTier(stepMs: number, tier: Tier): boolean {
  return stepMs % TIER_MS[tier] === 0;
}

/**
 * The smallest step that is a whole number of `finest`'s windows and keeps the points over
 * [start, end) within `limit`; a step of an hour or more is rounded up to whole hours and one
 * of a day or more to whole days, so that it is served from the coarsest tier that can.
 */
export function smallestStep(start: number, end: number, limit: number, finest: Tier): number {
  const unit = TIER_MS[finest];
  let stepMs = Math.max(1, Math.ceil((end - start) / limit / unit)) * unit;
  for (;;) {
    if (stepMs >= DAY_MS) stepMs = Math.ceil(stepMs / DAY_MS) * DAY_MS;
    else if (stepMs >= HOUR_MS) stepMs = Math.ceil(stepMs / HOUR_MS) * HOUR_MS;
    if (pointCount(start, end, stepMs) <= limit) return stepMs;
    stepMs += stepMs >= DAY_MS ? DAY_MS : stepMs >= HOUR_MS ? HOUR_MS : MINUTE_MS;
  }
}
