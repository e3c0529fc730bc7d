/**
 * How big is one stored sketch? The median encoded size of a one-minute window at 100 and
 * 1,000 observations, against the same buckets written as plain (gap, count) varint pairs.
 * Run alone with `node --import tsx bench/sketch.bench.ts` (prints the section as JSON).
 * @module
 */
import { pathToFileURL } from 'node:url';
import { Sketch } from '../src/model/sketch.js';
import { lognormal, mulberry32 } from '../test/support/random.js';
import type { BenchSection } from './report.js';

const WINDOWS = 201;
const MEDIAN_MS = 40;
const SIGMA = 0.6;
const SEED = 0x5eed;
const cases = [
  { observations: 100, targetBytes: 120 },
  { observations: 1_000, targetBytes: 400 },
];

/** Measures the encoded sketch size of one window at 100 and 1,000 observations. */
export async function sketchBench(): Promise<BenchSection> {
  const rows: BenchSection['rows'] = [];
  for (const { observations, targetBytes } of cases) {
    const rand = mulberry32(SEED + observations);
    const sketch = new Sketch();
    const packed: number[] = [];
    const plain: number[] = [];
    const buckets: number[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      sketch.reset();
      for (let i = 0; i < observations; i++) sketch.record(lognormal(rand, Math.log(MEDIAN_MS), SIGMA));
      const bytes = sketch.encode();
      packed.push(bytes.length);
      plain.push(plainVarintPairsLength(sketch));
      buckets.push(sketch.nonZeroBuckets().length);
    }
    const packedMedian = median(packed);
    const plainMedian = median(plain);
    rows.push({
      'observations / window': observations,
      'non-empty buckets (median)': median(buckets),
      'plain varint pairs, B (median)': plainMedian,
      'packed, B (median)': packedMedian,
      'packed, B (max)': Math.max(...packed),
      saving: `${Math.round((1 - packedMedian / plainMedian) * 100)} %`,
      target: `≤ ${targetBytes} B`,
      'meets target': packedMedian <= targetBytes ? 'yes' : 'NO',
    });
  }
  return {
    title: 'Sketch size: encoded bytes of one window',
    command: 'node --import tsx bench/sketch.bench.ts',
    rows,
    notes: [
      `Each row is ${WINDOWS} windows of lognormal latencies, median ${MEDIAN_MS} ms ` +
        `(mu = ln ${MEDIAN_MS}), sigma ${SIGMA}, from mulberry32 seeded ${SEED} + observations.`,
      '"packed" is Sketch.encode() (format 1): one byte per bucket when gap ≤ 8 and count ≤ 16, ' +
        'else an escape byte and two varints.',
      '"plain varint pairs" is the same header with each bucket as varint(gap), varint(count), ' +
        'computed here as the baseline.',
    ],
  };
}

/** The size the same sketch would have with every (gap, count) pair as two plain varints. */
function plainVarintPairsLength(sketch: Sketch): number {
  const buckets = sketch.nonZeroBuckets();
  let size = 2 + varintLength(sketch.count) + varintLength(sketch.zeroCount);
  if (buckets.length === 0) return size;
  const first = buckets[0].index;
  size += varintLength(first >= 0 ? 2 * first : -2 * first - 1);
  let previous = first - 1;
  for (const { index, count } of buckets) {
    size += varintLength(index - previous) + varintLength(count);
    previous = index;
  }
  return size;
}

function varintLength(value: number): number {
  let length = 1;
  for (; value >= 128; value = Math.floor(value / 128)) length++;
  return length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await sketchBench(), null, 2));
}
