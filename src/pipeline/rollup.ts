/**
 * The roll-up job: merges 1m windows into 1h ones and 1h windows into 1d ones, folding the
 * `instance` label away, driven by each tier's watermark and dirty buckets in the store.
 * Planning is a pure function of (now, what the store says, settings); executing the plan is
 * separate, so edge cases test with a fixed clock.
 *
 * Per tier, 1h first (1d is merged from it): claim the complete buckets after the watermark
 * (`Store.claimRollup`, so late writes into them mark them dirty), list the series once, then
 * roll one bucket at a time, in chunks of series: the dirty buckets, then the new ones from
 * the watermark on, skipping empty stretches and moving the watermark past each bucket once
 * its windows are written. Writes are idempotent upserts keyed by (series, bucket), so
 * rolling a bucket again replaces what an earlier roll wrote. Right after a bucket's windows,
 * contract C's per-platform rows of the bucket are computed from them and upserted, keyed by
 * (bucket, platform): rolling a bucket again computes them again. With each chunk's windows
 * go the route totals of its request series (`route-totals.ts`): a chunk holds every status
 * class of the routes in it, and the totals are computed at each tier from its class
 * windows, never rolled themselves.
 * @module
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MINUTE_MS } from '../model/duration.js';
import { mergeWindows } from '../model/merge-windows.js';
import { ROLLUP_SOURCE, ROLLUP_TIERS, rollupSeries, type RollupTier } from '../model/rollup.js';
import { bucketStart } from '../model/time.js';
import { TIER_MS, type SeriesDescriptor, type StoredWindow, type Window } from '../model/window.js';
import type { DirtyBucket, SeriesRecord, Store } from '../store/store.js';
import { PlatformAggregator } from './platform-aggregates.js';
import { ROUTE_TOTALS_METRIC, routeGroupKey, routeTotals } from './route-totals.js';

/**
 * How long after a bucket ends it is first rolled: windows are sealed at each minute and
 * flushed every 30 s, so by then the bucket's windows are in the store. Later ones mark it
 * dirty and it is rolled again.
 */
export const ROLLUP_GRACE_MS = 2 * MINUTE_MS;

/** How often the roll-up runs (after a flush, once this much has passed since its last run). */
export const ROLLUP_INTERVAL_MS = 5 * MINUTE_MS;

/** Most dirty buckets per tier one run rolls again; the rest wait for the next run. */
export const ROLLUP_DIRTY_LIMIT = 1_000;

/**
 * About how many source windows one read holds: a bucket's series are read and merged in
 * chunks of this many windows (500 series of an hour, 1,250 of a day), so memory stays bounded
 * however many series there are.
 */
export const ROLLUP_CHUNK_WINDOWS = 30_000;

/** What the roll-up needs to know of the configuration, in milliseconds. */
export interface RollupSettings {
  /** How long 1m windows are kept: older dirty hours are not rolled again (their minutes may be gone). */
  readonly retention1mMs: number;
  /** How long 1h windows are kept: older dirty days are not rolled again. */
  readonly retention1hMs: number;
  /** Default ROLLUP_GRACE_MS. */
  readonly graceMs?: number;
}

/** What the plan of one tier is made from, as read from the store (`readRollupInputs`). */
export interface RollupInputs {
  /** The tier's watermark. */
  readonly watermark: number | null;
  /** The start of the earliest window of the source tier; read only while the watermark is null. */
  readonly firstSourceStart: number | null;
  /** For 1d, the 1h watermark: a day is complete in 1h once it ends before it. Null for 1h. */
  readonly sourceWatermark: number | null;
  /** The tier's dirty buckets, oldest first. */
  readonly dirty: readonly DirtyBucket[];
}

/** The work of one tier in one run. */
export interface RollupPlan {
  readonly tier: RollupTier;
  /**
   * New buckets to roll, [from, to): from the watermark (or the first source window) to the
   * end of the last complete bucket. Empty when `from === to`.
   */
  readonly from: number;
  readonly to: number;
  /** Dirty buckets to roll again, oldest first. */
  readonly dirty: readonly DirtyBucket[];
  /**
   * Dirty buckets older than the source tier's retention: retention may have deleted part
   * of their source, so rolling them again would lose data. Their marks are cleared.
   */
  readonly expired: readonly DirtyBucket[];
}

