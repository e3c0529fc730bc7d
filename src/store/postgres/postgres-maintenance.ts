/**
 * Maintenance in one instance at a time on PostgreSQL: the PostgreSQL store's
 * `runMaintenance`. One pooled connection takes a session-level advisory lock without
 * waiting, reads the job's last run from `velocity_maintenance`, runs the work, records the
 * run and unlocks, all while the other instances that try find the lock taken or the job
 * not due.
 * @module
 */
import { createHash } from 'node:crypto';
import { assertMaintenanceArgs, isMaintenanceDue } from '../maintenance.js';
import { PG_TYPES, checkOut, type PgPoolLike, type PgQueryConfig, type PgQueryResult } from './postgres-driver.js';
import { quoteIdent } from './postgres-statements.js';

/**
 * First key of the maintenance lock, `pg_try_advisory_lock(int4, int4)`: "velo". The
 * two-key form lives in a key space of its own, apart from the single bigint keys of the
 * store's transaction locks (`LOCK_KEYS`), so the two never collide.
 */
export const MAINTENANCE_LOCK_CLASS = 0x76656c6f;

/**
 * Second key of the maintenance lock of `schema`: the first four bytes of its SHA-256, as a
 * signed 32-bit integer. Stores in different schemas of one database maintain their own
 * tables, so each schema has its own lock.
 */
export function maintenanceLockKey(schema: string): number {
  return createHash('sha256').update(schema).digest().readInt32BE(0);
}

/** The statements of one maintenance run: `job` on `schema` at `nowMs`. */
function maintenanceSql(
  schema: string,
  job: string,
  nowMs: number,
): Record<'lock' | 'lastRun' | 'record' | 'unlock', PgQueryConfig> {
  const table = `${quoteIdent(schema)}.velocity_maintenance`;
  const lockKeys = [MAINTENANCE_LOCK_CLASS, maintenanceLockKey(schema)];
  return {
    lock: { text: 'SELECT pg_try_advisory_lock($1::int4, $2::int4)::int AS locked', values: lockKeys, types: PG_TYPES },
    lastRun: {
      text: `SELECT (extract(epoch FROM last_run) * 1000)::float8 AS last_run_ms FROM ${table} WHERE job = $1`,
      values: [job],
      types: PG_TYPES,
    },
    record: {
      text: `INSERT INTO ${table} (job, last_run) VALUES ($1, to_timestamp($2::float8 / 1000))
             ON CONFLICT (job) DO UPDATE SET last_run = excluded.last_run`,
      values: [job, nowMs],
    },
    unlock: { text: 'SELECT pg_advisory_unlock($1::int4, $2::int4)', values: lockKeys },
  };
}

/**
 * `Store.runMaintenance` for the PostgreSQL store on `pool` and `schema`. The lock is held by
 * the session of one client checked out for the whole run, so `work` runs its queries on
 * other connections of the pool. The client is unlocked and released in any case; one whose
 * connection failed is discarded, which ends its session and so releases the lock on the
 * server's side too.
 */
export async function runPostgresMaintenance(
  pool: PgPoolLike,
  schema: string,
  job: string,
  nowMs: number,
  intervalMs: number,
  work: () => Promise<void>,
): Promise<boolean> {
  assertMaintenanceArgs(job, nowMs, intervalMs);
  const sql = maintenanceSql(schema, job, nowMs);
  const checkedOut = await checkOut(pool);
  const { client } = checkedOut;
  let broken: Error | undefined;
  /** A query on the lock's client; a failure marks the client as not to be reused. */
  const query = async (config: PgQueryConfig): Promise<PgQueryResult> => {
    try {
      return await client.query(config);
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  };
  try {
    const locked = await query(sql.lock);
    if ((locked.rows[0] as { locked: number }).locked !== 1) return false;
    try {
      const { rows } = await query(sql.lastRun);
      const lastRun = rows.length === 0 ? null : (rows[0] as { last_run_ms: number }).last_run_ms;
      if (!isMaintenanceDue(lastRun, nowMs, intervalMs)) return false;
      await work();
      await query(sql.record);
      return true;
    } finally {
      // A failed unlock leaves the client marked broken: discarding it ends the session and the lock.
      await query(sql.unlock).catch(() => {});
    }
  } finally {
    checkedOut.release(broken);
  }
}
