/**
 * Deterministic random numbers for tests and benchmarks: a seeded uniform generator and the
 * normal and lognormal distributions built on it, so every run sees the same data.
 * @module
 */

import type { Random } from '../../src/cli/random.js';

export { mulberry32, type Random } from '../../src/cli/random.js';

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
