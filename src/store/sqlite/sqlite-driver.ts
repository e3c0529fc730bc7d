/**
 * The part of better-sqlite3 the SQLite store calls, typed structurally so that a user may
 * hand in their own `Database` (any better-sqlite3 version with this surface will do).
 * @module
 */

/** A prepared statement: the subset of better-sqlite3's `Statement` the store uses. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Whether rows come back as arrays of column values instead of objects (faster to build). */
  raw(toggleState?: boolean): unknown;
  /** Whether integers are read as BigInt; the store turns this off on its own statements. */
  safeIntegers(toggleState?: boolean): unknown;
}

/** The parameters of `F` (spelt as better-sqlite3's typings spell it, so their types match ours). */
type ArgumentsOf<F> = F extends (...args: infer A) => unknown ? A : never;

/** A function wrapped by `SqliteDatabase.transaction`: runs in BEGIN … COMMIT, rolls back on throw. */
export interface SqliteTransaction<F extends (...args: any[]) => unknown> {
  (...args: ArgumentsOf<F>): ReturnType<F>;
  /** Runs in BEGIN IMMEDIATE … COMMIT: takes the write lock at once. */
  immediate(...args: ArgumentsOf<F>): ReturnType<F>;
}

/** A database connection: the subset of better-sqlite3's `Database` the store uses. */
export interface SqliteDatabase {
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<F extends (...args: any[]) => unknown>(fn: F): SqliteTransaction<F>;
  close(): unknown;
}
