/**
 * Reads the windows of a range from the tier a query chose, stitched with finer tiers where
 * the coarser one has not been rolled up yet: a tier holds every bucket before its watermark,
 * so [start, end) is read from 1d up to the 1d watermark, then from 1h up to the 1h watermark,
 * then from 1m. Windows come back ordered by start.
 * @module
 */
import type { StoredWindow, Tier } from '../model/window.js';
import type { ReadWindowsOptions, Store, WindowSummaries } from '../store/store.js';
import { concatSummaries, emptySummaries } from '../store/window-summaries.js';

/** The series a read asks each tier for: `1m` holds recorded series, `1h` and `1d` rolled ones. */
export type IdsByTier = (tier: Tier) => readonly number[];

/** One tier's share of a range: read `tier` over [from, to). */
export interface TierSegment {
  readonly tier: Tier;
  readonly from: number;
  readonly to: number;
}

/**
 * The segments that cover [start, end) from `tier` down to 1m: each coarser tier up to its
 * watermark (a null watermark: nothing rolled, nothing read there), the rest from the next
 * finer tier. Empty segments are left out.
 */
export function planSegments(
  tier: Tier,
  start: number,
  end: number,
  watermarks: Readonly<Record<'1h' | '1d', number | null>>,
): TierSegment[] {
  const segments: TierSegment[] = [];
  let from = start;
  const coarser: Array<'1d' | '1h'> = tier === '1d' ? ['1d', '1h'] : tier === '1h' ? ['1h'] : [];
  for (const t of coarser) {
    const to = Math.min(end, watermarks[t] ?? from);
    if (to > from) {
      segments.push({ tier: t, from, to });
      from = to;
    }
  }
  if (end > from) segments.push({ tier: '1m', from, to: end });
  return segments;
}

/** The watermarks a plan for `tier` needs, read from the store (none for 1m). */
export async function readWatermarks(store: Store, tier: Tier): Promise<Record<'1h' | '1d', number | null>> {
  const [hour, day] = await Promise.all([
    tier === '1m' ? null : store.getWatermark('1h'),
    tier === '1d' ? store.getWatermark('1d') : null,
  ]);
  return { '1h': hour, '1d': day };
}

/** The segments that cover [start, end) from `tier` stitched with finer tiers, by the store's watermarks now. */
export async function planRead(store: Store, tier: Tier, start: number, end: number): Promise<TierSegment[]> {
  return planSegments(tier, start, end, await readWatermarks(store, tier));
}

/**
 * The windows in `segments` of the series `idsOf` gives for each segment's tier, ordered by
 * start. With `options.only`, each segment's read keeps the windows it names that fall in it
 * (the store keeps to the range).
 */
export async function readSegments(
  store: Store,
  segments: readonly TierSegment[],
  idsOf: IdsByTier,
  options: ReadWindowsOptions,
): Promise<StoredWindow[]> {
  const parts = await Promise.all(segments.map((s) => store.readWindows(s.tier, idsOf(s.tier), s.from, s.to, options)));
  return parts.length === 1 ? parts[0] : parts.flat();
}

/** The summaries of the windows in `segments` of the series `idsOf` gives for each tier, in no particular order. */
export async function readSummarySegments(
  store: Store,
  segments: readonly TierSegment[],
  idsOf: IdsByTier,
): Promise<WindowSummaries> {
  if (segments.length === 0) return emptySummaries();
  return concatSummaries(await Promise.all(segments.map((s) => store.readWindowSummaries(s.tier, idsOf(s.tier), s.from, s.to))));
}
