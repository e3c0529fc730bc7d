/**
 * Velocity for Fastify 5: a plugin that records every request under its route template
 * (`request.routeOptions.url`, prefixes of registered plugins included), timed from its
 * `onRequest` hook until the response finishes or closes. Requests no route matched are
 * recorded as `unmatched`, one series per method; requests whose client went away before the
 * response are `aborted`, and those the server's `connectionTimeout` cut off are `timeout`.
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
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { ABORTED_CLASS, TIMEOUT_CLASS, UNMATCHED_ROUTE } from '../collect/http.js';
import type { Velocity } from '../velocity.js';
import { trackResponseEnd, type ResponseEndHandler } from './response-end.js';

export { UNMATCHED_ROUTE };

/** Options of `velocityPlugin`. */
export interface VelocityPluginOptions {
  /** The instance that records the requests. */
  velocity: Velocity;
}

/**
 * Where a route's handler leaves its template, for the hook that times the request. A request
 * decorator, so that Fastify creates every request with it: a property added afterwards would
 * give requests a second shape, and Fastify's code that reads them would run slower.
 */
const ROUTE = Symbol('velocity-metrics.route');

type MarkedRequest = FastifyRequest & { [ROUTE]?: string | null };

/**
 * The route template of a request: left by its route's handler, or read from `routeOptions`
 * when the handler did not run (a hook answered first, a route added before the plugin).
 * `request.routeOptions` builds a new object of a dozen fields on every read, which would be
 * most of what Velocity costs a request.
 */
function routeOf(request: MarkedRequest): string {
  return request[ROUTE] ?? request.routeOptions.url ?? UNMATCHED_ROUTE;
}

function register(fastify: FastifyInstance, options: VelocityPluginOptions, done: (error?: Error) => void): void {
  const http = options.velocity.http;
  if (!fastify.hasRequestDecorator(ROUTE)) fastify.decorateRequest(ROUTE, null);
  // Each route added after the plugin gets a handler that first notes its template. Not a
  // route-level hook: a route with any `onRequest` hook has Fastify allocate a hook runner for
  // each of its requests, and the one below is the only hook Velocity adds.
  fastify.addHook('onRoute', (routeOptions) => {
    const route = routeOptions.url;
    const handler = routeOptions.handler;
    routeOptions.handler = function markRoute(this: FastifyInstance, request: MarkedRequest, reply) {
      request[ROUTE] = route;
      return handler.call(this, request, reply);
    };
  });
  // The raw response's end sees every outcome, a client that leaves after its body was read
  // included (neither onResponse nor onRequestAbort does). The start mark is our own:
  // `reply.elapsedTime` is 0 unless Fastify times the request itself (when it has a logger,
  // an onResponse hook or a handler timeout).
  const onEnd: ResponseEndHandler<MarkedRequest> = (request, raw, finished, durationMs) => {
    if (finished) {
      http.record(request.method, routeOf(request), raw.statusCode, durationMs);
    } else {
      const classIndex = timedOut.has(request) ? TIMEOUT_CLASS : ABORTED_CLASS;
      http.recordClass(request.method, routeOf(request), classIndex, durationMs);
    }
  };
  fastify.addHook('onRequest', (request, reply, next) => {
    trackResponseEnd(request, reply.raw, onEnd);
    next();
  });
  // Requests that `connectionTimeout` cut off: onTimeout runs before their response closes.
  // Without a connection timeout there are none, and the hook would cost each request an
  // object: Fastify keeps the request of each socket for it.
  const timedOut = new WeakSet<FastifyRequest>();
  if ((fastify.initialConfig.connectionTimeout ?? 0) > 0) {
    fastify.addHook('onTimeout', (request, _reply, next) => {
      timedOut.add(request);
      next();
    });
  }
  done();
}

/**
 * The Fastify plugin: `await app.register(velocityPlugin, { velocity })`, before the routes.
 * Its hooks apply to the whole application, not only to its own encapsulation context (it
 * sets `Symbol.for('skip-override')`, as `fastify-plugin` does).
 */
export const velocityPlugin: FastifyPluginCallback<VelocityPluginOptions> = Object.assign(register, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'velocity-metrics',
});
