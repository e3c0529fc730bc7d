/**
 * The Velocity instance: records, seals, flushes, rolls up, prunes, answers queries and hands out the
 * HTTP handler. No global state: every instance owns its recorder, store and timers.
 * @module
 */
import { HttpRecorder } from './collect/http.js';
import { OperationRecorder, type OperationTimer } from './collect/operations.js';
import { SystemCollector } from './collect/system-collector.js';
import { resolveConfig, tierRetention, type VelocityConfig, type VelocityConfigOptions } from './config.js';
import { VelocityError, invalidParameter } from './errors.js';
import { createApiHandler, type ApiHandler } from './http/api.js';
import { toNodeMiddleware, type NodeMiddleware } from './http/node-listener.js';
import { MINUTE_MS, SECOND_MS, formatDuration, parseDuration } from './model/duration.js';
import type { Labels } from './model/labels.js';
import type { Window } from './model/window.js';
import { Flusher, type FlusherStatus } from './pipeline/flusher.js';
import { IngestedSeriesCap, type IngestedSeriesStatus } from './pipeline/ingested-series-cap.js';
import { pruneStore, type RetentionResult } from './pipeline/retention.js';
import { ROLLUP_INTERVAL_MS, runRollup, type RollupResult } from './pipeline/rollup.js';
import { StoreStartup } from './pipeline/store-startup.js';
import {
  adminMetrics,
  operationMetrics,
  resolveRange,
  routeMetrics,
  type AdminMetrics,
  type OperationMetrics,
  type RouteMetrics,
  type TimeRange,
} from './query/contract-b.js';
import { queryHistory, type HistoryResult } from './query/history.js';
import { liveSnapshot, type LiveSnapshot } from './query/live.js';
import { NETWORK_HISTORY_BOUNDS, NETWORK_HISTORY_FILTERS, queryNetworkHistory, type NetworkHistoryResult } from './query/network-history.js';
import { networkLive, type NetworkLive } from './query/network-live.js';
import { parseHistoryParams, parseUnixRangeParams, type RawParams } from './query/params.js';
import { parseSystemHistoryParams, querySystemHistory, type SystemHistoryResult } from './query/system-history.js';
import { Recorder, type MetricCardinality } from './record/recorder.js';
import { openStore } from './store/open-store.js';
import type { SeriesRecord, Store } from './store/store.js';
import { validateWindows } from './store/validate-windows.js';

/** Options of `createVelocity`: the configuration plus what only code can hand in. */
export interface VelocityOptions extends VelocityConfigOptions {
  /** A ready store to use instead of opening the `database` setting. It is migrated, and closed by `close()`. */
  store?: Store;
  /** The clock, epoch ms (tests pass a fixed one). Default `Date.now`. */
  clock?: () => number;
  /**
   * Run the minute, flush and retention timers. Default true; tests drive `rotate`/`flush` by
   * hand. (Migrations of a store that does not answer at start-up are retried either way.)
   */
  timers?: boolean;
  /** Flush everything on SIGTERM and SIGINT, then let the signal take its course. Default true. */
  handleSignals?: boolean;
  /** Where problems are reported, one line per change of state. Default: console.warn with a `[velocity]` prefix. */
  log?: (message: string) => void;
  /**
   * How long `close()` waits, at most, for its last flush and for the store to close, as a
   * duration (`10s`) or milliseconds; what the store did not take by then is reported and
   * left. Default 10 s.
   */
  closeTimeout?: string | number;
}

/** How long `close()` waits for its last flush and the store, when no `closeTimeout` is given. */
const DEFAULT_CLOSE_TIMEOUT_MS = 10 * SECOND_MS;

/** The job name under which retention runs through `Store.runMaintenance`. */
const RETENTION_JOB = 'retention';

/** The job name under which the roll-up runs through `Store.runMaintenance`. */
const ROLLUP_JOB = 'rollup';

/**
 * What /healthz reports. `status`: `connecting` until the store is first migrated (it is
 * retried with backoff meanwhile, and windows are held in memory), then `ok`, or `degraded`
 * while the store does not answer or the last write failed.
 */
