/**
 * JSON responses of the HTTP API.
 * @module
 */

/** The JSON text of each response `jsonResponse` made, while its body is unread. */
const bodyText = new WeakMap<Response, string>();

/** A Response carrying `body` as JSON with `status` and any extra `headers`. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  const response = new Response(text, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
  bodyText.set(response, text);
  return response;
}

/**
 * The JSON text of `response` if `jsonResponse` made it and its body is unread: what a node:http
 * server writes directly, several times faster for a large body than reading the Response's
 * stream back into a buffer.
 */
export function unreadJsonText(response: Response): string | undefined {
  return response.bodyUsed ? undefined : bodyText.get(response);
}
