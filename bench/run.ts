/**
 * Runs the benchmarks in sequence and writes BENCHMARKS.md (`npm run bench`), or runs the
 * ones named on the command line and prints their sections (`npm run bench -- record`).
 * A partial run leaves BENCHMARKS.md alone, so the file always holds one whole run on one
 * machine.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { collectBench } from './collect.bench.js';
import { flushBench } from './flush.bench.js';
import { httpOverheadBench } from './http-overhead.bench.js';
import { networkHistoryBench } from './network-history.bench.js';
import { pgQueryBench } from './pg-query.bench.js';
import { queryBench } from './query.bench.js';
import { recordBench } from './record.bench.js';
import { retentionBench } from './retention.bench.js';
import { rollupBench } from './rollup.bench.js';
import { sketchBench } from './sketch.bench.js';
import { tierQueryBench } from './tier-query.bench.js';
import { machineInfo, renderMarkdown, type BenchResult, type BenchSection } from './report.js';

/** A benchmark the runner knows: the name that selects it, its file, and what it runs. */
interface Bench {
  readonly name: string;
  readonly file: string;
  readonly run: () => Promise<BenchSection | BenchSection[]>;
}

/**
 * Every benchmark, in the order they run. The micro-benchmark goes first, before the
 * others have warmed V8 up with code shapes of their own. The PostgreSQL ones each create a
 * fresh database and drop it; without a server they report why instead of a table.
 */
const BENCHES: readonly Bench[] = [
  { name: 'record', file: 'bench/record.bench.ts', run: recordBench },
  { name: 'sketch', file: 'bench/sketch.bench.ts', run: sketchBench },
  { name: 'query', file: 'bench/query.bench.ts', run: queryBench },
  { name: 'pg-query', file: 'bench/pg-query.bench.ts', run: pgQueryBench },
  { name: 'tier-query', file: 'bench/tier-query.bench.ts', run: tierQueryBench },
  { name: 'flush', file: 'bench/flush.bench.ts', run: flushBench },
  { name: 'retention', file: 'bench/retention.bench.ts', run: retentionBench },
  { name: 'rollup', file: 'bench/rollup.bench.ts', run: rollupBench },
  { name: 'http', file: 'bench/http-overhead.bench.ts', run: httpOverheadBench },
  { name: 'collect', file: 'bench/collect.bench.ts', run: collectBench },
  { name: 'network-history', file: 'bench/network-history.bench.ts', run: networkHistoryBench },
];

const OUTPUT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const USAGE =
  'usage: npm run bench [-- <name>...]\n' +
  `  with no name: runs every benchmark and writes BENCHMARKS.md\n` +
  `  with names:   runs those and prints their sections (names: ${BENCHES.map((b) => b.name).join(', ')})`;

async function main(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.map((n) => `"${n}"`).join(', ')}\n${USAGE}`);
    return 2;
  }
  const selected = args.length === 0 ? BENCHES : BENCHES.filter((b) => args.includes(b.name));
  const date = new Date();
  const machine = machineInfo();
  const results: BenchResult[] = [];
  for (const bench of selected) {
    console.error(`[bench] ${bench.name} (${bench.file}) …`);
    const started = performance.now();
    const output = await bench.run();
    const seconds = (performance.now() - started) / 1000;
    console.error(`[bench] ${bench.name} done in ${seconds.toFixed(1)} s`);
    results.push({ name: bench.name, sections: Array.isArray(output) ? output : [output], seconds });
  }
  const command = args.length === 0 ? 'npm run bench' : `npm run bench -- ${args.join(' ')}`;
  const markdown = renderMarkdown({ date, command, machine, benchNames: BENCHES.map((b) => b.name), results });
  if (args.length === 0) {
    writeFileSync(OUTPUT, markdown);
    console.error(`[bench] wrote ${OUTPUT}`);
  } else {
    process.stdout.write(markdown);
    console.error('[bench] partial run: BENCHMARKS.md left unchanged');
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
