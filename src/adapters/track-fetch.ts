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
 * re-thrown untouched: the returned promise rejects with it, as if `respond` were awaited in
 * an async function.
 */
export function trackFetch<Res extends Response>(
  http: HttpRecorder,
  request: Request,
  routeOf: FetchRouteResolver,
  respond: () => Res | Promise<Res>,
  statusOfError: (error: unknown) => number = () => 500,
): Promise<Res> {
  const startedAt = performance.now();
  let result: Res | Promise<Res>;
  try {
    result = respond();
  } catch (error) {
    recordFailure(http, request, routeOf, statusOfError(error), startedAt);
    return Promise.reject(error);
  }
  // `.then` rather than an async function: no async frame to suspend and resume.
  return Promise.resolve(result).then(
    (response) => {
      http.record(request.method, routeOf(request, response.status), response.status, performance.now() - startedAt);
      return response;
    },
    (error: unknown) => {
      recordFailure(http, request, routeOf, statusOfError(error), startedAt);
      throw error;
    },
  );
}

function recordFailure(http: HttpRecorder, request: Request, routeOf: FetchRouteResolver, status: number, startedAt: number): void {
  http.record(request.method, routeOf(request, status), status, performance.now() - startedAt);
}
