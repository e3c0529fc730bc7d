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
  // finished or not, and a listener fewer is measurably cheaper per request. `on`, not
  // `once`: 'close' comes once, and `once` would wrap the listener in two more objects.
  res.on('close', () => {
    const durationMs = performance.now() - startedAt;
    const route = routeOf(req, res.statusCode);
    if (res.writableFinished) http.record(req.method ?? 'GET', route, res.statusCode, durationMs);
    else http.recordClass(req.method ?? 'GET', route, ABORTED_CLASS, durationMs);
  });
}
