/**
 * Reading back what an adapter test stored: request counts per "METHOD route status_class".
 * @module
 */
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

/** Totals of the stored request windows, keyed `METHOD route status_class`. */
export async function storedRequestCounts(store: Store): Promise<Map<string, { count: number; sum: number; min: number; max: number }>> {
  const series = await store.listSeries(HTTP_DURATION_METRIC);
  const windows = await store.readWindows('1m', series.map((s) => s.id), 0, Date.now() + 3_600_000);
  const keyOf = new Map(series.map((s) => [s.id, `${s.labels.method} ${s.labels.route} ${s.labels.status_class}`]));
  const totals = new Map<string, { count: number; sum: number; min: number; max: number }>();
  for (const w of windows) {
    const key = keyOf.get(w.seriesId) as string;
    const t = totals.get(key) ?? { count: 0, sum: 0, min: Infinity, max: 0 };
    t.count += w.count;
    t.sum += w.sum;
    t.min = Math.min(t.min, w.min);
    t.max = Math.max(t.max, w.max);
    totals.set(key, t);
  }
  return totals;
}

/** Opens the SQLite file at `path`, reads its request totals (as `storedRequestCounts`) and closes it. */
export async function storedRequestCountsIn(path: string): Promise<Map<string, { count: number; sum: number; min: number; max: number }>> {
  const store = createSqliteStore({ path });
  try {
    return await storedRequestCounts(store);
  } finally {
    await store.close();
  }
}
