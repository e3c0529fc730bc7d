/**
 * `COPY … FROM STDIN` of a buffer through pg's own copy-in hooks (the mechanism
 * pg-copy-streams is built on), so that the store needs nothing beyond pg. pg runs any query
 * object that has a `submit` method (a "Submittable") by calling it with its connection, then
 * hands it the server's replies: here, when the server asks for the data (CopyInResponse), all
 * of it goes out as CopyData messages and a CopyDone; the command's tag gives the rows copied.
 * Data given as chunks goes out chunk by chunk as they are produced: the server reads the first
 * while the next are encoded.
 * @module
 */
import type { PgPoolClient, PgQueryResult } from './postgres-driver.js';

/** The part of pg 8's `Connection` a COPY FROM STDIN uses. */
interface CopyInConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/**
 * The most data one CopyData message carries when the data is one Buffer, and about what a
 * chunk of data should hold: the size of the server's COPY read buffer.
 */
export const COPY_CHUNK_BYTES = 64 * 1024;

/**
 * One COPY FROM STDIN, as a query object for `client.query`: pg's client runs it through the
 * hooks below and returns the object itself, which is awaitable and settles as a query's
 * promise would. On an error reply pg hands it the error and no ReadyForQuery, so the error
 * settles it; pg holds the next query back until the server is ready again, and the server,
 * having rejected the COPY, reads and drops whatever data was still coming. A broken
 * connection errors every query it holds, this one included: it never waits forever. Chunks
 * whose making throws end the COPY with a CopyFail, and that error settles it.
 */
class CopyFromStdin implements PromiseLike<PgQueryResult> {
  readonly #chunks: Iterable<Buffer>;
  readonly #result: Promise<PgQueryResult>;
  #resolve: (result: PgQueryResult) => void = () => {};
  #reject: (error: Error) => void = () => {};
  #rowCount: number | null = null;
  /** What the chunks threw, if they did: reported instead of the server's reply to the CopyFail. */
  #failure: Error | undefined;

  constructor(
    /** The COPY statement: pg's client reads it, and wrappers that log statements see it. */
    readonly text: string,
    chunks: Iterable<Buffer>,
  ) {
    this.#chunks = chunks;
    this.#result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Awaiting the query object waits for its result, as for the promise pg returns for any other query. */
  then<A = PgQueryResult, B = never>(
    onFulfilled?: ((result: PgQueryResult) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#result.then(onFulfilled, onRejected);
  }

  /** pg: the query's turn on the connection (a simple Query message). */
  submit(connection: CopyInConnection): void {
    connection.query(this.text);
  }

  /** pg: the server is ready for the data. */
  handleCopyInResponse(connection: CopyInConnection): void {
    try {
      for (const chunk of this.#chunks) connection.sendCopyFromChunk(chunk);
    } catch (error) {
      // Thrown into pg's message handling it would be uncaught: fail the COPY instead.
      this.#failure = error instanceof Error ? error : new Error(String(error));
      connection.sendCopyFail(this.#failure.message);
      return;
    }
    connection.endCopyFrom();
  }

  /** pg: the command's tag, `COPY <rows>`. */
  handleCommandComplete(message: { text?: string }): void {
    const rows = /^COPY (\d+)$/.exec(message.text ?? '');
    if (rows !== null) this.#rowCount = Number(rows[1]);
  }

  /** pg: the server's error reply, or a connection or client error. */
  handleError(error: Error): void {
    this.#reject(this.#failure ?? error);
  }

  /** pg: the server is ready for the next query, this one done without error. */
  handleReadyForQuery(): void {
    this.#resolve({ rows: [], rowCount: this.#rowCount });
  }
}

/**
 * Runs `text`, a `COPY <table> (<columns>) FROM STDIN …`, on `client` with `data` as its
 * input, and resolves to the rows copied; rejects with the server's error (its SQLSTATE in
 * `code`) as any query does, leaving the client ready for the next one. `data` is one Buffer,
 * sent in messages of at most COPY_CHUNK_BYTES, or chunks, each sent as one message as soon
 * as it is made (a generator is run once the server asks for the data). `client.query` must
 * hand the query object to pg as it is (pg's own clients do, outside pipeline mode).
 */
export async function copyFrom(
  client: Pick<PgPoolClient, 'query'>,
  text: string,
  data: Buffer | Iterable<Buffer>,
): Promise<number> {
  const { rowCount } = await client.query(new CopyFromStdin(text, Buffer.isBuffer(data) ? slices(data) : data));
  return rowCount ?? 0;
}

/** `data` in slices of at most COPY_CHUNK_BYTES. */
function* slices(data: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += COPY_CHUNK_BYTES) {
    yield data.subarray(offset, offset + COPY_CHUNK_BYTES);
  }
}
