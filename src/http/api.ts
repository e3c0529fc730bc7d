/**
 * The HTTP API as one Web-standard handler: `/api/v1/history`, `/api/v1/live`,
 * `/api/v1/series`, `/healthz`, contract A's `/ops/metrics` and `/ops/metrics/history`, contract
 * B's `/api/admin/metrics` (admin-metrics.ts), contract E's `/metrics/history` and
 * `/metrics/live`, and `POST /api/v1/ingest` (ingest.ts). Every bad parameter is a 400 whose
 * JSON body names it.
 * @module
 */
import { HTTP_DURATION_METRIC } from '../collect/http.js';
import { VelocityError, invalidParameter } from '../errors.js';
import { formatTime } from '../model/time.js';
import { MAX_LIMIT, parseHistoryMetric } from '../query/params.js';
import type { SeriesRecord } from '../store/store.js';
import type { Velocity } from '../velocity.js';
import { ADMIN_METRICS_PATH, adminMetricsResponse } from './admin-metrics.js';
import { hasBearerToken } from './auth.js';
import { INGEST_PATH, createIngestHandler } from './ingest.js';
import { historyResponse, jsonResponse as json } from './json-response.js';
import type { WebHandler } from './node-listener.js';

/** The HTTP API: answers its own paths, null for any other. */
export type ApiHandler = WebHandler;

type Route = (request: Request, url: URL) => Promise<Response>;

function errorResponse(error: unknown, log: (message: string) => void): Response {
  if (error instanceof VelocityError) return json(error.toJSON(), error.status);
  log(`API error: ${error instanceof Error ? error.stack : String(error)}`);
  return json({ error: 'internal error' }, 500);
}

interface SeenEntry {
  first_seen: number;
  last_seen: number;
}

function widen(map: Map<string, SeenEntry>, name: string, series: SeriesRecord): void {
  const entry = map.get(name);
  if (entry === undefined) map.set(name, { first_seen: series.firstSeen, last_seen: series.lastSeen });
  else {
    entry.first_seen = Math.min(entry.first_seen, series.firstSeen);
    entry.last_seen = Math.max(entry.last_seen, series.lastSeen);
  }
}

function seenList<K extends string>(map: Map<string, SeenEntry>, key: K): Array<Record<K, string> & Record<'first_seen' | 'last_seen', string>> {
  return [...map]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, seen]) => ({ [key]: name, first_seen: formatTime(seen.first_seen), last_seen: formatTime(seen.last_seen) }) as Record<K, string> & Record<'first_seen' | 'last_seen', string>);
}

/** Routes, services and instances seen in the store, with when each was first and last seen. */
export function summariseSeries(all: readonly SeriesRecord[]): Record<string, unknown> {
  const routes = new Map<string, SeenEntry>();
  const services = new Map<string, SeenEntry>();
  const instances = new Map<string, SeenEntry>();
  for (const series of all) {
    if (series.metric !== HTTP_DURATION_METRIC) continue;
    widen(routes, `${series.labels.method} ${series.labels.route}`, series);
    widen(services, series.labels.service ?? '', series);
    widen(instances, series.labels.instance ?? '', series);
  }
  return {
    routes: seenList(routes, 'route'),
    services: seenList(services, 'service'),
    instances: seenList(instances, 'instance'),
  };
}

const CONTRACT_A_MISSING = { error: 'route, from, to required' };

/** Builds the API handler of a Velocity instance. */
export function createApiHandler(velocity: Velocity): ApiHandler {
  const log = (message: string): void => console.warn(`[velocity] ${message}`);
  const routes = new Map<string, Route>([
    [
      '/api/v1/history',
      async (_req, url) => {
        const params = url.searchParams;
        if (parseHistoryMetric(params) === 'system') return json(await velocity.systemHistory(params));
        params.delete('metric');
        return historyResponse(await velocity.history(params));
      },
    ],
    ['/metrics/history', async (_req, url) => json(await velocity.networkHistory(url.searchParams), 200, { 'cache-control': 'no-store' })],
    ['/metrics/live', async () => json(velocity.networkLive(), 200, { 'cache-control': 'no-store' })],
    ['/api/v1/live', async () => json(velocity.live())],
    ['/api/v1/series', async () => json(summariseSeries(await velocity.series()))],
    [ADMIN_METRICS_PATH, async (_req, url) => adminMetricsResponse(velocity, url)],
    [
      '/healthz',
      async () => {
        const report = await velocity.health();
        return json(report, report.store.reachable ? 200 : 503);
      },
    ],
    [
      '/ops/metrics',
      async () => {
        const live = velocity.live();
        const byRoute: Record<string, unknown> = {};
        for (const route of live.routes) {
          const { rps, p50_ms, p95_ms, err_rate_pct, count } = route['1m'];
          byRoute[route.route] = { '1m': { rps, p50_ms, p95_ms, err_rate: err_rate_pct / 100, count } };
        }
        return json({ env: velocity.config.env, generated_at: live.generated_at, routes: byRoute }, 200, {
          'cache-control': 'no-store',
        });
      },
    ],
    [
      '/ops/metrics/history',
      async (_req, url) => {
        const route = url.searchParams.get('route');
        const from = url.searchParams.get('from');
        const to = url.searchParams.get('to');
        if (!route || !from || !to) return json(CONTRACT_A_MISSING, 400, { 'cache-control': 'no-store' });
        const result = await velocity.history({ route, from, to, step: '1m', limit: String(MAX_LIMIT) }).catch((error: unknown) => {
          // The caller chose neither step nor limit: say what they can change.
          if (error instanceof VelocityError && (error.param === 'step' || error.param === 'limit')) {
            throw invalidParameter('from', `the range from "from" to "to" may span at most ${MAX_LIMIT} minutes`);
          }
          throw error;
        });
        return json(
          {
            route,
            from: result.start,
            to: result.end,
            points: (result.points ?? []).map((p) => ({
              ts: p.ts,
              rps: p.rps,
              p50_ms: p.p50_ms,
              p95_ms: p.p95_ms,
              err_rate_pct: p.err_rate_pct,
              samples_1m: p.count,
            })),
          },
          200,
          { 'cache-control': 'no-store' },
        );
      },
    ],
  ]);

  const token = velocity.config.apiToken;
  const authorised = (request: Request): boolean => token === undefined || hasBearerToken(request, token);
  const ingest = createIngestHandler(velocity, log);

  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === INGEST_PATH) return ingest(request);
    const route = routes.get(url.pathname);
    if (route === undefined) return null;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return json({ error: `${request.method} is not allowed here; use GET` }, 405, { allow: 'GET, HEAD' });
    }
    if (url.pathname !== '/healthz' && !authorised(request)) {
      return json({ error: 'missing or wrong bearer token', code: 'UNAUTHORIZED' }, 401, {
        'www-authenticate': 'Bearer',
      });
    }
    try {
      return await route(request, url);
    } catch (error) {
      if (url.pathname === '/ops/metrics/history' && error instanceof VelocityError) {
        return json(error.toJSON(), error.status, { 'cache-control': 'no-store' });
      }
      return errorResponse(error, log);
    }
  };
}
