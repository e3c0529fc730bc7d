/**
 * The Velocity instance: records, seals, flushes, prunes, answers queries and hands out the
 * HTTP handler. No global state: every instance owns its recorder, store and timers.
 * @module
 */
import { HttpRecorder } from './collect/http.js';
import { resolveConfig, type VelocityConfig, type VelocityConfigOptions } from './config.js';
import { VelocityError } from './errors.js';
import { createApiHandler, type ApiHandler } from './http/api.js';
import { toNodeMiddleware, type NodeMiddleware } from './http/node-listener.js';
import { MINUTE_MS } from './model/duration.js';
import { Flusher, type FlusherStatus } from './pipeline/flusher.js';
import { planRetention, runRetention, type RetentionResult } from './pipeline/retention.js';
import { queryHistory, type HistoryResult } from './query/history.js';
import { liveSnapshot, type LiveSnapshot } from './query/live.js';
import { parseHistoryParams, type RawParams } from './query/params.js';
import { Recorder } from './record/recorder.js';
import { openStore } from './store/open-store.js';
import type { SeriesRecord, Store } from './store/store.js';

/** Options of `createVelocity`: the configuration plus what only code can hand in. */
export interface VelocityOptions extends VelocityConfigOptions {
  /** A ready store to use instead of opening the `database` setting. It is migrated, and closed by `close()`. */
  store?: Store;
  /** The clock, epoch ms (tests pass a fixed one). Default `Date.now`. */
  clock?: () => number;
  /** Run the minute, flush and retention timers. Default true; tests drive `rotate`/`flush` by hand. */
  timers?: boolean;
  /** Flush everything on SIGTERM and SIGINT, then let the signal take its course. Default true. */
  handleSignals?: boolean;
  /** Where problems are reported. Default: console.warn with a `[velocity]` prefix. */
  log?: (message: string) => void;
}

/** What /healthz reports. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  store: { kind: Store['kind']; reachable: boolean; error: string | null };
  pending_windows: number;
  pending_bytes: number;
  dropped_windows: number;
  last_flush_at: string | null;
  last_flush_error: string | null;
  series_in_memory: number;
  open_window_start: string;
}

/** A Velocity instance; create it with `createVelocity`. */
export class Velocity {
  /** The resolved configuration. */
  readonly config: VelocityConfig;
  /** Where windows are stored. */
  readonly store: Store;
  /** Every series' open window. */
  readonly recorder: Recorder;
  /** HTTP request recording, used by the adapters. */
  readonly http: HttpRecorder;
  /** Resolves once the store is migrated; rejects if it cannot be. */
  readonly ready: Promise<void>;
  /** The HTTP API for mounting inside another router: a Response for its own paths, null for any other. */
  readonly handler: ApiHandler;
  /** The HTTP API as a Web-standard handler, `Request → Response`: other paths get a JSON 404. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** The HTTP API for node:http and Express: answers its own paths, calls `next` (or 404s) for others. */
  readonly nodeMiddleware: NodeMiddleware;

  private readonly flusher: Flusher;
  private readonly clock: () => number;
  private readonly log: (message: string) => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly signalHandlers: Array<[NodeJS.Signals, () => void]> = [];
  private closing: Promise<void> | null = null;

  constructor(options: VelocityOptions = {}) {
    this.config = resolveConfig(options);
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? ((message) => console.warn(`[velocity] ${message}`));
    this.store = options.store ?? openStore(this.config.database);
    this.ready = this.store.migrate();
    this.ready.catch((error: unknown) => this.log(`store migration failed: ${describe(error)}`));
    this.recorder = new Recorder(this.clock());
    this.http = new HttpRecorder(this.recorder, baseLabels(this.config));
    this.flusher = new Flusher({
      store: this.store,
      storeReady: this.ready,
      maxPendingBytes: this.config.maxPendingBytes,
      clock: this.clock,
      onError: (error) => this.log(`flush failed, windows kept for retry: ${describe(error)}`),
    });
    this.handler = createApiHandler(this);
    this.nodeMiddleware = toNodeMiddleware(this.handler);
    this.fetch = async (request) => (await this.handler(request)) ?? notFound(request);
    if (options.timers !== false) this.startTimers();
    if (options.handleSignals !== false) this.handleSignals();
  }

  /** Records one HTTP request: method, route template, status code, duration in ms. */
  recordRequest(method: string, route: string, statusCode: number, durationMs: number): void {
    this.http.record(method, route, statusCode, durationMs);
  }

  /** Seals the open windows if their minute has ended and queues them for the next flush. */
  rotate(): void {
    this.flusher.enqueue(this.recorder.rotate(this.clock()));
  }

