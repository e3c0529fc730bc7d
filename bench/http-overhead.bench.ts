/**
 * What Velocity costs a real server: requests per second of a hello-world app per framework,
 * with and without Velocity, measured in the same run with autocannon over loopback. Each
 * server runs in a child process so that the load generator does not share its event loop.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';
import { fixed, grouped, median } from './measure.js';
import type { BenchSection } from './report.js';

const FRAMEWORKS = ['node', 'express', 'fastify', 'hono'] as const;
const ROUNDS = 3;
const DURATION_S = 3;
const CONNECTIONS = 32;
const TARGET_PCT = 3;

async function startServer(framework: string, variant: 'with' | 'without'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hello-server.ts', framework, variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const match = /listening (\d+)/.exec(chunk.toString());
  if (!match) throw new Error(`${framework} server said: ${chunk.toString()}`);
  return { child, port: Number(match[1]) };
}

async function requestsPerSecond(port: number): Promise<number> {
  const url = `http://127.0.0.1:${port}/hello/42`;
  await autocannon({ url, connections: CONNECTIONS, duration: 1 }); // warm-up: JIT and connections
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total / DURATION_S;
}

async function measure(framework: string, variant: 'with' | 'without'): Promise<number> {
  const { child, port } = await startServer(framework, variant);
  try {
    return await requestsPerSecond(port);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

/** The HTTP overhead benchmark: one row per framework. */
export async function httpOverheadBench(): Promise<BenchSection> {
  const rows: BenchSection['rows'] = [];
  const verdicts: string[] = [];
  for (const framework of FRAMEWORKS) {
    const samples = { with: [] as number[], without: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so that a slow phase of the machine does not favour one variant.
      const order = round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const);
      for (const variant of order) samples[variant].push(await measure(framework, variant));
    }
    const without = median(samples.without);
    const withVelocity = median(samples.with);
    const costPct = (1 - withVelocity / without) * 100;
    rows.push({
      framework,
      'req/s without Velocity (median)': grouped(Math.round(without)),
      'req/s with Velocity (median)': grouped(Math.round(withVelocity)),
      'throughput cost': `${fixed(costPct, 1)} %`,
      'rounds (without; with)': `${samples.without.map((v) => grouped(Math.round(v))).join(' ')}; ${samples.with.map((v) => grouped(Math.round(v))).join(' ')}`,
    });
    verdicts.push(`${framework} ${fixed(costPct, 1)} % (${costPct <= TARGET_PCT ? 'met' : 'NOT met'})`);
  }
  return {
    title: 'HTTP overhead: hello-world requests per second with and without Velocity',
    command: 'npm run bench -- http',
    rows,
    notes: [
      `Target: Velocity costs ≤ ${TARGET_PCT} % of throughput. Measured: ${verdicts.join('; ')}.`,
      `Each framework answers GET /hello/:id with "hello"; "with" adds its Velocity adapter over a memory store (recording, sealing and the live ring; no database writes). Servers run in a child process (bench/hello-server.ts), one per measurement; autocannon runs in this process: ${CONNECTIONS} connections, 1 s warm-up, then ${DURATION_S} s measured, ${ROUNDS} rounds per variant in alternating order, median of the rounds.`,
      'On this 2-core machine the server and the load generator each take one core, so absolute req/s are low and noisy; the cost is the ratio between the two medians of the same run. A cost within the spread of the rounds is noise.',
      'Next.js is not measured here: its handlers run inside Next\'s own server, whose per-request work dwarfs a hello world; see test/adapters/next.test.ts for what the wrapper does.',
    ],
  };
}
