/**
 * The checks every store runs on contract C's rows before writing them, and the one rule for
 * a batch holding a key twice (the later row wins), so that every store writes the same rows.
 * @module
 */
import { invalidParameter } from '../errors.js';
import type { RollupTier } from '../model/rollup.js';
import { TIER_MS } from '../model/window.js';
import type { PlatformAggregate } from './store.js';
import { assertRollupTier } from './validate-windows.js';

// Years 1 to 9999: the buckets every store can write as a date (and SQLite as plain text).
const FIRST_BUCKET_MS = Date.parse('0001-01-01T00:00:00Z');
const END_BUCKET_MS = Date.parse('9999-12-31T00:00:00Z') + TIER_MS['1d'];

const COUNTS = ['requestCount', 'successCount', 'errorCount', 'error4xxCount', 'error5xxCount', 'timeoutCount'] as const;

/**
 * Throws INVALID_PARAMETER, naming the first offending row and field, unless `tier` is a
 * rolled tier and every row fits it: `bucketStart` an integer multiple of the tier's width in
 * the years 1 to 9999; `platform` a non-empty string; the counts whole numbers ≥ 0 with
 * `successCount + errorCount = requestCount` and the 4xx, 5xx and timeout counts adding up to
 * at most `errorCount`; `avgLatencyMs` and `p99LatencyMs` null or finite; `errorRate` within
 * 0–100; `computedAt` whole epoch milliseconds in the years 1 to 9999.
 */
export function validatePlatformAggregates(tier: RollupTier, rows: readonly PlatformAggregate[]): void {
  assertRollupTier(tier);
  if (!Array.isArray(rows)) throw invalidParameter('rows', 'must be an array of platform aggregates');
  const widthMs = TIER_MS[tier];
  rows.forEach((row, i) => {
    const at = `rows[${i}]`;
    if (row === null || typeof row !== 'object') throw invalidParameter(at, 'must be a platform aggregate');
    if (!Number.isSafeInteger(row.bucketStart) || row.bucketStart % widthMs !== 0) {
      throw invalidParameter(`${at}.bucketStart`, `must be an integer multiple of ${widthMs} ms for tier ${tier} (got ${String(row.bucketStart)})`);
    }
    if (row.bucketStart < FIRST_BUCKET_MS || row.bucketStart >= END_BUCKET_MS) {
      throw invalidParameter(`${at}.bucketStart`, `must lie in the years 1 to 9999 (got ${row.bucketStart})`);
    }
    if (typeof row.platform !== 'string' || row.platform === '') {
      throw invalidParameter(`${at}.platform`, 'must be a non-empty string');
    }
    for (const field of COUNTS) {
      if (!Number.isSafeInteger(row[field]) || row[field] < 0) {
        throw invalidParameter(`${at}.${field}`, `must be a whole number ≥ 0 (got ${String(row[field])})`);
      }
    }
    if (row.successCount + row.errorCount !== row.requestCount) {
      throw invalidParameter(`${at}.errorCount`, 'successCount + errorCount must equal requestCount');
    }
    if (row.error4xxCount + row.error5xxCount + row.timeoutCount > row.errorCount) {
      throw invalidParameter(`${at}.errorCount`, 'must be at least error4xxCount + error5xxCount + timeoutCount');
    }
    for (const field of ['avgLatencyMs', 'p99LatencyMs'] as const) {
      const value = row[field];
      if (value !== null && !(typeof value === 'number' && Number.isFinite(value))) {
        throw invalidParameter(`${at}.${field}`, `must be null or a finite number (got ${String(value)})`);
      }
    }
    if (!(row.errorRate >= 0 && row.errorRate <= 100)) {
      throw invalidParameter(`${at}.errorRate`, `must be a percentage from 0 to 100 (got ${String(row.errorRate)})`);
    }
    if (!Number.isSafeInteger(row.computedAt) || row.computedAt < FIRST_BUCKET_MS || row.computedAt >= END_BUCKET_MS) {
      throw invalidParameter(`${at}.computedAt`, `must be epoch milliseconds in the years 1 to 9999 (got ${String(row.computedAt)})`);
    }
  });
}

/** `rows` with one row per (bucketStart, platform): of rows sharing a key, the later, in the earlier's place. */
export function lastRowPerKey(rows: readonly PlatformAggregate[]): PlatformAggregate[] {
  const byKey = new Map<string, PlatformAggregate>();
  for (const row of rows) byKey.set(`${row.bucketStart} ${row.platform}`, row);
  return [...byKey.values()];
}
