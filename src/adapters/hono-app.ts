/**
 * Velocity for a Hono app without a Hono middleware: `withVelocityHono` gives the app's fetch
 * handler, recording every request under the route Hono's router matched for it. Hono answers
 * an app that has no middleware by calling the one matching handler directly, and a
 * middleware forgoes that (an empty one costs a hello world about 14 % more instructions);
 * this keeps it. It imports nothing from Hono at run time.
 * @module
 */
import { UNMATCHED_ROUTE } from '../collect/http.js';
import type { Velocity } from '../velocity.js';

/** A route as Hono registers it: `c.req.matchedRoutes[i]`, and the second half of a router entry. */
export interface HonoRoute {
  method: string;
  path: string;
}

/**
 * What a Hono router's `match` returns: the matched `[handler, route]` entries, in the order
 * they run, each with its parameters; then, for some routers, the parameter values.
 */
type HonoMatch = readonly [ReadonlyArray<readonly [readonly [unknown, HonoRoute], unknown]>, ...unknown[]];

/** The parts of a Hono router `withVelocityHono` wraps. */
interface HonoRouter {
  name: string;
  add(method: string, path: string, handler: never): void;
  match(method: string, path: string): HonoMatch;
}

/** The parts of a Hono app (`new Hono()`, `basePath()` included) `withVelocityHono` reads. */
export interface HonoApp {
  router: HonoRouter;
  fetch(request: Request, env?: unknown, executionCtx?: never): Response | Promise<Response>;
}

/**
 * Whether `route` is a catch-all `app.use()` / `app.all()` pattern (`*`, `/api/*`): where
 * middlewares are mounted, and where Hono's not-found handler runs when no route matched.
 */
export function isCatchAll(route: HonoRoute): boolean {
  return route.method === 'ALL' && route.path.endsWith('*');
}

/**
 * The route template of a request Hono matched to `match` and answered with `status`: the
 * path of the first matched route that is not a catch-all pattern (`/api/jobs/:id`, with
 * `app.route()` and `basePath()` prefixes), the handler that answers unless it hands on. When
 * only catch-all patterns matched, the last of them (a mounted app, a static-file fallback),
 * except for a 404, which is `unmatched`, as is a request that matched nothing.
 */
function matchedTemplate(match: HonoMatch | undefined, status: number): string {
  if (match === undefined) return UNMATCHED_ROUTE;
  const entries = match[0];
  for (let i = 0; i < entries.length; i++) {
    const route = entries[i][0][1];
    if (!isCatchAll(route)) return route.path;
  }
  return status === 404 || entries.length === 0 ? UNMATCHED_ROUTE : entries[entries.length - 1][0][1].path;
}

/** The state of the request in flight: waiting for its match (ARMED), its match, or none. */
const ARMED = null;

/**
 * The fetch handler of a Hono app, recording every request it answers under the route Hono
 * matched (see above), its method and its status, timed until the app returns its Response.
 * An error that escapes the app (Hono's `onError` turns an `Error` into a 500 before that) is
 * recorded as a 500 and re-thrown untouched. Serve what it returns instead of `app.fetch`, and
 * call it after the app's sub-apps are mounted or before, as long as before the first request.
 *
 * It learns each request's match from the router Hono already asks, by putting a thin
 * forwarding router in `app.router`: no second routing pass, and no middleware, so Hono's
 * direct path for an app whose request matches one handler stays. An app answered
 * synchronously is answered synchronously.
 * @example
 * import { serve } from '@hono/node-server';
 * const app = new Hono();
 * app.get('/api/jobs/:id', (c) => c.json({ id: c.req.param('id') }));
 * serve({ fetch: withVelocityHono(velocity, app) });
 * // Bun, Deno, Workers: export default { fetch: withVelocityHono(velocity, app) };
 */
export function withVelocityHono<App extends HonoApp>(velocity: Velocity, app: App): App['fetch'] {
  const http = velocity.http;
  const fetch = app.fetch;
  const router = app.router;
  // Hono calls `match` synchronously inside `fetch`, before any handler runs; a handler that
  // calls `fetch` again (directly or through this wrapper) matches later, so only the first
  // match after arming is taken, and a nested wrapper keeps the outer request's.
  let current: HonoMatch | typeof ARMED | undefined;
  app.router = {
    get name() {
      return router.name;
    },
    add: (method, path, handler) => router.add(method, path, handler),
    match: (method, path) => {
      const match = router.match(method, path);
      if (current === ARMED) current = match;
      return match;
    },
  };
  const record = (request: Request, match: HonoMatch | undefined, status: number, startedAt: number): void => {
    http.record(request.method, matchedTemplate(match, status), status, performance.now() - startedAt);
  };
  return (request: Request, env?: unknown, executionCtx?: never) => {
    const outer = current;
    current = ARMED;
    const startedAt = performance.now();
    let result: Response | Promise<Response>;
    try {
      result = fetch(request, env, executionCtx);
    } catch (error) {
      record(request, current ?? undefined, 500, startedAt);
      current = outer;
      throw error;
    }
    const match = current ?? undefined;
    current = outer;
    if (!(result instanceof Promise)) {
      record(request, match, result.status, startedAt);
      return result;
    }
    return result.then(
      (response) => {
        record(request, match, response.status, startedAt);
        return response;
      },
      (error: unknown) => {
        record(request, match, 500, startedAt);
        throw error;
      },
    );
  };
}
