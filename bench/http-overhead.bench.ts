/**
 * What Velocity costs a real server: a hello-world app per framework without Velocity, with an
 * empty middleware instead (what the framework itself charges for any middleware) and with
 * Velocity's adapter, measured two ways in the same run:
 * - instructions per request of the server process, counted by callgrind: the same count
 *   whatever else the machine is doing, so a difference of 1 % shows;
 * - requests per second over loopback with autocannon: the servers without and with Velocity
 *   share one core and are loaded at once, so each serves in inverse proportion to what a
 *   request costs it; many sets of fresh processes, since processes running the same code
 *   differ by a few per cent; and a control, two servers without, for the method's own error.
 * Each server runs in a child process (bench/hello-server.ts, transpiled once per run).
 * @module
 */
import autocannon from 'autocannon';
import { callgrindMissing, countInstructions, inParallel, type CallgrindPlan, type InstructionCount } from './callgrind.js';
import { canPin, pinnedCommand, pinThisProcess } from './cpu-affinity.js';
import { fixed, grouped, hodgesLehmann, meanAndStandardError, median } from './measure.js';
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

/**
 * Throughput: sets of two fresh servers (side by side on one core, loaded at once), rounds per
 * set, seconds per round and for the warm-up, connections per server.
 */
const SETS = 20;
/** A set's two servers: the one without Velocity and the one compared with it (with Velocity, or the control's second without). */
const LOADED = ['without', 'with'] as const;
type Loaded = (typeof LOADED)[number];
const ROUNDS = LOADED.length;
const ROUND_S = 1;
const WARMUP_S = 3;
const CONNECTIONS = 32;
/** The row of the control: two node:http servers without Velocity, measured as the others. */
const CONTROL_ROW = 'control: node without vs node without';
/** The cores the servers and the load generator (this process) are pinned to. */
const SERVER_CPU = 1;
const CLIENT_CPU = 0;

/** One round of one server. */
interface Sample {
  readonly requests: number;
  readonly seconds: number;
  /** Server CPU time (user + system) over the round, µs. */
  readonly cpuMicros: number;
}

/**
 * Loads every server at once for `seconds`, autocannon instances started in the order given,
 * and returns each one's requests and CPU time, in that order.
 */
