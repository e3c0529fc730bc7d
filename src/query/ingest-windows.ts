/**
 * The pre-aggregated windows of an ingest batch (`POST /api/v1/ingest`, field `windows`),
 * checked field by field and turned into the windows the flusher stores. docs/ingest.schema.json
 * describes the shape; this module is what enforces it. A distribution window carries either
 * its raw `values` or an OpenTelemetry exponential histogram (`histogram`), converted to the
 * sketch as exponential-histogram.ts says (a scale coarser than the sketch's is refused).
 * @module
 */
import { HTTP_DURATION_METRIC, STATUS_CLASSES } from '../collect/http.js';
import { OPERATION_DURATION_METRIC } from '../collect/operations.js';
import { invalidParameter } from '../errors.js';
import { MINUTE_MS, formatDuration } from '../model/duration.js';
import { sketchFromHistogram } from '../model/exponential-histogram.js';
import { canonicalLabels, seriesKey, type Labels } from '../model/labels.js';
import { Sketch } from '../model/sketch.js';
import { formatTime, parseTime } from '../model/time.js';
import { distributionValues, type SeriesDescriptor, type Window, type WindowKind } from '../model/window.js';
import { readArray, readInteger, readLabels, readNumber, readObject, readString, required, type JsonObject } from './json-fields.js';

/** What the windows of a batch are checked against. */
export interface WindowRules {
  /** Start of the open minute, epoch ms: no window may start after it. */
  readonly latestStart: number;
  /** The oldest start accepted, epoch ms: older windows would fall to retention at once. */
  readonly earliestStart: number;
  /**
   * This process's `instance` label. Windows may not carry it: a window replaces the stored
   * one of its series and minute, so it could overwrite what this process records itself.
   */
  readonly ownInstance: string;
}

/** What a metric name must match: OpenTelemetry's instrument-name syntax. */
export const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]*$/;

const METRIC_RULE = 'is not a metric name: a letter, then letters, digits, "_", ".", "-" or "/" (at most 255 characters)';

const COMMON_FIELDS = ['metric', 'kind', 'labels', 'start'] as const;
const FIELDS: Readonly<Record<WindowKind, readonly string[]>> = {
  distribution: [...COMMON_FIELDS, 'count', 'sum', 'min', 'max', 'histogram', 'values'],
  counter: [...COMMON_FIELDS, 'count', 'sum', 'min', 'max'],
  gauge: [...COMMON_FIELDS, 'count', 'sum', 'min', 'max', 'last'],
};
const ALL_FIELDS = [...new Set(Object.values(FIELDS).flat())];
const KINDS = Object.keys(FIELDS) as WindowKind[];

/**
 * The labels Velocity's own metrics need to be read back (history, series, contract B), with
 * the values each may take (null: any non-empty string). Windows of these metrics are
 * distributions carrying them.
 */
const METRIC_LABELS: Readonly<Record<string, Readonly<Record<string, readonly string[] | null>>>> = {
  [HTTP_DURATION_METRIC]: { method: null, route: null, status_class: STATUS_CLASSES },
  [OPERATION_DURATION_METRIC]: { operation: null, outcome: ['success', 'failure'] },
};

/**
 * Checks `value`, the `windows` array of a batch, and returns its windows. Besides each
 * window's own rules: no two windows of one series may share a start (the later would
 * silently replace the earlier), and one series has one kind.
 */
