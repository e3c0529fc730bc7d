/**
 * Configuration: one scheme, `VELOCITY_*` environment variables or the same keys as
 * options, with the earlier designs' variables accepted as aliases. Precedence: option
 * (or CLI flag), then environment variable, then default.
 * @module
 */
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { invalidOption } from './errors.js';
import { DAY_MS, HOUR_MS, SECOND_MS, parseDuration } from './model/duration.js';
import { DEFAULT_MAX_SERIES_PER_METRIC } from './record/recorder.js';
import type { TierRetention } from './query/steps.js';

/** Options accepted by `createVelocity`; every one may be left out. */
export interface VelocityConfigOptions {
  /** SQLite file path, `memory`, or (later) a `postgres://` URL. Default `./data/velocity.db`. */
  database?: string;
  /** How often sealed windows are written, as a duration (`30s`) or milliseconds. Default 30 s. */
  flushInterval?: string | number;
  /**
   * How long 1-minute windows are kept. Env `VELOCITY_RETENTION_1M` (aliases
   * `HISTORY_RETENTION_DAYS` and `OBSERVABILITY_METRICS_RETENTION_DAYS`, days). Default 14 d.
   */
  retention1m?: string | number;
  /** How long 1-hour windows are kept. Env `VELOCITY_RETENTION_1H`. Default 90 d. */
  retention1h?: string | number;
  /** How long 1-day windows are kept. Env `VELOCITY_RETENTION_1D`. Default 730 d (2 years). */
  retention1d?: string | number;
  /** How often retention runs. Default 1 h. */
  pruneInterval?: string | number;
  /** The `service` label. Default `app`. */
  service?: string;
  /** The `instance` label. Default `hostname:pid`, unique per process. */
  instance?: string;
  /** The `env` label. Default from SENTRY_ENV, else NODE_ENV, else `dev`. */
  env?: string;
  /** The `release_sha` label. Default from RELEASE_SHA, else empty. */
  releaseSha?: string;
  /** The `build_time` label. Default from BUILD_TIME, else empty. */
  buildTime?: string;
  /** When set, the HTTP API asks for `Authorization: Bearer <token>`. */
  apiToken?: string;
  /**
   * Who may `POST /api/v1/ingest`. `token` (default): senders with the API token, and nobody
   * while no token is set; `open`: anyone who reaches the API when no token is set (with one
   * set, the token is still required); `off`: nobody. Env `VELOCITY_INGEST`.
   */
  ingest?: IngestMode;
  /** Most bytes of one ingest request body. Env `VELOCITY_INGEST_MAX_BYTES`. Default 1 MiB. */
  ingestMaxBytes?: number;
  /** Most items (requests + operations + windows) of one ingest batch. Env `VELOCITY_INGEST_MAX_ITEMS`. Default 10,000. */
  ingestMaxItems?: number;
  /** Most bytes of sealed windows held while the store cannot be written. Default 64 MiB. */
  maxPendingBytes?: number;
  /**
   * Most series per metric; beyond it new label sets fold into the metric's one
   * `__overflow__` series. Env `VELOCITY_MAX_SERIES_PER_METRIC`. Default 2,000.
   */
  maxSeriesPerMetric?: number;
  /**
   * Collect host, process and network figures (contracts D and E) while the timers run. Env
   * `VELOCITY_COLLECT` (`true`/`false`, `1`/`0`, `on`/`off`). Default true.
   */
  collect?: boolean;
  /**
   * How often they are collected, as a duration or milliseconds, at least 1 s. Env
   * `VELOCITY_COLLECT_INTERVAL` (alias `METRICS_COLLECTION_INTERVAL_MS`, ms). Default 60 s.
   */
  collectInterval?: string | number;
  /**
   * A directory on the file system whose disk figures are collected. Env `VELOCITY_DISK_PATH`.
   * Default: the SQLite file's directory, else the working directory.
   */
  diskPath?: string;
}

/** Who may ingest: see `VelocityConfigOptions.ingest`. */
export type IngestMode = 'token' | 'open' | 'off';

const INGEST_MODES: readonly IngestMode[] = ['token', 'open', 'off'];

/** Configuration with every default applied and every duration in milliseconds. */
export interface VelocityConfig {
  readonly database: string;
  readonly flushIntervalMs: number;
  readonly retention1mMs: number;
  readonly retention1hMs: number;
  readonly retention1dMs: number;
  readonly pruneIntervalMs: number;
  readonly service: string;
  readonly instance: string;
  readonly env: string;
  readonly releaseSha: string;
  readonly buildTime: string;
  readonly apiToken: string | undefined;
  readonly ingest: IngestMode;
  readonly ingestMaxBytes: number;
  readonly ingestMaxItems: number;
  readonly maxPendingBytes: number;
  readonly maxSeriesPerMetric: number;
  readonly collect: boolean;
  readonly collectIntervalMs: number;
  readonly diskPath: string;
}