export interface HealthReport {
  status: 'connecting' | 'ok' | 'degraded';
  store: { kind: Store['kind']; reachable: boolean; error: string | null };
  pending_windows: number;
  pending_bytes: number;
  dropped_windows: number;
  last_flush_at: string | null;
  last_flush_error: string | null;
  series_in_memory: number;
  open_window_start: string;
  /**
   * The series cap per metric, and per metric its series (the overflow series not counted)
   * and the observations folded into its `__overflow__` series since start; and the same cap
   * applied to windows taken through ingest: their series per metric and the batches refused.
   */
  cardinality: { max_series_per_metric: number; metrics: Record<string, MetricCardinality>; ingested_windows: IngestedSeriesStatus };
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
  /** Operation recording, behind `time`, `startTimer` and `recordOperationMetric`. */
  readonly operations: OperationRecorder;
  /**
   * Resolves once the store is migrated: at once when it answers, otherwise when a retry
   * (1 s, doubling to 60 s) succeeds; meanwhile requests are recorded and held in memory.
   * Rejects (CLOSED) only when `close()` comes first.
   */
  readonly ready: Promise<void>;
  /** The HTTP API for mounting inside another router: a Response for its own paths, null for any other. */
  readonly handler: ApiHandler;
  /** The HTTP API as a Web-standard handler, `Request → Response`: other paths get a JSON 404. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** The HTTP API for node:http and Express: answers its own paths, calls `next` (or 404s) for others. */
  readonly nodeMiddleware: NodeMiddleware;
  /**
   * The collector of host, process and network figures (contracts D and E): `start()`,
   * `stop()`, `isRunning()`, and `collect()` for one collection now. It starts with the
   * instance unless `collect: false` or `timers: false`; `close()` stops it.
   */
  readonly system: SystemCollector;

  private readonly flusher: Flusher;
  private readonly ingestedSeries: IngestedSeriesCap;
  private readonly startup: StoreStartup;
  private readonly clock: () => number;
  private readonly log: (message: string) => void;
  private readonly closeTimeoutMs: number;
  private readonly scheduled: boolean;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly signalHandlers: Array<[NodeJS.Signals, () => void]> = [];
  private closing: Promise<void> | null = null;
  /** Whether a scheduled roll-up failed while the store answered, and has not succeeded since. */
  private rollupFailing = false;

  constructor(options: VelocityOptions = {}) {
    this.config = resolveConfig(options);
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? ((message) => console.warn(`[velocity] ${message}`));
    this.closeTimeoutMs = parseDuration(options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS, 'closeTimeout');
    this.scheduled = options.timers !== false;
    this.store = options.store ?? openStore(this.config.database);
    this.recorder = new Recorder(this.clock(), { maxSeriesPerMetric: this.config.maxSeriesPerMetric });
    this.ingestedSeries = new IngestedSeriesCap(this.config.maxSeriesPerMetric);
    this.http = new HttpRecorder(this.recorder, baseLabels(this.config));
    this.operations = new OperationRecorder(this.recorder, baseLabels(this.config));
    this.system = new SystemCollector({
      recorder: this.recorder,
      labels: baseLabels(this.config),
      intervalMs: this.config.collectIntervalMs,
      log: this.log,
      clock: this.clock,
      system: { diskPath: this.config.diskPath },
    });
    this.flusher = new Flusher({
      store: this.store,
      maxPendingBytes: this.config.maxPendingBytes,
      clock: this.clock,
      onFailing: (error) => this.log(`flush failed, windows kept and retried: ${describe(error)}`),
      onRecovered: (failures) => this.log(`flush succeeded again after ${plural(failures, 'failed attempt')}`),
    });
    this.startup = new StoreStartup({
      store: this.store,
      onUnreachable: (error) =>
        this.log(`store unreachable at start-up, recording in memory and retrying with backoff: ${describe(error)}`),
      onReady: (failedAttempts) => this.onStoreReady(failedAttempts),
    });
    this.ready = this.startup.ready;
    this.handler = createApiHandler(this);
    this.nodeMiddleware = toNodeMiddleware(this.handler);
    this.fetch = async (request) => (await this.handler(request)) ?? notFound(request);
    if (this.scheduled) this.startTimers();
    if (this.scheduled && this.config.collect) this.system.start();
    if (options.handleSignals !== false) this.handleSignals();
  }

