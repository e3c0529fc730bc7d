/**
 * Opens the store a database setting names: `memory`, a SQLite file path, or a PostgreSQL
 * URL. To use a `pg.Pool` of your own, create the store with `createPostgresStore({ pool })`,
 * re-exported here, and hand it to Velocity as its `store`.
 * @module
 */
import { invalidOption } from '../errors.js';
import { createMemoryStore } from './memory/memory-store.js';
import { createPostgresStore } from './postgres/postgres-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export { createPostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
export type { PgPoolLike } from './postgres/postgres-driver.js';

/**
 * The database setting as it may be shown in messages and logs: a URL's password replaced
 * by `***`; paths and `memory` unchanged.
 * @example describeDatabase('postgres://app:s3cret@db/metrics') // 'postgres://app:***@db/metrics'
 */
export function describeDatabase(database: string): string {
  if (!database.includes('://')) return database;
  try {
    const url = new URL(database);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return database.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

/**
 * Opens, without migrating (and, for PostgreSQL, without connecting), the store that
 * `database` names: `memory`, a `postgres://` or `postgresql://` URL, or a SQLite file path.
 */
export function openStore(database: string): Store {
  if (database === 'memory' || database === ':memory:') return createMemoryStore();
  if (/^postgres(ql)?:\/\//i.test(database)) return createPostgresStore({ url: database });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(database)) {
    throw invalidOption('database', `"${database}" is neither a file path, "memory", nor a postgres:// URL`);
  }
  return createSqliteStore({ path: database });
}
