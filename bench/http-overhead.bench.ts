/**
 * What Velocity costs a real server: requests per second of a hello-world app per framework,
 * with and without Velocity, measured in the same run with autocannon over loopback; and, as a
 * reference, with an empty middleware instead, which is what the framework itself charges for
 * any middleware. Each server runs in a child process so that the load generator does not
 * share its event loop.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { fixed, grouped, median } from './measure.js';
import type { BenchSection } from './report.js';

const FRAMEWORKS = ['node', 'express', 'fastify', 'hono'] as const;
const ROUNDS = 5;
const DURATION_S = 3;
const CONNECTIONS = 32;
const TARGET_PCT = 3;
/** What each server runs: nothing added, an empty middleware, Velocity's adapter. */
const VARIANTS = ['without', 'empty', 'with'] as const;
type Variant = (typeof VARIANTS)[number];

/** A running hello-world server: its port, and how much CPU it has used so far. */
interface HelloServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** The server process's user + system CPU time so far, µs. */
  cpuMicros(): Promise<number>;
}

async function startServer(framework: string, variant: Variant): Promise<HelloServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hello-server.ts', framework, variant], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done === true) throw new Error(`${framework} server exited`);
    return value as string;
  };
  const first = await next();
  const match = /^listening (\d+)$/.exec(first);
  if (!match) throw new Error(`${framework} server said: ${first}`);
  return {
    child,
    port: Number(match[1]),
    async cpuMicros() {
      (child.stdin as NodeJS.WritableStream).write('cpu\n');
      const reply = /^cpu (\d+)$/.exec(await next());
      if (!reply) throw new Error(`${framework} server did not report its CPU time`);
      return Number(reply[1]);
    },
  };
}

/** One measurement: requests per second, and the server's CPU µs per request, over the measured seconds. */
interface Sample {
  readonly rps: number;
  readonly cpuPerRequest: number;
}

async function measure(framework: string, variant: Variant): Promise<Sample> {
  const server = await startServer(framework, variant);
  try {
    const url = `http://127.0.0.1:${server.port}/hello/42`;
    await autocannon({ url, connections: CONNECTIONS, duration: 1 }); // warm-up: JIT and connections
    const cpuBefore = await server.cpuMicros();
    const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
    const cpuAfter = await server.cpuMicros();
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return { rps: result.requests.total / DURATION_S, cpuPerRequest: (cpuAfter - cpuBefore) / result.requests.total };
  } finally {
    server.child.kill('SIGKILL');
    await once(server.child, 'exit');
  }
}

/** `100 × (a / b − 1)`: how much more `a` is than `b`, in percent. */
function percentMore(a: number, b: number): number {
  return (a / b - 1) * 100;
}

/** The HTTP overhead benchmark: one row per framework. */
export async function httpOverheadBench(): Promise<BenchSection> {
  const rows: BenchSection['rows'] = [];
  const verdicts: string[] = [];
  for (const framework of FRAMEWORKS) {
    const samples: Record<Variant, Sample[]> = { without: [], empty: [], with: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so that a slow phase of the machine does not favour one variant.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
      for (const variant of order) samples[variant].push(await measure(framework, variant));
    }
    const rps = (variant: Variant) => median(samples[variant].map((s) => s.rps));
    const cpu = (variant: Variant) => median(samples[variant].map((s) => s.cpuPerRequest));
    const costPct = (1 - rps('with') / rps('without')) * 100;
    const cpuCostPct = percentMore(cpu('with'), cpu('without'));
    const emptyCpuCostPct = percentMore(cpu('empty'), cpu('without'));
    rows.push({
      framework,
      'req/s without (median)': grouped(Math.round(rps('without'))),
      'req/s with (median)': grouped(Math.round(rps('with'))),
      'throughput cost': `${fixed(costPct, 1)} %`,
      'server CPU µs/request without': fixed(cpu('without'), 2),
      'server CPU µs/request with': fixed(cpu('with'), 2),
      'CPU cost': `${fixed(cpuCostPct, 1)} %`,
      'server CPU µs/request, empty middleware': fixed(cpu('empty'), 2),
      'CPU cost of an empty middleware': `${fixed(emptyCpuCostPct, 1)} %`,
      'CPU cost beyond an empty middleware': `${fixed(percentMore(cpu('with'), cpu('empty')), 1)} %`,
      'req/s rounds (without; with)': `${samples.without.map((s) => grouped(Math.round(s.rps))).join(' ')}; ${samples.with.map((s) => grouped(Math.round(s.rps))).join(' ')}`,
      'CPU µs/request rounds (without; empty; with)': VARIANTS.map((v) => samples[v].map((s) => fixed(s.cpuPerRequest, 1)).join(' ')).join('; '),
    });
    verdicts.push(
      `${framework}: throughput ${fixed(costPct, 1)} % (${costPct <= TARGET_PCT ? 'met' : 'NOT met'}), ` +
        `CPU per request ${fixed(cpuCostPct, 1)} % (${cpuCostPct <= TARGET_PCT ? 'met' : 'NOT met'}; ` +
        `an empty middleware alone ${fixed(emptyCpuCostPct, 1)} %)`,
    );
  }
  return {
    title: 'HTTP overhead: hello-world requests per second with and without Velocity',
    command: 'npm run bench -- http',
    rows,
    notes: [
      `Target: Velocity costs ≤ ${TARGET_PCT} % of throughput. Measured: ${verdicts.join('; ')}.`,
      'Two views of the same runs: the throughput cost compares requests per second, which on this shared 2-core machine ' +
        'swings by ±15 % between rounds; the CPU cost compares the server process\'s own CPU time (user + system, from ' +
        'process.cpuUsage, read over stdin just before and after the measured seconds) divided by the requests it served, ' +
        'which does not depend on how much of the machine the server got: when the server is the bottleneck, its ' +
        'throughput falls by the share of CPU per request that Velocity adds.',
      `Each framework answers GET /hello/:id with "hello"; "with" adds its Velocity adapter over a memory store (recording, sealing and the live ring; no database writes; host collection off, its cost is measured below). Servers run in a child process (bench/hello-server.ts), one per measurement; autocannon runs in this process: ${CONNECTIONS} connections, 1 s warm-up, then ${DURATION_S} s measured, ${ROUNDS} rounds per variant in rotating order, median of the rounds.`,
      'The "empty middleware" columns measure, in the same run, the framework\'s cheapest middleware that does nothing instead of Velocity: node:http, a listener that calls the next (a noise check: it costs nothing); Express, `app.use((req, res, next) => next())`; Fastify, an `onRequest` hook that calls `done()`; Hono, `app.use((c, next) => next())`. What one such middleware costs is the framework\'s, and is part of any middleware\'s cost, Velocity\'s included; "beyond an empty middleware" is the rest.',
      'On this 2-core machine the server and the load generator each take one core, so absolute req/s are low and noisy; the cost is the ratio between the two medians of the same run. A cost within the spread of the rounds is noise.',
      'Next.js is not measured here: its handlers run inside Next\'s own server, whose per-request work dwarfs a hello world; see test/adapters/next.test.ts for what the wrapper does.',
    ],
  };
}
