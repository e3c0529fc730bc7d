/**
 * Configuration: one scheme, `VELOCITY_*` environment variables or the same keys as
 * options, with the earlier designs' variables accepted as aliases. Precedence: option
 * (or CLI flag), then environment variable, then default.
 * @module
 */
import { hostname } from 'node:os';
import { invalidOption } from './errors.js';
import { DAY_MS, SECOND_MS, parseDuration } from './model/duration.js';
import { DEFAULT_MAX_SERIES_PER_METRIC } from './record/recorder.js';

/** Options accepted by `createVelocity`; every one may be left out. */
export interface VelocityConfigOptions {
  /** SQLite file path, `memory`, or (later) a `postgres://` URL. Default `./data/velocity.db`. */
  database?: string;
  /** How often sealed windows are written, as a duration (`30s`) or milliseconds. Default 30 s. */
  flushInterval?: string | number;
  /** How long 1-minute windows are kept. Default 14 d. */
  retention1m?: string | number;
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
  /** Most bytes of sealed windows held while the store cannot be written. Default 64 MiB. */
  maxPendingBytes?: number;
  /**
   * Most series per metric; beyond it new label sets fold into the metric's one
   * `__overflow__` series. Env `VELOCITY_MAX_SERIES_PER_METRIC`. Default 2,000.
   */
  maxSeriesPerMetric?: number;
}

/** Configuration with every default applied and every duration in milliseconds. */
export interface VelocityConfig {
  readonly database: string;
  readonly flushIntervalMs: number;
  readonly retention1mMs: number;
  readonly pruneIntervalMs: number;
  readonly service: string;
  readonly instance: string;
  readonly env: string;
  readonly releaseSha: string;
  readonly buildTime: string;
  readonly apiToken: string | undefined;
  readonly maxPendingBytes: number;
  readonly maxSeriesPerMetric: number;
}

/** The defaults, documented field by field in `VelocityConfigOptions`. */
export function defaultConfig(): VelocityConfig {
  return {
    database: './data/velocity.db',
    flushIntervalMs: 30 * SECOND_MS,
    retention1mMs: 14 * DAY_MS,
    pruneIntervalMs: 60 * 60 * SECOND_MS,
    service: 'app',
    instance: `${hostname()}:${process.pid}`,
    env: 'dev',
    releaseSha: '',
    buildTime: '',
    apiToken: undefined,
    maxPendingBytes: 64 * 1024 * 1024,
    maxSeriesPerMetric: DEFAULT_MAX_SERIES_PER_METRIC,
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
  ], defaults.retention1mMs);
  const pruneIntervalMs = durationSetting(options.pruneInterval, 'pruneInterval', env, [
    ['VELOCITY_PRUNE_INTERVAL', 1],
  ], defaults.pruneIntervalMs);
  if (flushIntervalMs < 100) throw invalidOption('flushInterval', 'must be at least 100ms');
  if (retention1mMs < 60 * SECOND_MS) throw invalidOption('retention1m', 'must be at least 1m');
  const maxPendingBytes = options.maxPendingBytes ?? defaults.maxPendingBytes;
  if (!(maxPendingBytes > 0)) throw invalidOption('maxPendingBytes', 'must be a positive number of bytes');
  const maxSeriesPerMetric = positiveInteger(
    options.maxSeriesPerMetric,
    'maxSeriesPerMetric',
    env,
    'VELOCITY_MAX_SERIES_PER_METRIC',
    defaults.maxSeriesPerMetric,
  );
  return {
    database: options.database ?? firstSet(env, ['VELOCITY_DATABASE_URL']) ?? contractBDatabase(env) ?? defaults.database,
    flushIntervalMs,
    retention1mMs,
    pruneIntervalMs,
    service: options.service ?? firstSet(env, ['VELOCITY_SERVICE']) ?? defaults.service,
    instance: options.instance ?? firstSet(env, ['VELOCITY_INSTANCE']) ?? defaults.instance,
    env: options.env ?? firstSet(env, ['VELOCITY_ENV', 'SENTRY_ENV', 'NODE_ENV']) ?? defaults.env,
    releaseSha: options.releaseSha ?? firstSet(env, ['VELOCITY_RELEASE_SHA', 'RELEASE_SHA']) ?? defaults.releaseSha,
    buildTime: options.buildTime ?? firstSet(env, ['VELOCITY_BUILD_TIME', 'BUILD_TIME']) ?? defaults.buildTime,
    apiToken: options.apiToken ?? firstSet(env, ['VELOCITY_API_TOKEN']) ?? defaults.apiToken,
    maxPendingBytes,
    maxSeriesPerMetric,
  };
}

/** A whole number ≥ 1 from the option, else the environment variable, else `fallback`. */
function positiveInteger(option: number | undefined, optionName: string, env: Env, varName: string, fallback: number): number {
  const raw = env[varName]?.trim();
  const [value, name] = option !== undefined ? [option, optionName] : raw ? [Number(raw), varName] : [fallback, optionName];
  if (!Number.isInteger(value) || value < 1) throw invalidOption(name, `must be a whole number of at least 1, not ${option ?? raw}`);
  return value;
}
