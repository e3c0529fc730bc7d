/**
 * Contract B's `GET /api/admin/metrics?start=<ISO>&end=<ISO>&route=&method=&operation=`:
 * the route and operation totals over a range, `{ period_start, period_end, route_metrics,
 * operation_metrics }`. A bad parameter is a 400 naming it (thrown for the API's error
 * handling); the API handler applies the token check as for every other path.
 * @module
 */
import { parseAdminMetricsParams } from '../query/contract-b-params.js';
import type { Velocity } from '../velocity.js';
import { jsonResponse } from './json-response.js';

/** Where contract B's admin endpoint is mounted. */
export const ADMIN_METRICS_PATH = '/api/admin/metrics';

/** Answers one `/api/admin/metrics` request of `velocity` from its URL's parameters. */
export async function adminMetricsResponse(velocity: Velocity, url: URL): Promise<Response> {
  const { filter, range } = parseAdminMetricsParams(url.searchParams);
  return jsonResponse(await velocity.getAdminMetrics(filter, range), 200, { 'cache-control': 'no-store' });
}
