/**
 * Instructions per request of a hello-world server, counted by valgrind's callgrind: a count
 * that does not depend on what else the machine is doing, unlike time and throughput.
 * @module
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { median } from './measure.js';
import { startServer } from './server-process.js';

const run = promisify(execFile);

/** How a count is taken; see `countInstructions`. */
export interface CallgrindPlan {
  /** Warm-up runs of the load generator, each opening its connections afresh. */
  readonly warmupRuns: number;
  /** Requests per warm-up run. */
  readonly warmupRequests: number;
  /** Measured windows; the count is their median. */
  readonly windows: number;
  /** Requests per measured window. */
  readonly windowRequests: number;
  /** Concurrent connections of the load generator. */
  readonly connections: number;
}

/** Instructions per request: the median window, and every window in order. */
export interface InstructionCount {
  readonly perRequest: number;
  readonly windows: readonly number[];
}

/** Why callgrind cannot be used here, or null when `valgrind` and `callgrind_control` both run. */
export function callgrindMissing(): string | null {
  for (const tool of ['valgrind', 'callgrind_control']) {
    const result = spawnSync(tool, ['--version'], { stdio: 'ignore' });
    if (result.error !== undefined || result.status !== 0) return `${tool} is not installed`;
  }
  return null;
}

async function load(url: string, amount: number, connections: number): Promise<number> {
  const result = await autocannon({ url, amount, connections });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total;
}

function dumpTotal(dir: string, pid: number, dump: number): number {
  const text = readFileSync(join(dir, `callgrind.${pid}.${dump}`), 'utf8');
  const match = /^(?:totals|summary): (\d+)/m.exec(text);
  if (!match) throw new Error(`callgrind dump ${dump} of ${pid} holds no totals`);
  return Number(match[1]);
}

/**
 * V8's seeds, fixed for every server counted: its hash seed decides where property names fall
 * in its lookup caches, and its random seed what else it draws, so that with them left
 * random two runs of one Express server differed by several per cent. Every variant gets the
 * same seeds, so none is favoured.
 */
const V8_SEEDS = ['--random-seed=1', '--hash-seed=1'];

/**
 * Runs `node --single-threaded <V8 seeds> <script> <args…>` under callgrind, with counting off
 * while it starts and warms up, then counts the instructions of all its threads over each
 * measured window of requests. `--single-threaded` makes V8 compile and collect garbage on the
 * main thread, at points that depend on the requests only, not on how threads happen to be
 * scheduled. The warm-up comes in several runs because V8, here, tiers code up between runs
 * of the load generator rather than during one long run (measured: ten runs of 1,000
 * requests reach the steady count, one run of 25,000 does not).
 */
export async function countInstructions(script: string, args: readonly string[], label: string, plan: CallgrindPlan): Promise<InstructionCount> {
  const dir = mkdtempSync(join(tmpdir(), 'velocity-callgrind-'));
  const valgrindArgs = ['-q', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'callgrind.%p')}`];
  const server = await startServer('valgrind', [...valgrindArgs, process.execPath, '--single-threaded', ...V8_SEEDS, script, ...args], label);
  try {
    const pid = String(server.child.pid);
    for (let i = 0; i < plan.warmupRuns; i++) await load(server.url, plan.warmupRequests, plan.connections);
    await run('callgrind_control', ['--instr=on', pid]);
    const windows: number[] = [];
    for (let window = 1; window <= plan.windows; window++) {
      await run('callgrind_control', ['--zero', pid]);
      const requests = await load(server.url, plan.windowRequests, plan.connections);
      await run('callgrind_control', ['--dump', pid]);
      windows.push(dumpTotal(dir, Number(pid), window) / requests);
    }
    return { perRequest: median(windows), windows };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `tasks` at most `limit` at a time and returns their results in order. */
export async function inParallel<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