/** The defaults, documented field by field in `VelocityConfigOptions`. */
export function defaultConfig(): VelocityConfig {
  return {
    database: './data/velocity.db',
    flushIntervalMs: 30 * SECOND_MS,
    retention1mMs: 14 * DAY_MS,
    retention1hMs: 90 * DAY_MS,
    retention1dMs: 730 * DAY_MS,
    pruneIntervalMs: 60 * 60 * SECOND_MS,
    service: 'app',
    instance: `${hostname()}:${process.pid}`,
    env: 'dev',
    releaseSha: '',
    buildTime: '',
    apiToken: undefined,
    ingest: 'token',
    ingestMaxBytes: 1024 * 1024,
    ingestMaxItems: 10_000,
    maxPendingBytes: 64 * 1024 * 1024,
    maxSeriesPerMetric: DEFAULT_MAX_SERIES_PER_METRIC,
    collect: true,
    collectIntervalMs: 60 * SECOND_MS,
    diskPath: './data',
  };
}

type Env = Readonly<Record<string, string | undefined>>;

function firstSet(env: Env, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** An environment variable holding a duration, and the unit of a bare number in it. */
type DurationVar = readonly [name: string, bareNumberUnitMs: number];

function durationSetting(
  option: string | number | undefined,
  optionName: string,
  env: Env,
  vars: readonly DurationVar[],
  fallback: number,
): number {
  if (option !== undefined) return parseDuration(option, optionName);
  for (const [name, unitMs] of vars) {
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    // The earlier designs' variables are bare numbers in their own unit (seconds, days).
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) * unitMs : parseDuration(value, name);
  }
  return fallback;
}

/**
 * The database that `DATABASE_URL` and contract B's `OBSERVABILITY_METRICS_STORAGE`
 * (`memory` | `database`) name: `memory` keeps nothing across restarts; `database` (or no
 * setting) uses `DATABASE_URL` when set, else the default.
 */
function contractBDatabase(env: Env): string | undefined {
  const storage = env.OBSERVABILITY_METRICS_STORAGE?.trim();
  if (storage === 'memory') return 'memory';
  if (storage !== undefined && storage !== '' && storage !== 'database') {
    throw invalidOption('OBSERVABILITY_METRICS_STORAGE', `"${storage}" is neither "memory" nor "database"`);
  }
  return firstSet(env, ['DATABASE_URL']);
}

/**
 * Resolves options against the environment and the defaults.
 * @example resolveConfig({ service: 'api' }, process.env).flushIntervalMs // 30000
 */
