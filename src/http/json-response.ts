/**
 * JSON responses of the HTTP API.
 * @module
 */

/** A Response carrying `body` as JSON with `status` and any extra `headers`. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
