/**
 * Velocity for a bare `node:http` server: wraps a request listener so every request is
 * recorded, with identifier-like path segments folded into `:id`, and every 404 under the one
 * route `unmatched` (a server without a router cannot tell a missing route from a missing id,
 * and unknown URLs must not become series).
 * @example
 * import { createServer } from 'node:http';
 * import { createVelocity } from 'velocity-metrics';
 * import { withVelocity } from 'velocity-metrics/node';
 * const velocity = createVelocity({ service: 'api' });
 * createServer(withVelocity(velocity, (req, res) => res.end('ok'))).listen(3000);
 * @module
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { UNMATCHED_ROUTE } from '../collect/http.js';
import { RouteTemplateCache } from '../collect/route-template.js';
import type { Velocity } from '../velocity.js';
import { responseTracker } from './track-response.js';

/** Options of `withVelocity`. */
export interface NodeAdapterOptions {
  /** Gives the route template of a request; default: the path with ids folded into `:id`, 404s as `unmatched`. */
  route?: (req: IncomingMessage) => string;
}

/** Wraps a node:http request listener so that Velocity records every request it serves. */
export function withVelocity(
  velocity: Velocity,
  listener: RequestListener,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const templates = new RouteTemplateCache();
  const routeOf =
    options.route ?? ((req: IncomingMessage, statusCode: number) => (statusCode === 404 ? UNMATCHED_ROUTE : templates.get(req.url ?? '/')));
  const track = responseTracker(velocity.http, routeOf);
  return (req, res) => {
    track(req, res);
    listener(req, res);
  };
}
