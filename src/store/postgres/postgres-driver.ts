/**
 * The part of `pg` the PostgreSQL store calls, typed structurally so that a user may hand in
 * their own `pg.Pool` (any pg 8 version with this surface will do), plus the two things every
 * caller of it needs: the store's own result parsers and a transaction around a pooled client.
 * @module
 */

/** Turns one column value, as PostgreSQL sends it in text format, into a JavaScript value. */
export type PgValueParser = (value: string) => unknown;

/** Per-query result parsers: pg's `types` query option. */
export interface PgTypeParsers {
  getTypeParser(oid: number, format?: string): PgValueParser;
}

/** A query: the subset of pg's `QueryConfig` the store uses. */
export interface PgQueryConfig {
  readonly text: string;
  readonly values?: unknown[];
  /** Parsers for this query's result columns only; the pool's and pg's global ones stay untouched. */
  readonly types?: PgTypeParsers;
  /** `'array'`: each row as an array of its columns rather than an object (cheaper to build). */
  readonly rowMode?: 'array';
}

/** A query's result: the subset of pg's `QueryResult` the store reads. */
export interface PgQueryResult {
  readonly rows: unknown[];
  /** Rows inserted, updated or deleted (null for statements that report none). */
  readonly rowCount: number | null;
}

/** A client checked out of a pool: the subset of pg's `PoolClient` the store uses. */
export interface PgPoolClient {
  /**
   * Runs a query. `config` may also be a query object of pg's own kind (with a `submit`
   * method, as the COPY of `postgres-copy.ts`): pg's client runs it through its hooks and
   * returns it, awaitable like the promise of any other query. A wrapper must hand it on as it is.
   */
  query(config: PgQueryConfig): Promise<PgQueryResult>;
  /** Returns the client to its pool; with an error, the pool discards it instead. */
  release(error?: Error | boolean): void;
  /** pg's client events: a lost connection is reported as `error` (see `checkOut`). */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** A client checked out of a pool, and how to give it back. */
export interface CheckedOutClient {
  readonly client: PgPoolClient;
  /** Returns the client to the pool; discards it when given an error or when its connection was lost meanwhile. */
  release(error?: Error): void;
}

/**
 * Checks a client out of `pool` and listens for its `error` event until it is released. pg's
 * client emits `error` when its connection ends unexpectedly (a database restart, a network
 * cut), on top of failing its queries; the pool listens only while the client is idle, so a
 * client checked out for a transaction or a maintenance lock would otherwise throw that error
 * as an uncaught exception and bring down the host process.
 */
export async function checkOut(pool: PgPoolLike): Promise<CheckedOutClient> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost = error;
  };
  client.on?.('error', onError);
  return {
    client,
    release(error?: Error) {
      client.removeListener?.('error', onError);
      client.release(error ?? lost);
    },
  };
}

/**
 * A connection pool: the subset of pg's `Pool` the store uses. A `pg.Pool` is one; so is any
 * wrapper around one that keeps these two methods.
 */
export interface PgPoolLike {
  query(config: PgQueryConfig): Promise<PgQueryResult>;
  connect(): Promise<PgPoolClient>;
}

const parseNumber: PgValueParser = (value) => Number(value);
const parseJson: PgValueParser = (value) => JSON.parse(value);
const keepText: PgValueParser = (value) => value;

// int8, int2, int4, float4, float8 → number; json, jsonb → parsed. Every other type stays text.
const parsersByOid = new Map<number, PgValueParser>([
  [20, parseNumber],
  [21, parseNumber],
  [23, parseNumber],
  [700, parseNumber],
  [701, parseNumber],
  [114, parseJson],
  [3802, parseJson],
]);

/**
 * The result parsers of every query the store runs, passed per query (`types`) rather than
 * set on pg's global registry, so that a user's own pool keeps its parsing and the store is
 * not affected by whatever the user configured. Integers (bigint ids, counts, epoch
 * milliseconds) come back as numbers, JSON parsed, anything else as PostgreSQL's text.
 */
export const PG_TYPES: PgTypeParsers = {
  getTypeParser(oid: number): PgValueParser {
    return parsersByOid.get(oid) ?? keepText;
  },
};

/**
 * Runs `work` in BEGIN … COMMIT on a client of `pool`, rolling back when it throws. The client
 * goes back to the pool either way; one whose ROLLBACK failed is discarded rather than reused.
 */
export async function withTransaction<T>(pool: PgPoolLike, work: (client: PgPoolClient) => Promise<T>): Promise<T> {
  const checkedOut = await checkOut(pool);
  const { client } = checkedOut;
  let result: T;
  try {
    await client.query({ text: 'BEGIN' });
    result = await work(client);
    await client.query({ text: 'COMMIT' });
  } catch (error) {
    try {
      await client.query({ text: 'ROLLBACK' });
      checkedOut.release();
    } catch (rollbackError) {
      checkedOut.release(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
    }
    throw error;
  }
  checkedOut.release();
  return result;
}
