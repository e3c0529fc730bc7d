/**
 * Velocity for Fastify 5: a plugin that records every request under its route template
 * (prefixes of registered plugins included), timed from when the server hands it to Fastify
 * until the response finishes or closes. Requests no route matched are recorded as
 * `unmatched`, one series per method; requests whose client went away before the response are
 * `aborted`, and those the server's `connectionTimeout` cut off are `timeout`.
 *
 * It adds no hook to a request's way through Fastify: a route with any `onRequest` hook has
 * Fastify allocate a hook runner for each of its requests, which costs a hello world more than
 * everything else Velocity does. It follows each request from the server's `request` event,
 * and each route's handler, wrapped, tells it the route. A request a hook answered before its
 * handler ran gets its template from the routes the plugin saw added, matched by the router
 * Fastify uses. Register the plugin before the routes: routes added before it are recorded as
 * `unmatched`. `fastify.inject()` does not go through the server, so it is not recorded.
 * @example
 * import Fastify from 'fastify';
 * import { createVelocity } from 'velocity-metrics';
 * import { velocityPlugin } from 'velocity-metrics/fastify';
 * const velocity = createVelocity({ service: 'api' });
 * const app = Fastify();
 * await app.register(velocityPlugin, { velocity });
 * app.get('/api/v1/*', (request, reply) => { // Velocity's own API
 *   reply.hijack();
 *   velocity.nodeMiddleware(request.raw, reply.raw);
 * });
 * @module
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { ABORTED_CLASS, TIMEOUT_CLASS, UNMATCHED_ROUTE } from '../collect/http.js';
import type { Velocity } from '../velocity.js';
import { FastifyRouteTemplates } from './fastify-routes.js';
import { retargetResponseEnd, trackResponseEnd, type ResponseEndHandler } from './response-end.js';

export { UNMATCHED_ROUTE };

/** Options of `velocityPlugin`. */
export interface VelocityPluginOptions {
  /** The instance that records the requests. */
  velocity: Velocity;
}

/**
 * Calls `track(req, res)` for each request `server` emits, before the listeners it has now
 * (Fastify's own). A listener added later runs after these.
 */
function trackRequests(server: FastifyInstance['server'], track: RequestListener): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    track(req, res);
    for (let i = 0; i < listeners.length; i++) listeners[i].call(server, req, res);
  });
}

function register(fastify: FastifyInstance, options: VelocityPluginOptions, done: (error?: Error) => void): void {
  const http = options.velocity.http;
  const templates = new FastifyRouteTemplates();
  // Requests that `connectionTimeout` cut off: onTimeout runs before their response closes.
  const timedOut = new WeakSet<IncomingMessage>();
  const record = (req: IncomingMessage, route: string, res: ServerResponse, finished: boolean, durationMs: number): void => {
    const method = req.method ?? 'GET';
    if (finished) http.record(method, route, res.statusCode, durationMs);
    else http.recordClass(method, route, timedOut.has(req) ? TIMEOUT_CLASS : ABORTED_CLASS, durationMs);
  };
  const onEndUnrouted: ResponseEndHandler<IncomingMessage> = (req, res, finished, durationMs) =>
    record(req, templates.find(req.method ?? 'GET', req.url ?? '/') ?? UNMATCHED_ROUTE, res, finished, durationMs);
  // The raw response's end sees every outcome, a client that leaves after its body was read
  // included (neither onResponse nor onRequestAbort does).
  trackRequests(fastify.server, (req, res) => trackResponseEnd(req, res, onEndUnrouted));
  fastify.addHook('onRoute', (routeOptions) => {
    const route = routeOptions.url;
    templates.add(routeOptions.method, route);
    const onEndRouted: ResponseEndHandler<IncomingMessage> = (req, res, finished, durationMs) => record(req, route, res, finished, durationMs);
    const handler = routeOptions.handler;
    routeOptions.handler = function routed(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      retargetResponseEnd(reply.raw, onEndRouted);
      return handler.call(this, request, reply);
    };
  });
  // Without a connection timeout there are none, and the hook would cost each request an
  // object: Fastify keeps the request of each socket for it.
  if ((fastify.initialConfig.connectionTimeout ?? 0) > 0) {
    fastify.addHook('onTimeout', (request, _reply, next) => {
      timedOut.add(request.raw);
      next();
    });
  }
  done();
}

/**
 * The Fastify plugin: `await app.register(velocityPlugin, { velocity })`, before the routes.
 * It applies to the whole application, not only to its own encapsulation context (it
 * sets `Symbol.for('skip-override')`, as `fastify-plugin` does).
 */
export const velocityPlugin: FastifyPluginCallback<VelocityPluginOptions> = Object.assign(register, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'velocity-metrics',
});