  /** Records one HTTP request: method, route template, status code, duration in ms. */
  recordRequest(method: string, route: string, statusCode: number, durationMs: number): void {
    this.http.record(method, route, statusCode, durationMs);
  }

  /**
   * Runs `fn` and records its duration under `velocity.operation.duration` as `operation`,
   * with outcome `failure` when it throws or its promise rejects (the error is re-thrown
   * untouched) and `success` otherwise. A synchronous `fn` stays synchronous.
   * @example
   * const user = await velocity.time('db.getUser', { platform: 'postgres' }, () => db.getUser(id));
   * const parsed = velocity.time('parse', () => JSON.parse(text)); // synchronous
   */
  time<T>(operation: string, fn: () => T): T;
  time<T>(operation: string, labels: Labels, fn: () => T): T;
  time<T>(operation: string, labelsOrFn: Labels | (() => T), maybeFn?: () => T): T {
    return typeof labelsOrFn === 'function'
      ? this.operations.time(operation, undefined, labelsOrFn)
      : this.operations.time(operation, labelsOrFn, maybeFn as () => T);
  }

  /**
   * Starts timing `operation`; the returned function ends it (success unless passed
   * `false`), records it and returns the duration in ms. Call it once.
   * @example
   * const end = velocity.startTimer('upstream.call', { platform: 'openai' });
   * try { await call(); end(); } catch (error) { end(false); throw error; }
   */
  startTimer(operation: string, labels?: Labels): OperationTimer {
    return this.operations.startTimer(operation, labels);
  }

  /**
   * Contract B: records one execution of `operation`. Recording is synchronous and in memory,
   * so this is the fire-and-forget form and the awaitable one at once (it returns when the
   * observation is held); to wait until it is stored, `await velocity.flush()`.
   */
  recordOperationMetric(operation: string, success: boolean, durationMs: number, labels?: Labels): void {
    this.operations.record(operation, labels, success, durationMs);
  }

  /**
   * Contract B: records one request of `method route` (a route template) as an HTTP request
   * with status class 2xx when `success`, 5xx otherwise. Synchronous, like `recordOperationMetric`.
   */
  recordRouteMetric(route: string, method: string, success: boolean, durationMs: number): void {
    if (!(durationMs >= 0 && durationMs < Number.POSITIVE_INFINITY)) {
      throw invalidParameter('durationMs', `must be a finite number of milliseconds ≥ 0, not ${String(durationMs)}`);
    }
    this.http.record(method, route, success ? 200 : 500, durationMs);
  }

  /** Seals the open windows if their minute has ended and queues them for the next flush. */
  rotate(): void {
    this.flusher.enqueue(this.recorder.rotate(this.clock()));
  }

  /**
   * Queues windows made elsewhere (those of `POST /api/v1/ingest`) for the next flush, beside
   * the sealed ones, under the same retries and memory bound. Throws INVALID_PARAMETER and
   * queues nothing unless every window could be stored in tier 1m (one bad window would fail
   * every write of the batch it joins) and the series cap takes every window's series (see
   * ingested-series-cap.ts).
   */
  enqueueWindows(windows: readonly Window[]): void {
    if (this.closing !== null) throw new VelocityError('STORE_UNAVAILABLE', 'Velocity is closing: windows are no longer accepted');
    validateWindows('1m', windows);
    this.ingestedSeries.admit(windows);
    this.flusher.enqueue(windows);
  }

