/**
 * Timing a node:http request/response pair: shared by the node:http and Express adapters.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ABORTED_CLASS, type HttpRecorder } from '../collect/http.js';

/** Finds the route template of a finished request, given the status it was answered with. */
export type RouteResolver<Req extends IncomingMessage> = (req: Req, statusCode: number) => string;

/**
 * Times `res` from now until it closes and records it under the route `routeOf` gives at
 * that moment (routers fill in the matched route while handling). A response that closed
 * before it finished — the client went away — is recorded with status class `aborted`.
 */
export function trackResponse<Req extends IncomingMessage>(
  http: HttpRecorder,
  req: Req,
  res: ServerResponse,
  routeOf: RouteResolver<Req>,
): void {
  const startedAt = performance.now();
  // One 'close' listener serves both outcomes: node:http emits it after every response,
  // finished or not. `on`, not `once`: 'close' comes once, and `once` would wrap the listener.
  // A closure per request rather than one shared listener reading its start mark from a
  // property of `res`: Express swaps the prototype of every response, and adding a property
  // to such an object cost more (measured) than the closure does.
  res.on('close', () => {
    const durationMs = performance.now() - startedAt;
    const statusCode = res.statusCode;
    const route = routeOf(req, statusCode);
    if (res.writableFinished) http.record(req.method ?? 'GET', route, statusCode, durationMs);
    else http.recordClass(req.method ?? 'GET', route, ABORTED_CLASS, durationMs);
  });
}