export function parseWindows(value: unknown, path: string, rules: WindowRules): Window[] {
  const items = readArray(value, path);
  const windows: Window[] = [];
  const series = new Map<string, { descriptor: SeriesDescriptor; at: string }>();
  const starts = new Map<string, string>();
  for (let i = 0; i < items.length; i++) {
    const at = `${path}[${i}]`;
    const window = parseWindow(items[i], at, rules);
    const known = series.get(window.series.key);
    if (known !== undefined && known.descriptor.kind !== window.series.kind) {
      throw invalidParameter(`${at}.kind`, `${known.at} gives the same series as a ${known.descriptor.kind}`);
    }
    if (known === undefined) series.set(window.series.key, { descriptor: window.series, at });
    const slot = `${window.series.key}@${window.start}`;
    const earlier = starts.get(slot);
    if (earlier !== undefined) throw invalidParameter(`${at}.start`, `${earlier} has the same series and start`);
    starts.set(slot, at);
    windows.push(known === undefined ? window : { ...window, series: known.descriptor });
  }
  return windows;
}

/** Checks one window of the `windows` array and builds it (distribution windows with their sketch and quantiles). */
function parseWindow(value: unknown, path: string, rules: WindowRules): Window {
  const raw = readObject(value, path, ALL_FIELDS);
  const kind = readKind(required(raw, path, 'kind'), `${path}.kind`);
  for (const name of Object.keys(raw)) {
    if (!FIELDS[kind].includes(name)) {
      throw invalidParameter(`${path}.${name}`, `is not a field of a ${kind} window (expected ${FIELDS[kind].join(', ')})`);
    }
  }
  const metric = readString(required(raw, path, 'metric'), `${path}.metric`, 255, METRIC_NAME, METRIC_RULE);
  const labels = raw.labels === undefined ? {} : readLabels(raw.labels, `${path}.labels`);
  checkLabels(metric, kind, labels, path, rules);
  const start = readStart(required(raw, path, 'start'), `${path}.start`, rules);
  const sorted = canonicalLabels(labels);
  const series: SeriesDescriptor = { key: seriesKey(metric, sorted), metric, kind, labels: sorted };
  if (kind === 'distribution') return { series, ...distributionValues(readSketch(raw, path), start) };
  const count = readInteger(required(raw, path, 'count'), `${path}.count`, kind === 'gauge' ? 1 : 0);
  const { sum, min, max } = readStats(raw, path, kind === 'counter' ? 0 : Number.NEGATIVE_INFINITY);
  let last: number | null = null;
  if (kind === 'gauge') {
    last = readNumber(required(raw, path, 'last'), `${path}.last`);
    if (last < min || last > max) throw invalidParameter(`${path}.last`, `${last} is outside min ${min} … max ${max}`);
  }
  return { series, start, count, sum, min, max, last, p50: null, p95: null, p99: null, sketch: null };
}

