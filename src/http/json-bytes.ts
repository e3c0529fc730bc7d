/**
 * JSON text written straight into UTF-8 bytes, numbers digit by digit. V8's JSON.stringify
 * spends most of its time on a history's columns turning doubles into their shortest
 * round-trip decimals; the numbers a history reports are integers or whole thousandths (ms
 * with 3 decimals, rates, percentages), whose shortest decimal is written here from their
 * integer digits, several times faster.
 * @module
 */

/** Above this, an integer part no longer fits the int32 arithmetic of `writeNumber`. */
const MAX_FAST = 2 ** 31;
/** A number's text is at most this many bytes (`-2147483647.999`, or what JSON.stringify writes). */
const MAX_NUMBER_BYTES = 24;
const encoder = new TextEncoder();
/** The two digits of 0–99, two bytes each. */
const PAIRS = new Uint8Array(200);
/** For each of 1–999 thousandths: its three digits, then the bytes written with the point (trailing zeros left out). */
const THOUSANDTHS = new Uint8Array(4000);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 0x30 + (i % 10);
}
for (let i = 1; i < 1000; i++) {
  const digits = String(i).padStart(3, '0');
  for (let k = 0; k < 3; k++) THOUSANDTHS[4 * i + k] = digits.charCodeAt(k);
  THOUSANDTHS[4 * i + 3] = 1 + digits.replace(/0+$/, '').length;
}

/**
 * The text `JSON.stringify(value)` gives, as UTF-8 bytes. Arrays and plain objects are walked
 * here; any other object (one with `toJSON`, a Date, a Map) is handed to JSON.stringify.
 * Made for data that is mostly long arrays of numbers: for many small objects, JSON.stringify
 * itself is faster. Throws a TypeError for a value JSON has no text for (undefined, a function).
 * `expectedBytes`, about the size of the text, is the room made at first: a good guess spares
 * growing the buffer (twice its size at each step) and the garbage that leaves.
 */
export function jsonBytes(value: unknown, expectedBytes = 1 << 16): Uint8Array {
  const writer = new JsonWriter(expectedBytes);
  if (!writer.value(value)) throw new TypeError(`no JSON text for ${typeof value}`);
  return writer.bytes();
}

/** A growing buffer of JSON text. */
class JsonWriter {
  private buf: Uint8Array;
  private n = 0;

  constructor(expectedBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1 << 10, Math.ceil(expectedBytes)));
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }

  /** Writes `value`; false (and nothing written) when JSON leaves it out, as undefined. */
  value(value: unknown): boolean {
    switch (typeof value) {
      case 'number':
        this.number(value);
        return true;
      case 'string':
        this.text(JSON.stringify(value));
        return true;
      case 'boolean':
        this.text(value ? 'true' : 'false');
        return true;
      case 'object':
        if (value === null) this.text('null');
        else if (Array.isArray(value)) this.array(value);
        else if (isPlainObject(value)) this.object(value);
        else return this.stringified(value);
        return true;
      default:
        return this.stringified(value);
    }
  }

  private array(items: readonly unknown[]): void {
    if (this.numbers(items)) return;
    this.byte(0x5b);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.byte(0x2c);
      if (!this.value(items[i])) this.text('null');
    }
    this.byte(0x5d);
  }

  /**
   * Writes `items` if it holds numbers and nulls only, room made once: the hot loop of a
   * history's columns. False, nothing written, for an array holding anything else.
   */
  private numbers(items: readonly unknown[]): boolean {
    this.reserve(2 + items.length * (MAX_NUMBER_BYTES + 1));
    const buf = this.buf;
    let n = this.n;
    buf[n++] = 0x5b;
    for (let i = 0; i < items.length; i++) {
      if (i > 0) buf[n++] = 0x2c;
      const item = items[i];
      if (typeof item !== 'number') {
        if (item !== null) return false;
        buf[n++] = 0x6e;
        buf[n++] = 0x75;
        buf[n++] = 0x6c;
        buf[n++] = 0x6c;
        continue;
      }
      const end = writeNumber(buf, n, item);
      if (end >= 0) {
        n = end;
        continue;
      }
      const text = JSON.stringify(item);
      for (let k = 0; k < text.length; k++) buf[n++] = text.charCodeAt(k);
    }
    buf[n++] = 0x5d;
    this.n = n;
    return true;
  }

  private object(object: Record<string, unknown>): void {
    this.byte(0x7b);
    let empty = true;
    for (const key of Object.keys(object)) {
      const mark = this.n;
      if (!empty) this.byte(0x2c);
      this.text(JSON.stringify(key));
      this.byte(0x3a);
      if (this.value(object[key])) empty = false;
      else this.n = mark;
    }
    this.byte(0x7d);
  }

  /** What JSON.stringify writes for `value`; false when it writes nothing. */
  private stringified(value: unknown): boolean {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) return false;
    this.text(text);
    return true;
  }

  private number(x: number): void {
    this.reserve(MAX_NUMBER_BYTES);
    const end = writeNumber(this.buf, this.n, x);
    if (end >= 0) this.n = end;
    else this.text(JSON.stringify(x));
  }

  /** Writes JSON text already made (a string literal, a number): ASCII byte by byte, else encoded. */
  private text(text: string): void {
    this.reserve(text.length);
    const buf = this.buf;
    const start = this.n;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) {
        this.reserve(text.length * 3);
        this.n = start + encoder.encodeInto(text, this.buf.subarray(start)).written;
        return;
      }
      buf[start + i] = code;
    }
    this.n = start + text.length;
  }

  private byte(byte: number): void {
    this.reserve(1);
    this.buf[this.n++] = byte;
  }

  /** Makes room for `count` more bytes. */
  private reserve(count: number): void {
    if (this.n + count <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + count) size *= 2;
    // Not zero-filled: every byte up to `n` is written before it is read.
    const grown = Buffer.allocUnsafe(size);
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
  }
}

