/**
 * Deterministic random numbers for tests and benchmarks: a seeded uniform generator and the
 * normal and lognormal distributions built on it, so every run sees the same data.
 * @module
 */

/** A uniform random source in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a small, fast 32-bit seeded generator (not for cryptography).
 * @example const rand = mulberry32(42); rand() // same sequence on every run
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

/** A standard normal sample (mean 0, deviation 1) by the Box–Muller transform. */
export function normal(rand: Random): number {
  let u = rand();
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * A lognormal sample: `exp(mu + sigma × N(0, 1))`, whose median is `exp(mu)`.
 * @example lognormal(rand, Math.log(40), 0.6) // latencies with a 40 ms median
 */
export function lognormal(rand: Random, mu: number, sigma: number): number {
  return Math.exp(mu + sigma * normal(rand));
}
