/**
 * Timing a node:http request/response pair: shared by the node:http and Express adapters.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ABORTED_CLASS, type HttpRecorder } from '../collect/http.js';
import { trackResponseEnd, type ResponseEndHandler } from './response-end.js';

/** Finds the route template of a finished request, given the status it was answered with. */
export type RouteResolver<Req extends IncomingMessage> = (req: Req, statusCode: number) => string;

/**
 * A function that times a response from the moment it is called until the response ends, and
 * records it under the route `routeOf` gives at that moment (routers fill in the matched route
 * while handling). A response that closed before it finished — the client went away — is
 * recorded with status class `aborted`.
 */
export function responseTracker<Req extends IncomingMessage>(
  http: HttpRecorder,
  routeOf: RouteResolver<Req>,
): (req: Req, res: ServerResponse) => void {
  const onEnd: ResponseEndHandler<Req> = (req, res, finished, durationMs) => {
    const statusCode = res.statusCode;
    const route = routeOf(req, statusCode);
    if (finished) http.record(req.method ?? 'GET', route, statusCode, durationMs);
    else http.recordClass(req.method ?? 'GET', route, ABORTED_CLASS, durationMs);
  };
  return (req, res) => trackResponseEnd(req, res, onEnd);
}
