/**
 * JSON responses of the HTTP API.
 * @module
 */
import type { HistoryResult } from '../query/history.js';
import { jsonBytes } from './json-bytes.js';

/** The JSON body of each response made here, while its body is unread: text or UTF-8 bytes. */
const bodies = new WeakMap<Response, string | Uint8Array>();

/** A Response carrying `body` as JSON with `status` and any extra `headers`. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return respond(JSON.stringify(body), status, headers);
}

/**
 * The JSON of a history result as the API sends it: the columns layout (long arrays of
 * numbers) written by `jsonBytes`, several times faster than JSON.stringify; one object per
 * point by JSON.stringify, which is the faster of the two for many small objects.
 */
export function historyJson(result: HistoryResult): string | Uint8Array {
  if (result.format !== 'columns') return JSON.stringify(result);
  const layouts = result.groups?.map((group) => group.columns) ?? [result.columns];
  const points = layouts.reduce((n, columns) => n + (columns?.ts.length ?? 0), 0);
  return jsonBytes(result, COLUMNS_HEAD_BYTES + points * COLUMNS_BYTES_PER_POINT);
}

/**
 * About the JSON bytes of a history in columns: a head, and per point 16 numbers of a few
 * digits each (measured: 80 bytes a point for the 30-day dashboard, 72 for a fine query).
 */
const COLUMNS_HEAD_BYTES = 4_096;
const COLUMNS_BYTES_PER_POINT = 96;

/** A Response carrying a history result as JSON (`historyJson`). */
export function historyResponse(result: HistoryResult): Response {
  return respond(historyJson(result), 200, {});
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
