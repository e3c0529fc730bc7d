/**
 * Values in PostgreSQL's binary format, as the server reads them: one-dimensional array
 * parameters of `bigint`, `float8`, `timestamptz` and `bytea` (`array_recv`), and rows of those
 * types as the input of `COPY … FROM STDIN (FORMAT binary)`. pg sends a Buffer parameter in
 * binary format as it is, so a column of a 10,000-window batch travels as 120 KB of
 * fixed-width values that the server copies instead of parsing text — and nothing is
 * formatted, escaped or hex-encoded on our side.
 *
 * A value (an array element, or a field of a COPY row) is an int32 byte length (-1 for NULL)
 * and its bytes. `bigint` is an int64; `float8` an IEEE 754 double; `timestamptz` an int64 of
 * microseconds since 2000-01-01T00:00:00Z (PostgreSQL's epoch; integer timestamps, the only
 * kind since PostgreSQL 10); `bytea` its bytes. All integers are big-endian.
 *
 * An array: int32 dimensions (1, or 0 when empty), int32 has-nulls flag, int32 element type
 * OID, then per dimension int32 length and int32 lower bound (1); then its elements.
 *
 * COPY data: the 11-byte signature `PGCOPY\n\377\r\n\0`, int32 flags (0), int32 header
 * extension length (0); then per row an int16 field count and its fields; then int16 -1.
 * @module
 */

/** Element type OIDs (`pg_type.oid`), fixed in every PostgreSQL version. */
const OID = { int8: 20, float8: 701, timestamptz: 1184, bytea: 17 } as const;

/** A column of values of one type, one per row or element; null is SQL NULL. */
export type BinaryColumn =
  | { readonly type: 'int8'; readonly values: ArrayLike<number> }
  | { readonly type: 'timestamptz'; readonly values: ArrayLike<number> }
  | { readonly type: 'float8'; readonly values: ArrayLike<number | null> }
  | { readonly type: 'bytea'; readonly values: ArrayLike<Uint8Array | null> };

const HEADER_BYTES = 20;
const EMPTY_HEADER_BYTES = 12;
/** A fixed-width value: its int32 length and its 8 bytes. */
const FIXED_BYTES = 12;
/** A NULL: its int32 length, -1. */
const NULL_BYTES = 4;
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** The signature, flags and header extension length. */
const COPY_HEADER_BYTES = COPY_SIGNATURE.length + 8;
/** A row's field count. */
const COPY_ROW_BYTES = 2;
/** The trailer: a field count of -1. */
const COPY_TRAILER_BYTES = 2;
const TWO_32 = 2 ** 32;
/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in Unix epoch milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
/** Beyond this many milliseconds from PostgreSQL's epoch, microseconds exceed 2^53: use BigInt. */
const SAFE_MICROS_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** A Buffer of `bytes` and a big-endian view of it. */
function allocate(bytes: number): { buffer: Buffer; view: DataView } {
  const buffer = Buffer.allocUnsafe(bytes);
  return { buffer, view: new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength) };
}

/** Writes an array header at 0 and returns where the elements start. */
function writeHeader(view: DataView, length: number, oid: number, hasNulls: boolean): number {
  if (length === 0) {
    view.setInt32(0, 0);
    view.setInt32(4, 0);
    view.setInt32(8, oid);
    return EMPTY_HEADER_BYTES;
  }
  view.setInt32(0, 1);
  view.setInt32(4, hasNulls ? 1 : 0);
  view.setInt32(8, oid);
  view.setInt32(12, length);
  view.setInt32(16, 1);
  return HEADER_BYTES;
}

/** Writes a safe integer as an int64 at `offset` (two int32 halves: no BigInt on this path). */
function setInt64(view: DataView, offset: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  view.setInt32(offset, high);
  view.setUint32(offset + 4, value - high * TWO_32);
}

function hasNull(values: ArrayLike<unknown>): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] === null) return true;
  return false;
}

/** Writes a NULL at `offset`; returns the offset after it. */
function writeNull(view: DataView, offset: number): number {
  view.setInt32(offset, -1);
  return offset + NULL_BYTES;
}

/** Writes a `bigint` value (a safe integer) at `offset`; returns the offset after it. */
function writeInt8(view: DataView, offset: number, value: number): number {
  view.setInt32(offset, 8);
  setInt64(view, offset + 4, value);
  return offset + FIXED_BYTES;
}

/** Writes a `float8` value or NULL at `offset`; returns the offset after it. */
function writeFloat8(view: DataView, offset: number, value: number | null): number {
  if (value === null) return writeNull(view, offset);
  view.setInt32(offset, 8);
  view.setFloat64(offset + 4, value);
  return offset + FIXED_BYTES;
}

/**
 * Writes a `timestamptz` value from epoch milliseconds (an integer within timestamptz's range)
 * at `offset`; returns the offset after it. No Date is involved, so neither its range nor a
 * time zone matters.
 */
