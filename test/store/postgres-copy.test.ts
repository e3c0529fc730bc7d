import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import { binaryCopyData, type BinaryColumn } from '../../src/store/postgres/postgres-binary.js';
import { copyFrom } from '../../src/store/postgres/postgres-copy.js';
import type { PgPoolClient } from '../../src/store/postgres/postgres-driver.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { skipUnlessSelected } from './conformance.js';

const skip = skipUnlessSelected('postgres') || (await postgresSkipReason());

const COPY = 'COPY copied (id, t, x, b) FROM STDIN (FORMAT binary)';

/** Rows `from` … `to - 1` of the test table as COPY data: id i, a time, a double, `bytes` bytes. */
function rows(from: number, to: number, bytes = 0): Buffer {
  const ids = Array.from({ length: to - from }, (_, i) => from + i);
  return binaryCopyData([
    { type: 'int8', values: ids },
    { type: 'timestamptz', values: ids.map((id) => Date.UTC(2026, 10, 20) + id * 60_000) },
    { type: 'float8', values: ids.map((id) => id / 4) },
    { type: 'bytea', values: ids.map((id) => new Uint8Array(bytes).fill(id % 256)) },
  ]);
}

describe('postgres COPY FROM STDIN', { skip }, () => {
  let db: TestDatabase;
  /** One connection, so that every test reuses the client the one before it left behind. */
  let pool: pg.Pool;
  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await pool.query('CREATE TABLE copied (id bigint PRIMARY KEY, t timestamptz, x float8, b bytea)');
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE copied');
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function onClient<T>(work: (client: PgPoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  async function stored(): Promise<{ n: number; ids: number; bytes: number }> {
    const { rows: [row] } = await pool.query<{ n: number; ids: number; bytes: number }>(
      'SELECT count(*)::int AS n, coalesce(sum(id), 0)::int AS ids, coalesce(sum(length(b)), 0)::int AS bytes FROM copied',
    );
    return row;
  }

  it('copies every type exactly, nulls and extremes included, and resolves to the rows copied', async () => {
    const columns: BinaryColumn[] = [
      { type: 'int8', values: [Number.MAX_SAFE_INTEGER, -1, -Number.MAX_SAFE_INTEGER, 0] },
      { type: 'timestamptz', values: [Date.parse('0001-01-01T00:00:00Z'), Date.parse('9999-12-31T23:59:00Z'), 0, -1] },
      { type: 'float8', values: [-1.5e308, 5e-324, null, -0.5] },
      { type: 'bytea', values: [new Uint8Array([0, 255, 10]), null, new Uint8Array(0), new Uint8Array([92, 120])] },
    ];
    assert.equal(await onClient((client) => copyFrom(client, COPY, binaryCopyData(columns))), 4);
    const { rows: read } = await pool.query<{ id: string; t: string; x: number | null; b: Buffer | null }>(
      `SELECT id::text, (extract(epoch FROM t) * 1000)::bigint::text AS t, x, b FROM copied ORDER BY copied.id DESC`,
    );
    assert.deepEqual(
      read.map((row) => [Number(row.id), Number(row.t), row.x, row.b === null ? null : [...row.b]]),
      [
        [Number.MAX_SAFE_INTEGER, Date.parse('0001-01-01T00:00:00Z'), -1.5e308, [0, 255, 10]],
        [0, -1, -0.5, [92, 120]],
        [-1, Date.parse('9999-12-31T23:59:00Z'), 5e-324, null],
        [-Number.MAX_SAFE_INTEGER, 0, null, []],
      ],
    );
    assert.throws(() => binaryCopyData([columns[0], { type: 'int8', values: [1] }]), RangeError);
  });

  it('sends data larger than one message whole', async () => {
    const data = rows(0, 3_000, 200);
    assert.ok(data.length > 500_000, `${data.length} bytes`);
    assert.equal(await onClient((client) => copyFrom(client, COPY, data)), 3_000);
    assert.deepEqual(await stored(), { n: 3_000, ids: (2_999 * 3_000) / 2, bytes: 3_000 * 200 });
  });

  it('a COPY the server rejects midway rejects with its error and leaves the client usable', async () => {
    await onClient((client) => copyFrom(client, COPY, rows(0, 1)));
    await onClient(async (client) => {
      // The first row is stored already: the server fails the COPY early on and drops the
      // megabytes still coming.
      const data = rows(0, 40_000, 20);
      assert.ok(data.length > 1_000_000);
      await assert.rejects(copyFrom(client, COPY, data), { code: '23505', message: /duplicate key/ });
      const { rows: [row] } = await client.query({ text: 'SELECT 41 + 1 AS answer' });
      assert.deepEqual(row, { answer: 42 });
      assert.equal(await copyFrom(client, COPY, rows(1, 11)), 10);
    });
    assert.deepEqual(await stored(), { n: 11, ids: 55, bytes: 0 });
  });

  it('sends chunks as they are made, and fails the COPY with the error of chunks that throw', async () => {
    await onClient(async (client) => {
      function* chunks(): Generator<Buffer> {
        const data = rows(0, 20, 10);
        yield data.subarray(0, 100);
        yield data.subarray(100);
      }
      assert.equal(await copyFrom(client, COPY, chunks()), 20);
      function* failing(): Generator<Buffer> {
        yield rows(20, 30).subarray(0, 50);
        throw new Error('no more rows');
      }
      await assert.rejects(copyFrom(client, COPY, failing()), { message: 'no more rows' });
      assert.equal(await copyFrom(client, COPY, [rows(30, 32)]), 2);
    });
    assert.deepEqual(await stored(), { n: 22, ids: (19 * 20) / 2 + 30 + 31, bytes: 200 });
  });

  it('a COPY rejected before its data, or for data that is not COPY data, leaves the client usable', async () => {
    await onClient(async (client) => {
      await assert.rejects(copyFrom(client, 'COPY missing (id) FROM STDIN (FORMAT binary)', rows(0, 1)), { code: '42P01' });
      await assert.rejects(copyFrom(client, COPY, Buffer.from('1\t2\n')), { code: '22P04' });
      assert.equal(await copyFrom(client, COPY, rows(5, 7)), 2);
    });
    assert.deepEqual(await stored(), { n: 2, ids: 11, bytes: 0 });
  });

  it('a COPY whose connection is terminated while it waits rejects rather than waits forever', async () => {
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => {});
    await client.connect();
    const locker = await pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE copied IN ACCESS EXCLUSIVE MODE');
      const { rows: [{ pid }] } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Its rejection may arrive before the reply to the termination below: expect it from now.
      const rejected = assert.rejects(copyFrom(client, COPY, rows(0, 5)), { code: '57P01' });
      // Wait until the COPY is queued behind the lock, then end its connection from outside.
      for (;;) {
        const { rows: waiting } = await locker.query(
          `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`,
          [pid],
        );
        if (waiting.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await locker.query('SELECT pg_terminate_backend($1)', [pid]);
      await rejected;
      await assert.rejects(client.query('SELECT 1'), /not queryable|terminat/);
      await locker.query('ROLLBACK');
    } finally {
      locker.release();
      await client.end().catch(() => {});
    }
    assert.deepEqual(await stored(), { n: 0, ids: 0, bytes: 0 });
  });
});
