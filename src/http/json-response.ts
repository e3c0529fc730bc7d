/**
 * JSON responses of the HTTP API.
 * @module
 */
import { jsonBytes } from './json-bytes.js';

/** The JSON body of each response made here, while its body is unread: text or UTF-8 bytes. */
const bodies = new WeakMap<Response, string | Uint8Array>();

/** A Response carrying `body` as JSON with `status` and any extra `headers`. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return respond(JSON.stringify(body), status, headers);
}

/**
 * As `jsonResponse`, the JSON written by `jsonBytes`: for a body made mostly of long arrays
 * of numbers (a history's columns), which it serialises several times faster.
 */
export function numericJsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return respond(jsonBytes(body), status, headers);
}

function respond(json: string | Uint8Array, status: number, headers: Record<string, string>): Response {
  const response = new Response(json, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
  bodies.set(response, json);
  return response;
}

/**
 * The JSON body of `response` (text or UTF-8 bytes) if this module made it and its body is
 * unread: what a node:http server writes directly, several times faster for a large body than
 * reading the Response's stream back into a buffer.
 */
export function unreadJsonBody(response: Response): string | Uint8Array | undefined {
  return response.bodyUsed ? undefined : bodies.get(response);
}