  /**
   * Seals what is due and writes everything pending to the store. Until the store is first
   * migrated, it only seals: the windows are held and written once the store is ready.
   */
  async flush(): Promise<void> {
    this.rotate();
    await this.startup.firstAttempt;
    if (this.startup.isReady) await this.flusher.flush();
  }

  /**
   * Rolls up what is due, then deletes windows past their retention, in short batches, now,
   * whatever the schedule and whatever other instances do. (Detail is deleted only once it is
   * rolled up, hence the roll-up first.) Rejects with STORE_UNAVAILABLE while the store is not ready.
   */
  async prune(): Promise<RetentionResult> {
    await this.storeAvailable();
    await runRollup(this.store, this.clock(), this.config);
    return pruneStore(this.store, this.clock(), this.config);
  }

  /**
   * Retention as the scheduler runs it: through `Store.runMaintenance`, so that of all the
   * instances sharing the store one runs it, once per `pruneInterval`. Resolves what it
   * deleted, or null when it did not run (not due, another instance holds the maintenance
   * lock, or the store is not ready yet).
   */
  async pruneIfDue(): Promise<RetentionResult | null> {
    if (!this.startup.isReady) return null;
    let result: RetentionResult | null = null;
    const ran = await this.store.runMaintenance(RETENTION_JOB, this.clock(), this.config.pruneIntervalMs, async () => {
      result = await pruneStore(this.store, this.clock(), this.config);
    });
    return ran ? result : null;
  }

  /**
   * Rolls 1m windows up into 1h and 1h into 1d now, as far as they are complete, and rolls
   * dirty buckets (touched by late windows) again, whatever the schedule. Rejects with
   * STORE_UNAVAILABLE while the store is not ready.
   */
  async rollup(): Promise<RollupResult> {
    await this.storeAvailable();
    return runRollup(this.store, this.clock(), this.config);
  }

  /**
   * The roll-up as the scheduler runs it after a flush: through `Store.runMaintenance`, so
   * that of all the instances sharing the store one runs it, once per ROLLUP_INTERVAL_MS.
   * Resolves what it did, or null when it did not run (not due, another instance holds the
   * maintenance lock, or the store is not ready yet).
   */
  async rollupIfDue(): Promise<RollupResult | null> {
    if (!this.startup.isReady) return null;
    let result: RollupResult | null = null;
    const ran = await this.store.runMaintenance(ROLLUP_JOB, this.clock(), ROLLUP_INTERVAL_MS, async () => {
      result = await runRollup(this.store, this.clock(), this.config);
    });
    return ran ? result : null;
  }

  /**
   * Answers a history query from raw parameters (see `parseHistoryParams`). Rejects with
   * STORE_UNAVAILABLE while the store is not ready.
   */
  async history(params: RawParams): Promise<HistoryResult> {
    const query = parseHistoryParams(params, this.clock(), { retention: tierRetention(this.config) });
    await this.storeAvailable();
    return queryHistory(this.store, query);
  }

  /**
   * Contract B: per-route totals (`total_requests`, `successful`, `failed` = 5xx or timeout,
   * durations, `last_request_at` to the minute while the minutes are kept) over
   * `timeRange` (default the last 24 h), from the stored windows, busiest
   * first. A range reaching back past the 1-minute retention is read from hourly or daily
   * windows and widened to their whole hours or days (`period_start`, `period_end` say so).
   * Rejects with STORE_UNAVAILABLE while the store is not ready.
   */
  async getRouteMetrics(route?: string, method?: string, timeRange?: TimeRange): Promise<RouteMetrics[]> {
    const range = resolveRange(timeRange, this.clock(), tierRetention(this.config));
    await this.storeAvailable();
    return routeMetrics(this.store, { route, method }, range);
  }

  /**
   * Contract B: per-operation totals (`total_executions`, `successful`, `failed`, durations,
   * `last_execution_at`) over `timeRange` (default the last 24 h), from the stored windows,
   * busiest first, read as `getRouteMetrics` reads routes. Rejects with
   * STORE_UNAVAILABLE while the store is not ready.
   */
  async getOperationMetrics(operation?: string, timeRange?: TimeRange): Promise<OperationMetrics[]> {
    const range = resolveRange(timeRange, this.clock(), tierRetention(this.config));
    await this.storeAvailable();
    return operationMetrics(this.store, { operation }, range);
  }

