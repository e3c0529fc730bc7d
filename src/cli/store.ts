/**
 * Opening the store a sub-command works on, with one-line errors: a missing file is named
 * as such (rather than silently created empty), and driver errors say which database failed.
 * @module
 */
import { existsSync } from 'node:fs';
import { VelocityError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { describeDatabase } from '../store/open-store.js';

/** How `openMigratedStore` treats a database file that does not exist yet. */
export interface OpenOptions {
  /** Create it (serve, demo, migrate) rather than fail (query, prune). */
  readonly create: boolean;
}

/** Whether `database` names a file rather than `memory` or a URL. */
function isFilePath(database: string): boolean {
  return database !== 'memory' && database !== ':memory:' && !database.includes('://');
}

/**
 * Opens the store `database` names and applies its pending migrations. Throws a plain Error
 * (exit code 1) when the file is missing and `create` is false, or when the database cannot
 * be opened; a VelocityError (exit code 2) when the setting itself is invalid.
 */
export async function openMigratedStore(database: string, options: OpenOptions): Promise<Store> {
  if (!options.create && isFilePath(database) && !existsSync(database)) {
    throw new Error(`no database at ${describeDatabase(database)} (pass --db, or create one with 'velocity demo' or 'velocity serve')`);
  }
  let store: Store | undefined;
  try {
    store = openStore(database);
    await store.migrate();
    return store;
  } catch (error) {
    await store?.close();
    if (error instanceof VelocityError && error.status === 400) throw error;
    throw new Error(`cannot open database ${describeDatabase(database)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
