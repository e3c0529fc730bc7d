/**
 * What Velocity costs a real server: a hello-world app per framework without Velocity, with an
 * empty middleware instead (what the framework itself charges for any middleware) and with
 * Velocity's adapter, measured two ways in the same run:
 * - instructions per request of the server process, counted by callgrind: the same count
 *   whatever else the machine is doing, so a difference of 1 % shows;
 * - requests per second over loopback with autocannon, and the server's CPU time per request,
 *   in short rounds that alternate between the variants, the server and the load generator
 *   each pinned to a core of their own.
 * Each server runs in a child process (bench/hello-server.ts, transpiled once per run).
 * @module
 */
import autocannon from 'autocannon';
import { callgrindMissing, countInstructions, inParallel, type CallgrindPlan, type InstructionCount } from './callgrind.js';
import { canPin, pinnedCommand, pinThisProcess } from './cpu-affinity.js';
import { fixed, grouped, median } from './measure.js';
import type { BenchSection } from './report.js';
import { startServer, type ServerProcess } from './server-process.js';
import { transpileForBench } from './transpile.js';

const FRAMEWORKS = ['node', 'express', 'fastify', 'hono'] as const;
type Framework = (typeof FRAMEWORKS)[number];
/** What each server runs: nothing added, an empty middleware, Velocity's adapter. */
const VARIANTS = ['without', 'empty', 'with'] as const;
type Variant = (typeof VARIANTS)[number];
const TARGET_PCT = 3;

/**
 * Callgrind: ten thousand warm-up requests before counting (fewer leave V8 still optimizing),
 * then nine windows over one keep-alive connection (the median of nine is steadier against a
 * garbage collection falling into some of them), so that each request is one turn of the
 * event loop and the count does not depend on how requests happen to batch.
 */
const CALLGRIND_PLAN: CallgrindPlan = { warmupRuns: 10, warmupRequests: 1_000, windows: 9, windowRequests: 500, connections: 1 };
/** Servers counted at a time under callgrind: one per core. */
const CALLGRIND_PARALLEL = 2;

/** Throughput: rounds of every variant in turn, seconds per measurement, connections. */
const ROUNDS = 6;
const ROUND_S = 1;
const WARMUP_S = 1;
const CONNECTIONS = 32;
/** The cores the servers and the load generator (this process) are pinned to. */
const SERVER_CPU = 1;
const CLIENT_CPU = 0;

/** One throughput measurement of one server. */
interface Sample {
  readonly rps: number;
  /** Server CPU time (user + system) per request, µs. */
  readonly cpuPerRequest: number;
  /** Server CPU time over wall time: near 1 when the server, not the load generator, is the bottleneck. */
  readonly busy: number;
}

