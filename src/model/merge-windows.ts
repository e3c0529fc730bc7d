/**
 * The exact merge of windows into one window of a coarser bucket: what a roll-up computes.
 * @module
 */
import { Sketch } from './sketch.js';
import { distributionValues, type WindowKind, type WindowValues } from './window.js';

/**
 * Merges `windows` (one kind, any series, any starts) into the values of one window starting
 * at `start`. Counts and sums add up, min and max are kept. Distributions merge their
 * sketches and read p50/p95/p99 and the encoding from the merged sketch; a sketch that does
 * not decode is left out of the quantiles (its count and sum still add up), so one corrupt
 * row cannot stop every roll-up after it. Gauges keep the `last` of the newest window (of
 * windows with the same start, the later in `windows`). Status counts add up class by class
 * when any window has them. Throws on an empty list.
 * @example mergeWindows('counter', minutesOfAnHour, hourStart).sum // the hour's increase
 */
export function mergeWindows(kind: WindowKind, windows: readonly WindowValues[], start: number): WindowValues {
  if (windows.length === 0) throw new RangeError('mergeWindows needs at least one window');
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let newest = windows[0];
  for (const w of windows) {
    count += w.count;
    sum += w.sum;
    if (w.min < min) min = w.min;
    if (w.max > max) max = w.max;
    if (w.start >= newest.start) newest = w;
  }
  const statusCounts = addStatusCounts(windows);
  const merged = { start, count, sum, min, max, last: null, p50: null, p95: null, p99: null, sketch: null, statusCounts };
  if (kind === 'gauge') return { ...merged, last: newest.last };
  if (kind !== 'distribution' || !windows.some((w) => w.sketch !== null)) return merged;
  const { p50, p95, p99, sketch } = distributionValues(mergeSketches(windows), start);
  return { ...merged, p50, p95, p99, sketch };
}

/** The class-by-class sum of the windows' status counts; null when none has any. */
function addStatusCounts(windows: readonly WindowValues[]): number[] | null {
  let total: number[] | null = null;
  for (const w of windows) {
    const counts = w.statusCounts;
    if (counts == null) continue;
    total ??= [];
    for (let i = 0; i < counts.length; i++) total[i] = (total[i] ?? 0) + counts[i];
  }
  return total;
}

/** The merge of every window's sketch; on a corrupt one, again without the sketches that do not decode. */
function mergeSketches(windows: readonly WindowValues[]): Sketch {
  const merged = new Sketch();
  try {
    for (const w of windows) if (w.sketch !== null) merged.mergeEncoded(w.sketch, w);
    return merged;
  } catch {
    // mergeEncoded throws only for a corrupt sketch, after merging part of it: start again.
  }
  const clean = new Sketch();
  for (const w of windows) {
    if (w.sketch === null) continue;
    let decoded: Sketch;
    try {
      decoded = Sketch.decode(w.sketch, w);
    } catch {
      continue;
    }
    clean.merge(decoded);
  }
  return clean;
}
