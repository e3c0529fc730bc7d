/**
 * PostgreSQL for tests: whether the suites can run, and a fresh database per test run.
 * The server is named by `VELOCITY_TEST_PG_URL` (an admin URL, default
 * `postgres://postgres@127.0.0.1:5432/test`). When it cannot be reached the PostgreSQL suites
 * are skipped with one line saying why, except under CI (`CI` set), where they fail.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describeDatabase } from '../../src/store/open-store.js';

/** The URL tests connect to in order to create and drop their databases. */
export const PG_ADMIN_URL = process.env.VELOCITY_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A database of its own for one test run, and how to drop it. */
export interface TestDatabase {
  readonly name: string;
  /** `PG_ADMIN_URL` with this database in place of the admin one. */
  readonly url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** Runs `work` on a client connected to `adminUrl` (default `PG_ADMIN_URL`), closing it afterwards. */
export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>, adminUrl = PG_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates the empty database `name` on the server of `adminUrl`; drop() removes it. */
export async function createDatabase(name: string, adminUrl = PG_ADMIN_URL): Promise<TestDatabase> {
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`), adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), adminUrl);
    },
  };
}

/**
 * node:test's `skip` for the PostgreSQL suites: false when the server answers. When it does
 * not: with `CI` set, throws (so that the test file fails, never skips); otherwise prints one
 * line saying that the suites were skipped and why (once per test run, however many
 * PostgreSQL test files there are) and returns that reason.
 */
export async function postgresSkipReason(): Promise<string | false> {
  try {
    await withAdmin((client) => client.query('SELECT 1'));
    return false;
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    const why = `PostgreSQL at ${describeDatabase(PG_ADMIN_URL)} cannot be reached (${problem})`;
    if (process.env.CI) throw new Error(`${why}; CI is set, so the PostgreSQL suites fail rather than skip`);
    // Each test file runs in its own process, all children of the runner: one line per run.
    const marker = join(tmpdir(), `velocity-pg-skip-notice-${process.ppid}`);
    try {
      writeFileSync(marker, '', { flag: 'wx' });
      console.warn(`PostgreSQL suites skipped: ${why}. Start PostgreSQL or set VELOCITY_TEST_PG_URL.`);
    } catch {
      // Already said during this run.
    }
    return why;
  }
}

/** Creates an empty database `velocity_test_<pid>_<random>` on the server of `PG_ADMIN_URL`. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase(`velocity_test_${process.pid}_${randomBytes(4).toString('hex')}`);
}
