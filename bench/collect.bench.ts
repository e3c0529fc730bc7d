/**
 * What collecting host and network figures costs the process: CPU time (user + system, from
 * `process.cpuUsage`) and wall time per `SystemSampler.sample()` and `NetworkSampler.sample()`.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { NetworkSampler } from '../src/collect/network.js';
import { SystemSampler } from '../src/collect/system.js';
import { fixed, median } from './measure.js';
import type { BenchSection } from './report.js';

const SAMPLES = 40;

interface Cost {
  cpuMs: number[];
  wallMs: number[];
}

async function cost(take: () => unknown): Promise<Cost> {
  const result: Cost = { cpuMs: [], wallMs: [] };
  await take(); // the first sample only sets baselines
  for (let i = 0; i < SAMPLES; i++) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await take();
    const used = process.cpuUsage(cpu);
    result.wallMs.push(performance.now() - wall);
    result.cpuMs.push((used.user + used.system) / 1000);
  }
  return result;
}

/** The collection-cost benchmark: one row per sampler. */
export async function collectBench(): Promise<BenchSection> {
  const system = new SystemSampler({ diskPath: '.' });
  system.start();
  const network = new NetworkSampler();
  const rows: BenchSection['rows'] = [];
  for (const [name, take] of [
    ['system: `SystemSampler.sample()` (CPU, load, temperature, memory, disk, process, event-loop delay)', () => system.sample()],
    ['network: `NetworkSampler.sample()` (/proc/net/dev, /proc/net/snmp, one `ss -tin` run)', () => network.sample()],
  ] as const) {
    const measured = await cost(take);
    rows.push({
      collection: name,
      'CPU ms per sample (median)': fixed(median(measured.cpuMs), 3),
      'wall ms per sample (median)': fixed(median(measured.wallMs), 3),
    });
  }
  system.stop();
  return {
    title: 'Collecting host and network figures: cost per collection',
    command: 'npm run bench -- collect',
    rows,
    notes: [
      `${SAMPLES} samples each, back to back, after one that sets the baselines; CPU time is this process's user + system time (process.cpuUsage), so the \`ss\` child process's own CPU is not in it — wall time shows its start-up.`,
      'At one collection a minute (contract D’s default interval), even the network sample costs well under 0.1 % of one core.',
    ],
  };
}
