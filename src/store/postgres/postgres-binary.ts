/**
 * Query parameters in PostgreSQL's binary format: one-dimensional arrays of `bigint`,
 * `float8`, `timestamptz` and `bytea`, as the server's `array_recv` reads them. pg sends a
 * Buffer parameter in binary format as it is, so a column of a 10,000-window batch travels as
 * 120 KB of fixed-width values that the server copies instead of parsing text — and nothing
 * is formatted, escaped or hex-encoded on our side.
 *
 * Layout of an array (all integers big-endian): int32 dimensions (1, or 0 when empty), int32
 * has-nulls flag, int32 element type OID, then per dimension int32 length and int32 lower
 * bound (1); then per element int32 byte length (-1 for NULL) and the element's bytes.
 * `bigint` is an int64; `float8` an IEEE 754 double; `timestamptz` an int64 of microseconds
 * since 2000-01-01T00:00:00Z (PostgreSQL's epoch; integer timestamps, the only kind since
 * PostgreSQL 10); `bytea` its bytes.
 * @module
 */

/** Element type OIDs (`pg_type.oid`), fixed in every PostgreSQL version. */
const OID = { int8: 20, float8: 701, timestamptz: 1184, bytea: 17 } as const;

const HEADER_BYTES = 20;
const EMPTY_HEADER_BYTES = 12;
/** Per fixed-width element: its int32 length and its 8 bytes. */
const ELEMENT_BYTES = 12;
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

/** A `bigint[]` parameter of safe integers (ids, counts). */
export function int8Array(values: ArrayLike<number>): Buffer {
  const { buffer, view } = allocate(HEADER_BYTES + values.length * ELEMENT_BYTES);
  let offset = writeHeader(view, values.length, OID.int8, false);
  for (let i = 0; i < values.length; i++, offset += ELEMENT_BYTES) {
    view.setInt32(offset, 8);
    setInt64(view, offset + 4, values[i]);
  }
  return buffer.subarray(0, offset);
}

/** A `float8[]` parameter; null elements are SQL NULL. */
export function float8Array(values: ArrayLike<number | null>): Buffer {
  const { buffer, view } = allocate(HEADER_BYTES + values.length * ELEMENT_BYTES);
  let offset = writeHeader(view, values.length, OID.float8, hasNull(values));
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null) {
      view.setInt32(offset, -1);
      offset += 4;
    } else {
      view.setInt32(offset, 8);
      view.setFloat64(offset + 4, value);
      offset += ELEMENT_BYTES;
    }
  }
  return buffer.subarray(0, offset);
}

/**
 * A `timestamptz[]` parameter from epoch milliseconds (integers within timestamptz's range).
 * No Date is involved, so neither its range nor a time zone matters.
 */
export function timestamptzArray(epochMs: ArrayLike<number>): Buffer {
  const { buffer, view } = allocate(HEADER_BYTES + epochMs.length * ELEMENT_BYTES);
  let offset = writeHeader(view, epochMs.length, OID.timestamptz, false);
  for (let i = 0; i < epochMs.length; i++, offset += ELEMENT_BYTES) {
    view.setInt32(offset, 8);
    const sincePgEpochMs = epochMs[i] - PG_EPOCH_MS;
    if (sincePgEpochMs <= SAFE_MICROS_MS && sincePgEpochMs >= -SAFE_MICROS_MS) {
      setInt64(view, offset + 4, sincePgEpochMs * 1000);
    } else {
      // Before 1715 or after 2285: microseconds beyond 2^53, exact only as a BigInt.
      view.setBigInt64(offset + 4, BigInt(sincePgEpochMs) * 1000n);
    }
  }
  return buffer.subarray(0, offset);
}

/** A `bytea[]` parameter; null elements are SQL NULL. */
export function byteaArray(values: ArrayLike<Uint8Array | null>): Buffer {
  let bytes = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) bytes += 4 + (values[i]?.byteLength ?? 0);
  const { buffer, view } = allocate(bytes);
  let offset = writeHeader(view, values.length, OID.bytea, hasNull(values));
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null) {
      view.setInt32(offset, -1);
      offset += 4;
    } else {
      view.setInt32(offset, value.byteLength);
      buffer.set(value, offset + 4);
      offset += 4 + value.byteLength;
    }
  }
  return buffer.subarray(0, offset);
}
