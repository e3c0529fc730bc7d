/**
 * Grouping windows read in no particular order by the point their start falls in: a counting
 * sort over point numbers, linear in the windows and the points.
 * @module
 */

/** Rows by point: the rows of point p are `order[offsets[p]]` up to `order[offsets[p + 1]]` (exclusive). */
export interface RowsByPoint {
  readonly offsets: Int32Array;
  readonly order: Int32Array;
}

/**
 * The rows (indexes into `starts`, or only those listed in `subset`) of each of `pointCount`
 * points of `stepMs` from `start`, each point's rows in the order they were given. Rows that
 * fall outside the points are left out.
 */
export function rowsByPoint(
  starts: readonly number[],
  subset: readonly number[] | null,
  start: number,
  stepMs: number,
  pointCount: number,
): RowsByPoint {
  const n = subset === null ? starts.length : subset.length;
  const pointOf = new Int32Array(n);
  const offsets = new Int32Array(pointCount + 1);
  for (let k = 0; k < n; k++) {
    const row = subset === null ? k : subset[k];
    const p = Math.floor((starts[row] - start) / stepMs);
    if (p >= 0 && p < pointCount) {
      pointOf[k] = p;
      offsets[p + 1]++;
    } else {
      pointOf[k] = -1;
    }
  }
  for (let p = 0; p < pointCount; p++) offsets[p + 1] += offsets[p];
  const order = new Int32Array(offsets[pointCount]);
  const next = offsets.slice(0, pointCount);
  for (let k = 0; k < n; k++) {
    const p = pointOf[k];
    if (p >= 0) order[next[p]++] = subset === null ? k : subset[k];
  }
  return { offsets, order };
}
