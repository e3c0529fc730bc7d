/**
 * Learning when a node:http response ends, finished or abandoned, without a listener per
 * request: shared by the node:http, Express and Fastify adapters.
 * @module
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Called once per tracked response: when it finished (`finished` true), or when it closed
 * before that because its client went away or its connection was destroyed.
 */
export type ResponseEndHandler<Subject> = (subject: Subject, res: ServerResponse, finished: boolean, durationMs: number) => void;

/** One tracked response; reused for the responses that follow it. */
class Tracked {
  res: ServerResponse | null = null;
  subject: unknown = null;
  onEnd: ResponseEndHandler<unknown> | null = null;
  startedAt = 0;

  /** Starts following `res`. */
  fill(res: ServerResponse, subject: unknown, onEnd: ResponseEndHandler<unknown>, startedAt: number): void {
    this.res = res;
    this.subject = subject;
    this.onEnd = onEnd;
    this.startedAt = startedAt;
  }

  /** Hands the response to its handler and empties the entry. */
  end(finished: boolean): void {
    const { res, subject, onEnd } = this;
    this.res = null;
    this.subject = null;
    this.onEnd = null;
    (onEnd as ResponseEndHandler<unknown>)(subject, res as ServerResponse, finished, performance.now() - this.startedAt);
  }
}

/**
 * The tracked responses of one connection, oldest first: one at a time, more when the client
 * pipelines requests (node:http queues their responses and finishes them in order). A ring of
 * entries that grows to the deepest pipeline the connection has seen, as node:http's own queue
 * of responses does, and is reused for every request after.
 */
class ConnectionResponses {
  /** A power of two long, so that positions wrap with a mask. */
  private entries: Tracked[] = [new Tracked()];
  private head = 0;
  private size = 0;

  /** Follows `res`, after the responses followed before it. */
  add(res: ServerResponse, subject: unknown, onEnd: ResponseEndHandler<unknown>, startedAt: number): void {
    if (this.size === this.entries.length) this.grow();
    this.at(this.size).fill(res, subject, onEnd, startedAt);
    this.size++;
  }

  /**
   * Hands `res` to its handlers (one per tracker) as finished. It is the oldest, unless an
   * older response was tracked after it had already finished; that one waits for the close.
   */
  finished(res: ServerResponse): void {
    for (let position = this.indexOf(res, 0); position !== -1; position = this.indexOf(res, position)) {
      const entry = this.at(position);
      this.removeAt(position);
      entry.end(true);
    }
  }

  /** Hands every response still followed to its handler as not finished: the connection closed. */
  closed(): void {
    while (this.size > 0) {
      const oldest = this.at(0);
      this.removeAt(0);
      oldest.end(false);
    }
  }

  /** Hands `res`, if followed, to `onEnd` instead; whether it was followed. */
  retarget(res: ServerResponse, onEnd: ResponseEndHandler<unknown>): boolean {
    let found = false;
    for (let position = this.indexOf(res, 0); position !== -1; position = this.indexOf(res, position + 1)) {
      this.at(position).onEnd = onEnd;
      found = true;
    }
    return found;
  }

  private at(position: number): Tracked {
    return this.entries[(this.head + position) & (this.entries.length - 1)];
  }

  private indexOf(res: ServerResponse, from: number): number {
    for (let position = from; position < this.size; position++) if (this.at(position).res === res) return position;
    return -1;
  }

  /** Takes out the entry at `position`: the older ones move up one, the start moves past it. */
  private removeAt(position: number): void {
    const mask = this.entries.length - 1;
    const removed = this.at(position);
    for (let i = position; i > 0; i--) this.entries[(this.head + i) & mask] = this.at(i - 1);
    this.entries[this.head] = removed;
    this.head = (this.head + 1) & mask;
    this.size--;
  }

  private grow(): void {
    const entries: Tracked[] = [];
    for (let position = 0; position < this.size; position++) entries.push(this.at(position));
    while (entries.length < this.size * 2) entries.push(new Tracked());
    this.entries = entries;
    this.head = 0;
  }
}

