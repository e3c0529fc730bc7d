/**
 * The SQLite schema as an ordered list of migrations, and the function that applies the ones
 * not yet recorded in `schema_migrations`, each in its own transaction, exactly once (the
 * SQLite store's `migrate()`). Never edit a migration that has shipped: add one with the next
 * version.
 * @module
 */
import type { SqliteDatabase } from './sqlite-driver.js';

/** One versioned schema change. */
export interface SqliteMigration {
  /** Position in the sequence, starting at 1, strictly increasing. */
  readonly version: number;
  /** A short name, recorded beside the version. */
  readonly name: string;
  /** The statements to run, separated by semicolons. */
  readonly sql: string;
}

/**
 * Every migration, oldest first. Window times are integer epoch seconds; windows are keyed by
 * (series_id, t) in `WITHOUT ROWID` tables, with an index on `t` for retention. Maintenance
 * runs are recorded in epoch milliseconds, since their intervals may be shorter than a second.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'series and 1m windows',
    sql: `
      CREATE TABLE series (
        id         INTEGER PRIMARY KEY,
        key        TEXT    NOT NULL UNIQUE,
        metric     TEXT    NOT NULL,
        kind       TEXT    NOT NULL CHECK (kind IN ('distribution', 'counter', 'gauge')),
        labels     TEXT    NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL
      );
      CREATE INDEX series_metric ON series (metric);

      CREATE TABLE windows_1m (
        series_id INTEGER NOT NULL REFERENCES series (id),
        t         INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        sum       REAL    NOT NULL,
        min       REAL    NOT NULL,
        max       REAL    NOT NULL,
        last      REAL,
        p50       REAL,
        p95       REAL,
        p99       REAL,
        sketch    BLOB,
        PRIMARY KEY (series_id, t)
      ) WITHOUT ROWID;
      CREATE INDEX windows_1m_t ON windows_1m (t);
    `,
  },
  {
    version: 2,
    name: 'maintenance runs',
    sql: `
      -- When each maintenance job (retention, rollups) last ran, in epoch milliseconds: the
      -- store runs a job again once 90 % of its interval has passed (Store.runMaintenance).
      CREATE TABLE maintenance (
        job         TEXT    PRIMARY KEY,
        last_run_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

/**
 * Applies, in order, every migration of `migrations` not yet recorded in `schema_migrations`
 * (which it creates if missing), each with its record in one `BEGIN IMMEDIATE` transaction:
 * a failing migration leaves no trace, and two processes migrating one file at once apply
 * each migration once. Returns the versions it applied, oldest first.
 */
export function applySqliteMigrations(
  db: SqliteDatabase,
  migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS,
): number[] {
  for (let i = 0; i < migrations.length; i++) {
    const { version } = migrations[i];
    if (!Number.isSafeInteger(version) || version < 1 || (i > 0 && version <= migrations[i - 1].version)) {
      throw new Error(`SQLite migrations must have strictly increasing positive versions (at ${version})`);
    }
  }
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const apply = db.transaction((migration: SqliteMigration): boolean => {
    // Checked under the write lock: another process may have applied it since we looked.
    if (isApplied.get(migration.version) !== undefined) return false;
    db.exec(migration.sql);
    record.run(migration.version, migration.name, Math.floor(Date.now() / 1000));
    return true;
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    if (apply.immediate(migration)) applied.push(migration.version);
  }
  return applied;
}
