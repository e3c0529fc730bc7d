/**
 * Framework-agnostic HTTP recording: from (method, route template, status) to the right
 * distribution series, with the series handle cached so the per-request cost is two Map
 * lookups, an array index and a sketch update.
 * @module
 */
import type { Labels } from '../model/labels.js';
import type { DistributionSeries } from '../record/distribution-series.js';
import type { Recorder } from '../record/recorder.js';

/** The metric every HTTP request is recorded under, in milliseconds. */
export const HTTP_DURATION_METRIC = 'http.server.request.duration';

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

/** The methods with series of their own, in slot order; any other method is OTHER_METHOD. */
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', OTHER_METHOD] as const;

/** The slot index of a method; a switch on strings is cheaper than a Map lookup here. */
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

/** Records HTTP requests into per-(method, route, status class) distribution series. */
export class HttpRecorder {
  /** Per route template, one series slot per (method, status class), filled on first use. */
  private readonly byRoute = new Map<string, (DistributionSeries | undefined)[]>();

  /**
   * @param recorder where the series live.
   * @param baseLabels labels every request series carries (service, instance, env, …).
   */
  constructor(
    private readonly recorder: Recorder,
    private readonly baseLabels: Labels,
  ) {}

  /**
   * Records one request that got a response. `route` is the route template
   * (`/api/jobs/:id`), never the raw URL; `durationMs` may have fractions.
   */
  record(method: string, route: string, statusCode: number, durationMs: number): void {
    this.recordClass(method, route, statusClassIndex(statusCode), durationMs);
  }

  /** Records one request by status-class index (see STATUS_CLASSES), e.g. ABORTED_CLASS. */
  recordClass(method: string, route: string, classIndex: number, durationMs: number): void {
    let slots = this.byRoute.get(route);
    if (slots === undefined) {
      slots = new Array<DistributionSeries | undefined>(METHODS.length * STATUS_CLASSES.length).fill(undefined);
      this.byRoute.set(route, slots);
    }
    const slot = methodIndex(method) * STATUS_CLASSES.length + classIndex;
    let series = slots[slot];
    if (series === undefined) {
      series = this.recorder.distribution(HTTP_DURATION_METRIC, {
        ...this.baseLabels,
        method: METHODS[methodIndex(method)],
        route,
        status_class: STATUS_CLASSES[classIndex],
      });
      slots[slot] = series;
    }
    series.observe(durationMs);
  }
}
