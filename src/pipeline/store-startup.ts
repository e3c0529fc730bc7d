/**
 * Start-up against a store that may not answer yet: migrations are tried at once and, while
 * they fail (the database is down or unreachable), again with backoff on unref'd timers,
 * until they succeed or the owner stops. Nothing here blocks or throws: the owner reads the
 * state (`isReady`, `lastError`) and is called back once when the store becomes ready.
 * @module
 */
import { VelocityError } from '../errors.js';
import { SECOND_MS } from '../model/duration.js';
import type { Store } from '../store/store.js';

/** Delay before the first retry of a failed migration, in milliseconds; it doubles from there. */
const MIGRATE_RETRY_FIRST_MS = SECOND_MS;
/** Longest delay between migration attempts, in milliseconds. */
const MIGRATE_RETRY_MAX_MS = 60 * SECOND_MS;

/**
 * How long to wait after `failures` consecutive failed migration attempts before the next:
 * 1 s, 2 s, 4 s … doubling up to 60 s.
 * @example migrateRetryDelayMs(3) // 4000
 */
export function migrateRetryDelayMs(failures: number): number {
  return Math.min(MIGRATE_RETRY_MAX_MS, MIGRATE_RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

/** Options of `StoreStartup`. */
export interface StoreStartupOptions {
  readonly store: Store;
  /** Called once, with the error, when the first attempt fails (not again for each retry). */
  readonly onUnreachable: (error: unknown) => void;
  /** Called once when migrations succeed, with the number of attempts that failed before. */
  readonly onReady: (failedAttempts: number) => void;
  /** The delay before the next attempt after `failures` failed ones. Default `migrateRetryDelayMs`. */
  readonly retryDelayMs?: (failures: number) => number;
}

/** Migrates a store at start-up, retrying with backoff until it answers; see the module comment. */
export class StoreStartup {
  /** Resolves once the store is migrated; rejects (CLOSED) only when `stop()` comes first. */
  readonly ready: Promise<void>;
  /** Settles (never rejects) once the first attempt has succeeded or failed. */
  readonly firstAttempt: Promise<void>;

  private state: 'connecting' | 'ready' | 'stopped' = 'connecting';
  private failures = 0;
  private error: string | null = null;
  private attempt: Promise<boolean> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;

  /** Starts the first attempt at once. */
  constructor(private readonly options: StoreStartupOptions) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Marked as handled: whoever awaits `ready` still sees the rejection, but a host that
    // never looks at it must not crash on an unhandled rejection when it closes early.
    this.ready.catch(() => {});
    this.firstAttempt = this.attemptNow().then(() => undefined);
  }

  /** Whether the store is migrated and may be used. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** The message of the last failed attempt, null while none has failed or once ready. */
  get lastError(): string | null {
    return this.error;
  }

  /**
   * Tries to migrate now rather than at the next retry (or joins the attempt under way), and
   * resolves whether the store is ready. Never rejects.
   */
  attemptNow(): Promise<boolean> {
    if (this.state !== 'connecting') return Promise.resolve(this.state === 'ready');
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt ??= this.migrate().finally(() => {
      this.attempt = null;
    });
    return this.attempt;
  }

  /** Stops retrying; while not yet ready, `ready` rejects with CLOSED. */
  stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.state !== 'connecting') return;
    this.state = 'stopped';
    this.rejectReady(new VelocityError('CLOSED', 'closed before the store could be migrated'));
  }

  private async migrate(): Promise<boolean> {
    try {
      await this.options.store.migrate();
    } catch (error) {
      if (this.state !== 'connecting') return false;
      this.failures++;
      this.error = error instanceof Error ? error.message : String(error);
      if (this.failures === 1) this.options.onUnreachable(error);
      const delay = (this.options.retryDelayMs ?? migrateRetryDelayMs)(this.failures);
      this.retryTimer = setTimeout(() => void this.attemptNow(), delay);
      this.retryTimer.unref();
      return false;
    }
    if (this.state !== 'connecting') return false;
    this.state = 'ready';
    this.error = null;
    this.resolveReady();
    this.options.onReady(this.failures);
    return true;
  }
}
