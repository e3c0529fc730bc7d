/**
 * Running the real `velocity` CLI (src/cli/main.ts through tsx) as a child process, in a
 * working directory of the test's choosing and without the caller's VELOCITY_* variables.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';

const TSX = import.meta.resolve('tsx');
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** What a finished CLI run left behind. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of a CLI run. */
export interface CliOptions {
  /** Working directory; default the process's. */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('VELOCITY_') && name !== 'DATABASE_URL') env[name] = value;
  }
  return { ...env, ...extra };
}

function spawnCli(args: readonly string[], options: CliOptions): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { stdout: () => stdout, stderr: () => stderr };
}

/** Runs `velocity ...args` to completion. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  const output = collect(child);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

/** A CLI process that serves until stopped. */
export interface ServingCli {
  /** The base URL it printed. */
  readonly url: string;
  /** Sends `signal` and resolves with how the process ended and what it printed. */
  stop(signal?: NodeJS.Signals): Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** Starts `velocity ...args` (serve or demo) and resolves once it prints the URL it serves on. */
export async function startCli(args: readonly string[], options: CliOptions = {}): Promise<ServingCli> {
  const child = spawnCli(args, options);
  const output = collect(child);
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const match = /serving the API on (http:\/\/\S+)/.exec(output.stdout());
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    void closed.then(([code]) => reject(new Error(`CLI exited with ${code} before serving: ${output.stderr()}`)));
  });
  return {
    url,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const [code, endedBy] = await closed;
      return { code, signal: endedBy, stdout: output.stdout(), stderr: output.stderr() };
    },
  };
}

/** A TCP port that was free a moment ago (listen on 0, note the port, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The request windows stored in the SQLite file at `path`: how many, and their request count. */
export async function storedWindows(path: string, fromMs = 0, toMs = Date.now() + 3_600_000): Promise<{ windows: number; requests: number }> {
  const store = createSqliteStore({ path });
  try {
    const series = await store.listSeries(HTTP_DURATION_METRIC);
    const windows = await store.readWindows('1m', series.map((s) => s.id), fromMs, toMs, { withSketch: false });
    return { windows: windows.length, requests: windows.reduce((total, w) => total + w.count, 0) };
  } finally {
    await store.close();
  }
}