export function resolveConfig(options: VelocityConfigOptions = {}, env: Env = process.env): VelocityConfig {
  const defaults = defaultConfig();
  const flushIntervalMs = durationSetting(options.flushInterval, 'flushInterval', env, [
    ['VELOCITY_FLUSH_INTERVAL', 1],
    ['HISTORY_SNAPSHOT_SEC', SECOND_MS],
    ['OBSERVABILITY_METRICS_BATCH_INTERVAL', 1],
  ], defaults.flushIntervalMs);
  const retention1mMs = durationSetting(options.retention1m, 'retention1m', env, [
    ['VELOCITY_RETENTION_1M', 1],
    ['HISTORY_RETENTION_DAYS', DAY_MS],
    ['OBSERVABILITY_METRICS_RETENTION_DAYS', DAY_MS],
    ['METRICS_RETENTION_HOURS', HOUR_MS],
  ], defaults.retention1mMs);
  const retention1hMs = durationSetting(options.retention1h, 'retention1h', env, [
    ['VELOCITY_RETENTION_1H', 1],
  ], defaults.retention1hMs);
  const retention1dMs = durationSetting(options.retention1d, 'retention1d', env, [
    ['VELOCITY_RETENTION_1D', 1],
  ], defaults.retention1dMs);
  const pruneIntervalMs = durationSetting(options.pruneInterval, 'pruneInterval', env, [
    ['VELOCITY_PRUNE_INTERVAL', 1],
  ], defaults.pruneIntervalMs);
  if (flushIntervalMs < 100) throw invalidOption('flushInterval', 'must be at least 100ms');
  if (retention1mMs < 60 * SECOND_MS) throw invalidOption('retention1m', 'must be at least 1m');
  if (retention1hMs < HOUR_MS) throw invalidOption('retention1h', 'must be at least 1h');
  if (retention1dMs < DAY_MS) throw invalidOption('retention1d', 'must be at least 1d');
  const maxPendingBytes = options.maxPendingBytes ?? defaults.maxPendingBytes;
  if (!(maxPendingBytes > 0)) throw invalidOption('maxPendingBytes', 'must be a positive number of bytes');
  const maxSeriesPerMetric = positiveInteger(
    options.maxSeriesPerMetric,
    'maxSeriesPerMetric',
    env,
    'VELOCITY_MAX_SERIES_PER_METRIC',
    defaults.maxSeriesPerMetric,
  );
  const ingest = ingestMode(options.ingest, env, defaults.ingest);
  const collectIntervalMs = durationSetting(options.collectInterval, 'collectInterval', env, [
    ['VELOCITY_COLLECT_INTERVAL', 1],
    ['METRICS_COLLECTION_INTERVAL_MS', 1],
  ], defaults.collectIntervalMs);
  if (collectIntervalMs < SECOND_MS) throw invalidOption('collectInterval', 'must be at least 1s');
  const database = options.database ?? firstSet(env, ['VELOCITY_DATABASE_URL']) ?? contractBDatabase(env) ?? defaults.database;
  return {
    database,
    flushIntervalMs,
    retention1mMs,
    retention1hMs,
    retention1dMs,
    pruneIntervalMs,
    service: options.service ?? firstSet(env, ['VELOCITY_SERVICE']) ?? defaults.service,
    instance: options.instance ?? firstSet(env, ['VELOCITY_INSTANCE']) ?? defaults.instance,
    env: options.env ?? firstSet(env, ['VELOCITY_ENV', 'SENTRY_ENV', 'NODE_ENV']) ?? defaults.env,
    releaseSha: options.releaseSha ?? firstSet(env, ['VELOCITY_RELEASE_SHA', 'RELEASE_SHA']) ?? defaults.releaseSha,
    buildTime: options.buildTime ?? firstSet(env, ['VELOCITY_BUILD_TIME', 'BUILD_TIME']) ?? defaults.buildTime,
    apiToken: options.apiToken ?? firstSet(env, ['VELOCITY_API_TOKEN']) ?? defaults.apiToken,
    ingest,
    ingestMaxBytes: positiveInteger(options.ingestMaxBytes, 'ingestMaxBytes', env, 'VELOCITY_INGEST_MAX_BYTES', defaults.ingestMaxBytes),
    ingestMaxItems: positiveInteger(options.ingestMaxItems, 'ingestMaxItems', env, 'VELOCITY_INGEST_MAX_ITEMS', defaults.ingestMaxItems),
    maxPendingBytes,
    maxSeriesPerMetric,
    collect: options.collect ?? onOff(env, 'VELOCITY_COLLECT') ?? defaults.collect,
    collectIntervalMs,
    diskPath: options.diskPath ?? firstSet(env, ['VELOCITY_DISK_PATH']) ?? databaseDirectory(database),
  };
}

/** VELOCITY_COLLECT-style switches: true for true/1/on/yes, false for false/0/off/no, undefined when unset. */
function onOff(env: Env, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (['true', '1', 'on', 'yes'].includes(value)) return true;
  if (['false', '0', 'off', 'no'].includes(value)) return false;
  throw invalidOption(name, `"${env[name]}" is neither true nor false`);
}

/** The directory of a SQLite database file; the working directory for `memory` and URLs. */
function databaseDirectory(database: string): string {
  if (database === 'memory' || database === ':memory:' || database.includes('://')) return '.';
  return dirname(database);
}

/** The ingest mode from the option, else VELOCITY_INGEST, else `fallback`; throws for any other word. */
function ingestMode(option: string | undefined, env: Env, fallback: IngestMode): IngestMode {
  if (option !== undefined) return parseIngestMode(option, 'ingest');
  const fromEnv = firstSet(env, ['VELOCITY_INGEST'])?.trim();
  return fromEnv === undefined ? fallback : parseIngestMode(fromEnv, 'VELOCITY_INGEST');
}

/** `value` as an ingest mode; INVALID_OPTION naming `source` (an option, a variable, a flag) for any other word. */
export function parseIngestMode(value: string, source: string): IngestMode {
  const mode = INGEST_MODES.find((m) => m === value);
  if (mode === undefined) throw invalidOption(source, `"${value}" is not one of ${INGEST_MODES.join(', ')}`);
  return mode;
}

/** A whole number ≥ 1 from the option, else the environment variable, else `fallback`. */
function positiveInteger(option: number | undefined, optionName: string, env: Env, varName: string, fallback: number): number {
  const raw = env[varName]?.trim();
  const [value, name] = option !== undefined ? [option, optionName] : raw ? [Number(raw), varName] : [fallback, optionName];
  if (!Number.isInteger(value) || value < 1) throw invalidOption(name, `must be a whole number of at least 1, not ${option ?? raw}`);
  return value;
}

/** What each tier keeps under `config`, for the history parser: the finest step a range allows follows from it. */
export function tierRetention(config: VelocityConfig): TierRetention {
  return { '1m': config.retention1mMs, '1h': config.retention1hMs, '1d': config.retention1dMs };
}
