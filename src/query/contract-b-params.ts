/**
 * The parser of contract B's `GET /api/admin/metrics` parameters: raw strings to filters and
 * a time range, or a VelocityError naming the bad parameter.
 * @module
 */
import { invalidParameter } from '../errors.js';
import { parseTime } from '../model/time.js';
import type { TimeRange } from './contract-b.js';
import type { RawParams } from './params.js';

/** The parameters `/api/admin/metrics` knows. */
export const ADMIN_METRICS_PARAMS = ['start', 'end', 'route', 'method', 'operation'] as const;

/** A parsed admin-metrics query: what to filter by, and the range (its bounds checked by `resolveRange`). */
export interface AdminMetricsQuery {
  readonly filter: { readonly route?: string; readonly method?: string; readonly operation?: string };
  readonly range: TimeRange;
}

const METHOD = /^(?:[A-Z]+|_OTHER)$/;
const ROUTE_WITH_METHOD = /^([A-Z]+) (\/.*)$/;

/**
 * Parses `start` and `end` (ISO-8601 or unix seconds; default the 24 hours ending now),
 * `route` (a template, or `METHOD /template`, which also sets `method`), `method` (capitals,
 * as recorded: `GET`, or `_OTHER`) and `operation`. An empty value counts as absent, so
 * `route=&method=` asks for every route. A time that does not parse, a method in other
 * letters, a route whose method contradicts `method`, or an unknown parameter throws a
 * VelocityError (400) naming it.
 * @example parseAdminMetricsParams(new URLSearchParams('start=2026-11-20T00:00:00Z&route=GET%20/api/jobs'))
 */
export function parseAdminMetricsParams(params: RawParams): AdminMetricsQuery {
  const names = params instanceof URLSearchParams ? [...params.keys()] : Object.keys(params);
  for (const name of names) {
    if (!(ADMIN_METRICS_PARAMS as readonly string[]).includes(name)) {
      throw invalidParameter(name, `unknown parameter (known: ${ADMIN_METRICS_PARAMS.join(', ')})`);
    }
  }
  const get = (name: string): string | undefined => {
    const value = params instanceof URLSearchParams ? params.get(name) : params[name];
    return value === null || value === undefined || value === '' ? undefined : value;
  };
  const startText = get('start');
  const endText = get('end');
  let route = get('route');
  let method = get('method');
  if (method !== undefined && !METHOD.test(method)) {
    throw invalidParameter('method', `"${method}" is not an HTTP method as recorded, in capitals (GET, POST, …)`);
  }
  const withMethod = route === undefined ? null : ROUTE_WITH_METHOD.exec(route);
  if (withMethod !== null) {
    if (method !== undefined && method !== withMethod[1]) {
      throw invalidParameter('method', `"${method}" contradicts the method in route "${route}"`);
    }
    method = withMethod[1];
    route = withMethod[2];
  }
  return {
    filter: { route, method, operation: get('operation') },
    range: {
      start: startText === undefined ? undefined : parseTime(startText, 'start'),
      end: endText === undefined ? undefined : parseTime(endText, 'end'),
    },
  };
}
