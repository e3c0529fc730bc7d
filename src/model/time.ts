/**
 * UTC time buckets and the parsing of user-supplied times (ISO-8601 or unix seconds).
 * All times inside Velocity are epoch milliseconds.
 * @module
 */
import { VelocityError } from '../errors.js';

/** The start of the UTC-aligned bucket of `stepMs` that contains `timeMs`. */
export function bucketStart(timeMs: number, stepMs: number): number {
  return Math.floor(timeMs / stepMs) * stepMs;
}

const isoPattern = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a time given as ISO-8601 (`2026-11-20T14:05:00Z`; no offset means UTC) or as unix
 * seconds (`1763647500`, fractions allowed) to epoch milliseconds. Throws an INVALID_TIME
 * error naming `param` for anything else, including negative times.
 */
export function parseTime(value: string, param = 'time'): number {
  const text = value.trim();
  if (/^-/.test(text)) {
    throw new VelocityError('INVALID_TIME', `${param}: must not be negative (got "${value}")`, param);
  }
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (isoPattern.test(text)) {
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
    const ms = Date.parse(hasZone ? text : text.length === 10 ? `${text}T00:00:00Z` : `${text}Z`);
    if (Number.isFinite(ms)) return ms;
  }
  throw new VelocityError(
    'INVALID_TIME',
    `${param}: "${value}" is not a time (use ISO-8601 like 2026-11-20T14:05:00Z, or unix seconds)`,
    param,
  );
}

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
// The date part of the day formatted last: a history formats thousands of times of a few days,
// and Date#toISOString costs about ten times what composing the time of day from tables does.
let cachedDayStart = NaN;
let cachedDayPrefix = '';

/** Formats epoch milliseconds as an ISO-8601 UTC string, as `Date#toISOString` does. */
export function formatTime(ms: number): string {
  let sinceDay = ms - cachedDayStart;
  if (!(sinceDay >= 0 && sinceDay < DAY_MS && Number.isInteger(ms))) {
    if (!Number.isInteger(ms)) return new Date(ms).toISOString();
    const iso = new Date(ms).toISOString();
    // Years beyond 9999 or before 0 are written with a sign and six digits: no cache for those.
    if (iso.length !== 24) return iso;
    cachedDayStart = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
    cachedDayPrefix = iso.slice(0, 11);
    sinceDay = ms - cachedDayStart;
  }
  const seconds = Math.floor(sinceDay / 1000);
  return (
    cachedDayPrefix +
    TWO_DIGITS[Math.floor(seconds / 3600)] +
    ':' +
    TWO_DIGITS[Math.floor(seconds / 60) % 60] +
    ':' +
    TWO_DIGITS[seconds % 60] +
    '.' +
    THREE_DIGITS[sinceDay % 1000] +
    'Z'
  );
}
