/**
 * Route totals: for each bucket of a rolled tier, one window per route (every label of the
 * request series but `status_class`) that merges the route's status classes, carrying the
 * requests of each class in `statusCounts`. A long-range history over many routes (the
 * 30-day dashboard: every route, hourly) reads one precomputed window per route and point
 * instead of merging the sketches of two or three class windows for each of them.
 *
 * They are series of their own metric, ROUTE_TOTALS_METRIC, so that everything reading the
 * request series (contract views, per-class queries, platform aggregates) never counts a
 * request twice. The roll-up computes them from the class windows it has just rolled, at
 * each rolled tier, and never rolls them up themselves.
 * @module
 */
import { HTTP_DURATION_METRIC, STATUS_CLASSES, type StatusClass } from '../collect/http.js';
import { seriesKey, type Labels } from '../model/labels.js';
import { mergeWindows } from '../model/merge-windows.js';
import type { SeriesDescriptor, Window } from '../model/window.js';

/** The metric of the route-totals series, in milliseconds like the request series. */
export const ROUTE_TOTALS_METRIC = 'http.server.request.duration.route';

/** The labels of the route-totals series that a request series with `labels` counts into. */
export function routeTotalsLabels(labels: Labels): Labels {
  const { status_class: _class, ...rest } = labels;
  return rest;
}

/**
 * The key that groups request series by route: the same for every status class of one
 * route, and a series' own key for a series of any other metric.
 */
export function routeGroupKey(metric: string, labels: Labels): string {
  return metric === HTTP_DURATION_METRIC ? seriesKey(ROUTE_TOTALS_METRIC, routeTotalsLabels(labels)) : seriesKey(metric, labels);
}

/**
 * The route-totals windows of the windows of one bucket starting at `start`: the request
 * windows among `windows` merged per route, each with its requests per status class (in
 * STATUS_CLASSES order; a class not among them is counted in the total only). Every class
 * window of a route must be among `windows`.
 */
export function routeTotals(windows: readonly Window[], start: number): Window[] {
  const byRoute = new Map<string, { series: SeriesDescriptor; windows: Window[] }>();
  for (const w of windows) {
    if (w.series.metric !== HTTP_DURATION_METRIC) continue;
    const key = routeGroupKey(w.series.metric, w.series.labels);
    const route = byRoute.get(key);
    if (route !== undefined) route.windows.push(w);
    else {
      const labels = routeTotalsLabels(w.series.labels);
      byRoute.set(key, { series: { key, metric: ROUTE_TOTALS_METRIC, kind: 'distribution', labels }, windows: [w] });
    }
  }
  const totals: Window[] = [];
  for (const { series, windows: classes } of byRoute.values()) {
    const statusCounts = new Array<number>(STATUS_CLASSES.length).fill(0);
    for (const w of classes) {
      const index = STATUS_CLASSES.indexOf(w.series.labels.status_class as StatusClass);
      if (index >= 0) statusCounts[index] += w.count;
    }
    totals.push({ series, ...mergeWindows('distribution', classes, start), statusCounts });
  }
  return totals;
}
