/**
 * Velocity for Hono and for any Web-standard fetch handler (Bun, Deno, Cloudflare-style
 * `fetch(request, env, ctx)`): `withVelocityHono`, the fetch handler of a Hono app that
 * records every request under the route template Hono matched, without a middleware (the
 * cheaper way); `velocityMiddleware`, which does the same as a Hono middleware; and
 * `withVelocityFetch`, which wraps any `Request → Response` handler. None imports Hono at run
 * time.
 * @example
 * import { serve } from '@hono/node-server';
 * import { Hono } from 'hono';
 * import { createVelocity } from 'velocity-metrics';
 * import { withVelocityHono } from 'velocity-metrics/hono';
 * const velocity = createVelocity({ service: 'api' });
 * const app = new Hono();
 * app.all('/api/v1/*', (c) => velocity.fetch(c.req.raw)); // Velocity's own API
 * serve({ fetch: withVelocityHono(velocity, app) });
 * @module
 */
import { RouteTemplateCache } from '../collect/route-template.js';
import type { Velocity } from '../velocity.js';
import { UNMATCHED_ROUTE } from '../collect/http.js';
import { isCatchAll, type HonoRoute } from './hono-app.js';
import { trackFetch, type FetchRouteResolver } from './track-fetch.js';

export { UNMATCHED_ROUTE };
export { withVelocityHono, type HonoApp } from './hono-app.js';

/** The parts of a Hono `Context` the middleware reads. */
export interface HonoContext {
  req: {
    raw: Request;
    /** Index, in `matchedRoutes`, of the handler that ran last: after `next()`, the one that answered. */
    routeIndex: number;
    matchedRoutes: HonoRoute[];
  };
  res: Response;
}

/**
 * The route template of a Hono request answered with `status`: the path of the route that
 * answered (`/api/jobs/:id`, with `app.route()` and `basePath()` prefixes). A 404 answered by
 * a catch-all `app.use()` / `app.all()` pattern (`*`, `/api/*`), which is where Hono's
 * not-found handler runs when no route matched, is `unmatched`; a route's own 404 keeps its
 * template.
 */
function honoRoute(c: HonoContext, status: number): string {
  // `matchedRoutes` rather than the `hono/route` helpers so that this file imports nothing
  // from Hono at run time and `withVelocityFetch` works without Hono installed.
  const route = c.req.matchedRoutes[c.req.routeIndex];
  if (route === undefined) return UNMATCHED_ROUTE;
  if (status === 404 && isCatchAll(route)) return UNMATCHED_ROUTE;
  return route.path;
}

/**
 * A Hono middleware recording every request under its matched route template and status;
 * mount it first (`app.use(velocityMiddleware(velocity))`). An error that reaches it (Hono's
 * `onError` handles most before that) is recorded as a 500 and re-thrown. `withVelocityHono`
 * records the same without a middleware, which Hono answers with fewer instructions.
 */
export function velocityMiddleware(velocity: Velocity): (c: HonoContext, next: () => Promise<void>) => Promise<void> {
  const http = velocity.http;
  // A plain `.then` rather than an async function with try/await: no async frame to suspend
  // and resume, one promise fewer per request.
  return (c, next) => {
    const startedAt = performance.now();
    return next().then(
      () => {
        const status = c.res.status;
        http.record(c.req.raw.method, honoRoute(c, status), status, performance.now() - startedAt);
      },
      (error: unknown) => {
        http.record(c.req.raw.method, honoRoute(c, 500), 500, performance.now() - startedAt);
        throw error;
      },
    );
  };
}

/** Options of `withVelocityFetch`. */
export interface FetchAdapterOptions {
  /**
   * Gives the route template of a request. Default: the path with identifier-like segments
   * folded into `:id`, and `unmatched` for every 404 (so unknown URLs make one series per
   * method, not one per URL).
   */
  route?: (request: Request) => string;
}

/** The path and query of an absolute URL (`http://host/a/b?c` → `/a/b?c`), without parsing it. */
function pathOf(url: string): string {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash === -1 ? '/' : url.slice(slash);
}

/**
 * Wraps a Web-standard fetch handler so that Velocity records every request it answers. The
 * duration runs until the handler returns its Response; an error it throws is recorded as a
 * 500 and re-thrown untouched. Extra arguments (`env`, `ctx`, a Bun server) are passed on.
 * @example
 * Bun.serve({ fetch: withVelocityFetch(velocity, (request) => new Response('ok')) });
 */
export function withVelocityFetch<Args extends unknown[], Res extends Response>(
  velocity: Velocity,
  handler: (request: Request, ...rest: Args) => Res | Promise<Res>,
  options: FetchAdapterOptions = {},
): (request: Request, ...rest: Args) => Promise<Res> {
  const http = velocity.http;
  const { route } = options;
  let routeOf: FetchRouteResolver;
  if (route === undefined) {
    const templates = new RouteTemplateCache();
    routeOf = (request, status) => (status === 404 ? UNMATCHED_ROUTE : templates.get(pathOf(request.url)));
  } else {
    routeOf = (request) => route(request);
  }
  return (request, ...rest) => trackFetch(http, request, routeOf, () => handler(request, ...rest));
}
