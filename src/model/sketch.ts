/**
 * STUB — replaced by the real implementation. Signatures are the contract.
 * @module
 */

/** The fixed scale of every sketch. */
export const SKETCH_SCALE = 6;

/** Summary statistics stored beside an encoded sketch (window columns). */
export interface SketchStats {
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** Base-2 exponential histogram (OpenTelemetry bucket scheme) at SKETCH_SCALE. */
export class Sketch {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  zeroCount = 0;
  record(_value: number): void {
    throw new Error('not implemented');
  }
  merge(_other: Sketch): void {
    throw new Error('not implemented');
  }
  quantile(_q: number): number | null {
    throw new Error('not implemented');
  }
  reset(): void {
    throw new Error('not implemented');
  }
  clone(): Sketch {
    throw new Error('not implemented');
  }
  encode(): Uint8Array {
    throw new Error('not implemented');
  }
  static decode(_bytes: Uint8Array, _stats?: SketchStats): Sketch {
    throw new Error('not implemented');
  }
}
