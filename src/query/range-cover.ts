/**
 * Totals over a range from the coarsest windows that tile it: whole days from the 1d tier,
 * whole hours from 1h, the ragged edges from 1m, each rolled tier up to its watermark (past
 * it, the next finer tier, as `tier-read.ts` stitches them). Exact wherever the minutes are
 * still kept, and a month costs about 30 day windows per series instead of 43,200 minutes.
 * Where a range reaches back past what a tier keeps, it is first widened to the enclosing
 * buckets of the finest tier that still holds them (`keptRange`).
 * @module
 */
import { bucketStart } from '../model/time.js';
import { TIER_MS, type StoredWindow, type Tier } from '../model/window.js';
import type { Store } from '../store/store.js';
import { finestTierAt, type TierRetention } from './steps.js';
import { readWatermarks, type TierSegment } from './tier-read.js';

/**
 * [start, end) widened to whole buckets of the finest tier kept at each end, given what each
 * tier keeps (`retention`) at `nowMs`: unchanged within the 1-minute retention; before it, the
 * start moves back to its hour (or its UTC day, past the hourly retention) and the end
 * forward to the end of its hour (or day), since only those windows still hold that time.
 * @example keptRange(Date.parse('2026-10-01T10:20:00Z'), now, now, DEFAULT_TIER_RETENTION).start // 10:00 that day, when that is over 14 days ago
 */
export function keptRange(start: number, end: number, nowMs: number, retention: TierRetention): { start: number; end: number } {
  const startWidth = TIER_MS[finestTierAt(start, nowMs, retention)];
  const endWidth = TIER_MS[finestTierAt(end - 1, nowMs, retention)];
  return {
    start: startWidth === TIER_MS['1m'] ? start : bucketStart(start, startWidth),
    end: endWidth === TIER_MS['1m'] ? end : Math.ceil(end / endWidth) * endWidth,
  };
}

/** The finer tier of each tier, down to 1m. */
const FINER: Readonly<Record<Tier, Tier | null>> = { '1d': '1h', '1h': '1m', '1m': null };

/**
 * The segments, oldest first, that tile [start, end) with the coarsest windows rolled so far:
 * the whole days inside it before the 1d watermark from 1d, the whole hours of what is left
 * before the 1h watermark from 1h, the rest from 1m. A null watermark: nothing rolled there.
 */
export function coverSegments(start: number, end: number, watermarks: Readonly<Record<'1h' | '1d', number | null>>): TierSegment[] {
  const cover = (from: number, to: number, tier: Tier): TierSegment[] => {
    if (!(from < to)) return [];
    const finer = FINER[tier];
    if (finer === null) return [{ tier, from, to }];
    const width = TIER_MS[tier];
    const watermark = watermarks[tier as '1h' | '1d'] ?? Number.NEGATIVE_INFINITY;
    const lo = Math.ceil(from / width) * width;
    const hi = Math.min(bucketStart(to, width), watermark);
    if (!(lo < hi)) return cover(from, to, finer);
    return [...cover(from, lo, finer), { tier, from: lo, to: hi }, ...cover(hi, to, finer)];
  };
  return cover(start, end, '1d');
}

/** The windows one segment of a cover read, and the tier they are of. */
export interface TierWindows {
  readonly tier: Tier;
  readonly windows: StoredWindow[];
}

/**
 * The windows of series `ids` over [start, end) from the coarsest tiers that tile it (see
 * `coverSegments`), without sketches, per segment, oldest segment first. The series of every
 * tier may be passed together (1m series carry an instance, rolled ones do not): each segment
 * reads one tier over its own stretch of time, so no observation is counted twice.
 */
export async function readCovering(store: Store, ids: readonly number[], start: number, end: number): Promise<TierWindows[]> {
  if (ids.length === 0) return [];
  const segments = coverSegments(start, end, await readWatermarks(store, '1d'));
  return Promise.all(
    segments.map(async (s) => ({ tier: s.tier, windows: await store.readWindows(s.tier, ids, s.from, s.to, { withSketch: false }) })),
  );
}
