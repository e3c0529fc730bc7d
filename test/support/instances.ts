/**
 * What the many-instances test and its child processes (test/fixtures/instance.ts) agree on:
 * each instance's requests, generated from a seed so that the test knows every raw duration,
 * and the timing of a run.
 * @module
 */
import { lognormal, mulberry32 } from './random.js';

/** How often each instance runs maintenance (its `pruneInterval`), in ms: one cycle. */
export const MAINTENANCE_INTERVAL_MS = 1_000;
/** How long each instance takes to record its requests, in ms. */
export const RECORDING_MS = 6_000;

/** One request an instance records. */
export interface InstanceRequest {
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
}

/**
 * The requests instance `index` (0, 1, 2) records, in order: 1,500 more 250 per index, on
 * two routes, about 5 % of them 500s, with lognormal durations whose median grows with the
 * index, so that the p95 of the union is not any instance's p95 nor their mean.
 */
export function instanceRequests(index: number): InstanceRequest[] {
  const rand = mulberry32(1_000 + index);
  return Array.from({ length: 1_500 + 250 * index }, (_, i) => ({
    route: i % 3 === 0 ? '/b' : '/a',
    status: rand() < 0.05 ? 500 : 200,
    durationMs: lognormal(rand, Math.log(20 + 30 * index), 0.5 + 0.2 * index),
  }));
}
