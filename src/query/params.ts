/**
 * The one parser of history-query parameters, shared by the HTTP API and the CLI: it turns
 * raw strings into a validated `HistoryQuery` or throws a VelocityError that names the bad
 * parameter and says what is wrong.
 * @module
 */
import { invalidParameter } from '../errors.js';
import { DAY_MS, MINUTE_MS, formatDuration, parseDuration } from '../model/duration.js';
import { parseTime } from '../model/time.js';
import { TIER_MS, type Tier } from '../model/window.js';
import {
  DEFAULT_TIER_RETENTION,
  coarsestTierFor,
  finestTierAt,
  pointCount,
  smallestStep,
  stepFitsTier,
  stepStart,
  type TierRetention,
} from './steps.js';

/** Default number of points. */
export const DEFAULT_LIMIT = 1440;
/** The most points a query may ask for. */
export const MAX_LIMIT = 10_000;
/** The longest range a query may span at a 1-minute step. */
export const MAX_RANGE_AT_1M_MS = 30 * DAY_MS;
/** The range used when none is given. */
export const DEFAULT_RANGE_MS = DAY_MS;
/** The most groups `top` may ask for. */
export const MAX_TOP = 1_000;

/** Label filters a history query accepts; each holds one exact value. */
export const FILTER_LABELS = ['route', 'method', 'status_class', 'service', 'instance'] as const;

/** What groups are ordered by when `top` picks some: their request count or their p95 over the range. */
export type GroupOrder = 'count' | 'p95';

/** How points are laid out: one object per point, or one array per field. */
export type HistoryFormat = 'points' | 'columns';

/** A validated history query. Times in epoch ms; `start` is aligned to `stepMs`. */
export interface HistoryQuery {
  readonly start: number;
  readonly end: number;
  readonly stepMs: number;
  /** The coarsest tier that tiles the step and holds what the query asks for. */
  readonly tier: Tier;
  readonly limit: number;
  readonly filters: Readonly<Partial<Record<(typeof FILTER_LABELS)[number], string>>>;
  /** Labels whose values split the answer into groups, each with its own points; empty: one series. */
  readonly groupBy: readonly string[];
  /** Keep only the first `top` groups by `order`; null: every group. */
  readonly top: number | null;
  readonly order: GroupOrder;
  readonly format: HistoryFormat;
}

/** What the parser needs to know besides the parameters. */
export interface HistoryParseOptions {
  /** How long each tier keeps its windows: decides the finest step a range allows. Default 14d / 90d / 2y. */
  readonly retention?: TierRetention;
  /** Further parameter names the caller handles itself, accepted instead of rejected as unknown. */
  readonly extraParams?: readonly string[];
}

/** Raw parameters: a URLSearchParams or a plain record of strings. */
export type RawParams = URLSearchParams | Readonly<Record<string, string | undefined>>;

const KNOWN_PARAMS = new Set<string>([
  'start',
  'end',
  'from',
  'to',
  'step',
  'limit',
  'group_by',
  'top',
  'order',
  'format',
  ...FILTER_LABELS,
]);

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

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

function parseGroupBy(text: string | undefined): string[] {
  if (text === undefined) return [];
  const labels = text.split(',').map((label) => label.trim());
  for (const label of labels) {
    if (!LABEL_NAME.test(label)) throw invalidParameter('group_by', `"${label}" is not a label name`);
  }
  if (new Set(labels).size !== labels.length) throw invalidParameter('group_by', `names a label twice ("${text}")`);
  return labels;
}

function parseTop(text: string | undefined, groupBy: readonly string[]): number | null {
  if (text === undefined) return null;
  if (groupBy.length === 0) throw invalidParameter('top', 'needs group_by: top picks groups');
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_TOP) {
    throw invalidParameter('top', `must be a whole number between 1 and ${MAX_TOP} (got "${text}")`);
  }
  return Number(text);
}

function parseChoice<T extends string>(name: string, text: string | undefined, choices: readonly T[]): T {
  if (text === undefined) return choices[0];
  if (!(choices as readonly string[]).includes(text)) {
    throw invalidParameter(name, `must be one of ${choices.join(', ')} (got "${text}")`);
  }
  return text as T;
}

/** How long `tier` keeps windows, for messages: `14d`. */
function kept(retention: TierRetention, tier: Tier): string {
  return formatDuration(retention[tier]);
}

/**
 * Parses and validates history parameters: `start`/`end` (or `from`/`to`; ISO-8601 or unix
 * seconds; default the last 24 h ending now); `step`, any whole number of minutes, hours or
 * days, or weeks (Monday to Monday, built from days); `limit` (1–10,000, default 1,440); the
 * filters `route`, `method`, `status_class`, `service`, `instance` (a `route` such as
 * `GET /api/jobs` also sets `method`); `group_by` (comma-separated label names), `top` (the
 * first N groups by `order`: `count`, default, or `p95`) and `format` (`points`, default, or
 * `columns`). Unknown parameters are errors, so typos do not pass silently.
 *
 * Tiers: windows are kept per tier (`retention`), so a range reaching past the 1-minute
 * retention is served from hours, and past the hourly one from days. Without `step`, the
 * query takes the smallest step the range allows that keeps the points within `limit`
 * (whole hours from an hour up, whole days from a day up) and the coarsest tier that tiles
 * it. A step finer than the data kept for the range, a 1-minute step over more than 30
 * days, or a step giving more than `limit` points is a 400 naming `step`. Per-instance
 * detail lives only in 1-minute windows (coarser tiers fold instances together), so an
 * `instance` filter or grouping keeps the query on the 1-minute tier.
 */
