import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { VelocityError } from '../../src/errors.js';
import { copyTo } from '../../src/store/postgres/postgres-copy-out.js';
import { summariesFromCopy, summaryCopyText, windowCopyText, windowsFromCopy } from '../../src/store/postgres/postgres-window-copy.js';
import { STATUS_COUNTS_LENGTH } from '../../src/store/store.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { skipUnlessSelected } from './conformance.js';

const skip = skipUnlessSelected('postgres') || (await postgresSkipReason());

describe('reading windows through binary COPY', { skip }, () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url });
    await pool.query(`
      CREATE TABLE w (series_id bigint, t timestamptz, count bigint, sum float8, min float8, max float8,
                      last float8, p50 float8, p95 float8, p99 float8, status_counts bytea, sketch bytea);
      INSERT INTO w VALUES
        (7, '2026-11-20T10:01:00Z', 3, 6.5, 0.25, 4, NULL, 1.5, 3.75, 4, '\\x00020000010000', '\\x0106'),
        (9007199254740991, '2026-11-20T10:00:00Z', 0, 0, 0, 0, 12.5, NULL, NULL, NULL, NULL, NULL),
        (7, '1969-12-31T23:59:59.999Z', 1, 2, 2, 2, NULL, 2, 2, 2, '\\xffffffffffffff0f000000000003', ''),
        (8, '2026-11-20T10:00:00Z', 5, 1, 1, 1, NULL, 1, 1, 1, NULL, NULL)`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  const read = async (ids: number[], from: number, to: number) => {
    const client = await pool.connect();
    try {
      return windowsFromCopy(await copyTo(client, windowCopyText('w', ids, from, to)));
    } finally {
      client.release();
    }
  };

  it('decodes every column, NULLs and empty sketches included, ordered by start then series', async () => {
    const windows = await read([7, 9007199254740991], -Infinity, Infinity);
    assert.deepEqual(
      windows.map((w) => ({ ...w, sketch: w.sketch === null ? null : [...w.sketch] })),
      [
        { seriesId: 7, start: -1, count: 1, sum: 2, min: 2, max: 2, last: null, p50: 2, p95: 2, p99: 2, statusCounts: [9007199254740991, 0, 0, 0, 0, 0, 3], sketch: [] },
        {
          seriesId: 9007199254740991,
          start: Date.UTC(2026, 10, 20, 10),
          count: 0,
          sum: 0,
          min: 0,
          max: 0,
          last: 12.5,
          p50: null,
          p95: null,
          p99: null,
          statusCounts: null,
          sketch: null,
        },
        { seriesId: 7, start: Date.UTC(2026, 10, 20, 10, 1), count: 3, sum: 6.5, min: 0.25, max: 4, last: null, p50: 1.5, p95: 3.75, p99: 4, statusCounts: [0, 2, 0, 0, 1, 0, 0], sketch: [1, 6] },
      ],
    );
  });

  it('keeps to the range, start included, end excluded', async () => {
    const at = Date.UTC(2026, 10, 20, 10);
    assert.deepEqual((await read([7, 8], at, at + 60_000)).map((w) => [w.seriesId, w.statusCounts]), [[8, null]]);
    assert.deepEqual(await read([], -Infinity, Infinity), []);
  });

  it('refuses ids that are not integers before building SQL from them', () => {
    for (const id of [1.5, NaN, 2 ** 53, Infinity]) {
      assert.throws(() => windowCopyText('w', [1, id], 0, 1), (e: unknown) => e instanceof VelocityError && e.code === 'INVALID_PARAMETER');
    }
  });

  it('throws on output that is not a binary COPY of windows', async () => {
    assert.throws(() => windowsFromCopy(Buffer.from('not a copy')), /no binary COPY header/);
    const client = await pool.connect();
    try {
      const whole = await copyTo(client, windowCopyText('w', [7], -Infinity, Infinity));
      assert.throws(() => windowsFromCopy(whole.subarray(0, whole.length - 2)), /no trailer|out of bounds|beyond/i);
      const fewer = await copyTo(client, "COPY (SELECT 1::bigint, now()) TO STDOUT (FORMAT binary)");
      assert.throws(() => windowsFromCopy(fewer), /a row of 2 fields where 12 were expected/);
      const narrow = await copyTo(client, 'COPY (SELECT 1::int, now(), 1::bigint, 1::float8, 1::float8, 1::float8, 1::float8, 1::float8, 1::float8, 1::float8, NULL::bytea, NULL::bytea) TO STDOUT (FORMAT binary)');
      assert.throws(() => windowsFromCopy(narrow), /a field of 4 bytes where 8 were expected/);
      const short = await copyTo(client, `COPY (SELECT 1::bigint, now(), 1::bigint, 1::float8, 1::float8, 1::float8, 1::float8, 1::float8, 1::float8, 1::float8, '\\x0102'::bytea, NULL::bytea) TO STDOUT (FORMAT binary)`);
      assert.throws(() => windowsFromCopy(short), /status counts of 2 bytes hold fewer than 7 varints/);
    } finally {
      client.release();
    }
  });

  it('decodes summaries with their status counts flat, STATUS_COUNTS_LENGTH per row, zeros where none, and refuses other arrays', async () => {
    const client = await pool.connect();
    try {
      const summaries = summariesFromCopy(await copyTo(client, summaryCopyText('w', [7, 8, 9007199254740991], -Infinity, Infinity)));
      const rows = summaries.start.map((start, i) => [
        summaries.seriesId[i],
        start,
        summaries.statusCounts.slice(i * STATUS_COUNTS_LENGTH, (i + 1) * STATUS_COUNTS_LENGTH),
      ]);
      rows.sort((x, y) => (x[1] as number) - (y[1] as number) || (x[0] as number) - (y[0] as number));
      const none = [0, 0, 0, 0, 0, 0, 0];
      assert.deepEqual(rows, [
        [7, -1, [9007199254740991, 0, 0, 0, 0, 0, 3]],
        [8, Date.UTC(2026, 10, 20, 10), none],
        [9007199254740991, Date.UTC(2026, 10, 20, 10), none],
        [7, Date.UTC(2026, 10, 20, 10, 1), [0, 2, 0, 0, 1, 0, 0]],
      ]);
      const summary = (counts: string) =>
        `COPY (SELECT 1::bigint, now(), 1::bigint, 1::float8, 1::float8, 1::float8, 1::float8, 1::float8, '${counts}'::bytea) TO STDOUT (FORMAT binary)`;
      assert.throws(() => summariesFromCopy(Buffer.alloc(0)), /no binary COPY header/);
      const problems = [
        ['\\x0102030405060708', /hold more than 7 varints/],
        ['\\x', /hold fewer than 7 varints/],
        ['\\x01020304050680', /hold fewer than 7 varints/],
      ] as const;
      for (const [counts, problem] of problems) {
        const data = await copyTo(client, summary(counts));
        assert.throws(() => summariesFromCopy(data), problem);
      }
    } finally {
      client.release();
    }
  });

  it('rejects with the server error and leaves the client usable', async () => {
    const client = await pool.connect();
    try {
      await assert.rejects(copyTo(client, windowCopyText('no_such_table', [1], 0, 1)), /no_such_table/);
      assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      client.release();
    }
  });
});
