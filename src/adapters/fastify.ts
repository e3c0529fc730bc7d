/**
 * Velocity for Fastify 5: a plugin that records every request under its route template
 * (`request.routeOptions.url`, prefixes of registered plugins included), timed from its
 * `onRequest` hook until the response closes. Requests no route matched are recorded as `unmatched`, one
 * series per method; requests whose client went away before the response are `aborted`, and
 * those the server's `connectionTimeout` cut off are `timeout`.
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
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { ABORTED_CLASS, TIMEOUT_CLASS, UNMATCHED_ROUTE } from '../collect/http.js';
import type { Velocity } from '../velocity.js';

export { UNMATCHED_ROUTE };

/** Options of `velocityPlugin`. */
export interface VelocityPluginOptions {
  /** The instance that records the requests. */
  velocity: Velocity;
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

function register(fastify: FastifyInstance, options: VelocityPluginOptions, done: (error?: Error) => void): void {
  const http = options.velocity.http;
  // Requests that `connectionTimeout` cut off: onTimeout runs before their response closes.
  const timedOut = new WeakSet<FastifyRequest>();
  fastify.addHook('onRequest', (request, reply, next) => {
    // Our own start mark: `reply.elapsedTime` is 0 unless Fastify times the request itself
    // (when it has a logger, an onResponse hook or a handler timeout).
    const startedAt = performance.now();
    const raw = reply.raw;
    // The raw response's close sees every outcome, a client that leaves after its body was
    // read included (neither onResponse nor onRequestAbort does); one listener per request
    // is also cheaper than a second hook. A closure, as in track-response.ts.
    raw.on('close', () => {
      const durationMs = performance.now() - startedAt;
      if (raw.writableFinished) {
        http.record(request.method, routeOf(request), raw.statusCode, durationMs);
      } else {
        const classIndex = timedOut.has(request) ? TIMEOUT_CLASS : ABORTED_CLASS;
        http.recordClass(request.method, routeOf(request), classIndex, durationMs);
      }
    });
    next();
  });
  fastify.addHook('onTimeout', (request, _reply, next) => {
    timedOut.add(request);
    next();
  });
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
