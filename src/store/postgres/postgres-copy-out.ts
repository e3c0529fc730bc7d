/**
 * `COPY … TO STDOUT` into one buffer through pg's own copy hooks, as `postgres-copy.ts` does
 * for COPY FROM: pg runs a query object that has a `submit` method and hands it the server's
 * replies. The server sends one CopyData message per row; each is copied out at once, since
 * pg's parser reuses the memory a message arrived in.
 * @module
 */
import type { PgPoolClient, PgQueryResult } from './postgres-driver.js';

/** The part of pg 8's `Connection` a COPY TO STDOUT uses. */
interface CopyOutConnection {
  query(text: string): void;
}

const INITIAL_BYTES = 64 * 1024;

/**
 * One COPY TO STDOUT, as a query object for `client.query`, awaitable like pg's own queries:
 * it settles with the data once the server is ready for the next query, or with the server's
 * error (pg then holds the next query back until the server is ready).
 */
class CopyToStdout implements PromiseLike<PgQueryResult> {
  #data = Buffer.allocUnsafe(INITIAL_BYTES);
  #length = 0;
  readonly #result: Promise<PgQueryResult>;
  #resolve: (result: PgQueryResult) => void = () => {};
  #reject: (error: Error) => void = () => {};

  constructor(
    /** The COPY statement: pg's client reads it, and wrappers that log statements see it. */
    readonly text: string,
  ) {
    this.#result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** The bytes received so far. */
  get data(): Buffer {
    return this.#data.subarray(0, this.#length);
  }

  /** Awaiting the query object waits for its result, as for the promise pg returns for any other query. */
  then<A = PgQueryResult, B = never>(
    onFulfilled?: ((result: PgQueryResult) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#result.then(onFulfilled, onRejected);
  }

  /** pg: the query's turn on the connection (a simple Query message). */
  submit(connection: CopyOutConnection): void {
    connection.query(this.text);
  }

  /** pg: one CopyData message, a row of the output. */
  handleCopyData(message: { chunk: Buffer }): void {
    const { chunk } = message;
    const needed = this.#length + chunk.length;
    if (needed > this.#data.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.#data.length));
      this.#data.copy(grown, 0, 0, this.#length);
      this.#data = grown;
    }
    chunk.copy(this.#data, this.#length);
    this.#length = needed;
  }

  /** pg: the command's tag, `COPY <rows>`. */
  handleCommandComplete(): void {}

  /** pg: the server's error reply, or a connection or client error. */
  handleError(error: Error): void {
    this.#reject(error);
  }

  /** pg: the server is ready for the next query, this one done without error. */
  handleReadyForQuery(): void {
    this.#resolve({ rows: [], rowCount: null });
  }
}

/**
 * Runs `text`, a `COPY (<query>) TO STDOUT …`, on `client` and resolves to everything it
 * wrote; rejects with the server's error as any query does. `client.query` must hand the
 * query object to pg as it is.
 */
export async function copyTo(client: Pick<PgPoolClient, 'query'>, text: string): Promise<Buffer> {
  const copy = new CopyToStdout(text);
  await client.query(copy);
  return copy.data;
}
