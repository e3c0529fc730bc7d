/**
 * Reads the windows of a history query in two passes when that moves fewer bytes: first
 * without sketches, then the sketches of only the windows that share a point (or a group's
 * point) with another window — the only ones whose sketches are merged. A point holding one
 * window takes its precomputed quantiles, so a fine-step query over one series reads no
 * sketch at all.
 * @module
 */
import type { StoredWindow, Tier } from '../model/window.js';
import type { Store } from '../store/store.js';
import { planRead, readSegments } from './tier-read.js';

/** When more than this share of the windows needs its sketch, one pass with every sketch is cheaper. */
const TWO_PASS_MAX_SHARE = 0.5;

/** What the reader needs of a query. */
export interface SketchReadQuery {
  readonly tier: Tier;
  readonly start: number;
  readonly end: number;
  readonly stepMs: number;
}

/**
 * The windows of series `ids` over the query's range, ordered by start, each with its sketch
 * where it shares its point with another window of the same group (`groupOf` gives each
 * series' group; all one group when it is null). `allSketches` forces every sketch (a query
 * that merges whole groups, such as ordering by p95).
 */
export async function readForPoints(
  store: Store,
  query: SketchReadQuery,
  ids: readonly number[],
  groupOf: ReadonlyMap<number, number> | null,
  allSketches: boolean,
): Promise<StoredWindow[]> {
  const segments = await planRead(store, query.tier, query.start, query.end);
  if (allSketches) return readSegments(store, segments, ids, { withSketch: true });
  const bare = await readSegments(store, segments, ids, { withSketch: false });
  const { starts, windows } = startsToMerge(bare, query, groupOf);
  if (windows === 0) return bare;
  if (windows > bare.length * TWO_PASS_MAX_SHARE) return readSegments(store, segments, ids, { withSketch: true });
  const sketched = await readSegments(store, segments, ids, { starts });
  return attachSketches(bare, sketched);
}

/**
 * The starts (ascending, distinct) of the windows that share their point and group with
 * another window, and how many such windows there are. `bare` is ordered by start.
 */
export function startsToMerge(
  bare: readonly StoredWindow[],
  query: SketchReadQuery,
  groupOf: ReadonlyMap<number, number> | null,
): { starts: number[]; windows: number } {
  const starts: number[] = [];
  let windows = 0;
  const perGroup = new Map<number, number>();
  let i = 0;
  while (i < bare.length) {
    // The windows of one point are contiguous: [i, j).
    const point = Math.floor((bare[i].start - query.start) / query.stepMs);
    let j = i;
    perGroup.clear();
    while (j < bare.length && Math.floor((bare[j].start - query.start) / query.stepMs) === point) {
      const group = groupOf?.get(bare[j].seriesId) ?? 0;
      perGroup.set(group, (perGroup.get(group) ?? 0) + 1);
      j++;
    }
    for (let k = i; k < j; k++) {
      if ((perGroup.get(groupOf?.get(bare[k].seriesId) ?? 0) ?? 0) < 2) continue;
      windows++;
      if (starts.length === 0 || starts[starts.length - 1] !== bare[k].start) starts.push(bare[k].start);
    }
    i = j;
  }
  return { starts, windows };
}

/**
 * `bare` with the sketch of every window that `sketched` holds; both are ordered by start, then
 * series. A window written between the two reads is in `sketched` only, and is passed over.
 */
function attachSketches(bare: readonly StoredWindow[], sketched: readonly StoredWindow[]): StoredWindow[] {
  const windows = bare.slice();
  let j = 0;
  for (let i = 0; i < windows.length && j < sketched.length; i++) {
    const w = windows[i];
    while (j < sketched.length && (sketched[j].start < w.start || (sketched[j].start === w.start && sketched[j].seriesId < w.seriesId))) j++;
    if (j < sketched.length && sketched[j].start === w.start && sketched[j].seriesId === w.seriesId) windows[i] = sketched[j++];
  }
  return windows;
}