/**
 * Writes `x` at `n` in `buf` (with room for MAX_NUMBER_BYTES, which it may scribble on past
 * the number) as JSON.stringify would, and gives the offset after it; −1, nothing written, for
 * a number it leaves to JSON.stringify. Digits go two at a time, the decimals from a table.
 * An integer or whole thousandth below 2³¹ in size is written from its digits: its shortest
 * round-trip decimal is that digit string, since doubles that large are spaced under 10⁻⁶
 * apart, far closer than another decimal of as few digits.
 */
function writeNumber(buf: Uint8Array, n: number, x: number): number {
  let whole = x < 0 ? -x : x;
  let thousandths = 0;
  if (!(whole < MAX_FAST && Math.floor(whole) === whole)) {
    const scaled = Math.round(whole * 1000);
    if (!(scaled / 1000 === whole && scaled < MAX_FAST * 1000)) return -1;
    thousandths = scaled % 1000;
    whole = (scaled - thousandths) / 1000;
  }
  if (x < 0) buf[n++] = 0x2d;
  let rest = whole | 0;
  n += digitCount(rest);
  let at = n;
  while (rest >= 100) {
    const higher = (rest / 100) | 0;
    const pair = (rest - higher * 100) << 1;
    buf[--at] = PAIRS[pair + 1];
    buf[--at] = PAIRS[pair];
    rest = higher;
  }
  if (rest >= 10) {
    buf[--at] = PAIRS[(rest << 1) + 1];
    buf[--at] = PAIRS[rest << 1];
  } else {
    buf[--at] = 0x30 + rest;
  }
  if (thousandths !== 0) {
    buf[n] = 0x2e;
    const entry = thousandths << 2;
    buf[n + 1] = THOUSANDTHS[entry];
    buf[n + 2] = THOUSANDTHS[entry + 1];
    buf[n + 3] = THOUSANDTHS[entry + 2];
    n += THOUSANDTHS[entry + 3];
  }
  return n;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** Decimal digits of `n` (0 ≤ n < 2³¹). */
function digitCount(n: number): number {
  if (n < 100_000) return n < 100 ? (n < 10 ? 1 : 2) : n < 1_000 ? 3 : n < 10_000 ? 4 : 5;
  return n < 10_000_000 ? (n < 1_000_000 ? 6 : 7) : n < 100_000_000 ? 8 : n < 1_000_000_000 ? 9 : 10;
}
