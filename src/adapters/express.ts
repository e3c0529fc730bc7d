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
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Velocity } from '../velocity.js';
import { UNMATCHED_ROUTE } from '../collect/http.js';
import { responseTracker } from './track-response.js';

export { UNMATCHED_ROUTE };

/** The parts of an Express request the adapter reads. */
interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

function expressRoute(req: ExpressRequest): string {
  const path = req.route?.path;
  if (path === undefined) return UNMATCHED_ROUTE;
  return (req.baseUrl ?? '') + (typeof path === 'string' ? path : String(path));
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
