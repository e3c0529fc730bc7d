/**
 * Timing helpers shared by the benchmarks: batched nanosecond timing of tight loops,
 * interleaved samples, and the order statistics the reports quote.
 * @module
 */
import { performance } from 'node:perf_hooks';

/**
 * A loop under test: runs `ops` operations and returns a number that depends on their
 * effects, which the caller keeps (see `keep`) so that V8 cannot drop the loop as dead code.
 */
export type OpsLoop = (ops: number) => number;

/** One variant of a micro-benchmark: a name, its loop, and optionally its own batch size. */
export interface Variant {
  readonly name: string;
  readonly loop: OpsLoop;
  /** Operations per sample for this variant (slow variants need fewer); default the shared one. */
  readonly opsPerSample?: number;
}

/** Per-sample ns/op of every variant, by variant name. */
export type Samples = Map<string, number[]>;

let sinkValue = 0;

/** Keeps `value` observable (in module state), so the computation that produced it cannot be eliminated. */
export function keep(value: number): void {
  sinkValue = (sinkValue + value) % 1_000_003;
}

/** Nanoseconds per operation of one batch of `ops` operations of `loop`. */
export function nsPerOp(loop: OpsLoop, ops: number): number {
  const started = process.hrtime.bigint();
  const result = loop(ops);
  const elapsed = process.hrtime.bigint() - started;
  keep(result);
  return Number(elapsed) / ops;
}

/**
 * Times every variant `samples` times, `opsPerSample` operations each (unless the variant
 * sets its own), after
 * `warmupSamples` untimed rounds. Variants take turns within each round, so a slow phase
 * of the machine (another process, a GC) falls on all of them rather than on one.
 */
export function sampleInterleaved(
  variants: readonly Variant[],
  options: { opsPerSample: number; samples: number; warmupSamples: number },
): Samples {
  const { opsPerSample, samples, warmupSamples } = options;
  const results: Samples = new Map(variants.map((v) => [v.name, []]));
  for (let round = 0; round < warmupSamples + samples; round++) {
    for (const variant of variants) {
      const { name, loop } = variant;
      const ns = nsPerOp(loop, variant.opsPerSample ?? opsPerSample);
      if (round >= warmupSamples) (results.get(name) as number[]).push(ns);
    }
  }
  return results;
}

/**
 * Times several async (or sync) runs in rounds: each round runs every case once, in turn,
 * after `warmup` untimed rounds. Returns each case's wall times in milliseconds. Taking turns
 * spreads a slow phase of the machine (another process, a major GC) over every case.
 */
export async function timeInterleaved(
  cases: ReadonlyArray<readonly [name: string, run: () => unknown]>,
  options: { samples: number; warmup: number },
): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let round = 0; round < options.warmup + options.samples; round++) {
    for (const [name, run] of cases) {
      const started = performance.now();
      await run();
      const elapsed = performance.now() - started;
      if (round >= options.warmup) (times.get(name) as number[]).push(elapsed);
    }
  }
  return times;
}

/** The median of `values` (the mean of the two middle values when their number is even). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The `p`-th percentile (0–100) of `values` by the nearest-rank method. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** `value` with `digits` decimals, as a string (for table cells). */
export function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** A whole number with thin grouping (`1,008,000`), for table cells and notes. */
export function grouped(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** The mean of `values` and its standard error (the sample standard deviation over √n). */
export function meanAndStandardError(values: readonly number[]): { mean: number; standardError: number } {
  const n = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1);
  return { mean, standardError: Math.sqrt(variance / n) };
}

/** Number of subsets of {1, …, n} whose sum is w, for every w: the null distribution of the signed-rank statistic. */
function signedRankCounts(n: number): number[] {
  const counts = new Array<number>((n * (n + 1)) / 2 + 1).fill(0);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    for (let w = counts.length - 1; w >= rank; w--) counts[w] += counts[w - rank];
  }
  return counts;
}

/**
 * The Hodges–Lehmann estimate of where `values` centre (the median of all pairwise means,
 * each value with itself included) and its distribution-free confidence interval from the
 * exact Wilcoxon signed-rank distribution. Unlike the mean, one far-off value barely moves
 * it; for values drawn from a normal distribution it is about as precise as the mean.
 */
export function hodgesLehmann(values: readonly number[], confidence = 0.95): { estimate: number; low: number; high: number } {
  const n = values.length;
  const pairMeans: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) pairMeans.push((values[i] + values[j]) / 2);
  pairMeans.sort((a, b) => a - b);
  const counts = signedRankCounts(n);
  const total = 2 ** n;
  // The largest k with P(W ≤ k) ≤ (1 − confidence) / 2; none for too few values, whose
  // interval is then the whole range of pairwise means.
  let k = -1;
  let below = 0;
  while ((below + counts[k + 1]) / total <= (1 - confidence) / 2) below += counts[++k];
  const cut = Math.max(k, 0);
  return { estimate: median(pairMeans), low: pairMeans[cut], high: pairMeans[pairMeans.length - 1 - cut] };
}
