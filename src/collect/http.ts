/**
 * Framework-agnostic HTTP recording: from (method, route template, status) to the right
 * distribution series, with the series handle cached so the per-request cost is two Map
 * lookups, an array index and a sketch update.
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

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

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
  private readonly byRoute = new Map<string, Map<string, (DistributionSeries | undefined)[]>>();
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
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) {
      if (this.byRoute.size >= this.recorder.maxSeriesPerMetric || this.recorder.isFull(HTTP_DURATION_METRIC)) {
        this.overflowSeries ??= this.recorder.overflow(HTTP_DURATION_METRIC, this.overflowLabels);
        this.overflowSeries.observe(durationMs);
        return;
      }
      byMethod = new Map();
      this.byRoute.set(route, byMethod);
    }
    let byClass = byMethod.get(method);
    if (byClass === undefined) byClass = this.classesOf(byMethod, method);
    let series = byClass[classIndex];
    if (series === undefined) {
      series = this.recorder.distribution(HTTP_DURATION_METRIC, {
        ...this.baseLabels,
        method: KNOWN_METHODS.has(method) ? method : OTHER_METHOD,
        route,
        status_class: STATUS_CLASSES[classIndex],
      });
      byClass[classIndex] = series;
    }
    series.observe(durationMs);
  }

  /**
   * The per-class series slots of `method` on one route, created on first use. Unknown
   * methods share the `_OTHER` slots, which are cached under `_OTHER` only: caching every
   * unknown spelling would let clients grow the map without bound.
   */
  private classesOf(byMethod: Map<string, (DistributionSeries | undefined)[]>, method: string): (DistributionSeries | undefined)[] {
    const name = KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
    let byClass = byMethod.get(name);
    if (byClass === undefined) {
      byClass = new Array<DistributionSeries | undefined>(STATUS_CLASSES.length).fill(undefined);
      byMethod.set(name, byClass);
    }
    return byClass;
  }
}
