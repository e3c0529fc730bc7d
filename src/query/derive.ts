/**
 * Derived numbers: rates, error ratios and the status-class counts a point carries, computed
 * from counts at read time, never averaged.
 * @module
 */
import { STATUS_CLASSES, TIMEOUT_CLASS } from '../collect/http.js';

/** Requests per second of `count` requests over `spanMs`, rounded to 3 decimals. */
export function ratePerSecond(count: number, spanMs: number): number {
  return spanMs > 0 ? round(count / (spanMs / 1000), 3) : 0;
}

/** Error rate in percent: (5xx + timeout) / all, from per-class counts; 0 when there were none. */
export function errorRatePct(classCounts: ArrayLike<number>, offset = 0): number {
  let total = 0;
  for (let i = 0; i < STATUS_CLASSES.length; i++) total += classCounts[offset + i];
  if (total === 0) return 0;
  const errors = classCounts[offset + 4] + classCounts[offset + TIMEOUT_CLASS];
  return round((errors / total) * 100, 3);
}

const POWERS_OF_TEN = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

/** `value` rounded to `digits` decimals (0–6); null stays null. */
export function round(value: number, digits: number): number;
export function round(value: number | null, digits: number): number | null;
export function round(value: number | null, digits: number): number | null {
  if (value === null) return null;
  const factor = POWERS_OF_TEN[digits] ?? 10 ** digits;
  return Math.round(value * factor) / factor;
}