  /**
   * Contract B's `GET /api/admin/metrics`: `getRouteMetrics(route, method)` and
   * `getOperationMetrics(operation)` over one `timeRange`, with the period both cover.
   * Rejects with STORE_UNAVAILABLE while the store is not ready.
   */
  async getAdminMetrics(
    filter: { route?: string; method?: string; operation?: string } = {},
    timeRange?: TimeRange,
  ): Promise<AdminMetrics> {
    const range = resolveRange(timeRange, this.clock(), tierRetention(this.config));
    await this.storeAvailable();
    return adminMetrics(this.store, filter, range);
  }

  /**
   * System history (`/api/v1/history?metric=system`): the host and process gauges per step,
   * from the 1-minute windows (see `querySystemHistory`). Rejects with STORE_UNAVAILABLE
   * while the store is not ready.
   */
  async systemHistory(params: RawParams): Promise<SystemHistoryResult> {
    const query = parseSystemHistoryParams(params, this.clock(), { retention: tierRetention(this.config) });
    await this.storeAvailable();
    return querySystemHistory(this.store, query);
  }

  /**
   * Contract E's network history (`/metrics/history`): per stored minute, newest first,
   * bytes, packets, per-protocol packets and the busiest TCP conversations. Rejects with
   * STORE_UNAVAILABLE while the store is not ready.
   */
  async networkHistory(params: RawParams): Promise<NetworkHistoryResult> {
    const query = parseUnixRangeParams(params, this.clock(), NETWORK_HISTORY_BOUNDS, NETWORK_HISTORY_FILTERS);
    await this.storeAvailable();
    return queryNetworkHistory(this.store, query);
  }

  /** The network figures of the latest collection interval, from memory (`/metrics/live`). */
  networkLive(): NetworkLive {
    return networkLive(this.system.latestNetwork(), this.clock());
  }

  /** The live snapshot of every route over the last 1 and 5 minutes, from memory. */
  live(): LiveSnapshot {
    return liveSnapshot(this.recorder, this.clock());
  }

  /** Every series the store knows. Rejects with STORE_UNAVAILABLE while the store is not ready. */
  async series(): Promise<SeriesRecord[]> {
    await this.storeAvailable();
    return this.store.listSeries();
  }

  /**
   * Whether the store answers, and what the flusher holds. Answers at once while the store
   * is not ready yet (`connecting`, not reachable, with the last attempt's error).
   */
  async health(): Promise<HealthReport> {
    let error: string | null = null;
    let reachable = this.startup.isReady;
    if (reachable) {
      try {
        await this.store.ping();
      } catch (caught) {
        error = describe(caught);
        reachable = false;
      }
    } else {
      error = this.startup.lastError;
    }
    const flusher: FlusherStatus = this.flusher.status();
    return {
      status: !this.startup.isReady ? 'connecting' : reachable && flusher.lastError === null ? 'ok' : 'degraded',
      store: { kind: this.store.kind, reachable, error },
      pending_windows: flusher.pendingWindows,
      pending_bytes: flusher.pendingBytes,
      dropped_windows: flusher.droppedWindows,
      last_flush_at: flusher.lastFlushAt === null ? null : new Date(flusher.lastFlushAt).toISOString(),
      last_flush_error: flusher.lastError,
      series_in_memory: this.recorder.seriesCount,
      open_window_start: new Date(this.recorder.openWindowStart).toISOString(),
      cardinality: {
        max_series_per_metric: this.recorder.maxSeriesPerMetric,
        metrics: this.recorder.cardinality(),
        ingested_windows: this.ingestedSeries.status(),
      },
    };
  }

