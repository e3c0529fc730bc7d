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
 * Times `res` from now until it finishes and records it under the route `routeOf` gives at
 * that moment (routers fill in the matched route while handling). A response whose client
 * went away before it finished is recorded with status class `aborted`.
 */
export function trackResponse<Req extends IncomingMessage>(
  http: HttpRecorder,
  req: Req,
  res: ServerResponse,
  routeOf: RouteResolver<Req>,
): void {
  const startedAt = performance.now();
  const onClose = (): void => {
    res.off('finish', onFinish);
    http.recordClass(req.method ?? 'GET', routeOf(req, res.statusCode), ABORTED_CLASS, performance.now() - startedAt);
  };
  const onFinish = (): void => {
    res.off('close', onClose);
    http.record(req.method ?? 'GET', routeOf(req, res.statusCode), res.statusCode, performance.now() - startedAt);
  };
  res.once('finish', onFinish);
  res.once('close', onClose);
}
