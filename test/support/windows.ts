/**
 * Builds valid windows for tests: `makeWindow({ kind: 'gauge', start: minute(3) })`.
 * @module
 */
import { seriesKey, type Labels } from '../../src/model/labels.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import type { Window, WindowKind, WindowValues } from '../../src/model/window.js';

/** A fixed, day-aligned epoch-ms time that test windows start from: 2026-11-20T00:00:00Z. */
export const T0 = Date.UTC(2026, 10, 20);

/** The start of the `n`-th minute after T0, epoch ms. */
export function minute(n: number): number {
  return T0 + n * MINUTE_MS;
}

/** What `makeWindow` takes: any window value, plus the series' metric, kind and labels. */
export interface WindowSpec extends Partial<WindowValues> {
  readonly metric?: string;
  readonly kind?: WindowKind;
  readonly labels?: Labels;
}

const defaultLabels: Labels = {
  service: 'api',
  instance: 'api-1',
  'http.request.method': 'GET',
  'http.route': '/users/:id',
  status_class: '2xx',
};

const defaultValues: Record<WindowKind, Omit<WindowValues, 'start'>> = {
  distribution: {
    count: 120,
    sum: 14.625,
    min: 0.0031,
    max: 0.9,
    last: null,
    p50: 0.087,
    p95: 0.41,
    p99: 0.77,
    sketch: new Uint8Array([1, 6, 3, 0, 255, 17, 42, 128]),
  },
  counter: {
    count: 37,
    sum: 48_213,
    min: 40,
    max: 4_096,
    last: null,
    p50: null,
    p95: null,
    p99: null,
    sketch: null,
  },
  gauge: { count: 4, sum: 1.7, min: 0.25, max: 0.6, last: 0.35, p50: null, p95: null, p99: null, sketch: null },
};

/**
 * A valid window: by default a distribution of `http.server.request.duration` for GET
 * /users/:id starting at T0, with plausible values for its kind. `spec` overrides any of
 * them; the series (and its key, built with `seriesKey`) follows `metric`, `kind`, `labels`.
 * Each call gets its own sketch bytes.
 */
export function makeWindow(spec: WindowSpec = {}): Window {
  const {
    metric = 'http.server.request.duration',
    kind = 'distribution',
    labels = defaultLabels,
    ...values
  } = spec;
  const defaults = defaultValues[kind];
  return {
    series: { key: seriesKey(metric, labels), metric, kind, labels },
    start: T0,
    ...defaults,
    sketch: defaults.sketch === null ? null : defaults.sketch.slice(),
    ...values,
  };
}