  /**
   * Stops the timers, seals every window (the open one too), writes them and closes the
   * store. When the store is not ready (still down since start-up) it tries once more to
   * migrate first. It waits `closeTimeout` at most: what the store has not taken by then is
   * reported in one log line and left. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.system.stop();
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    this.rotate();
    this.flusher.enqueue(this.recorder.sealOpen());
    this.flusher.stop();
    const deadline = performance.now() + this.closeTimeoutMs;
    const flushed = await settlesWithin(this.lastFlush(), this.closeTimeoutMs);
    this.startup.stop();
    const { pendingWindows, lastError } = this.flusher.status();
    if (pendingWindows > 0) {
      const why = !flushed
        ? `the store did not answer within ${formatDuration(this.closeTimeoutMs)}`
        : (lastError ?? this.startup.lastError ?? 'the store was not ready');
      this.log(`closing with ${plural(pendingWindows, 'window')} not written: ${why}`);
    }
    const closing = this.store.close().catch((error: unknown) => this.log(`closing the store failed: ${describe(error)}`));
    if (!(await settlesWithin(closing, Math.max(0, deadline - performance.now())))) {
      this.log(`the store did not close within ${formatDuration(this.closeTimeoutMs)}; left to close in the background`);
    }
  }

  /** The last flush of `close()`: one more migration attempt if the store is not ready, then a flush. */
  private async lastFlush(): Promise<void> {
    if (await this.startup.attemptNow()) await this.flusher.flush();
  }

  /** Waits for the first migration attempt; throws STORE_UNAVAILABLE unless the store is ready. */
  private async storeAvailable(): Promise<void> {
    await this.startup.firstAttempt;
    if (!this.startup.isReady) {
      throw new VelocityError(
        'STORE_UNAVAILABLE',
        `the store is not reachable yet (${this.startup.lastError ?? 'closed'}); requests are recorded and held until it is`,
      );
    }
  }

  /** Once the store is migrated: writes what was held meanwhile and, when scheduled, runs retention if due. */
  private onStoreReady(failedAttempts: number): void {
    if (failedAttempts > 0) {
      const { pendingWindows } = this.flusher.status();
      this.log(`store ready after ${plural(failedAttempts, 'failed attempt')}; writing ${plural(pendingWindows, 'held window')}`);
    }
    if (this.closing !== null) return;
    if (this.flusher.status().pendingWindows > 0) void this.flusher.flush();
    if (this.scheduled) void this.pruneLogged();
  }

  private startTimers(): void {
    const onMinute = (): void => {
      this.rotate();
      const timer = setTimeout(onMinute, msToNextMinute(this.clock()));
      timer.unref();
      this.timers[0] = timer;
    };
    this.timers[0] = setTimeout(onMinute, msToNextMinute(this.clock()));
    this.timers[1] = setInterval(() => void this.flushThenRollUp(), this.config.flushIntervalMs);
    this.timers[2] = setInterval(() => void this.pruneLogged(), this.config.pruneIntervalMs);
    for (const timer of this.timers) timer.unref();
  }

  /**
   * The flush timer's work: a flush, then, unless the flush failed (the flusher reports that),
   * the roll-up when it is due. A roll-up that fails while the store answers a ping is
   * reported once (when the store does not answer, the flusher and /healthz report that), and
   * once more when it works again.
   */
  private async flushThenRollUp(): Promise<void> {
    await this.flush();
    if (this.flusher.status().lastError !== null) return;
    try {
      await this.rollupIfDue();
      if (this.rollupFailing) this.log('roll-up succeeded again');
      this.rollupFailing = false;
    } catch (error) {
      const reachable = await this.store.ping().then(() => true, () => false);
      if (reachable && !this.rollupFailing) {
        this.log(`roll-up failed, retried after the next flushes: ${describe(error)}`);
        this.rollupFailing = true;
      }
    }
  }

  private async pruneLogged(): Promise<void> {
    try {
      await this.pruneIfDue();
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

/** Resolves true when `promise` settles within `ms`, false otherwise (on an unref'd timer). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `n` and `noun`, with an `s` unless n is 1: `plural(2, 'window')` → '2 windows'. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
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
