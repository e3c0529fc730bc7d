/**
 * Velocity for Express 4 and 5: a middleware that records every request under its matched
 * route template (`/api/jobs/:id`, mounted routers included); requests no route matched are
 * recorded as `unmatched`, one series per method.
 * @example
 * import express from 'express';
 * import { createVelocity } from 'velocity-metrics';
 * import { velocityMiddleware } from 'velocity-metrics/express';
 * const velocity = createVelocity({ service: 'api' });
 * const app = express();
 * app.use(velocityMiddleware(velocity));
 * app.use(velocity.nodeMiddleware); // serves /api/v1/* and /ops/metrics*
 * // Or, with no middleware: createServer(withVelocityExpress(velocity, app)).listen(3000);
 * @module
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Velocity } from '../velocity.js';
import { UNMATCHED_ROUTE } from '../collect/http.js';
import { withVelocity } from './node.js';
import { responseTracker } from './track-response.js';

export { UNMATCHED_ROUTE };

/** The parts of an Express request the adapter reads. */
interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

/** Read by keys held in variables, as track-response.ts reads the status (Express gives each request a hidden class of its own). */
const ROUTE = 'route';
const BASE_URL = 'baseUrl';

function expressRoute(req: ExpressRequest): string {
  const path = req[ROUTE]?.path;
  if (path === undefined) return UNMATCHED_ROUTE;
  return (req[BASE_URL] ?? '') + (typeof path === 'string' ? path : String(path));
}

/** An Express middleware recording every request; mount it before the routes. */
export function velocityMiddleware(
  velocity: Velocity,
): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  const track = responseTracker(velocity.http, expressRoute);
  return (req, res, next) => {
    track(req, res);
    next();
  };
}

/**
 * The app as a node:http request listener that records every request as the middleware does,
 * without being one: `createServer(withVelocityExpress(velocity, app)).listen(3000)`. Express
 * passes each request through every middleware layer's path match, which costs more than what
 * Velocity does with it; this follows the request from the server instead, and reads the
 * route Express matched once the response has ended.
 */
export function withVelocityExpress(velocity: Velocity, app: RequestListener): (req: IncomingMessage, res: ServerResponse) => void {
  return withVelocity(velocity, app, { route: expressRoute });
}
