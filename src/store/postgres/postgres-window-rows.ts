/**
 * A batch's windows as rows of a window table, in the columns and order that the table's
 * `copy` and `upsert` statements take them (`postgres-statements.ts`): series_id, t, count,
 * sum, min, max, last, p50, p95, p99, status_counts, sketch. The COPY data is written straight from the
 * windows, chunk by chunk, each chunk one Buffer sized in advance, so that the server reads a
 * chunk while the next is written; the upsert's array parameters, needed only when the COPY
 * meets a stored window, are built from the same rows.
 * @module
 */
import type { Window } from '../../model/window.js';
import {
  binaryArray,
  BinaryWriter,
  COPY_HEADER_BYTES,
  COPY_ROW_BYTES,
  COPY_TRAILER_BYTES,
  valueBytes,
  type BinaryColumn,
} from './postgres-binary.js';
import { COPY_CHUNK_BYTES } from './postgres-copy.js';
import { encodeStatusCounts } from './postgres-status-counts.js';

/** The windows of one series of a batch, by start, each start once, and the series' id. */
export interface SeriesRows {
  readonly id: number;
  readonly windows: readonly Window[];
}

/** Fields per row. */
const FIELDS = 12;
/** The bytes of a row besides its nullable fields: its field count and series_id, t, count, sum, min, max. */
const FIXED_ROW_BYTES = COPY_ROW_BYTES + 6 * valueBytes(0);

/**
 * The rows of `batch` in order: each window, the id of its series and its status counts
 * encoded (null for none: every window but route totals) at the same index.
 */
function rowsOf(batch: readonly SeriesRows[]): { ids: number[]; windows: Window[]; statusCounts: Array<Uint8Array | null> } {
  const ids: number[] = [];
  const windows: Window[] = [];
  const statusCounts: Array<Uint8Array | null> = [];
  for (const entry of batch) {
    for (const w of entry.windows) {
      ids.push(entry.id);
      windows.push(w);
      statusCounts.push(encodeStatusCounts(w.statusCounts));
    }
  }
  return { ids, windows, statusCounts };
}

/** The bytes of the row of window `w` with encoded status counts `statusCounts`. */
function rowBytes(w: Window, statusCounts: Uint8Array | null): number {
  return (
    FIXED_ROW_BYTES +
    valueBytes(w.last) +
    valueBytes(w.p50) +
    valueBytes(w.p95) +
    valueBytes(w.p99) +
    valueBytes(statusCounts) +
    valueBytes(w.sketch)
  );
}

/**
 * The rows of `batch` (series in the order given, each series' windows in theirs) as the
 * input of `COPY … FROM STDIN (FORMAT binary)`, in chunks of whole rows of at most
 * COPY_CHUNK_BYTES (more only for a row larger by itself), each written when the one before it
 * has been taken.
 */
export function* windowCopyChunks(batch: readonly SeriesRows[]): Generator<Buffer> {
  const { ids, windows, statusCounts } = rowsOf(batch);
  let first = 0;
  do {
    let bytes = first === 0 ? COPY_HEADER_BYTES : 0;
    let end = first;
    for (; end < windows.length; end++) {
      const next = rowBytes(windows[end], statusCounts[end]);
      // Room kept for the trailer, which the last chunk carries.
      if (end > first && bytes + next + COPY_TRAILER_BYTES > COPY_CHUNK_BYTES) break;
      bytes += next;
    }
    const last = end === windows.length;
    const writer = new BinaryWriter(last ? bytes + COPY_TRAILER_BYTES : bytes);
    if (first === 0) writer.copyHeader();
    for (let i = first; i < end; i++) {
      const w = windows[i];
      writer.copyRow(FIELDS);
      writer.int8(ids[i]);
      writer.timestamptz(w.start);
      writer.int8(w.count);
      writer.float8(w.sum);
      writer.float8(w.min);
      writer.float8(w.max);
      writer.float8(w.last);
      writer.float8(w.p50);
      writer.float8(w.p95);
      writer.float8(w.p99);
      writer.bytea(statusCounts[i]);
      writer.bytea(w.sketch);
    }
    if (last) writer.copyTrailer();
    yield writer.end();
    first = end;
  } while (first < windows.length);
}

/** The rows of `batch`, in the same order, as the twelve columns of the window table. */
export function windowColumns(batch: readonly SeriesRows[]): BinaryColumn[] {
  const { ids, windows, statusCounts } = rowsOf(batch);
  const float8 = (value: (w: Window) => number | null): BinaryColumn => ({ type: 'float8', values: windows.map(value) });
  return [
    { type: 'int8', values: ids },
    { type: 'timestamptz', values: windows.map((w) => w.start) },
    { type: 'int8', values: windows.map((w) => w.count) },
    float8((w) => w.sum),
    float8((w) => w.min),
    float8((w) => w.max),
    float8((w) => w.last),
    float8((w) => w.p50),
    float8((w) => w.p95),
    float8((w) => w.p99),
    { type: 'bytea', values: statusCounts },
    { type: 'bytea', values: windows.map((w) => w.sketch) },
  ];
}

/** The rows of `batch`, in the same order, as the twelve binary array parameters of the upsert. */
export function windowArrays(batch: readonly SeriesRows[]): Buffer[] {
  return windowColumns(batch).map(binaryArray);
}
