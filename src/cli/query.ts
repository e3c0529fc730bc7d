/**
 * `velocity query`: the history API from the terminal. Reads a store directly (`--db`,
 * through the same parser and query as the API) or asks a running server (`--url`), and
 * prints a table, JSON or CSV.
 * @module
 */
import { resolveConfig, tierRetention, type VelocityConfig } from '../config.js';
import { queryHistory, type HistoryResult } from '../query/history.js';
import { parseHistoryParams } from '../query/params.js';
import { UsageError, stringFlag, type Command, type FlagSpec, type Flags } from './args.js';
import { formatHistoryCsv, formatHistoryTable } from './format.js';
import { DB_FLAG } from './serve.js';
import { openMigratedStore } from './store.js';

/** Flags passed on as history parameters, each with the API parameter it becomes. */
const PARAMETER_FLAGS: ReadonlyArray<FlagSpec & { readonly param: string }> = [
  { name: 'start', param: 'start', value: 'TIME', default: 'end − 24h', help: 'range start, ISO-8601 or unix seconds' },
  { name: 'end', param: 'end', value: 'TIME', default: 'now', help: 'range end, ISO-8601 or unix seconds' },
  { name: 'route', param: 'route', value: 'ROUTE', help: 'one route template: /api/jobs/:id or "GET /api/jobs/:id"' },
  { name: 'method', param: 'method', value: 'METHOD', help: 'one HTTP method' },
  { name: 'status-class', param: 'status_class', value: 'CLASS', help: 'one status class: 2xx 3xx 4xx 5xx timeout aborted' },
  { name: 'service', param: 'service', value: 'NAME', help: 'one service' },
  { name: 'instance', param: 'instance', value: 'NAME', help: 'one instance' },
  { name: 'step', param: 'step', value: 'DURATION', default: 'the smallest keeping points within limit', help: 'point width: minutes, hours, days (1m 5m 1h 1d) or 1w' },
  { name: 'limit', param: 'limit', value: 'N', default: '1440', help: 'most points, 1–10000' },
  { name: 'group-by', param: 'group_by', value: 'LABELS', help: 'one table per value of these labels, e.g. route or method,route' },
  { name: 'top', param: 'top', value: 'N', help: 'with --group-by: only the first N groups' },
  { name: 'order', param: 'order', value: 'count|p95', default: 'count', help: 'with --group-by: what ranks the groups' },
];

function historyParams(flags: Flags): Record<string, string> {
  const params: Record<string, string> = {};
  for (const { name, param } of PARAMETER_FLAGS) {
    const value = stringFlag(flags, name);
    if (value !== undefined) params[param] = value;
  }
  return params;
}

async function readHistory(config: VelocityConfig, params: Record<string, string>): Promise<HistoryResult> {
  // Parse first: a bad parameter is reported without touching the database.
  const query = parseHistoryParams(params, Date.now(), { retention: tierRetention(config) });
  const store = await openMigratedStore(config.database, { create: false });
  try {
    return await queryHistory(store, query);
  } finally {
    await store.close();
  }
}

function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: "${text}" is not a URL (use e.g. http://localhost:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url: "${text}" is not an http(s) URL`);
  return url;
}

async function fetchHistory(base: string, params: Record<string, string>, token: string | undefined): Promise<HistoryResult> {
  const url = parseBaseUrl(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/history`;
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const server = url.origin;
  let response: Response;
  try {
    response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${server}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  let body: { error?: string; points?: unknown };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new Error(`${server} answered ${response.status} without JSON: is it a Velocity server?`);
  }
  if (response.status === 400) throw new UsageError(body.error ?? 'bad request');
  if (response.status === 401) throw new UsageError(`${server}: ${body.error ?? 'unauthorized'} (pass --token or set VELOCITY_API_TOKEN)`);
  if (!response.ok || !Array.isArray(body.points)) {
    throw new Error(`${server} answered ${response.status}: ${body.error ?? 'not a history'}`);
  }
  return body as HistoryResult;
}

/** `velocity query`. */
export const queryCommand: Command = {
  name: 'query',
  summary: 'Print the request history: from a store (--db) or a running server (--url); flags are named as the API\'s parameters.',
  flags: [
    DB_FLAG,
    { name: 'url', value: 'URL', help: 'ask the server at URL instead of reading a store, e.g. http://localhost:8080' },
    { name: 'token', value: 'TOKEN', env: 'VELOCITY_API_TOKEN', help: 'bearer token for --url' },
    ...PARAMETER_FLAGS,
    { name: 'json', help: 'print the whole result as JSON' },
    { name: 'csv', help: 'print CSV: a header, then one line per point with every field' },
  ],
  notes: [
    'Default output: a table of ts, count, rps, p50_ms, p95_ms, p99_ms, err_rate_pct (- where there was no traffic).',
    'example: velocity query --route "GET /api/jobs" --start 2026-11-20T00:00:00Z --end 2026-11-21T00:00:00Z --step 1h',
    'example: velocity query --start 2026-10-21T00:00:00Z --step 1d --group-by route --top 5 --order p95',
  ],
  async run(flags) {
    if (flags.json === true && flags.csv === true) throw new UsageError('--json and --csv exclude each other');
    const url = stringFlag(flags, 'url');
    const db = stringFlag(flags, 'db');
    if (url !== undefined && db !== undefined) throw new UsageError('--db and --url exclude each other');
    const config = resolveConfig({ database: db, apiToken: stringFlag(flags, 'token') });
    const params = historyParams(flags);
    const result = url === undefined ? await readHistory(config, params) : await fetchHistory(url, params, config.apiToken);
    const output =
      flags.json === true
        ? `${JSON.stringify(result, null, 2)}\n`
        : flags.csv === true
          ? formatHistoryCsv(result)
          : formatHistoryTable(result);
    process.stdout.write(output);
    return 0;
  },
};