function writeTimestamptz(view: DataView, offset: number, epochMs: number): number {
  view.setInt32(offset, 8);
  const sincePgEpochMs = epochMs - PG_EPOCH_MS;
  if (sincePgEpochMs <= SAFE_MICROS_MS && sincePgEpochMs >= -SAFE_MICROS_MS) {
    setInt64(view, offset + 4, sincePgEpochMs * 1000);
  } else {
    // Before 1715 or after 2285: microseconds beyond 2^53, exact only as a BigInt.
    view.setBigInt64(offset + 4, BigInt(sincePgEpochMs) * 1000n);
  }
  return offset + FIXED_BYTES;
}

/** Writes a `bytea` value or NULL at `offset`; returns the offset after it. */
function writeBytea(buffer: Buffer, view: DataView, offset: number, value: Uint8Array | null): number {
  if (value === null) return writeNull(view, offset);
  view.setInt32(offset, value.byteLength);
  buffer.set(value, offset + 4);
  return offset + 4 + value.byteLength;
}

/** Adds the bytes of each value `i` of `column` to `sizes[i]`. */
function addFieldBytes(sizes: Float64Array, column: BinaryColumn): void {
  const length = column.values.length;
  if (column.type === 'bytea') {
    for (let i = 0; i < length; i++) sizes[i] += 4 + (column.values[i]?.byteLength ?? 0);
  } else {
    for (let i = 0; i < length; i++) sizes[i] += column.values[i] === null ? NULL_BYTES : FIXED_BYTES;
  }
}

/**
 * Writes each value `i` of `column` at `offsets[i]` and moves that offset past it: one loop
 * per column, on one type (a COPY's rows are filled column by column).
 */
function writeFields(buffer: Buffer, view: DataView, offsets: Float64Array, column: BinaryColumn): void {
  const length = column.values.length;
  switch (column.type) {
    case 'int8':
      for (let i = 0; i < length; i++) offsets[i] = writeInt8(view, offsets[i], column.values[i]);
      return;
    case 'timestamptz':
      for (let i = 0; i < length; i++) offsets[i] = writeTimestamptz(view, offsets[i], column.values[i]);
      return;
    case 'float8':
      for (let i = 0; i < length; i++) offsets[i] = writeFloat8(view, offsets[i], column.values[i]);
      return;
    case 'bytea':
      for (let i = 0; i < length; i++) offsets[i] = writeBytea(buffer, view, offsets[i], column.values[i]);
      return;
  }
}

/** `column` as an array parameter (`bigint[]`, `timestamptz[]`, `float8[]` or `bytea[]`). */
export function binaryArray(column: BinaryColumn): Buffer {
  const { values, type } = column;
  // Each element's bytes first; then where it goes, right after the one before it.
  const offsets = new Float64Array(values.length);
  addFieldBytes(offsets, column);
  let end = values.length === 0 ? EMPTY_HEADER_BYTES : HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    const elementBytes = offsets[i];
    offsets[i] = end;
    end += elementBytes;
  }
  const { buffer, view } = allocate(end);
  writeHeader(view, values.length, OID[type], hasNull(values));
  writeFields(buffer, view, offsets, column);
  return buffer;
}

/** A `bigint[]` parameter of safe integers (ids, counts). */
export function int8Array(values: ArrayLike<number>): Buffer {
  return binaryArray({ type: 'int8', values });
}

/** A `timestamptz[]` parameter from epoch milliseconds (integers within timestamptz's range). */
export function timestamptzArray(epochMs: ArrayLike<number>): Buffer {
  return binaryArray({ type: 'timestamptz', values: epochMs });
}

/**
 * The rows of `columns` (as many values each; row `i` is value `i` of every column) as the
 * input of `COPY … (the columns, in this order) FROM STDIN (FORMAT binary)`.
 */
export function binaryCopyData(columns: readonly BinaryColumn[]): Buffer {
  const rows = columns.length === 0 ? 0 : columns[0].values.length;
  // Each row's bytes first; then, once the rows are placed, where its next field goes.
  const offsets = new Float64Array(rows).fill(COPY_ROW_BYTES);
  for (const column of columns) {
    if (column.values.length !== rows) throw new RangeError(`a ${column.type} column has ${column.values.length} values, not ${rows}`);
    addFieldBytes(offsets, column);
  }
  let bytes = COPY_HEADER_BYTES + COPY_TRAILER_BYTES;
  for (let i = 0; i < rows; i++) bytes += offsets[i];
  const { buffer, view } = allocate(bytes);
  buffer.set(COPY_SIGNATURE, 0);
  view.setInt32(COPY_SIGNATURE.length, 0);
  view.setInt32(COPY_SIGNATURE.length + 4, 0);
  let offset = COPY_HEADER_BYTES;
  for (let i = 0; i < rows; i++) {
    const rowBytes = offsets[i];
    view.setInt16(offset, columns.length);
    offsets[i] = offset + COPY_ROW_BYTES;
    offset += rowBytes;
  }
  for (const column of columns) writeFields(buffer, view, offsets, column);
  view.setInt16(offset, -1);
  return buffer;
}