/**
 * The roll-up of `tier` due at `nowMs`. A bucket is complete once it ends `graceMs` before
 * now, and, for 1d, once it ends before the 1h watermark. Dirty buckets at or after `to` wait.
 * @example planRollup('1h', now, { watermark: null, firstSourceStart: t, sourceWatermark: null, dirty: [] }, settings)
 */
export function planRollup(tier: RollupTier, nowMs: number, inputs: RollupInputs, settings: RollupSettings): RollupPlan {
  const width = TIER_MS[tier];
  const graceMs = settings.graceMs ?? ROLLUP_GRACE_MS;
  const completeBefore =
    tier === '1h' ? nowMs - graceMs : Math.min(nowMs - graceMs, inputs.sourceWatermark ?? Number.NEGATIVE_INFINITY);
  const lastEnd = Number.isFinite(completeBefore) ? bucketStart(completeBefore, width) : null;
  const first = inputs.firstSourceStart === null ? null : bucketStart(inputs.firstSourceStart, width);
  const from = inputs.watermark ?? first ?? lastEnd ?? 0;
  const to = lastEnd === null ? from : Math.max(from, lastEnd);
  const horizon = nowMs - (tier === '1h' ? settings.retention1mMs : settings.retention1hMs);
  return {
    tier,
    from,
    to,
    dirty: inputs.dirty.filter((b) => b.start >= horizon && b.start < to),
    expired: inputs.dirty.filter((b) => b.start < horizon),
  };
}

/** Reads what `planRollup` needs for `tier` from the store. */
export async function readRollupInputs(store: Store, tier: RollupTier): Promise<RollupInputs> {
  const watermark = await store.getWatermark(tier);
  return {
    watermark,
    firstSourceStart:
      watermark === null ? await store.firstWindowStart(ROLLUP_SOURCE[tier], Number.NEGATIVE_INFINITY) : null,
    sourceWatermark: tier === '1d' ? await store.getWatermark('1h') : null,
    dirty: await store.listDirtyBuckets(tier, ROLLUP_DIRTY_LIMIT),
  };
}

/** What one run did to one tier. */
export interface TierRollupResult {
  readonly tier: RollupTier;
  /** Buckets rolled: new ones holding windows, and dirty ones rolled again. */
  readonly buckets: number;
  /** Windows written to the tier. */
  readonly windows: number;
  /** Dirty buckets cleared without rolling, being older than the source's retention. */
  readonly expired: number;
  /** The tier's watermark after the run. */
  readonly watermark: number | null;
}

/** What one run did, per tier (1h, then 1d). */
export type RollupResult = TierRollupResult[];

/**
 * Carries out `plan`: claims its new buckets, rolls its dirty buckets again (clearing each
 * mark unless it was marked again meanwhile), rolls the new buckets that hold windows, one at
 * a time, moving the watermark past each, and clears the expired marks. Each rolled bucket's
 * platform rows are upserted with `computed_at` = `nowMs`.
 */
export async function executeRollup(store: Store, plan: RollupPlan, nowMs: number): Promise<TierRollupResult> {
  const { tier } = plan;
  const width = TIER_MS[tier];
  const hasWork = plan.to > plan.from || plan.dirty.length > 0;
  if (plan.to > plan.from) await store.claimRollup(tier, plan.to);
  // Listed after the claim: a series registered later wrote into a claimed bucket, marking it.
  const series = hasWork ? await store.listSeries() : [];
  let buckets = 0;
  let windows = 0;
  const rolled = new Set<number>();
  for (const bucket of plan.dirty) {
    windows += await rollBucket(store, tier, bucket.start, series, nowMs);
    await store.clearDirtyBucket(bucket);
    rolled.add(bucket.start);
    buckets++;
  }
  let cursor = plan.from;
  while (cursor < plan.to) {
    const next = await store.firstWindowStart(ROLLUP_SOURCE[tier], cursor);
    if (next === null || next >= plan.to) break;
    const start = bucketStart(next, width);
    if (!rolled.has(start)) {
      windows += await rollBucket(store, tier, start, series, nowMs);
      buckets++;
    }
    cursor = start + width;
    await store.advanceWatermark(tier, cursor);
  }
  if (plan.to > plan.from) await store.advanceWatermark(tier, plan.to);
  for (const bucket of plan.expired) await store.clearDirtyBucket(bucket);
  return { tier, buckets, windows, expired: plan.expired.length, watermark: await store.getWatermark(tier) };
}

