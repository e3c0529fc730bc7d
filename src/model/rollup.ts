/**
 * The rolled tiers and what a roll-up does to a series: 1h windows are merged from 1m ones,
 * 1d windows from 1h ones, and both fold the `instance` label away, so that one rolled series
 * stands for every instance (every restart) of one label set.
 * @module
 */
import { seriesKey, type Labels } from './labels.js';
import type { SeriesDescriptor, Tier, WindowKind } from './window.js';

/** A tier whose windows are rolled up from the tier below rather than recorded. */
export type RollupTier = '1h' | '1d';

/** The rolled tiers, in the order a roll-up fills them (1d is merged from 1h). */
export const ROLLUP_TIERS: readonly RollupTier[] = ['1h', '1d'];

/** The tier each rolled tier is merged from. */
export const ROLLUP_SOURCE: Readonly<Record<RollupTier, Tier>> = { '1h': '1m', '1d': '1h' };

/**
 * Labels a roll-up drops. `instance` is `hostname:pid` by default, new with every restart:
 * kept, it would multiply the rolled series by the restarts of the retention period, while
 * the per-instance detail stays available in the 1m tier for as long as 1m is kept.
 */
export const FOLDED_LABELS: readonly string[] = ['instance'];

/**
 * The label set of the rolled series that a series with `labels` is merged into: the same
 * labels without those in FOLDED_LABELS. The query side uses it to find the 1h and 1d series
 * that correspond to 1m ones.
 * @example rollupLabels({ route: '/a', instance: 'web-1:42' }) // { route: '/a' }
 */
export function rollupLabels(labels: Labels): Labels {
  const rolled: Record<string, string> = {};
  for (const name of Object.keys(labels)) {
    if (!FOLDED_LABELS.includes(name)) rolled[name] = labels[name];
  }
  return rolled;
}

/** The rolled series (1h, 1d) that windows of the series `metric`/`kind`/`labels` are merged into. */
export function rollupSeries(metric: string, kind: WindowKind, labels: Labels): SeriesDescriptor {
  const rolled = rollupLabels(labels);
  return { key: seriesKey(metric, rolled), metric, kind, labels: rolled };
}

/**
 * The rolled tiers whose buckets a window of `tier` feeds, directly or through the tier
 * between: what writing windows of `tier` can make stale (1m feeds 1h and 1d, 1h feeds 1d).
 */
export function tiersFedBy(tier: Tier): RollupTier[] {
  return tier === '1m' ? ['1h', '1d'] : tier === '1h' ? ['1d'] : [];
}
