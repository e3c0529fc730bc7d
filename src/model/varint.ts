/**
 * Unsigned LEB128 varints: 7 bits per byte, low group first, the high bit set on every byte
 * but the last. Integers up to 2^53 − 1, by arithmetic rather than bit operations (32-bit).
 * @module
 */

/** The bytes `value` takes as a varint. */
export function varintLength(value: number): number {
  let length = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

/** Writes `value` as a varint into `out` at `at`; returns the offset after it. */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    out[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}
