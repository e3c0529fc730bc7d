/**
 * Maintenance scheduling shared by the stores: when a job is due (a pure function of the
 * job's last recorded run, the time and its interval), the checks of `runMaintenance`'s
 * arguments, and the in-process guard that the SQLite and memory stores use as their
 * maintenance lock.
 * @module
 */
import { invalidParameter } from '../errors.js';
import type { Store } from './store.js';
import { assertTime } from './validate-windows.js';

/**
 * The fraction of its interval after which a job is due again. Below 1 so that instances
 * whose timers fire at different moments of the same cycle still run the job once per cycle:
 * the instance that ran it last finds it due again one interval later, the others (which
 * fire less than an interval after that run) do not.
 */
export const MAINTENANCE_DUE_FRACTION = 0.9;

/**
 * Whether a maintenance job is due at `nowMs`, given its last recorded run (epoch ms, null
 * when it never ran): when it never ran, when at least `intervalMs × 0.9` have passed since,
 * or when the recorded run lies more than one interval in the future (recorded by a clock
 * that was wrong; it must not hold the job back for that long).
 * @example isMaintenanceDue(nowMs - 55 * 60_000, nowMs, 60 * 60_000) // true: 55 min ≥ 54 min
 */
export function isMaintenanceDue(lastRunMs: number | null, nowMs: number, intervalMs: number): boolean {
  if (lastRunMs === null) return true;
  return nowMs - lastRunMs >= intervalMs * MAINTENANCE_DUE_FRACTION || lastRunMs - nowMs > intervalMs;
}

/**
 * Throws INVALID_PARAMETER unless `job` is a non-empty string, `nowMs` a time and
 * `intervalMs` a finite number ≥ 0: what every store's `runMaintenance` checks first.
 */
export function assertMaintenanceArgs(job: string, nowMs: number, intervalMs: number): void {
  if (typeof job !== 'string' || job === '') {
    throw invalidParameter('job', `must be a non-empty string (got ${JSON.stringify(job)})`);
  }
  assertTime('nowMs', nowMs);
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0) {
    throw invalidParameter('intervalMs', `must be a finite number of milliseconds ≥ 0 (got ${String(intervalMs)})`);
  }
}

/** Where an in-process maintenance guard reads and records each job's last run (epoch ms). */
export interface MaintenanceRecord {
  /** The job's last recorded run, or null when it never ran. */
  lastRun(job: string): number | null;
  /** Records `nowMs` as the job's last run. */
  record(job: string, nowMs: number): void;
}

/**
 * `Store.runMaintenance` guarded in-process: a flag, per store object, stands in for the
 * maintenance lock, so it keeps two runs of one store object apart but not two processes
 * (or two store objects) sharing a database. Enough for the memory store (one process by
 * nature) and for SQLite (one writer process by design; maintenance is idempotent, so two
 * processes on one file at worst both run a job in the same cycle).
 */
export function inProcessMaintenance(
  assertUsable: () => void,
  record: MaintenanceRecord,
): Store['runMaintenance'] {
  let running = false;
  return async (job, nowMs, intervalMs, work) => {
    assertUsable();
    assertMaintenanceArgs(job, nowMs, intervalMs);
    if (running) return false;
    running = true;
    try {
      if (!isMaintenanceDue(record.lastRun(job), nowMs, intervalMs)) return false;
      await work();
      assertUsable();
      record.record(job, nowMs);
      return true;
    } finally {
      running = false;
    }
  };
}