/** Plans and executes the roll-up of every tier, 1h first, at `nowMs`. */
export async function runRollup(store: Store, nowMs: number, settings: RollupSettings): Promise<RollupResult> {
  const result: RollupResult = [];
  for (const tier of ROLLUP_TIERS) {
    const plan = planRollup(tier, nowMs, await readRollupInputs(store, tier), settings);
    result.push(await executeRollup(store, plan, nowMs));
  }
  return result;
}

/** One rolled series and the ids of the source series folded into it. */
interface Group {
  readonly series: SeriesDescriptor;
  readonly ids: number[];
}

/**
 * Rolls the bucket of `tier` starting at `start`: reads the source windows of the series
 * active in it, chunk by chunk, merges them per rolled series and writes the results, then
 * upserts the bucket's platform rows computed from them at `nowMs`. Returns how many windows
 * it wrote.
 */
async function rollBucket(
  store: Store,
  tier: RollupTier,
  start: number,
  series: readonly SeriesRecord[],
  nowMs: number,
): Promise<number> {
  const end = start + TIER_MS[tier];
  const source = ROLLUP_SOURCE[tier];
  const groups = new Map<string, Group>();
  // The groups of each route together, so that a chunk holds every status class of a route.
  const routes = new Map<string, Group[]>();
  for (const s of series) {
    // first/last seen span every window of the series, so one outside the bucket has none in it.
    if (s.firstSeen >= end || s.lastSeen < start || s.metric === ROUTE_TOTALS_METRIC) continue;
    const rolled = rollupSeries(s.metric, s.kind, s.labels);
    const group = groups.get(rolled.key);
    if (group !== undefined) {
      group.ids.push(s.id);
      continue;
    }
    const created = { series: rolled, ids: [s.id] };
    groups.set(rolled.key, created);
    const routeKey = routeGroupKey(rolled.metric, rolled.labels);
    const route = routes.get(routeKey);
    if (route === undefined) routes.set(routeKey, [created]);
    else route.push(created);
  }
  const seriesPerChunk = Math.max(1, Math.floor(ROLLUP_CHUNK_WINDOWS / (TIER_MS[tier] / TIER_MS[source])));
  const platforms = new PlatformAggregator(start);
  let written = 0;
  let chunk: Group[] = [];
  let chunkSeries = 0;
  for (const route of routes.values()) {
    for (const group of route) {
      chunk.push(group);
      chunkSeries += group.ids.length;
    }
    if (chunkSeries >= seriesPerChunk) {
      written += await rollChunk(store, tier, start, end, chunk, platforms);
      chunk = [];
      chunkSeries = 0;
    }
  }
  if (chunk.length > 0) written += await rollChunk(store, tier, start, end, chunk, platforms);
  const rows = platforms.rows(nowMs);
  if (rows.length > 0) await store.writePlatformAggregates(tier, rows);
  return written;
}

/**
 * Reads, merges and writes the windows of `groups` in [start, end) with their route totals,
 * and adds them (not the totals) to `platforms`; returns the windows written.
 */
async function rollChunk(
  store: Store,
  tier: RollupTier,
  start: number,
  end: number,
  groups: readonly Group[],
  platforms: PlatformAggregator,
): Promise<number> {
  const groupOf = new Map<number, Group>();
  for (const group of groups) for (const id of group.ids) groupOf.set(id, group);
  const read = await store.readWindows(ROLLUP_SOURCE[tier], [...groupOf.keys()], start, end);
  const byGroup = new Map<Group, StoredWindow[]>();
  for (const w of read) {
    const group = groupOf.get(w.seriesId) as Group;
    const list = byGroup.get(group);
    if (list === undefined) byGroup.set(group, [w]);
    else list.push(w);
  }
  const rolled: Window[] = [];
  for (const [group, windows] of byGroup) {
    rolled.push({ series: group.series, ...mergeWindows(group.series.kind, windows, start) });
  }
  const written = [...rolled, ...routeTotals(rolled, start)];
  if (written.length > 0) await store.writeWindows(tier, written);
  platforms.add(rolled);
  // SQLite and memory stores answer synchronously: let the host's I/O in between chunks.
  await nextTurn();
  return written.length;
}
