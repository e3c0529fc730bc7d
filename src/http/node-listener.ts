/**
 * Serving a Web-standard handler (`Request → Response`) from node:http, as a request
 * listener or as Express-style middleware that passes on what the handler does not answer.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { unreadJsonBody } from './json-response.js';

/** A Web-standard handler; null means "not mine". */
export type WebHandler = (request: Request) => Promise<Response | null>;

/** Express-style middleware; without `next`, unanswered requests get a 404. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

function toRequest(req: IncomingMessage): Request {
  const host = req.headers.host ?? 'localhost';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(`http://${host}${req.url ?? '/'}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    duplex: hasBody ? 'half' : undefined,
  } as RequestInit);
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (response.body === null) {
    res.end();
    return;
  }
  const json = unreadJsonBody(response);
  res.end(json ?? Buffer.from(await response.arrayBuffer()));
}

/** Wraps `handler` as node:http middleware. */
export function toNodeMiddleware(handler: WebHandler): NodeMiddleware {
  return (req, res, next) => {
    handler(toRequest(req))
      .then(async (response) => {
        if (response !== null) return writeResponse(response, res);
        if (next) return next();
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: `no such endpoint: ${req.method} ${req.url}` }));
      })
      .catch((error: unknown) => {
        if (next) return next(error);
        res.statusCode = 500;
        res.end(JSON.stringify({ error: 'internal error' }));
      });
  };
}
