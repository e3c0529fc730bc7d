/**
 * Checks every store runs before it touches its storage: the store is open, the tier is known,
 * every window of a batch is well formed, times are numbers. A store that validates the whole batch first and
 * only then writes can promise that a rejected batch writes nothing.
 * @module
 */
import { VelocityError, invalidParameter } from '../errors.js';
import { seriesKey } from '../model/labels.js';
import { ROLLUP_TIERS, type RollupTier } from '../model/rollup.js';
import { TIER_MS, type SeriesDescriptor, type Tier, type Window } from '../model/window.js';
import { STATUS_COUNTS_LENGTH } from './store.js';

const kinds: ReadonlySet<string> = new Set(['distribution', 'counter', 'gauge']);

/** Throws a CLOSED error when `closed` is true: every store method but `close` checks this first. */
export function assertOpen(closed: boolean): void {
  if (closed) throw new VelocityError('CLOSED', 'the store is closed');
}

/** Throws an INVALID_PARAMETER error unless `tier` is one of the tiers (`1m`, `1h`, `1d`). */
export function assertTier(tier: Tier): void {
  if (typeof tier !== 'string' || !Object.hasOwn(TIER_MS, tier)) {
    throw invalidParameter('tier', `"${String(tier)}" is not a tier (use 1m, 1h or 1d)`);
  }
}

/** Throws an INVALID_PARAMETER error unless `tier` is a rolled tier (`1h`, `1d`). */
export function assertRollupTier(tier: RollupTier): void {
  if (!(ROLLUP_TIERS as readonly unknown[]).includes(tier)) {
    throw invalidParameter('tier', `"${String(tier)}" is not a rolled tier (use 1h or 1d)`);
  }
}

/**
 * Throws an INVALID_PARAMETER error naming `param` unless `timeMs` is a bucket boundary of
 * rolled tier `tier`: a safe integer multiple of its width (UTC-aligned epoch ms).
 */
export function assertBoundary(tier: RollupTier, param: string, timeMs: number): void {
  assertRollupTier(tier);
  if (!Number.isSafeInteger(timeMs) || timeMs % TIER_MS[tier] !== 0) {
    throw invalidParameter(param, `must be an integer multiple of ${TIER_MS[tier]} ms for tier ${tier} (got ${String(timeMs)})`);
  }
}

/** Throws an INVALID_PARAMETER error naming `param` unless `timeMs` is a number other than NaN. */
export function assertTime(param: string, timeMs: number): void {
  if (typeof timeMs !== 'number' || Number.isNaN(timeMs)) {
    throw invalidParameter(param, `must be epoch milliseconds (got ${String(timeMs)})`);
  }
}

/** Throws an INVALID_PARAMETER error naming `param` (default `batchSize`) unless `batchSize` is a positive integer. */
export function assertBatchSize(batchSize: number, param = 'batchSize'): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw invalidParameter(param, `must be a positive integer (got ${String(batchSize)})`);
  }
}

/**
 * Throws an INVALID_PARAMETER error, naming the first offending window and field, unless every
 * window of the batch can be stored in `tier`: `start` an integer multiple of the tier's width
 * (UTC-aligned epoch ms); `count` a finite number ≥ 0; `sum`, `min`, `max` finite; `last`,
 * `p50`, `p95`, `p99` null or finite; `sketch` null or a Uint8Array; `statusCounts` absent,
 * null or an array of exactly STATUS_COUNTS_LENGTH safe integers ≥ 0; and a series whose `kind`
 * is known and whose `key` is `seriesKey(metric, labels)`. Stores call it before writing
 * anything, so a batch that fails it is rejected whole.
 */
export function validateWindows(tier: Tier, windows: readonly Window[]): void {
  assertTier(tier);
  if (!Array.isArray(windows)) throw invalidParameter('windows', 'must be an array of windows');
  const widthMs = TIER_MS[tier];
  // Windows of one series share one descriptor object, so each is checked once per batch
  // rather than rebuilding its key for every window.
  const checked = new Set<SeriesDescriptor>();
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i];
    if (w === null || typeof w !== 'object') throw invalidParameter(`windows[${i}]`, 'must be a window');
    if (!Number.isSafeInteger(w.start) || w.start % widthMs !== 0) {
      throw invalidParameter(
        `windows[${i}].start`,
        `must be an integer multiple of ${widthMs} ms for tier ${tier} (got ${String(w.start)})`,
      );
    }
    if (!isFiniteNumber(w.count) || w.count < 0) {
      throw invalidParameter(`windows[${i}].count`, `must be a finite number ≥ 0 (got ${String(w.count)})`);
    }
    // Field by field rather than a loop over their names: a third of the time on large batches.
    assertFinite(i, 'sum', w.sum);
    assertFinite(i, 'min', w.min);
    assertFinite(i, 'max', w.max);
    assertNullOrFinite(i, 'last', w.last);
    assertNullOrFinite(i, 'p50', w.p50);
    assertNullOrFinite(i, 'p95', w.p95);
    assertNullOrFinite(i, 'p99', w.p99);
    if (w.sketch !== null && !(w.sketch instanceof Uint8Array)) {
      throw invalidParameter(`windows[${i}].sketch`, 'must be null or a Uint8Array');
    }
    if (w.statusCounts != null) assertStatusCounts(i, w.statusCounts);
    if (!checked.has(w.series)) {
      checkSeries(`windows[${i}]`, w.series);
      checked.add(w.series);
    }
  }
}

function assertStatusCounts(i: number, counts: unknown): void {
  const fine = Array.isArray(counts) && counts.length === STATUS_COUNTS_LENGTH && counts.every((n) => Number.isSafeInteger(n) && n >= 0);
  if (!fine) {
    throw invalidParameter(`windows[${i}].statusCounts`, `must be null or an array of ${STATUS_COUNTS_LENGTH} integers ≥ 0`);
  }
}

function checkSeries(at: string, series: SeriesDescriptor): void {
  if (series === null || typeof series !== 'object') {
    throw invalidParameter(`${at}.series`, 'must be a series');
  }
  if (typeof series.metric !== 'string' || series.metric === '') {
    throw invalidParameter(`${at}.series.metric`, 'must be a non-empty string');
  }
  if (!kinds.has(series.kind)) {
    const problem = `"${String(series.kind)}" is not distribution, counter or gauge`;
    throw invalidParameter(`${at}.series.kind`, problem);
  }
  if (series.labels === null || typeof series.labels !== 'object') {
    throw invalidParameter(`${at}.series.labels`, 'must be an object of strings');
  }
  for (const value of Object.values(series.labels)) {
    if (typeof value !== 'string') throw invalidParameter(`${at}.series.labels`, 'values must be strings');
  }
  if (series.key !== seriesKey(series.metric, series.labels)) {
    throw invalidParameter(`${at}.series.key`, `"${series.key}" is not the key of its metric and labels`);
  }
}

function assertFinite(i: number, field: string, value: unknown): void {
  if (!isFiniteNumber(value)) {
    throw invalidParameter(`windows[${i}].${field}`, `must be a finite number (got ${String(value)})`);
  }
}

function assertNullOrFinite(i: number, field: string, value: unknown): void {
  if (value !== null && !isFiniteNumber(value)) {
    throw invalidParameter(`windows[${i}].${field}`, `must be null or a finite number (got ${String(value)})`);
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
