/**
 * The one parser of history-query parameters, shared by the HTTP API and the CLI: it turns
 * raw strings into a validated `HistoryQuery` or throws a VelocityError that names the bad
 * parameter and says what is wrong.
 * @module
 */
import { invalidParameter } from '../errors.js';
import { DAY_MS, MINUTE_MS, parseDuration } from '../model/duration.js';
import { bucketStart, parseTime } from '../model/time.js';

/** Default number of points, and the most a query may ask for. */
export const DEFAULT_LIMIT = 1440;
export const MAX_LIMIT = 10_000;
/** The longest range a query may span at a 1-minute step. */
export const MAX_RANGE_AT_1M_MS = 30 * DAY_MS;
/** The range used when none is given. */
export const DEFAULT_RANGE_MS = DAY_MS;

/** Label filters a history query accepts; each holds one exact value. */
export const FILTER_LABELS = ['route', 'method', 'status_class', 'service', 'instance'] as const;

/** A validated history query. Times in epoch ms; `start` is aligned to `stepMs`. */
export interface HistoryQuery {
  readonly start: number;
  readonly end: number;
  readonly stepMs: number;
  readonly limit: number;
  readonly filters: Readonly<Partial<Record<(typeof FILTER_LABELS)[number], string>>>;
}

/** Raw parameters: a URLSearchParams or a plain record of strings. */
export type RawParams = URLSearchParams | Readonly<Record<string, string | undefined>>;

const KNOWN_PARAMS = new Set<string>(['start', 'end', 'from', 'to', 'step', 'limit', ...FILTER_LABELS]);

function get(params: RawParams, name: string): string | undefined {
  const value = params instanceof URLSearchParams ? params.get(name) : params[name];
  return value === null || value === undefined || value === '' ? undefined : value;
}

function names(params: RawParams): string[] {
  return params instanceof URLSearchParams ? [...params.keys()] : Object.keys(params);
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(text)) throw invalidParameter('limit', `"${text}" is not a whole number`);
  const limit = Number(text);
  if (limit < 1 || limit > MAX_LIMIT) throw invalidParameter('limit', `must be between 1 and ${MAX_LIMIT} (got ${text})`);
  return limit;
}

function parseStep(text: string): number {
  const stepMs = parseDuration(text, 'step');
  if (stepMs < MINUTE_MS || stepMs % MINUTE_MS !== 0) {
    throw invalidParameter('step', `must be a whole number of minutes, at least 1m (got "${text}")`);
  }
  return stepMs;
}

function pointCount(start: number, end: number, stepMs: number): number {
  return Math.ceil((end - bucketStart(start, stepMs)) / stepMs);
}

/** The smallest multiple of 1m whose step-aligned points over [start, end) number at most `limit`. */
function smallestStep(start: number, end: number, limit: number): number {
  let stepMs = Math.max(1, Math.ceil((end - start) / limit / MINUTE_MS)) * MINUTE_MS;
  while (pointCount(start, end, stepMs) > limit) stepMs += MINUTE_MS;
  return stepMs;
}

/**
 * Parses and validates history parameters: `start`/`end` (or `from`/`to`; ISO-8601 or unix
 * seconds; default the last 24 h ending now), `step` (a multiple of 1m; default the
 * smallest that keeps the points within `limit`), `limit` (1–10,000, default 1,440) and the
 * filters `route`, `method`, `status_class`, `service`, `instance`. A `route` such as
 * `GET /api/jobs` also sets `method`. Unknown parameters are errors, so typos do not pass
 * silently.
 */
export function parseHistoryParams(params: RawParams, nowMs: number, extraParams: readonly string[] = []): HistoryQuery {
  for (const name of names(params)) {
    if (!KNOWN_PARAMS.has(name) && !extraParams.includes(name)) {
      throw invalidParameter(name, `unknown parameter (known: ${[...KNOWN_PARAMS].join(', ')})`);
    }
  }
  const startText = get(params, 'start') ?? get(params, 'from');
  const endText = get(params, 'end') ?? get(params, 'to');
  const startName = get(params, 'start') !== undefined ? 'start' : 'from';
  const endName = get(params, 'end') !== undefined ? 'end' : 'to';
  const end = endText === undefined ? nowMs : parseTime(endText, endName);
  const start = startText === undefined ? end - DEFAULT_RANGE_MS : parseTime(startText, startName);
  if (start >= end) throw invalidParameter(startName, `must be before ${endName}`);

  const limit = parseLimit(get(params, 'limit'));
  const stepText = get(params, 'step');
  const rangeMs = end - start;
  const stepMs = stepText === undefined ? smallestStep(start, end, limit) : parseStep(stepText);
  if (stepMs === MINUTE_MS && rangeMs > MAX_RANGE_AT_1M_MS) {
    throw invalidParameter(
      stepText === undefined ? startName : 'step',
      'a range longer than 30 days needs a step of more than 1m',
    );
  }
  const alignedStart = bucketStart(start, stepMs);
  const points = pointCount(start, end, stepMs);
  if (points > limit) {
    throw invalidParameter('step', `${stepText} over this range gives ${points} points, more than limit ${limit}`);
  }

  const filters: Partial<Record<(typeof FILTER_LABELS)[number], string>> = {};
  for (const label of FILTER_LABELS) {
    const value = get(params, label);
    if (value !== undefined) filters[label] = value;
  }
  const routeWithMethod = filters.route === undefined ? null : /^([A-Z]+) (\/.*)$/.exec(filters.route);
  if (routeWithMethod) {
    if (filters.method !== undefined && filters.method !== routeWithMethod[1]) {
      throw invalidParameter('method', `"${filters.method}" contradicts the method in route "${filters.route}"`);
    }
    filters.method = routeWithMethod[1];
    filters.route = routeWithMethod[2];
  }
  return { start: alignedStart, end, stepMs, limit, filters };
}
