/**
 * Timing a Web-standard `Request → Response` handler: shared by the Hono (fetch handler) and
 * Next.js adapters.
 * @module
 */
import type { HttpRecorder } from '../collect/http.js';

/** Finds the route template of a request that was answered with `status`. */
export type FetchRouteResolver = (request: Request, status: number) => string;

/**
 * Calls `respond`, timing it until it returns its Response (a streamed body may go on after
 * that), and records the response's status under the route `routeOf` gives. A thrown error or
 * rejected promise is recorded with the status `statusOfError` gives (default 500) and
 * re-thrown untouched.
 */
export async function trackFetch<Res extends Response>(
  http: HttpRecorder,
  request: Request,
  routeOf: FetchRouteResolver,
  respond: () => Res | Promise<Res>,
  statusOfError: (error: unknown) => number = () => 500,
): Promise<Res> {
  const startedAt = performance.now();
  let response: Res;
  try {
    response = await respond();
  } catch (error) {
    const status = statusOfError(error);
    http.record(request.method, routeOf(request, status), status, performance.now() - startedAt);
    throw error;
  }
  http.record(request.method, routeOf(request, response.status), response.status, performance.now() - startedAt);
  return response;
}
