/**
 * Opens the store a database setting names: `memory`, a SQLite file path, or (later) a
 * PostgreSQL URL.
 * @module
 */
import { invalidOption } from '../errors.js';
import { createMemoryStore } from './memory/memory-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Opens, without migrating, the store that `database` names. */
export function openStore(database: string): Store {
  if (database === 'memory' || database === ':memory:') return createMemoryStore();
  if (/^postgres(ql)?:\/\//.test(database)) {
    throw invalidOption('database', 'PostgreSQL is not supported by this version yet; use a SQLite path');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(database)) {
    throw invalidOption('database', `"${database}" is neither a file path, "memory", nor a postgres:// URL`);
  }
  return createSqliteStore({ path: database });
}
