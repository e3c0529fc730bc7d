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
/** The bytes of the header of COPY data: its signature, flags and header extension length. */
export const COPY_HEADER_BYTES = COPY_SIGNATURE.length + 8;
/** The bytes a row of COPY data takes besides its fields: its field count. */
export const COPY_ROW_BYTES = 2;
/** The bytes of the trailer of COPY data: a field count of -1. */
export const COPY_TRAILER_BYTES = 2;
const TWO_32 = 2 ** 32;
/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in Unix epoch milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
/** Beyond this many milliseconds from PostgreSQL's epoch, microseconds exceed 2^53: use BigInt. */
const SAFE_MICROS_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/**
 * The bytes one value takes as an array element or a field of a COPY row: a NULL, a
 * fixed-width number (`bigint`, `float8`, `timestamptz`) or a `bytea`.
 */
export function valueBytes(value: number | Uint8Array | null): number {
  if (value === null) return NULL_BYTES;
  return typeof value === 'number' ? FIXED_BYTES : 4 + value.byteLength;
}

/**
 * Writes values in PostgreSQL's binary format one after another into one Buffer, allocated
 * once at its final size: nothing is allocated per value. `end()` checks that the size was
 * right and returns the Buffer.
 */
export class BinaryWriter {
  readonly #buffer: Buffer;
  readonly #view: DataView;
  #offset = 0;

  constructor(bytes: number) {
    this.#buffer = Buffer.allocUnsafe(bytes);
    this.#view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.byteLength);
  }

  /** A raw big-endian int32 (an array header's words). */
  int32(value: number): void {
    this.#view.setInt32(this.#offset, value);
    this.#offset += 4;
  }

  /** The header of COPY data (COPY_HEADER_BYTES). */
  copyHeader(): void {
    this.#buffer.set(COPY_SIGNATURE, this.#offset);
    this.#view.setInt32(this.#offset + COPY_SIGNATURE.length, 0);
    this.#view.setInt32(this.#offset + COPY_SIGNATURE.length + 4, 0);
    this.#offset += COPY_HEADER_BYTES;
  }

  /** The start of a row of COPY data of `fields` fields (COPY_ROW_BYTES), to be followed by them. */
  copyRow(fields: number): void {
    this.#view.setInt16(this.#offset, fields);
    this.#offset += COPY_ROW_BYTES;
  }

  /** The trailer of COPY data (COPY_TRAILER_BYTES). */
  copyTrailer(): void {
    this.#view.setInt16(this.#offset, -1);
    this.#offset += COPY_TRAILER_BYTES;
  }

  /** A `bigint` value: a safe integer, written as two int32 halves (no BigInt on this path). */
  int8(value: number): void {
    const view = this.#view;
    const offset = this.#offset;
    const high = Math.floor(value / TWO_32);
    view.setInt32(offset, 8);
    view.setInt32(offset + 4, high);
    view.setUint32(offset + 8, value - high * TWO_32);
    this.#offset = offset + FIXED_BYTES;
  }

  /**
   * A `timestamptz` value from epoch milliseconds (an integer within timestamptz's range). No
   * Date is involved, so neither its range nor a time zone matters.
   */
  timestamptz(epochMs: number): void {
    const sincePgEpochMs = epochMs - PG_EPOCH_MS;
    if (sincePgEpochMs <= SAFE_MICROS_MS && sincePgEpochMs >= -SAFE_MICROS_MS) {
      this.int8(sincePgEpochMs * 1000);
      return;
    }
    // Before 1715 or after 2285: microseconds beyond 2^53, exact only as a BigInt.
    this.#view.setInt32(this.#offset, 8);
    this.#view.setBigInt64(this.#offset + 4, BigInt(sincePgEpochMs) * 1000n);
    this.#offset += FIXED_BYTES;
  }

  /** A `float8` value or NULL. */
  float8(value: number | null): void {
    if (value === null) {
      this.int32(-1);
      return;
    }
    this.#view.setInt32(this.#offset, 8);
    this.#view.setFloat64(this.#offset + 4, value);
    this.#offset += FIXED_BYTES;
  }

  /** A `bytea` value or NULL. */
  bytea(value: Uint8Array | null): void {
    if (value === null) {
      this.int32(-1);
      return;
    }
    this.#view.setInt32(this.#offset, value.byteLength);
    this.#buffer.set(value, this.#offset + 4);
    this.#offset += 4 + value.byteLength;
  }

  /** Value `i` of `column`, as its type. */
  value(column: BinaryColumn, i: number): void {
    switch (column.type) {
      case 'int8':
        return this.int8(column.values[i]);
      case 'timestamptz':
        return this.timestamptz(column.values[i]);
      case 'float8':
        return this.float8(column.values[i]);
      case 'bytea':
        return this.bytea(column.values[i]);
    }
  }

  /** The written Buffer; throws a RangeError unless exactly its size was written. */
  end(): Buffer {
    if (this.#offset !== this.#buffer.byteLength) {
      throw new RangeError(`wrote ${this.#offset} bytes into a buffer of ${this.#buffer.byteLength}`);
    }
    return this.#buffer;
  }
}

/** The bytes all the values of `column` take. */
function columnBytes(column: BinaryColumn): number {
  const { values } = column;
  let bytes = 0;
  for (let i = 0; i < values.length; i++) bytes += valueBytes(values[i]);
  return bytes;
}

/** `column` as an array parameter (`bigint[]`, `timestamptz[]`, `float8[]` or `bytea[]`). */
export function binaryArray(column: BinaryColumn): Buffer {
  const { values, type } = column;
  const length = values.length;
  const writer = new BinaryWriter((length === 0 ? EMPTY_HEADER_BYTES : HEADER_BYTES) + columnBytes(column));
  writer.int32(length === 0 ? 0 : 1);
  writer.int32(hasNull(values) ? 1 : 0);
  writer.int32(OID[type]);
  if (length > 0) {
    writer.int32(length);
    writer.int32(1);
  }
  for (let i = 0; i < length; i++) writer.value(column, i);
  return writer.end();
}

function hasNull(values: ArrayLike<unknown>): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] === null) return true;
  return false;
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
  let fieldBytes = 0;
  for (const column of columns) {
    if (column.values.length !== rows) throw new RangeError(`a ${column.type} column has ${column.values.length} values, not ${rows}`);
    fieldBytes += columnBytes(column);
  }
  const writer = new BinaryWriter(COPY_HEADER_BYTES + rows * COPY_ROW_BYTES + fieldBytes + COPY_TRAILER_BYTES);
  writer.copyHeader();
  for (let i = 0; i < rows; i++) {
    writer.copyRow(columns.length);
    for (const column of columns) writer.value(column, i);
  }
  writer.copyTrailer();
  return writer.end();
}