function readKind(value: unknown, path: string): WindowKind {
  if (typeof value !== 'string' || !(KINDS as string[]).includes(value)) {
    throw invalidParameter(path, `must be one of ${KINDS.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return value as WindowKind;
}

function checkLabels(metric: string, kind: WindowKind, labels: Labels, path: string, rules: WindowRules): void {
  if (labels.instance === rules.ownInstance) {
    throw invalidParameter(
      `${path}.labels.instance`,
      `"${rules.ownInstance}" is this process's own instance: give the sender's windows an instance label of their own, so that they cannot replace windows this process records`,
    );
  }
  const needed = METRIC_LABELS[metric];
  if (needed === undefined) return;
  if (kind !== 'distribution') throw invalidParameter(`${path}.kind`, `${metric} is a distribution, not a ${kind}`);
  for (const [name, values] of Object.entries(needed)) {
    const value = labels[name];
    if (value === undefined || value === '') {
      throw invalidParameter(`${path}.labels.${name}`, `${metric} windows need this label to be read back`);
    }
    if (values !== null && !values.includes(value)) {
      throw invalidParameter(`${path}.labels.${name}`, `must be one of ${values.join(', ')}, not ${JSON.stringify(value)}`);
    }
  }
}

/** A window start: ISO-8601 or unix seconds, on a UTC minute, within what is accepted. */
function readStart(value: unknown, path: string, rules: WindowRules): number {
  const ms = typeof value === 'string' ? parseTime(value, path) : Math.round(readNumber(value, path, 0) * 1000);
  if (ms % MINUTE_MS !== 0) throw invalidParameter(path, `${formatTime(ms)} is not the start of a UTC minute`);
  if (ms > rules.latestStart) {
    throw invalidParameter(path, `${formatTime(ms)} is after the current minute (${formatTime(rules.latestStart)}): a window cannot start in the future`);
  }
  if (ms < rules.earliestStart) {
    const kept = formatDuration(rules.latestStart - rules.earliestStart);
    throw invalidParameter(path, `${formatTime(ms)} is older than the ${kept} one-minute windows are kept: retention would delete it at once`);
  }
  return ms;
}

/** count, sum, min and max of a window that gives them, with min ≥ `floor`, max ≥ min and, for a floor of 0, sum ≥ 0. */
function readStats(raw: JsonObject, path: string, floor: number): { sum: number; min: number; max: number } {
  const sum = readNumber(required(raw, path, 'sum'), `${path}.sum`, floor);
  const min = readNumber(required(raw, path, 'min'), `${path}.min`, floor);
  const max = readNumber(required(raw, path, 'max'), `${path}.max`);
  if (max < min) throw invalidParameter(`${path}.max`, `${max} is below min ${min}`);
  return { sum, min, max };
}

/** The sketch of a distribution window: from its raw values, or from its histogram and stats. */
function readSketch(raw: JsonObject, path: string): Sketch {
  if (raw.values !== undefined && raw.histogram !== undefined) {
    throw invalidParameter(`${path}.values`, 'give either values or histogram, not both');
  }
  if (raw.values !== undefined) return sketchOfValues(raw, path);
  if (raw.histogram === undefined) {
    throw invalidParameter(`${path}.histogram`, 'a distribution window needs its histogram (with count, sum, min, max) or its raw values');
  }
  const count = readInteger(required(raw, path, 'count'), `${path}.count`, 1);
  const stats = readStats(raw, path, 0);
  const at = `${path}.histogram`;
  const histogram = readObject(raw.histogram, at, ['scale', 'zero_count', 'positive']);
  const scale = readInteger(required(histogram, at, 'scale'), `${at}.scale`, Number.MIN_SAFE_INTEGER);
  const zeroCount = histogram.zero_count === undefined ? 0 : readInteger(histogram.zero_count, `${at}.zero_count`, 0);
  let offset = 0;
  let positiveCounts: number[] = [];
  if (histogram.positive !== undefined) {
    const positive = readObject(histogram.positive, `${at}.positive`, ['offset', 'bucket_counts']);
    offset = readInteger(required(positive, `${at}.positive`, 'offset'), `${at}.positive.offset`, Number.MIN_SAFE_INTEGER);
    const counts = readArray(required(positive, `${at}.positive`, 'bucket_counts'), `${at}.positive.bucket_counts`);
    positiveCounts = counts.map((c, k) => readInteger(c, `${at}.positive.bucket_counts[${k}]`, 0));
  }
  const total = positiveCounts.reduce((a, b) => a + b, zeroCount);
  if (total !== count) {
    throw invalidParameter(`${path}.count`, `is ${count}, but histogram.zero_count and histogram.positive.bucket_counts add up to ${total}`);
  }
  return sketchFromHistogram({ scale, zeroCount, offset, positiveCounts }, stats, at);
}

function sketchOfValues(raw: JsonObject, path: string): Sketch {
  for (const derived of ['count', 'sum', 'min', 'max']) {
    if (raw[derived] !== undefined) throw invalidParameter(`${path}.${derived}`, 'is derived from values: leave it out');
  }
  const values = readArray(raw.values, `${path}.values`, 1);
  const sketch = new Sketch();
  for (let i = 0; i < values.length; i++) sketch.record(readNumber(values[i], `${path}.values[${i}]`, 0));
  if (!Number.isFinite(sketch.sum)) throw invalidParameter(`${path}.values`, 'their sum is not a finite number');
  return sketch;
}
