/**
 * PostgreSQL for the benchmarks: a fresh database per benchmark, dropped afterwards, on the
 * server named by `VELOCITY_BENCH_PG_URL` (else `VELOCITY_TEST_PG_URL`, else
 * `postgres://postgres@127.0.0.1:5432/test`), and a section that says why a PostgreSQL
 * benchmark did not run when that server cannot be reached.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { describeDatabase } from '../src/store/open-store.js';
import type { PgPoolClient, PgPoolLike, PgQueryConfig } from '../src/store/postgres/postgres-driver.js';
import { createDatabase, withAdmin } from '../test/support/postgres.js';
import type { BenchSection } from './report.js';

/** The URL the benchmarks connect to in order to create and drop their databases. */
export const PG_BENCH_ADMIN_URL =
  process.env.VELOCITY_BENCH_PG_URL || process.env.VELOCITY_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A database of one benchmark's own. */
export interface BenchDatabase {
  readonly name: string;
  /** The admin URL with this database in its place. */
  readonly url: string;
  /** The server's version and the settings that matter to writes, for the notes. */
  readonly server: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database `velocity_bench_<what>_<random>`, or returns the reason it could
 * not (the server unreachable, or refusing).
 */
export async function createBenchDatabase(what: string): Promise<BenchDatabase | { unavailable: string }> {
  const name = `velocity_bench_${what.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  try {
    const database = await createDatabase(name, PG_BENCH_ADMIN_URL);
    const server = await withAdmin(async (client) => {
      const { rows } = await client.query<{ version: string; settings: string }>(
        `SELECT current_setting('server_version') AS version,
                string_agg(name || ' = ' || current_setting(name), ', ' ORDER BY name) AS settings
         FROM pg_settings
         WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync', 'wal_level', 'full_page_writes', 'work_mem')`,
      );
      return `PostgreSQL ${rows[0].version} on the same machine, over TCP to 127.0.0.1 (${rows[0].settings})`;
    }, PG_BENCH_ADMIN_URL);
    return { ...database, server };
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    return { unavailable: `PostgreSQL at ${describeDatabase(PG_BENCH_ADMIN_URL)} could not be used (${problem})` };
  }
}

/** The section a PostgreSQL benchmark returns when it could not run: what, and why. */
export function skippedSection(title: string, command: string, reason: string): BenchSection {
  return {
    title,
    command,
    rows: [{ measured: 'not measured', value: 'PostgreSQL unavailable' }],
    notes: [`Skipped: ${reason}. Start PostgreSQL or set VELOCITY_BENCH_PG_URL, then run \`${command}\`.`],
  };
}

/**
 * A pool for a store that passes every query to `pool` and reports each statement's text
 * and wall time (sending, server, reply) to `record`: how a benchmark splits a store call
 * into its round trips without touching the store.
 */
export function timingPool(pool: pg.Pool, record: (text: string, ms: number) => void): PgPoolLike {
  const timed = async <T>(config: PgQueryConfig, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      record(config.text, performance.now() - started);
    }
  };
  return {
    query: (config) => timed(config, () => pool.query(config)),
    async connect(): Promise<PgPoolClient> {
      const client = await pool.connect();
      return {
        query: (config) => timed(config, () => client.query(config)),
        release: (error) => client.release(error),
      };
    },
  };
}