  /** Seals what is due and writes everything pending to the store. */
  async flush(): Promise<void> {
    this.rotate();
    await this.flusher.flush();
  }

  /** Deletes windows past their retention, in short batches. */
  async prune(): Promise<RetentionResult> {
    await this.ready;
    return runRetention(this.store, planRetention(this.clock(), this.config));
  }

  /** Answers a history query from raw parameters (see `parseHistoryParams`). */
  async history(params: RawParams): Promise<HistoryResult> {
    const query = parseHistoryParams(params, this.clock());
    await this.ready;
    return queryHistory(this.store, query);
  }

  /** The live snapshot of every route over the last 1 and 5 minutes, from memory. */
  live(): LiveSnapshot {
    return liveSnapshot(this.recorder, this.clock());
  }

  /** Every series the store knows. */
  async series(): Promise<SeriesRecord[]> {
    await this.ready;
    return this.store.listSeries();
  }

  /** Whether the store answers, and what the flusher holds. */
  async health(): Promise<HealthReport> {
    let error: string | null = null;
    try {
      await this.ready;
      await this.store.ping();
    } catch (caught) {
      error = describe(caught);
    }
    const flusher: FlusherStatus = this.flusher.status();
    return {
      status: error === null && flusher.lastError === null ? 'ok' : 'degraded',
      store: { kind: this.store.kind, reachable: error === null, error },
      pending_windows: flusher.pendingWindows,
      pending_bytes: flusher.pendingBytes,
      dropped_windows: flusher.droppedWindows,
      last_flush_at: flusher.lastFlushAt === null ? null : new Date(flusher.lastFlushAt).toISOString(),
      last_flush_error: flusher.lastError,
      series_in_memory: this.recorder.seriesCount,
      open_window_start: new Date(this.recorder.openWindowStart).toISOString(),
    };
  }

  /**
   * Stops the timers, seals every window (the open one too), writes them and closes the
   * store. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    this.rotate();
    this.flusher.enqueue(this.recorder.sealOpen());
    this.flusher.stop();
    await this.flusher.flush();
    const { pendingWindows } = this.flusher.status();
    if (pendingWindows > 0) this.log(`closing with ${pendingWindows} windows the store did not take`);
    await this.store.close();
  }

  private startTimers(): void {
    const onMinute = (): void => {
      this.rotate();
      const timer = setTimeout(onMinute, msToNextMinute(this.clock()));
      timer.unref();
      this.timers[0] = timer;
    };
    this.timers[0] = setTimeout(onMinute, msToNextMinute(this.clock()));
    this.timers[1] = setInterval(() => void this.flush(), this.config.flushIntervalMs);
    this.timers[2] = setInterval(() => void this.pruneLogged(), this.config.pruneIntervalMs);
    this.timers[3] = setTimeout(() => void this.pruneLogged(), 0);
    for (const timer of this.timers) timer.unref();
  }

  private async pruneLogged(): Promise<void> {
    try {
      await this.prune();
    } catch (error) {
      this.log(`retention failed, will retry: ${describe(error)}`);
    }
  }

  private handleSignals(): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const handler = (): void => {
        void this.close().finally(() => {
          // Re-raise only when nobody else listens, so the host's own handlers stay in charge.
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
      };
      process.once(signal, handler);
      this.signalHandlers.push([signal, handler]);
    }
  }
}

function baseLabels(config: VelocityConfig): Record<string, string> {
  const labels: Record<string, string> = { service: config.service, instance: config.instance, env: config.env };
  if (config.releaseSha !== '') labels.release_sha = config.releaseSha;
  if (config.buildTime !== '') labels.build_time = config.buildTime;
  return labels;
}

function notFound(request: Request): Response {
  const { pathname } = new URL(request.url);
  return new Response(JSON.stringify({ error: `no such endpoint: ${request.method} ${pathname}` }), {
    status: 404,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

function msToNextMinute(nowMs: number): number {
  // A few ms past the boundary, so the clock reads the new minute when the timer fires.
  return MINUTE_MS - (nowMs % MINUTE_MS) + 5;
}

function describe(error: unknown): string {
  return error instanceof VelocityError || error instanceof Error ? error.message : String(error);
}

/**
 * Creates a Velocity instance.
 * @example
 * const velocity = createVelocity({ service: 'api' }); // SQLite at ./data/velocity.db
 * velocity.recordRequest('GET', '/api/jobs/:id', 200, 12.5);
 * await velocity.close();
 */
export function createVelocity(options: VelocityOptions = {}): Velocity {
  return new Velocity(options);
}
