/**
 * Timing a node:http request/response pair: shared by the node:http and Express adapters.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ABORTED_CLASS, type HttpRecorder } from '../collect/http.js';
import { trackResponseEnd, type ResponseEndHandler } from './response-end.js';

/**
 * The names of the request and response properties read once a response has ended, read as
 * `res[STATUS_CODE]` rather than `res.statusCode`. Express swaps the prototype of every
 * request and response it handles, which leaves each object with a hidden class of its own:
 * a named read of it then misses V8's inline cache and stub cache every time and takes a
 * runtime lookup (three more a request with Velocity, seen in V8's IC log and in callgrind's
 * call counts), while a read by a key held in a variable takes V8's generic keyed lookup,
 * which finds the property without the runtime (none more). Other servers' objects keep one
 * hidden class, and the keyed read costs them the same as a named one.
 */
const STATUS_CODE = 'statusCode';
/** See STATUS_CODE. */
const METHOD = 'method';

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
    const statusCode = res[STATUS_CODE];
    const route = routeOf(req, statusCode);
    const method = req[METHOD] ?? 'GET';
    if (finished) http.record(method, route, statusCode, durationMs);
    else http.recordClass(method, route, ABORTED_CLASS, durationMs);
  };
  return (req, res) => trackResponseEnd(req, res, onEnd);
}
