/**
 * Duration strings such as `30s`, `5m`, `14d`, `250ms`, `2w`, parsed to milliseconds.
 * @module
 */
import { VelocityError } from '../errors.js';

/** Milliseconds in one second, minute, hour, day and week. */
export const SECOND_MS = 1_000;
/** Milliseconds in one minute. */
export const MINUTE_MS = 60 * SECOND_MS;
/** Milliseconds in one hour. */
export const HOUR_MS = 60 * MINUTE_MS;
/** Milliseconds in one day. */
export const DAY_MS = 24 * HOUR_MS;
/** Milliseconds in one week. */
export const WEEK_MS = 7 * DAY_MS;

const unitMs: Record<string, number> = {
  ms: 1,
  s: SECOND_MS,
  m: MINUTE_MS,
  h: HOUR_MS,
  d: DAY_MS,
  w: WEEK_MS,
  y: 365 * DAY_MS,
};

const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/;

/**
 * Parses a duration string (`30s`, `14d`, `1.5h`) or a plain number of milliseconds to
 * milliseconds. Throws an INVALID_DURATION error naming `name` for anything else.
 * @example parseDuration('30s') // 30000
 */
export function parseDuration(value: string | number, name = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text);
    const match = durationPattern.exec(text);
    if (match) return Math.round(Number(match[1]) * unitMs[match[2]]);
  }
  throw new VelocityError(
    'INVALID_DURATION',
    `${name}: "${value}" is not a duration (use e.g. 500ms, 30s, 5m, 1h, 14d, 2w)`,
    name,
  );
}

/** Formats milliseconds as the shortest exact duration string, e.g. 3600000 → `1h`. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms >= unitMs[unit] && ms % unitMs[unit] === 0) return `${ms / unitMs[unit]}${unit}`;
  }
  return `${ms}ms`;
}
