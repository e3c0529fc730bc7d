/**
 * Framework-agnostic HTTP recording: from (method, route template, status) to the right
 * distribution series, with the series handle cached so the per-request cost is one Map
 * lookup, a switch on the method, an array index and a sketch update.
 * @module
 */
import type { Labels } from '../model/labels.js';
import type { DistributionSeries } from '../record/distribution-series.js';
import { OVERFLOW_LABEL, type Recorder } from '../record/recorder.js';

/** The metric every HTTP request is recorded under, in milliseconds. */
export const HTTP_DURATION_METRIC = 'http.server.request.duration';

/** The route label of requests no route matched (404s): one series per method, never one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The status classes, in the order of their index. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'timeout', 'aborted'] as const;

/** One of the status classes a request is counted under. */
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Index of `timeout` in STATUS_CLASSES. */
export const TIMEOUT_CLASS = 5;
/** Index of `aborted` in STATUS_CLASSES: the client went away before the response. */
export const ABORTED_CLASS = 6;

/** The method label of requests whose method is not a standard one. */
export const OTHER_METHOD = '_OTHER';

/** The method labels, in the order of `methodIndex`: the standard methods, then OTHER_METHOD. */
const METHOD_LABELS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', OTHER_METHOD] as const;

/** Series slots per route: one per (method label, status class). */
const SLOTS_PER_ROUTE = METHOD_LABELS.length * STATUS_CLASSES.length;

/**
 * The index of `method` in METHOD_LABELS; any method that is not a standard one (spelling is
 * case-sensitive, as in HTTP) shares OTHER_METHOD's. A switch on string constants takes less
 * than half the time of a Map lookup (measured): node:http hands out the same few method
 * strings, which compare equal by identity; other strings differ in length or first letters.
 */
function methodIndex(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'POST':
      return 1;
    case 'PUT':
      return 2;
    case 'DELETE':
      return 3;
    case 'PATCH':
      return 4;
    case 'HEAD':
      return 5;
    case 'OPTIONS':
      return 6;
    case 'CONNECT':
      return 7;
    case 'TRACE':
      return 8;
    default:
      return 9;
  }
}

/** The status-class index of an HTTP status code (1xx → 0 … 5xx → 4; anything else → 4). */
export function statusClassIndex(statusCode: number): number {
  const hundreds = (statusCode / 100) | 0;
  return hundreds >= 1 && hundreds <= 5 ? hundreds - 1 : 4;
}

/**
 * Records HTTP requests into per-(method, route, status class) distribution series. Once the
 * metric holds the recorder's `maxSeriesPerMetric` series, requests to routes it has not seen
 * go to the one overflow series (method, route and status_class all `__overflow__`) without
 * becoming a key anywhere: the route cache holds at most `maxSeriesPerMetric` routes.
 */
export class HttpRecorder {
  /** Per route: its series, at `methodIndex × STATUS_CLASSES.length + class index`, created on first use. */
  private readonly byRoute = new Map<string, (DistributionSeries | undefined)[]>();
  private readonly overflowLabels: Labels;
  private overflowSeries: DistributionSeries | undefined;

  /**
   * @param recorder where the series live.
   * @param baseLabels labels every request series carries (service, instance, env, …).
   */
  constructor(
    private readonly recorder: Recorder,
    private readonly baseLabels: Labels,
  ) {
    this.overflowLabels = { ...baseLabels, method: OVERFLOW_LABEL, route: OVERFLOW_LABEL, status_class: OVERFLOW_LABEL };
  }

  /**
   * Records one request that got a response. `route` is the route template
   * (`/api/jobs/:id`), never the raw URL; `durationMs` may have fractions.
   */
  record(method: string, route: string, statusCode: number, durationMs: number): void {
    this.recordClass(method, route, statusClassIndex(statusCode), durationMs);
  }

  /** Records one request by status-class index (see STATUS_CLASSES), e.g. ABORTED_CLASS. */
  recordClass(method: string, route: string, classIndex: number, durationMs: number): void {
    const slots = this.byRoute.get(route);
    if (slots !== undefined) {
      const series = slots[methodIndex(method) * STATUS_CLASSES.length + classIndex];
      if (series !== undefined) {
        series.observe(durationMs);
        return;
      }
    }
    this.firstOf(slots, method, route, classIndex).observe(durationMs);
  }

  /**
   * The series of a (method, route, class) not seen before, cached in the route's slots; the
   * overflow series (not cached) for a new route once the metric is full.
   */
  private firstOf(
    known: (DistributionSeries | undefined)[] | undefined,
    method: string,
    route: string,
    classIndex: number,
  ): DistributionSeries {
    let slots = known;
    if (slots === undefined) {
      if (this.byRoute.size >= this.recorder.maxSeriesPerMetric || this.recorder.isFull(HTTP_DURATION_METRIC)) {
        this.overflowSeries ??= this.recorder.overflow(HTTP_DURATION_METRIC, this.overflowLabels);
        return this.overflowSeries;
      }
      slots = new Array<DistributionSeries | undefined>(SLOTS_PER_ROUTE).fill(undefined);
      this.byRoute.set(route, slots);
    }
    const methodAt = methodIndex(method);
    const series = this.recorder.distribution(HTTP_DURATION_METRIC, {
      ...this.baseLabels,
      method: METHOD_LABELS[methodAt],
      route,
      status_class: STATUS_CLASSES[classIndex],
    });
    slots[methodAt * STATUS_CLASSES.length + classIndex] = series;
    return series;
  }
}
