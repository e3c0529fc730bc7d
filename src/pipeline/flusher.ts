/**
 * The flusher: holds sealed windows until the store has them. It writes everything pending
 * in one `writeWindows` call (one transaction), never runs two writes at once, keeps the
 * windows when a write fails and retries with backoff, and bounds what it holds by bytes:
 * past `maxPendingBytes` the oldest windows are dropped and counted in `droppedWindows`.
 * It writes when asked to: its owner decides when the store may be written (Velocity waits
 * for the store's migrations, holding windows here meanwhile).
 * @module
 */
import type { Window } from '../model/window.js';
import type { Store } from '../store/store.js';

/** Fixed per-window overhead used to estimate memory, in bytes, beside the sketch bytes. */
const WINDOW_OVERHEAD_BYTES = 160;

/** First and largest delay between retries after a failed write, in milliseconds. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;

/** What the flusher reports about itself (used by /healthz). */
export interface FlusherStatus {
  /** Windows not yet in the store: those waiting and those of a write under way. */
  readonly pendingWindows: number;
  /** Estimated memory of `pendingWindows`, in bytes. */
  readonly pendingBytes: number;
  readonly droppedWindows: number;
  /** Epoch ms of the last successful write, or null. */
  readonly lastFlushAt: number | null;
  /** Message of the last failed write, cleared by the next success. */
  readonly lastError: string | null;
  readonly consecutiveFailures: number;
}

/** Options of the Flusher. */
export interface FlusherOptions {
  readonly store: Store;
  readonly maxPendingBytes: number;
  readonly clock: () => number;
  /**
   * Called once each time writes start failing, with the first failure's error; the retries
   * that fail after it are counted in `consecutiveFailures`, not reported again.
   */
  readonly onFailing: (error: unknown) => void;
  /** Called when a write succeeds after `failures` consecutive failed ones. */
  readonly onRecovered: (failures: number) => void;
}

function windowBytes(window: Window): number {
  return WINDOW_OVERHEAD_BYTES + (window.sketch?.byteLength ?? 0);
}

/** Holds sealed windows and writes them to the store in batches. */
export class Flusher {
  private pending: Window[] = [];
  private pendingBytes = 0;
  /** Windows and bytes of the write under way, if any. */
  private writingWindows = 0;
  private writingBytes = 0;
  private droppedWindows = 0;
  private lastFlushAt: number | null = null;
  private lastError: string | null = null;
  private consecutiveFailures = 0;
  private inFlight: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: FlusherOptions) {}

  /** Adds sealed windows to what will be written; drops the oldest past the byte bound. */
  enqueue(windows: readonly Window[]): void {
    for (const window of windows) {
      this.pending.push(window);
      this.pendingBytes += windowBytes(window);
    }
    if (this.pendingBytes > this.options.maxPendingBytes) this.dropOldest();
  }

  private dropOldest(): void {
    let drop = 0;
    while (drop < this.pending.length && this.pendingBytes > this.options.maxPendingBytes) {
      this.pendingBytes -= windowBytes(this.pending[drop]);
      drop++;
    }
    this.pending.splice(0, drop);
    this.droppedWindows += drop;
  }

  /**
   * Writes everything pending. Resolves when the write is done, whether it succeeded or
   * not (a failure keeps the windows and schedules a retry); a call made while a write
   * runs waits for it and then writes what arrived meanwhile.
   */
  flush(): Promise<void> {
    const next = (this.inFlight ?? Promise.resolve()).then(() => this.writePending());
    const tracked = next.finally(() => {
      if (this.inFlight === tracked) this.inFlight = null;
    });
    this.inFlight = tracked;
    return tracked;
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const batchBytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.writingWindows = batch.length;
    this.writingBytes = batchBytes;
    try {
      await this.options.store.writeWindows('1m', batch);
      this.lastFlushAt = this.options.clock();
      this.lastError = null;
      if (this.consecutiveFailures > 0) this.options.onRecovered(this.consecutiveFailures);
      this.consecutiveFailures = 0;
    } catch (error) {
      // Put the batch back in front of anything enqueued while it was being written.
      this.pending = batch.concat(this.pending);
      this.pendingBytes += batchBytes;
      if (this.pendingBytes > this.options.maxPendingBytes) this.dropOldest();
      this.lastError = error instanceof Error ? error.message : String(error);
      this.consecutiveFailures++;
      if (this.consecutiveFailures === 1) this.options.onFailing(error);
      this.scheduleRetry();
    } finally {
      this.writingWindows = 0;
      this.writingBytes = 0;
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.consecutiveFailures - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.flush();
    }, delay);
    this.retryTimer.unref();
  }

  /** Stops retrying on a timer; pending windows stay until the next `flush`. */
  stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Counts for health reporting. */
  status(): FlusherStatus {
    return {
      pendingWindows: this.pending.length + this.writingWindows,
      pendingBytes: this.pendingBytes + this.writingBytes,
      droppedWindows: this.droppedWindows,
      lastFlushAt: this.lastFlushAt,
      lastError: this.lastError,
      consecutiveFailures: this.consecutiveFailures,
    };
  }
}
