/**
 * `velocity serve`: the HTTP API over a store, on a node:http server that records its own
 * requests; stops cleanly (server closed, windows flushed, store closed) on SIGINT/SIGTERM.
 * The server and shutdown helpers are shared with `velocity demo`.
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withVelocity } from '../adapters/node.js';
import { parseIngestMode, resolveConfig, type IngestMode } from '../config.js';
import { createVelocity, type Velocity } from '../velocity.js';
import { flagOrEnv, parseInteger, stringFlag, type Command, type FlagSpec, type Flags } from './args.js';
import { openMigratedStore } from './store.js';
import { describeDatabase } from '../store/open-store.js';

/** The `--db` flag, shared by every command that opens a store. */
export const DB_FLAG: FlagSpec = {
  name: 'db',
  value: 'PATH',
  default: './data/velocity.db',
  env: 'VELOCITY_DATABASE_URL',
  help: 'the SQLite file, a postgres:// URL, or "memory"',
};

/** The `--port` flag of `serve` and `demo`. */
export const PORT_FLAG: FlagSpec = {
  name: 'port',
  value: 'N',
  default: '8080',
  env: 'VELOCITY_PORT',
  help: 'TCP port to listen on (0: any free port)',
};

/** The `--host` flag of `serve` and `demo`. */
export const HOST_FLAG: FlagSpec = {
  name: 'host',
  value: 'HOST',
  default: '127.0.0.1',
  env: 'VELOCITY_HOST',
  help: 'interface to listen on (0.0.0.0: every interface)',
};

/** Where to listen, from `--port`/`--host`, their variables, or the defaults. */
export interface ListenSettings {
  readonly port: number;
  readonly host: string;
}

/** Reads `--port` and `--host` (flag, then VELOCITY_PORT / VELOCITY_HOST, then 8080 / 127.0.0.1). */
export function listenSettings(flags: Flags): ListenSettings {
  const port = flagOrEnv(flags, 'port', 'VELOCITY_PORT');
  return {
    port: port === undefined ? 8080 : parseInteger(port.value, port.source, 0, 65_535),
    host: flagOrEnv(flags, 'host', 'VELOCITY_HOST')?.value ?? '127.0.0.1',
  };
}

/** A running API server. */
export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Stops accepting requests and closes open connections. */
  close(): Promise<void>;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Serves `velocity`'s API on a node:http server whose own requests are recorded; other
 * paths get a JSON 404. When the port cannot be taken, closes `velocity` and rejects with a
 * one-line message.
 */
export async function startServer(velocity: Velocity, settings: ListenSettings): Promise<RunningServer> {
  const server = createServer(withVelocity(velocity, velocity.nodeMiddleware));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, resolve);
    });
  } catch (error) {
    await velocity.close();
    const where = `${settings.host}:${settings.port}`;
    const { code, message } = error as NodeJS.ErrnoException;
    throw new Error(code === 'EADDRINUSE' ? `${where} is already in use (pass --port)` : `cannot listen on ${where}: ${message}`);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${displayHost(settings.host)}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Resolves with the first SIGINT or SIGTERM; a second one ends the process the default way. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const handler = (signal: NodeJS.Signals): void => {
      for (const s of signals) process.off(s, handler);
      resolve(signal);
    };
    for (const s of signals) process.on(s, handler);
  });
}

/**
 * Serves until a signal, then calls `beforeClose` (the demo stops its traffic there), closes
 * the server, and flushes and closes Velocity.
 */
export async function serveUntilSignal(velocity: Velocity, server: RunningServer, beforeClose = (): void => {}): Promise<void> {
  const signal = await untilSignal();
  process.stdout.write(`velocity: ${signal}, stopping: closing the server and flushing windows\n`);
  beforeClose();
  await server.close();
  await velocity.close();
}

const INGEST_HELP = 'token (senders with the API token), open (anyone while no token is set), off (nobody)';

/** The `--ingest` flag's mode (a bad one is named as the flag); undefined leaves it to VELOCITY_INGEST. */
function ingestFlag(flags: Flags): IngestMode | undefined {
  const value = stringFlag(flags, 'ingest');
  return value === undefined ? undefined : parseIngestMode(value, '--ingest');
}

/** `velocity serve`. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the HTTP API over a store, recording the server\'s own requests and the host\'s health.',
  flags: [
    PORT_FLAG,
    HOST_FLAG,
    DB_FLAG,
    { name: 'token', value: 'TOKEN', env: 'VELOCITY_API_TOKEN', help: 'require "Authorization: Bearer TOKEN" (not on /healthz)' },
    {
      name: 'ingest',
      value: 'MODE',
      default: 'token',
      env: 'VELOCITY_INGEST',
      help: `who may POST /api/v1/ingest: ${INGEST_HELP}`,
    },
  ],
  notes: [
    'Endpoints: GET /api/v1/history (also ?metric=system), /api/v1/live, /api/v1/series, /healthz, /metrics/history, ' +
      '/metrics/live, /api/admin/metrics, /ops/metrics, /ops/metrics/history; POST /api/v1/ingest (see docs/api.md).',
    'Ingest needs --token (or --ingest open): without a token it answers 403.',
    'Stops on SIGINT (Ctrl-C) or SIGTERM after writing every window it holds.',
  ],
  async run(flags) {
    const listen = listenSettings(flags);
    const options = { database: stringFlag(flags, 'db'), apiToken: stringFlag(flags, 'token'), ingest: ingestFlag(flags) };
    const store = await openMigratedStore(resolveConfig(options).database, { create: true });
    const velocity = createVelocity({ ...options, store, handleSignals: false });
    const server = await startServer(velocity, listen);
    process.stdout.write(`velocity: serving the API on ${server.url} (database ${describeDatabase(velocity.config.database)})\n`);
    await serveUntilSignal(velocity, server);
    return 0;
  },
};