const RESPONSES = Symbol('velocity-metrics.connection-responses');

type TrackedSocket = Socket & { [RESPONSES]?: ConnectionResponses };

/**
 * Node.js publishes `http.server.response.finish` for every response its http server
 * finishes (once the channel has a subscriber); other runtimes' node:http may not.
 */
const FINISH_CHANNEL = 'http.server.response.finish';
const finishPublished = typeof process.versions.bun !== 'string' && typeof process.versions.deno !== 'string';
let subscribed = false;

function onFinish(message: unknown): void {
  const { response, socket } = message as { response: ServerResponse; socket: TrackedSocket };
  socket[RESPONSES]?.finished(response);
}

function onSocketClose(this: TrackedSocket): void {
  (this[RESPONSES] as ConnectionResponses).closed();
}

/** The connection `res` is served on, also while it waits behind pipelined responses. */
function connectionOf(res: ServerResponse): TrackedSocket | null {
  return (res.socket ?? res.req?.socket ?? null) as TrackedSocket | null;
}

/** Trackers of responses not served from a node:http socket: their own entry each. */
const ownEntries = new WeakMap<ServerResponse, Tracked>();

/**
 * Calls `onEnd(subject, res, finished, durationMs)` once `res` ends, timed from now. A
 * listener per request ('close' on the response) costs a hello-world server about 2 % more
 * instructions, so this takes the end from what is there anyway: Node's
 * `http.server.response.finish` diagnostics channel (one subscriber for the whole process)
 * for a finished response, and one 'close' listener per connection, not per request, for the
 * responses its connection dropped. Each connection keeps its responses in flight, in order,
 * pipelined ones included. A response not served from a node:http socket, or on a runtime
 * that does not publish the channel, gets its own 'close' listener. The rare cases live in
 * functions of their own: V8 optimizes a small function soon, and this one runs per request.
 */
export function trackResponseEnd<Subject>(subject: Subject, res: ServerResponse, onEnd: ResponseEndHandler<Subject>): void {
  const startedAt = performance.now();
  const responses = connectionOf(res)?.[RESPONSES] ?? followConnection(res);
  if (responses !== null) responses.add(res, subject, onEnd as ResponseEndHandler<unknown>, startedAt);
  else trackAlone(res, subject, onEnd as ResponseEndHandler<unknown>, startedAt);
}

/**
 * Starts following the connection of `res`, on its first tracked response; null when it is
 * not a node:http socket or the runtime does not publish the finish channel.
 */
function followConnection(res: ServerResponse): ConnectionResponses | null {
  const socket = connectionOf(res);
  if (socket === null || !finishPublished || !(socket instanceof Socket)) return null;
  if (!subscribed) {
    subscribe(FINISH_CHANNEL, onFinish);
    subscribed = true;
  }
  const responses = new ConnectionResponses();
  socket[RESPONSES] = responses;
  socket.on('close', onSocketClose);
  return responses;
}

/** Follows `res` with a 'close' listener of its own. */
function trackAlone(res: ServerResponse, subject: unknown, onEnd: ResponseEndHandler<unknown>, startedAt: number): void {
  const own = new Tracked();
  own.fill(res, subject, onEnd, startedAt);
  ownEntries.set(res, own);
  // `on`, not `once`: 'close' comes once, and `once` would wrap the listener.
  res.on('close', () => own.end(res.writableFinished));
}

/**
 * Hands a tracked response that has not ended yet to `onEnd` instead of the handler it was
 * tracked with: for an adapter that learns more of the request (its route) once the framework
 * has routed it. Does nothing for a response that is not tracked or has ended.
 */
export function retargetResponseEnd<Subject>(res: ServerResponse, onEnd: ResponseEndHandler<Subject>): void {
  if (connectionOf(res)?.[RESPONSES]?.retarget(res, onEnd as ResponseEndHandler<unknown>)) return;
  const own = ownEntries.get(res);
  if (own !== undefined && own.res === res) own.onEnd = onEnd as ResponseEndHandler<unknown>;
}
