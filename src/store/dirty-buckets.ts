/**
 * Which buckets of the rolled tiers a batch of windows feeds: what a store's `writeWindows`
 * marks dirty when they lie before the tier's claim.
 * @module
 */
import { tiersFedBy, type RollupTier } from '../model/rollup.js';
import { bucketStart } from '../model/time.js';
import { TIER_MS, type Tier } from '../model/window.js';

/** A bucket of a rolled tier, by its start (epoch ms). */
export interface FedBucket {
  readonly tier: RollupTier;
  readonly start: number;
}

/**
 * The distinct buckets of the rolled tiers above `tier` that hold the windows starting at
 * `starts`: for 1m windows their hours and days, for 1h windows their days, for 1d none.
 * Ordered by tier, then start.
 */
export function fedBuckets(tier: Tier, starts: Iterable<number>): FedBucket[] {
  const tiers = tiersFedBy(tier);
  if (tiers.length === 0) return [];
  const byTier = new Map<RollupTier, Set<number>>(tiers.map((t) => [t, new Set()]));
  for (const start of starts) {
    for (const t of tiers) (byTier.get(t) as Set<number>).add(bucketStart(start, TIER_MS[t]));
  }
  const buckets: FedBucket[] = [];
  for (const [t, set] of byTier) {
    for (const start of [...set].sort((a, b) => a - b)) buckets.push({ tier: t, start });
  }
  return buckets;
}
