/**
 * When a group of series was last seen, as precisely as the store still knows: a cover read
 * (`range-cover.ts`) may find a group's latest observations in an hourly or daily window;
 * while the finer windows of that day or hour are kept, they say when within it, down to the
 * minute.
 * @module
 */
import { TIER_MS, type Tier } from '../model/window.js';
import type { Store } from '../store/store.js';

/** A group's latest window: where it starts and its tier, and the group's series. */
export interface LatestWindow {
  /** The window's start, epoch ms. */
  start: number;
  tier: Tier;
  /** Every series of the group, of every tier (1m series and rolled ones). */
  readonly ids: readonly number[];
}

const FINER = { '1d': '1h', '1h': '1m' } as const;

/**
 * Moves each of `latest` that is a daily or hourly window to the latest finer window within
 * it (1d to 1h, then 1h to 1m), as far as the store still holds them: one read per distinct
 * bucket and tier, of that bucket's groups' series only.
 */
export async function refineLatest(store: Store, latest: readonly LatestWindow[]): Promise<void> {
  for (const tier of ['1d', '1h'] as const) {
    const byBucket = new Map<number, LatestWindow[]>();
    for (const l of latest) {
      if (l.tier !== tier) continue;
      const group = byBucket.get(l.start);
      if (group === undefined) byBucket.set(l.start, [l]);
      else group.push(l);
    }
    for (const [bucket, group] of byBucket) {
      const owner = new Map<number, LatestWindow>();
      for (const l of group) for (const id of l.ids) owner.set(id, l);
      const finer = await store.readWindows(FINER[tier], [...owner.keys()], bucket, bucket + TIER_MS[tier], { withSketch: false });
      // Ordered by start: the last one seen of each group is its latest.
      for (const w of finer) {
        const l = owner.get(w.seriesId) as LatestWindow;
        l.start = w.start;
        l.tier = FINER[tier];
      }
    }
  }
}
