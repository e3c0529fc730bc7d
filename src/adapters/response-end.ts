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

/** The response in flight on one connection that a tracker follows, reused for each of its requests. */
class Slot {
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

  /** Hands the response to its handler and empties the slot. */
  end(finished: boolean): void {
    const { res, subject, onEnd } = this;
    this.res = null;
    this.subject = null;
    this.onEnd = null;
    (onEnd as ResponseEndHandler<unknown>)(subject, res as ServerResponse, finished, performance.now() - this.startedAt);
  }
}

const SLOT = Symbol('velocity-metrics.response-slot');

type SlottedSocket = Socket & { [SLOT]?: Slot };

/**
 * Node.js publishes `http.server.response.finish` for every response its http server
 * finishes (once the channel has a subscriber); other runtimes' node:http may not.
 */
const FINISH_CHANNEL = 'http.server.response.finish';
const finishPublished = typeof process.versions.bun !== 'string' && typeof process.versions.deno !== 'string';
let subscribed = false;

function onFinish(message: unknown): void {
  const { response, socket } = message as { response: ServerResponse; socket: SlottedSocket };
  const slot = socket[SLOT];
  if (slot !== undefined && slot.res === response) slot.end(true);
}

function onSocketClose(this: SlottedSocket): void {
  const slot = this[SLOT] as Slot;
  if (slot.res !== null) slot.end(false);
}

/** The slots of responses a connection's slot could not take (see `trackResponseEnd`). */
const ownSlots = new WeakMap<ServerResponse, Slot>();

/**
 * Calls `onEnd(subject, res, finished, durationMs)` once `res` ends, timed from now. A
 * listener per request ('close' on the response) costs a hello-world server about 2 % more
 * instructions, so this takes the end from what is there anyway when it can: Node's
 * `http.server.response.finish` diagnostics channel (one subscriber for the whole process)
 * for a finished response, and one 'close' listener per connection, not per request, for a
 * response its connection dropped. Each connection keeps a slot for the one response in
 * flight on it. A response the slot cannot take (a pipelined one whose connection is still
 * busy, one another tracker already follows, one not served from a node:http socket, or on
 * a runtime that does not publish the channel) gets its own 'close' listener, as before.
 */
export function trackResponseEnd<Subject>(subject: Subject, res: ServerResponse, onEnd: ResponseEndHandler<Subject>): void {
  const startedAt = performance.now();
  const socket = res.socket as SlottedSocket | null;
  let slot = socket?.[SLOT];
  if (slot === undefined && socket !== null && finishPublished && socket instanceof Socket) {
    if (!subscribed) {
      subscribe(FINISH_CHANNEL, onFinish);
      subscribed = true;
    }
    slot = new Slot();
    socket[SLOT] = slot;
    socket.on('close', onSocketClose);
  }
  if (slot !== undefined && slot.res === null) {
    slot.fill(res, subject, onEnd as ResponseEndHandler<unknown>, startedAt);
    return;
  }
  const own = new Slot();
  own.fill(res, subject, onEnd as ResponseEndHandler<unknown>, startedAt);
  ownSlots.set(res, own);
  // `on`, not `once`: 'close' comes once, and `once` would wrap the listener.
  res.on('close', () => own.end(res.writableFinished));
}

/**
 * Hands a tracked response that has not ended yet to `onEnd` instead of the handler it was
 * tracked with: for an adapter that learns more of the request (its route) once the framework
 * has routed it. Does nothing for a response that is not tracked or has ended.
 */
export function retargetResponseEnd<Subject>(res: ServerResponse, onEnd: ResponseEndHandler<Subject>): void {
  const slot = (res.socket as SlottedSocket | null)?.[SLOT];
  const tracking = slot !== undefined && slot.res === res ? slot : ownSlots.get(res);
  if (tracking !== undefined && tracking.res === res) tracking.onEnd = onEnd as ResponseEndHandler<unknown>;
}
