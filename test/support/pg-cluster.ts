/**
 * A throwaway PostgreSQL cluster of its own, for tests that stop and start the server: the
 * shared server (`PG_ADMIN_URL`) serves other suites and people and is never stopped. Made
 * with Debian's postgresql-common tools (`pg_createcluster`, `pg_ctlcluster`,
 * `pg_dropcluster`), run as root or as the postgres user, on a free loopback port with trust
 * authentication. When a cluster cannot be made, the suites using it skip with one line
 * saying why, except under CI (`CI` set), where they fail.
 * @module
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A cluster made for one test file; drop it when done. */
export interface PgCluster {
  readonly name: string;
  readonly port: number;
  /** Its `postgres` database, as the `postgres` superuser. */
  readonly url: string;
  /** Starts the server and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (fast mode: open connections are ended). */
  stop(): Promise<void>;
  /** Stops the server if it runs and removes the cluster: data, configuration and log. */
  drop(): Promise<void>;
}

/** The newest PostgreSQL major version installed the Debian way, or null. */
function installedVersion(): string | null {
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((name) => /^\d+$/.test(name));
    return versions.sort((a, b) => Number(b) - Number(a))[0] ?? null;
  } catch {
    return null;
  }
}

/** A loopback port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The first line a failed command printed, for a one-line reason. */
function firstLine(error: unknown): string {
  const { stderr, message } = error as { stderr?: string; message?: string };
  return (stderr?.trim() || message || String(error)).split('\n')[0];
}

/** Creates a cluster `velocity_test_<pid>_<random>`, stopped. Rejects when it cannot. */
async function createPgCluster(): Promise<PgCluster> {
  const version = installedVersion();
  if (version === null) throw new Error('no PostgreSQL under /usr/lib/postgresql (Debian postgresql-common)');
  const name = `velocity_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  // Listens on localhost only (the default); fsync is off since the data is thrown away.
  const options = ['-o', 'fsync=off', '--start-conf=manual'];
  try {
    await run('pg_createcluster', [version, name, '--port', String(port), ...options, '--', '--auth=trust']);
  } catch (error) {
    throw new Error(`pg_createcluster failed: ${firstLine(error)}`);
  }
  const ctl = async (action: 'start' | 'stop'): Promise<void> => {
    try {
      await run('pg_ctlcluster', [version, name, action]);
    } catch (error) {
      throw new Error(`pg_ctlcluster ${action} failed: ${firstLine(error)}`);
    }
  };
  return {
    name,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => ctl('start'),
    stop: () => ctl('stop'),
    async drop() {
      await run('pg_dropcluster', ['--stop', version, name]);
    },
  };
}

/**
 * A fresh cluster (stopped) for a test file, or the reason there is none: with `CI` set,
 * rejects instead, so that CI fails rather than skips; otherwise prints one line saying why.
 */
export async function pgClusterOrSkipReason(): Promise<{ cluster: PgCluster; skip: false } | { cluster: null; skip: string }> {
  try {
    return { cluster: await createPgCluster(), skip: false };
  } catch (error) {
    const why = `cannot create a throwaway PostgreSQL cluster (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI) throw new Error(`${why}; CI is set, so the suites that need one fail rather than skip`);
    console.warn(`Suites stopping and starting PostgreSQL skipped: ${why}.`);
    return { cluster: null, skip: why };
  }
}
