/**
 * Building `WindowSummaries`, the column-per-field form of windows that history points are
 * built from: from window objects (the memory store, reads that also need sketches) and by
 * joining the reads of several tiers.
 * @module
 */
import type { StoredWindow } from '../model/window.js';
import { STATUS_COUNTS_LENGTH, type WindowKeys, type WindowSummaries } from './store.js';

/** Mutable columns, filled row by row. */
type SummaryColumns = { -readonly [K in keyof WindowSummaries]: Array<WindowSummaries[K][number]> };

/**
 * Makes flat status counts, which stay empty until a row has some, ready for row `row`'s: if
 * they are still empty, zeros for every row before it.
 */
export function beginStatusCounts(flat: number[], row: number): void {
  if (flat.length === 0) for (let i = 0; i < row * STATUS_COUNTS_LENGTH; i++) flat.push(0);
}

/** Appends row `row`'s status counts (null: none) to flat status counts (see `beginStatusCounts`). */
export function pushStatusCounts(flat: number[], row: number, counts: readonly number[] | null): void {
  if (counts === null) {
    if (flat.length > 0) for (let i = 0; i < STATUS_COUNTS_LENGTH; i++) flat.push(0);
    return;
  }
  beginStatusCounts(flat, row);
  for (let i = 0; i < STATUS_COUNTS_LENGTH; i++) flat.push(counts[i]);
}

/** Summaries of no window. */
export function emptySummaries(): WindowSummaries {
  return { seriesId: [], start: [], count: [], minUs: [], maxUs: [], p50Us: [], p95Us: [], p99Us: [], statusCounts: [] };
}

/** `ms` in whole microseconds (half rounds up); null stays null. */
export function toMicros(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 1000);
}

/** The summaries of `windows`, in their order. */
export function summariesOf(windows: Iterable<StoredWindow>): WindowSummaries {
  const columns = emptySummaries() as SummaryColumns;
  for (const w of windows) {
    columns.seriesId.push(w.seriesId);
    columns.start.push(w.start);
    columns.count.push(w.count);
    columns.minUs.push(toMicros(w.min));
    columns.maxUs.push(toMicros(w.max));
    columns.p50Us.push(toMicros(w.p50));
    columns.p95Us.push(toMicros(w.p95));
    columns.p99Us.push(toMicros(w.p99));
    pushStatusCounts(columns.statusCounts, columns.start.length - 1, w.statusCounts);
  }
  return columns;
}

/** The rows of every part, one part after another. */
export function concatSummaries(parts: readonly WindowSummaries[]): WindowSummaries {
  if (parts.length === 1) return parts[0];
  const columns = emptySummaries() as SummaryColumns;
  for (const key of Object.keys(columns) as Array<keyof SummaryColumns>) {
    if (key !== 'statusCounts') (columns[key] as unknown[]) = parts.flatMap((part) => part[key] as readonly unknown[]);
  }
  if (parts.some((part) => part.statusCounts.length > 0)) {
    columns.statusCounts = parts.flatMap((part) =>
      part.statusCounts.length > 0 ? part.statusCounts : new Array<number>(part.start.length * STATUS_COUNTS_LENGTH).fill(0),
    );
  }
  return columns;
}

/** The keys of `keys` whose series is one of `seriesIds` and whose start lies in [fromMs, toMs). */
export function keysWithin(keys: WindowKeys, seriesIds: readonly number[], fromMs: number, toMs: number): WindowKeys {
  const wanted = new Set(seriesIds);
  const within: { seriesIds: number[]; starts: number[] } = { seriesIds: [], starts: [] };
  for (let i = 0; i < keys.seriesIds.length; i++) {
    const start = keys.starts[i];
    if (start >= fromMs && start < toMs && wanted.has(keys.seriesIds[i])) {
      within.seriesIds.push(keys.seriesIds[i]);
      within.starts.push(start);
    }
  }
  return within;
}
