/**
 * Turning the PostgreSQL store's `readSummaries` text (eight comma-separated numbers per
 * window) into `WindowSummaries`: one JSON.parse of the whole text, then one pass that deals
 * the numbers out to their columns.
 * @module
 */
import type { WindowSummaries } from '../store.js';
import { emptySummaries } from '../window-summaries.js';

/** Numbers per window in the text, in the order of `WindowSummaries`' fields. */
const FIELDS = 8;

/** The summaries in `csv` (null: no window). Throws if the text is not whole windows of numbers. */
export function summariesFromCsv(csv: string | null): WindowSummaries {
  if (csv === null || csv === '') return emptySummaries();
  const flat = JSON.parse(`[${csv}]`) as Array<number | null>;
  if (flat.length % FIELDS !== 0) throw new Error(`window summaries: ${flat.length} numbers is not a multiple of ${FIELDS}`);
  const n = flat.length / FIELDS;
  const columns = Array.from({ length: FIELDS }, () => new Array<number | null>(n));
  for (let row = 0, at = 0; row < n; row++) {
    for (let field = 0; field < FIELDS; field++) columns[field][row] = flat[at++];
  }
  const [seriesId, start, count, minUs, maxUs, p50Us, p95Us, p99Us] = columns as never[];
  return { seriesId, start, count, minUs, maxUs, p50Us, p95Us, p99Us };
}
