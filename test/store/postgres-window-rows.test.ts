import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Window } from '../../src/model/window.js';
import { binaryArray, binaryCopyData, BinaryWriter, type BinaryColumn } from '../../src/store/postgres/postgres-binary.js';
import { COPY_CHUNK_BYTES } from '../../src/store/postgres/postgres-copy.js';
import { windowArrays, windowCopyChunks, type SeriesRows } from '../../src/store/postgres/postgres-window-rows.js';
import { makeWindow, minute } from '../support/windows.js';
import { encodeStatusCounts } from '../../src/store/postgres/postgres-status-counts.js';

/** Two series: a distribution and a gauge, with NULLs, an empty sketch, a far date and extreme numbers. */
const batch: SeriesRows[] = [
  {
    id: 7,
    windows: [
      makeWindow({ start: minute(0), sketch: new Uint8Array(0), statusCounts: [0, Number.MAX_SAFE_INTEGER, 3, 0, 0, 0, 1] }),
      makeWindow({ start: minute(1), count: Number.MAX_SAFE_INTEGER, sum: -1.5e308, min: 5e-324, sketch: new Uint8Array(300).fill(9) }),
    ],
  },
  {
    id: Number.MAX_SAFE_INTEGER,
    windows: [
      makeWindow({ kind: 'gauge', start: Date.parse('0001-01-01T00:00:00Z'), last: -273.15 }),
      makeWindow({ kind: 'gauge', start: Date.parse('9999-12-31T23:59:00Z'), last: null, p50: 0.5 }),
    ],
  },
];

/** The same rows as generic columns, in the window table's column order. */
function columnsOf(series: readonly SeriesRows[]): BinaryColumn[] {
  const rows = series.flatMap(({ id, windows }) => windows.map((w) => ({ id, w })));
  const float8 = (value: (w: Window) => number | null): BinaryColumn => ({ type: 'float8', values: rows.map((r) => value(r.w)) });
  return [
    { type: 'int8', values: rows.map((r) => r.id) },
    { type: 'timestamptz', values: rows.map((r) => r.w.start) },
    { type: 'int8', values: rows.map((r) => r.w.count) },
    float8((w) => w.sum),
    float8((w) => w.min),
    float8((w) => w.max),
    float8((w) => w.last),
    float8((w) => w.p50),
    float8((w) => w.p95),
    float8((w) => w.p99),
    { type: 'bytea', values: rows.map((r) => encodeStatusCounts(r.w.statusCounts)) },
    { type: 'bytea', values: rows.map((r) => r.w.sketch) },
  ];
}

describe('postgres window rows', () => {
  it('writes the COPY data of a batch byte for byte as the generic encoder writes its columns', () => {
    assert.deepEqual(Buffer.concat([...windowCopyChunks(batch)]), binaryCopyData(columnsOf(batch)));
    assert.deepEqual([...windowCopyChunks([])], [binaryCopyData([])]);
  });

  it('splits a large batch into chunks of whole rows of at most COPY_CHUNK_BYTES', () => {
    const large: SeriesRows[] = Array.from({ length: 300 }, (_, id) => ({
      id,
      windows: Array.from({ length: 10 }, (_, m) => makeWindow({ start: minute(m), sketch: new Uint8Array(100 + id).fill(id % 256) })),
    }));
    const chunks = [...windowCopyChunks(large)];
    const whole = binaryCopyData(columnsOf(large));
    assert.ok(chunks.length > 1 && chunks.length <= Math.ceil(whole.length / COPY_CHUNK_BYTES) + 1, `${chunks.length} chunks`);
    assert.ok(chunks.every((chunk) => chunk.length <= COPY_CHUNK_BYTES));
    assert.deepEqual(Buffer.concat(chunks), whole);
    // Each chunk after the first starts with a row: its field count.
    assert.ok(chunks.slice(1).every((chunk) => chunk.readInt16BE(0) === 12));
  });

  it('gives the upsert the same rows as its twelve array parameters', () => {
    assert.deepEqual(windowArrays(batch), columnsOf(batch).map(binaryArray));
  });

  it('a writer whose size was not filled exactly throws instead of handing out its buffer', () => {
    const short = new BinaryWriter(12);
    short.int32(1);
    assert.throws(() => short.end(), RangeError);
    const full = new BinaryWriter(12);
    full.float8(0.5);
    assert.deepEqual([...full.end()], [0, 0, 0, 8, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]);
  });
});