async function loadAtOnce(servers: readonly ServerProcess[], seconds: number): Promise<Sample[]> {
  const cpuBefore = await Promise.all(servers.map((server) => server.cpuMicros()));
  const results = await Promise.all(servers.map((server) => autocannon({ url: server.url, connections: CONNECTIONS, duration: seconds })));
  const cpuAfter = await Promise.all(servers.map((server) => server.cpuMicros()));
  return results.map((result, i) => {
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${servers[i].url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return { requests: result.requests.total, seconds: result.duration, cpuMicros: cpuAfter[i] - cpuBefore[i] };
  });
}

/** `100 × (a / b − 1)`: how much more `a` is than `b`, in percent. */
function percentMore(a: number, b: number): number {
  return (a / b - 1) * 100;
}

/** Every round of one set, per server. */
type SetRounds = Record<Loaded, Sample[]>;

/** `LOADED`'s indexes, in turn from `first`. */
function rotated(first: number): number[] {
  return LOADED.map((_, i) => (i + first) % LOADED.length);
}

/**
 * Starts a server without Velocity and one running `compared` (`with`, or `without` again for
 * the control) of `framework` on one core, set `set` starting them in an order of its own; warms
 * them up together, then loads them together for `ROUNDS` rounds, each load generator starting
 * first in one of them. The second server's rounds are under `with`.
 */
async function measureSet(script: string, framework: Framework, compared: Variant, pinned: boolean, set: number): Promise<SetRounds> {
  const servers: ServerProcess[] = [];
  const variants: readonly Variant[] = ['without', compared];
  try {
    for (const at of rotated(set)) {
      const args = [script, framework, variants[at]];
      const [command, commandArgs] = pinned ? pinnedCommand(SERVER_CPU, process.execPath, args) : [process.execPath, args];
      servers[at] = await startServer(command, commandArgs, `${framework} ${variants[at]}`);
    }
    // The warm-up's load generators start in the set's order too: with the server without
    // always loaded first, the control read the second server 0.3–1.0 % ahead in seven runs.
    await loadAtOnce(rotated(set).map((at) => servers[at]), WARMUP_S);
    const rounds: SetRounds = { without: [], with: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = rotated(round);
      const samples = await loadAtOnce(order.map((at) => servers[at]), ROUND_S);
      order.forEach((at, i) => rounds[LOADED[at]].push(samples[i]));
    }
    return rounds;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

const sum = (samples: readonly Sample[], field: keyof Sample): number => samples.reduce((total, s) => total + s[field], 0);

/** What Velocity costs in one set: the requests its server served fewer than the server without, %. */
function throughputCost(set: SetRounds): number {
  return (1 - sum(set.with, 'requests') / sum(set.without, 'requests')) * 100;
}

/** `1.2 % ± 0.8`: the mean over sets and two standard errors. */
function meanWithin(percents: readonly number[]): string {
  const { mean, standardError } = meanAndStandardError(percents);
  return `${fixed(mean, 1)} % ± ${fixed(2 * standardError, 1)}`;
}

/** `1.2 % (0.5 … 2.0)`: the Hodges–Lehmann estimate over sets and its 95 % confidence interval. */
function estimateWithin(percents: readonly number[]): string {
  const { estimate, low, high } = hodgesLehmann(percents);
  return `${fixed(estimate, 1)} % (${fixed(low, 1)} … ${fixed(high, 1)})`;
}

/** Whether the cost of the sets meets the target beyond doubt, on the estimate only, or not. */
function verdict(percents: readonly number[]): string {
  const { estimate, high } = hodgesLehmann(percents);
  if (high <= TARGET_PCT) return 'met';
  return estimate <= TARGET_PCT ? 'met on the estimate, not beyond doubt' : 'NOT met';
}

function throughputRow(framework: string, sets: readonly SetRounds[]): BenchSection['rows'][number] {
  const all = (variant: Loaded): Sample[] => sets.flatMap((set) => set[variant]);
  const rps = (variant: Loaded) => median(all(variant).map((s) => s.requests / s.seconds));
  const share = (variant: Loaded) => sum(all(variant), 'cpuMicros') / 1e6 / sum(all(variant), 'seconds');
  const costs = sets.map(throughputCost);
  return {
    framework,
    'req/s without; with (median of rounds)': LOADED.map((v) => grouped(rps(v))).join('; '),
    "Velocity's throughput cost (estimate over sets, 95 % CI)": estimateWithin(costs),
    'mean of sets ± 2 SE': meanWithin(costs),
    'range of sets': `${fixed(Math.min(...costs), 1)} … ${fixed(Math.max(...costs), 1)} %`,
    'server CPU µs/request without; with': LOADED.map((v) => fixed(sum(all(v), 'cpuMicros') / sum(all(v), 'requests'), 2)).join('; '),
    'share of the core without; with': LOADED.map((v) => `${Math.round(share(v) * 100)} %`).join('; '),
  };
}

async function throughputSection(script: string): Promise<BenchSection> {
  const pinned = canPin(2);
  const unpin = pinned ? pinThisProcess(CLIENT_CPU) : () => {};
  const rows: BenchSection['rows'] = [];
  const verdicts: string[] = [];
  try {
    for (const framework of FRAMEWORKS) {
      const sets: SetRounds[] = [];
      for (let set = 0; set < SETS; set++) sets.push(await measureSet(script, framework, 'with', pinned, set));
      rows.push(throughputRow(framework, sets));
      const costs = sets.map(throughputCost);
      verdicts.push(`${framework} ${estimateWithin(costs)}, ${verdict(costs)}`);
    }
    const control: SetRounds[] = [];
    for (let set = 0; set < SETS; set++) control.push(await measureSet(script, 'node', 'without', pinned, set));
    rows.push(throughputRow(CONTROL_ROW, control));
  } finally {
    unpin();
  }
  return {
    title: 'HTTP overhead: hello-world requests per second with and without Velocity',
    command: 'npm run bench -- http',
    rows,
    notes: [
      `Target: Velocity costs ≤ ${TARGET_PCT} % of throughput. Measured (Hodges–Lehmann estimate over sets, 95 % confidence interval): ${verdicts.join('; ')}. ` +
        '"Met" means the whole interval is at or below the target.',
      'The estimate is the median of the means of every two sets (each set with itself included), its interval comes from the exact Wilcoxon signed-rank distribution. ' +
        'It is used instead of the mean because some server processes run in a slow mode for their whole life, with or without Velocity (Hono\'s most often: CPU per request about a third above that of the other server of the set), ' +
        'and one such set among twenty moves the mean by a point or more while it barely moves this estimate; for sets without such a process the two agree and are about as precise. The mean ± 2 SE and the range of sets are shown beside it.',
      `Method: the two servers of a framework (without and with Velocity) run side by side pinned to ${pinned ? `core ${SERVER_CPU}` : 'the same cores (taskset or a second core is missing here)'}, ` +
        `and are loaded at the same time (autocannon, ${CONNECTIONS} keep-alive connections each, from this process${pinned ? `, pinned to core ${CLIENT_CPU}` : ''}): ` +
        'the kernel gives each half of the core, so each serves requests in inverse proportion to the CPU time a request costs it, and a slow phase of the machine slows both alike. ' +
        '(Rounds of one server after the other cannot cancel what the machine does between them.) ' +
        `A set is two fresh server processes, started one after the other, the first in turn from set to set, warmed up together for ${WARMUP_S} s (that load generator started first) and then measured for ${ROUNDS} rounds of ${ROUND_S} s, each load generator starting first in one round; ` +
        `its cost is 1 − the requests the server with Velocity served over those the server without served. ${SETS} sets per framework: ` +
        'two processes running the same code differ by a few per cent from one start to the next (where V8 and the kernel place code and data), so one pair of processes cannot show a 3 % difference.',
      `"${CONTROL_ROW}" measures two identical servers the same way (the second in the place of the one with Velocity): what it reads is the method's own error, ` +
        'a bias from the order of start or of load included, against which the other rows are to be read.',
      '"Share of the core" is each server\'s CPU time (user + system, process.cpuUsage, read over stdin before and after each round) over the wall time: about half each shows that the servers, not the load generator, were the bottleneck. ' +
        'Sharing a core costs each server more CPU per request than a core of its own (compare the callgrind counts, which do not depend on it): the two switch in and out of the core and find its caches cold. ' +
        'That cost grows with the code and data a request touches, so this measurement, if anything, overstates what Velocity costs a server that has a core to itself.',
      'Each framework answers GET /hello/:id with "hello"; "with" adds its Velocity adapter as the README shows it (Express: `withVelocityExpress`, Hono: `withVelocityHono`, neither a middleware; Fastify: `velocityPlugin`, which adds no hook to a request\'s way) over a memory store (recording, sealing and the live ring; no database writes; host collection off, its cost is measured below).',
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
