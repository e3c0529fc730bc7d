/**
 * `POST /api/v1/ingest`: another process (a daemon in any language) sends what it observed
 * as one JSON batch (docs/ingest.schema.json): raw `requests` and `operations`, recorded as
 * the adapters record theirs, and pre-aggregated one-minute `windows`, queued for the flusher
 * beside the sealed ones. A batch is checked whole first and then taken whole (202), or not
 * at all: 400 naming the first bad field, 401/403 without the right to ingest, 413 past the
 * byte or item limit, 415 for a body that is not JSON.
 * @module
 */
import type { VelocityConfig } from '../config.js';
import { VelocityError } from '../errors.js';
import { parseIngestBatch, type IngestBatch } from '../query/ingest-batch.js';
import type { Velocity } from '../velocity.js';
import { hasBearerToken } from './auth.js';
import { jsonResponse } from './json-response.js';
import { assertJsonContent, readJsonBody } from './read-body.js';

/** The path of the ingest endpoint. */
export const INGEST_PATH = '/api/v1/ingest';

/** The body of a 202: how many items of each kind the batch held, all recorded or queued. */
export interface IngestAccepted {
  accepted: { requests: number; operations: number; windows: number };
}

/** Throws FORBIDDEN when `config` lets nobody ingest, UNAUTHORIZED when `request` lacks the token. */
function checkAccess(request: Request, config: VelocityConfig): void {
  if (config.ingest === 'off') {
    throw new VelocityError('FORBIDDEN', 'ingest is turned off here (VELOCITY_INGEST=off, option ingest: "off")');
  }
  if (config.apiToken === undefined) {
    if (config.ingest === 'open') return;
    throw new VelocityError(
      'FORBIDDEN',
      'ingest needs an API token: set VELOCITY_API_TOKEN (option apiToken) and send "Authorization: Bearer <token>", ' +
        'or set VELOCITY_INGEST=open (option ingest: "open") to take batches from anyone who can reach this port',
    );
  }
  if (!hasBearerToken(request, config.apiToken)) throw new VelocityError('UNAUTHORIZED', 'missing or wrong bearer token');
}

function errorResponse(error: VelocityError, headers: Record<string, string> = {}): Response {
  const extra: Record<string, string> = error.code === 'UNAUTHORIZED' ? { 'www-authenticate': 'Bearer', ...headers } : headers;
  return jsonResponse(error.toJSON(), error.status, extra);
}

/** Records the batch's requests and operations and queues its windows; windows first, as they are the one step that checks again. */
function accept(velocity: Velocity, batch: IngestBatch): IngestAccepted {
  velocity.enqueueWindows(batch.windows);
  for (const r of batch.requests) velocity.http.recordClass(r.method, r.route, r.classIndex, r.durationMs);
  for (const o of batch.operations) velocity.operations.record(o.name, o.labels, o.success, o.durationMs);
  return { accepted: { requests: batch.requests.length, operations: batch.operations.length, windows: batch.windows.length } };
}

/**
 * The ingest endpoint of `velocity`, for requests to INGEST_PATH. Errors it cannot name
 * (not a VelocityError) are passed to `log` and answered 500.
 */
export function createIngestHandler(velocity: Velocity, log: (message: string) => void): (request: Request) => Promise<Response> {
  const { config } = velocity;
  return async (request) => {
    if (request.method !== 'POST') {
      return jsonResponse({ error: `${request.method} is not allowed here; use POST` }, 405, { allow: 'POST' });
    }
    // Until the body is read whole, an answer closes the connection: the rest need not be read.
    let bodyRead = false;
    const unread = (): Record<string, string> => (bodyRead ? {} : { connection: 'close' });
    try {
      checkAccess(request, config);
      assertJsonContent(request);
      const body = await readJsonBody(request, config.ingestMaxBytes);
      bodyRead = true;
      velocity.rotate();
      const openStart = velocity.recorder.openWindowStart;
      const batch = parseIngestBatch(body, {
        maxItems: config.ingestMaxItems,
        latestStart: openStart,
        earliestStart: openStart - config.retention1mMs,
        ownInstance: config.instance,
      });
      return jsonResponse(accept(velocity, batch), 202);
    } catch (error) {
      if (error instanceof VelocityError) return errorResponse(error, unread());
      log(`ingest error: ${error instanceof Error ? error.stack : String(error)}`);
      return jsonResponse({ error: 'internal error' }, 500, unread());
    }
  };
}