async function sample(server: ServerProcess, seconds: number): Promise<Sample> {
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({ url: server.url, connections: CONNECTIONS, duration: seconds });
  const cpuMicros = (await server.cpuMicros()) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${server.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const requests = result.requests.total;
  return { rps: requests / result.duration, cpuPerRequest: cpuMicros / requests, busy: cpuMicros / 1e6 / result.duration };
}

/** `100 × (a / b − 1)`: how much more `a` is than `b`, in percent. */
function percentMore(a: number, b: number): number {
  return (a / b - 1) * 100;
}

/** `12.3 % (11.0 … 14.1)`: the median of per-round percentages and their range. */
function medianAndRange(percents: readonly number[]): string {
  return `${fixed(median(percents), 1)} % (${fixed(Math.min(...percents), 1)} … ${fixed(Math.max(...percents), 1)})`;
}

/** Every variant's samples of one framework, round by round. */
type Rounds = Record<Variant, Sample[]>;

/**
 * Starts the three servers of `framework` side by side, warms each up, then measures them in
 * turn, `ROUNDS` times, rotating the order so that no variant always goes first.
 */
async function throughputRounds(script: string, framework: Framework, pinned: boolean): Promise<Rounds> {
  const servers = await Promise.all(
    VARIANTS.map((variant) => {
      const args = [script, framework, variant];
      const [command, commandArgs] = pinned ? pinnedCommand(SERVER_CPU, process.execPath, args) : [process.execPath, args];
      return startServer(command, commandArgs, `${framework} ${variant}`);
    }),
  );
  try {
    for (const server of servers) await sample(server, WARMUP_S);
    const rounds: Rounds = { without: [], empty: [], with: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const at = (i + round) % VARIANTS.length;
        rounds[VARIANTS[at]].push(await sample(servers[at], ROUND_S));
      }
    }
    return rounds;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

function throughputRow(framework: Framework, rounds: Rounds): BenchSection['rows'][number] {
  const perRound = (variant: Variant, of: (s: Sample, base: Sample) => number): number[] =>
    rounds[variant].map((s, round) => of(s, rounds.without[round]));
  const throughputCost = (variant: Variant) => perRound(variant, (s, base) => (1 - s.rps / base.rps) * 100);
  const cpuCost = (variant: Variant) => perRound(variant, (s, base) => percentMore(s.cpuPerRequest, base.cpuPerRequest));
  const medianOf = (variant: Variant, field: keyof Sample) => median(rounds[variant].map((s) => s[field]));
  return {
    framework,
    'req/s without (median)': grouped(medianOf('without', 'rps')),
    'req/s with (median)': grouped(medianOf('with', 'rps')),
    'throughput cost, median of rounds (range)': medianAndRange(throughputCost('with')),
    'throughput cost of an empty middleware': medianAndRange(throughputCost('empty')),
    'server CPU µs/request without; empty; with': VARIANTS.map((v) => fixed(medianOf(v, 'cpuPerRequest'), 2)).join('; '),
    'CPU cost per request (range)': medianAndRange(cpuCost('with')),
    'CPU cost of an empty middleware': medianAndRange(cpuCost('empty')),
    'server core busy without; empty; with': VARIANTS.map((v) => `${Math.round(medianOf(v, 'busy') * 100)} %`).join('; '),
  };
}

async function throughputSection(script: string): Promise<BenchSection> {
  const pinned = canPin(2);
  const unpin = pinned ? pinThisProcess(CLIENT_CPU) : () => {};
  const rows: BenchSection['rows'] = [];
  const verdicts: string[] = [];
  try {
    for (const framework of FRAMEWORKS) {
      const rounds = await throughputRounds(script, framework, pinned);
      rows.push(throughputRow(framework, rounds));
      const costs = rounds.with.map((s, round) => (1 - s.rps / rounds.without[round].rps) * 100);
      verdicts.push(`${framework} ${fixed(median(costs), 1)} % (rounds from ${fixed(Math.min(...costs), 1)} to ${fixed(Math.max(...costs), 1)} %)`);
    }
  } finally {
    unpin();
  }
  return {
    title: 'HTTP overhead: hello-world requests per second with and without Velocity',
    command: 'npm run bench -- http',
    rows,
    notes: [
      `Target: Velocity costs ≤ ${TARGET_PCT} % of throughput. Throughput cost measured here (median of the rounds): ${verdicts.join('; ')}. ` +
        'A cost smaller than the spread of its rounds is not shown by this measurement either way; the instruction counts above are what shows it.',
      `Method: for each framework the three servers (without, empty middleware, with Velocity) run side by side; after a ${WARMUP_S} s warm-up each, ` +
        `${ROUNDS} rounds measure each of them for ${ROUND_S} s in turn (autocannon, ${CONNECTIONS} connections, the order rotating every round), ` +
        'and each cost is the median over the rounds of the ratio to the "without" server of the same round, which cancels slow phases of the machine longer than a round. ' +
        (pinned
          ? `The servers are pinned to core ${SERVER_CPU} and this process, the load generator, to core ${CLIENT_CPU} (taskset).`
          : 'taskset or a second core is missing here, so nothing is pinned.'),
      'Server CPU µs/request is the server process\'s own CPU time (user + system, process.cpuUsage, read over stdin before and after each measurement) ' +
        'per request served; "core busy" is that CPU time over the wall time: near 100 % the server is the bottleneck and its throughput falls by what a request costs it more. ' +
        'Both still move with the machine: other work on the same cores, and a server that gets less CPU batches more requests per event-loop turn and spends less per request.',
      'Each framework answers GET /hello/:id with "hello"; "with" adds its Velocity adapter (Hono: `withVelocityHono`, which adds no middleware) over a memory store (recording, sealing and the live ring; no database writes; host collection off, its cost is measured below).',
      'Next.js is not measured here: its handlers run inside Next\'s own server, whose per-request work dwarfs a hello world; see test/adapters/next.test.ts for what the wrapper does.',
    ],
  };
}

/** `(max − min) / median` of the windows, in percent. */
function windowSpread(count: InstructionCount): string {
  return `${fixed(((Math.max(...count.windows) - Math.min(...count.windows)) / count.perRequest) * 100, 1)} %`;
}

async function instructionSection(script: string): Promise<BenchSection> {
  const title = 'HTTP overhead: instructions per request with and without Velocity (callgrind)';
  const missing = callgrindMissing();
  if (missing !== null) {
    return { title, command: 'npm run bench -- http', rows: [], notes: [`Not measured: ${missing} (valgrind 3.19 or later has both).`] };
  }
  const jobs = FRAMEWORKS.flatMap((framework) => VARIANTS.map((variant) => ({ framework, variant })));
  const counts = await inParallel(
    jobs.map(({ framework, variant }) => () => countInstructions(script, [framework, variant, 'no-timers'], `${framework} ${variant}`, CALLGRIND_PLAN)),
    CALLGRIND_PARALLEL,
  );
  const countOf = (framework: Framework, variant: Variant): InstructionCount =>
    counts[jobs.findIndex((job) => job.framework === framework && job.variant === variant)];
  const rows: BenchSection['rows'] = [];
  const verdicts: string[] = [];
  for (const framework of FRAMEWORKS) {
    const [without, empty, withVelocity] = VARIANTS.map((variant) => countOf(framework, variant));
    const cost = percentMore(withVelocity.perRequest, without.perRequest);
    rows.push({
      framework,
      'instructions/request without': grouped(without.perRequest),
      'with an empty middleware': grouped(empty.perRequest),
      'with Velocity': grouped(withVelocity.perRequest),
      "Velocity's cost": `${fixed(cost, 1)} %`,
      "an empty middleware's cost": `${fixed(percentMore(empty.perRequest, without.perRequest), 1)} %`,
      'Velocity beyond an empty middleware': `${fixed(percentMore(withVelocity.perRequest, empty.perRequest), 1)} %`,
      'spread of the windows without; empty; with': [without, empty, withVelocity].map(windowSpread).join('; '),
    });
    verdicts.push(`${framework} ${fixed(cost, 1)} % (${cost <= TARGET_PCT ? 'met' : 'NOT met'})`);
  }
  const { warmupRuns, warmupRequests, windows, windowRequests, connections } = CALLGRIND_PLAN;
  return {
    title,
    command: 'npm run bench -- http',
    rows,
    notes: [
      `Target: Velocity costs ≤ ${TARGET_PCT} % of throughput; a server that is the bottleneck loses the share of work per request that Velocity adds. Measured: ${verdicts.join('; ')}.`,
      'Instructions per request of the whole server process (all threads: the event loop, V8\'s compiler and garbage collector, libuv) counted by valgrind\'s callgrind, which counts the same whatever else runs on the machine. ' +
        'Node runs with `--single-threaded` so that V8 compiles and collects garbage on the main thread at points set by the requests rather than by thread scheduling; the code it runs is the same. ' +
        'V8\'s hash and random seeds are fixed (`--hash-seed=1 --random-seed=1`, the same for every variant): left random, where property names land in V8\'s lookup caches changed an Express server\'s count by several per cent from one start to the next.',
      `Each server (same hello-world apps as below, Velocity's minute and flush timers off) starts with counting off, takes ${grouped(warmupRuns * warmupRequests)} warm-up requests in ${warmupRuns} runs of the load generator, ` +
        `then ${windows} windows of ${grouped(windowRequests)} requests each are counted over ${connections} keep-alive connection (one request per event-loop turn); the figure is the median window. ` +
        `The spread of the windows (max − min, % of the median) comes mostly from garbage collections falling in one window and not another (Express promotes enough per request for a major collection every few thousand). ${CALLGRIND_PARALLEL} servers are counted at a time.`,
      '"An empty middleware" is the framework\'s cheapest middleware that does nothing, measured the same way: node:http, a listener that calls the next (a check: it costs nothing); Express, `app.use((req, res, next) => next())`; Fastify, an `onRequest` hook that calls `done()`; Hono, `app.use((c, next) => next())`. ' +
        'What such a middleware costs is the framework\'s, and part of any middleware\'s cost; "beyond an empty middleware" is the rest.',
    ],
  };
}

/** The HTTP overhead benchmark: instructions per request, then throughput and CPU per request; one row per framework each. */
export async function httpOverheadBench(): Promise<BenchSection[]> {
  const [script] = transpileForBench(['bench/hello-server.ts']);
  const instructions = await instructionSection(script);
  const throughput = await throughputSection(script);
  return [instructions, throughput];
}
