/**
 * Status counts as the PostgreSQL store keeps them: a `bytea` of STATUS_COUNTS_LENGTH
 * varints (`model/varint.ts`), about 10 bytes where a `bigint[]` takes 76. The summaries of
 * the 30-day dashboard's 72,000 route-totals windows carry one each, and as `bigint[]` they
 * were half the bytes the server sent and a third of its time. In SQL,
 * `velocity_status_counts(status_counts)` gives them as a `bigint[]`.
 * @module
 */
import { varintLength, writeVarint } from '../../model/varint.js';
import { STATUS_COUNTS_LENGTH } from '../store.js';

/** `counts` (STATUS_COUNTS_LENGTH integers ≥ 0) as stored, or null for none. */
export function encodeStatusCounts(counts: readonly number[] | null | undefined): Uint8Array | null {
  if (counts == null) return null;
  let bytes = 0;
  for (const count of counts) bytes += varintLength(count);
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const count of counts) at = writeVarint(out, at, count);
  return out;
}

/**
 * Appends the STATUS_COUNTS_LENGTH counts stored in `bytes[from, to)` to `target`. Throws
 * unless the bytes hold exactly that many varints.
 */
export function decodeStatusCountsInto(bytes: Uint8Array, from: number, to: number, target: number[]): void {
  let at = from;
  for (let i = 0; i < STATUS_COUNTS_LENGTH; i++) {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= to) throw new RangeError(`status counts of ${to - from} bytes hold fewer than ${STATUS_COUNTS_LENGTH} varints`);
      const byte = bytes[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    target.push(value);
  }
  if (at !== to) throw new RangeError(`status counts of ${to - from} bytes hold more than ${STATUS_COUNTS_LENGTH} varints`);
}

/** The counts stored in `bytes`, or null for none. */
export function decodeStatusCounts(bytes: Uint8Array | null): number[] | null {
  if (bytes === null) return null;
  const counts: number[] = [];
  decodeStatusCountsInto(bytes, 0, bytes.length, counts);
  return counts;
}
