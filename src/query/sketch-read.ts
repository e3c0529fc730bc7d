/**
 * Reads the windows of a history query in two passes: first their summaries (no sketches, no
 * object per window), then the sketches of only the windows that share a point (or a group's
 * point) with another window — the only ones whose sketches are merged. A point holding one
 * window takes its precomputed quantiles, so a fine-step query over one series reads no
 * sketch at all.
 * @module
 */
import type { StoredWindow, Tier } from '../model/window.js';
import type { Store, WindowKeys, WindowSummaries } from '../store/store.js';
import { summariesOf } from '../store/window-summaries.js';
import { rowsByPoint } from './point-rows.js';
import { planRead, readSegments, readSummarySegments, type IdsByTier } from './tier-read.js';

/** When more than this share of the windows needs its sketch, reading every sketch in one pass is cheaper. */
const TWO_PASS_MAX_SHARE = 0.5;

/** What the reader needs of a query. */
export interface SketchReadQuery {
  readonly tier: Tier;
  readonly start: number;
  readonly end: number;
  readonly stepMs: number;
}

/** The windows read with their sketches, by series id, then start. */
export type SketchedWindows = ReadonlyMap<number, ReadonlyMap<number, StoredWindow>>;

/** What a history builds its points from. */
export interface PointWindows {
  /** Every window of the query's series and range, in no particular order. */
  readonly rows: WindowSummaries;
  /** The windows whose sketches the points merge. */
  readonly sketched: SketchedWindows;
}

/**
 * The windows over the query's range of the series `idsOf` gives for each tier, with the
 * sketches of those that share their point with another window of the same group (`groupOf`
 * gives each series' group; all one group when it is null). `allSketches` reads every sketch
 * (a query that merges whole groups, such as ordering by p95).
 */
export async function readForPoints(
  store: Store,
  query: SketchReadQuery,
  idsOf: IdsByTier,
  groupOf: ReadonlyMap<number, number> | null,
  allSketches: boolean,
): Promise<PointWindows> {
  const segments = (await planRead(store, query.tier, query.start, query.end)).filter((s) => idsOf(s.tier).length > 0);
  if (allSketches) {
    const windows = await readSegments(store, segments, idsOf, { withSketch: true });
    return { rows: summariesOf(windows), sketched: indexWindows(windows) };
  }
  const rows = await readSummarySegments(store, segments, idsOf);
  const only = windowsToMerge(rows, query, groupOf);
  const windows = only.starts.length;
  if (windows === 0) return { rows, sketched: new Map() };
  const options = windows > rows.start.length * TWO_PASS_MAX_SHARE ? { withSketch: true } : { only };
  return { rows, sketched: indexWindows(await readSegments(store, segments, idsOf, options)) };
}

/** The keys of the windows that share their point, and their group, with another window. */
export function windowsToMerge(
  rows: WindowSummaries,
  query: SketchReadQuery,
  groupOf: ReadonlyMap<number, number> | null,
): WindowKeys {
  const pointCount = Math.ceil((query.end - query.start) / query.stepMs);
  const { offsets, order } = rowsByPoint(rows.start, null, query.start, query.stepMs, pointCount);
  const keys: { seriesIds: number[]; starts: number[] } = { seriesIds: [], starts: [] };
  // Each row's group (0 without groups), then, point by point, the windows of each group.
  const groupOfRow = new Int32Array(rows.seriesId.length);
  let groups = 1;
  if (groupOf !== null) {
    for (let row = 0; row < groupOfRow.length; row++) {
      const group = groupOf.get(rows.seriesId[row]) ?? 0;
      groupOfRow[row] = group;
      if (group >= groups) groups = group + 1;
    }
  }
  const perGroup = new Int32Array(groups);
  for (let p = 0; p < pointCount; p++) {
    const from = offsets[p];
    const to = offsets[p + 1];
    if (to - from < 2) continue;
    for (let k = from; k < to; k++) perGroup[groupOfRow[order[k]]]++;
    for (let k = from; k < to; k++) {
      const row = order[k];
      if (perGroup[groupOfRow[row]] < 2) continue;
      keys.seriesIds.push(rows.seriesId[row]);
      keys.starts.push(rows.start[row]);
    }
    for (let k = from; k < to; k++) perGroup[groupOfRow[order[k]]] = 0;
  }
  return keys;
}

/** `windows` by series id, then start. */
function indexWindows(windows: readonly StoredWindow[]): SketchedWindows {
  const bySeries = new Map<number, Map<number, StoredWindow>>();
  for (const w of windows) {
    let byStart = bySeries.get(w.seriesId);
    if (byStart === undefined) {
      byStart = new Map();
      bySeries.set(w.seriesId, byStart);
    }
    byStart.set(w.start, w);
  }
  return bySeries;
}