export function parseHistoryParams(params: RawParams, nowMs: number, options: HistoryParseOptions = {}): HistoryQuery {
  const retention = options.retention ?? DEFAULT_TIER_RETENTION;
  const extraParams = options.extraParams ?? [];
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
  const groupBy = parseGroupBy(get(params, 'group_by'));
  const top = parseTop(get(params, 'top'), groupBy);
  const order = parseChoice<GroupOrder>('order', get(params, 'order'), ['count', 'p95']);
  const format = parseChoice<HistoryFormat>('format', get(params, 'format'), ['points', 'columns']);
  const filters = parseFilters(params);
  const needsInstances = filters.instance !== undefined || groupBy.includes('instance');

  const finest = finestTierAt(start, nowMs, retention);
  if (needsInstances && finest !== '1m') {
    throw invalidParameter(
      filters.instance !== undefined ? 'instance' : 'group_by',
      `per-instance detail is kept only in 1-minute windows, for ${kept(retention, '1m')}; this range starts before that`,
    );
  }
  const stepText = get(params, 'step');
  const stepMs = stepText === undefined ? smallestStep(start, end, limit, finest) : parseStep(stepText);
  if (!stepFitsTier(stepMs, finest)) {
    throw invalidParameter(
      'step',
      `${stepText} is finer than the data kept for a range starting at ${new Date(start).toISOString()}: ` +
        `the finest step there is ${formatDuration(TIER_MS[finest])} (1-minute windows are kept ` +
        `${kept(retention, '1m')}, hourly ${kept(retention, '1h')}, daily ${kept(retention, '1d')})`,
    );
  }
  const rangeMs = end - start;
  if (stepMs === MINUTE_MS && rangeMs > MAX_RANGE_AT_1M_MS) {
    throw invalidParameter(
      stepText === undefined ? startName : 'step',
      'a range longer than 30 days needs a step of more than 1m',
    );
  }
  const points = pointCount(start, end, stepMs);
  if (points > limit) {
    throw invalidParameter('step', `${stepText} over this range gives ${points} points, more than limit ${limit}`);
  }
  const tier = needsInstances ? '1m' : coarsestTierFor(stepMs);
  return { start: stepStart(start, stepMs), end, stepMs, tier, limit, filters, groupBy, top, order, format };
}

function parseFilters(params: RawParams): Partial<Record<(typeof FILTER_LABELS)[number], string>> {
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
  return filters;
}

/** What `/api/v1/history` answers with, chosen by its `metric` parameter. */
export const HISTORY_METRICS = ['http', 'system'] as const;

/** `http`: request history (the default); `system`: host and process gauges. */
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

/** The `metric` parameter of a history query: `http` when absent; a 400 naming `metric` for anything but http or system. */
export function parseHistoryMetric(params: RawParams): HistoryMetric {
  return parseChoice<HistoryMetric>('metric', get(params, 'metric'), HISTORY_METRICS);
}

/** The bounds of a range given in unix seconds (contract E's `/metrics/history`). */
export interface UnixRangeBounds {
  /** The range when neither start nor end is given, ending now. */
  readonly defaultRangeMs: number;
  /** The longest range allowed. */
  readonly maxRangeMs: number;
  readonly defaultLimit: number;
  readonly maxLimit: number;
}

/** A validated unix-seconds range query: times in epoch ms, `start <= end`; filters by label value. */
export interface UnixRangeQuery {
  readonly start: number;
  readonly end: number;
  readonly limit: number;
  readonly filters: Readonly<Record<string, string>>;
}

/**
 * Parses `start` and `end` as unix seconds (default: `defaultRangeMs` ending at `end`, which
 * defaults to now), `limit` (1–`maxLimit`) and the label filters named in `filterLabels`.
 * A time that is negative or not a number, `start` after `end`, a range longer than
 * `maxRangeMs`, a bad `limit` or an unknown parameter is a 400 that names it.
 */
export function parseUnixRangeParams(
  params: RawParams,
  nowMs: number,
  bounds: UnixRangeBounds,
  filterLabels: readonly string[] = [],
): UnixRangeQuery {
  const known = ['start', 'end', 'limit', ...filterLabels];
  for (const name of names(params)) {
    if (!known.includes(name)) throw invalidParameter(name, `unknown parameter (known: ${known.join(', ')})`);
  }
  const seconds = (name: string): number | undefined => {
    const text = get(params, name)?.trim();
    if (text === undefined) return undefined;
    if (text.startsWith('-')) throw invalidParameter(name, `must not be negative (got "${text}")`);
    if (!/^\d+(\.\d+)?$/.test(text)) throw invalidParameter(name, `"${text}" is not a time in unix seconds`);
    return Math.round(Number(text) * 1000);
  };
  const end = seconds('end') ?? nowMs;
  const start = seconds('start') ?? Math.max(0, end - bounds.defaultRangeMs);
  if (start > end) throw invalidParameter('start', `must not be after end (${start / 1000} > ${end / 1000})`);
  if (end - start > bounds.maxRangeMs) {
    throw invalidParameter('start', `the range may span at most ${formatDuration(bounds.maxRangeMs)} (got ${formatDuration(end - start)})`);
  }
  const limitText = get(params, 'limit');
  let limit = bounds.defaultLimit;
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText)) throw invalidParameter('limit', `"${limitText}" is not a whole number`);
    limit = Number(limitText);
    if (limit < 1 || limit > bounds.maxLimit) throw invalidParameter('limit', `must be between 1 and ${bounds.maxLimit} (got ${limitText})`);
  }
  const filters: Record<string, string> = {};
  for (const label of filterLabels) {
    const value = get(params, label);
    if (value !== undefined) filters[label] = value;
  }
  return { start, end, limit, filters };
}
