/**
 * Seeded random numbers for the demo data: a small uniform generator, a hash that derives
 * independent seeds from several integers, and the normal, lognormal and Poisson draws the
 * synthetic traffic is made of. Not for cryptography.
 * @module
 */

/** A uniform random source in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a fast 32-bit seeded generator.
 * @example const rand = mulberry32(42); rand() // the same sequence on every run
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 32-bit hash of a few integers (each mixed in with murmur3's finaliser), used to give every
 * (seed, route, minute) its own generator, so a minute's data never depends on which other
 * minutes were generated before it.
 * @example mulberry32(hashInts(seed, route, minute))
 */
export function hashInts(...values: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    // Values above 2^32 (epoch minutes are not) would lose their high bits; fold them in.
    h ^= (value >>> 0) ^ Math.floor(value / 4294967296);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A standard normal sample (mean 0, deviation 1) by the Box–Muller transform. */
function normal(rand: Random): number {
  let u = rand();
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A lognormal sample with the given median: `median × exp(sigma × N(0, 1))`. */
export function lognormal(rand: Random, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rand));
}

/**
 * A Poisson sample with mean `lambda`: exact (Knuth) for small means, the rounded normal
 * approximation above 30, where it is close and does not cost O(lambda) draws.
 */
export function poisson(rand: Random, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rand)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}
