/**
 * A hello-world server (bench/hello-server.ts) running as a child process: start it, learn its
 * port, ask it for its CPU time, stop it.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A running hello-world server. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** The URL the benchmark requests: `GET /hello/42`. */
  readonly url: string;
  /** The server process's user + system CPU time so far, µs. */
  cpuMicros(): Promise<number>;
  /** Kills the process and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs `command args…` and resolves once the server in it prints `listening <port>`. `label`
 * names it in errors. Its stderr goes to ours, unless `quiet`.
 */
export async function startServer(command: string, args: readonly string[], label: string, quiet = false): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', quiet ? 'ignore' : 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done === true) throw new Error(`${label}: the server exited`);
    return value as string;
  };
  const match = /^listening (\d+)$/.exec(await next());
  if (!match) throw new Error(`${label}: the server did not say which port it listens on`);
  const port = Number(match[1]);
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}/hello/42`,
    async cpuMicros() {
      (child.stdin as NodeJS.WritableStream).write('cpu\n');
      const reply = /^cpu (\d+)$/.exec(await next());
      if (!reply) throw new Error(`${label}: the server did not report its CPU time`);
      return Number(reply[1]);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
