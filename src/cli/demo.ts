/**
 * `velocity demo`: back-fills days of synthetic request history into the store (with a
 * progress bar on stderr), then serves the API exactly like `velocity serve` while recording
 * live synthetic traffic, and prints where to look.
 * @module
 */
import { basename, relative } from 'node:path';
import { resolveConfig } from '../config.js';
import { DAY_MS, HOUR_MS, formatDuration } from '../model/duration.js';
import { parseTime } from '../model/time.js';
import type { Store } from '../store/store.js';
import { createVelocity, type Velocity } from '../velocity.js';
import { UsageError, parseInteger, stringFlag, type Command } from './args.js';
import {
  DEFAULT_DEMO_SEED,
  DEMO_LABELS,
  createDemoScenario,
  demoBatches,
  releaseIndex,
  releaseSha,
  type DemoScenario,
} from './demo-data.js';
import { startLiveTraffic } from './demo-live.js';
import { Progress, formatElapsed } from './progress.js';
import {
  DB_FLAG,
  HOST_FLAG,
  PORT_FLAG,
  listenSettings,
  serveUntilSignal,
  startServer,
  type ListenSettings,
  type RunningServer,
} from './serve.js';
import { openMigratedStore } from './store.js';
import { describeDatabase } from '../store/open-store.js';

const MAX_ROUTES = 500;

/** Writes the scenario's windows in batches, drawing progress on stderr; returns how many it wrote. */
async function backfill(store: Store, scenario: DemoScenario): Promise<number> {
  const progress = new Progress({ label: 'back-filling', unit: 'windows', stream: process.stderr });
  let written = 0;
  for (const batch of demoBatches(scenario)) {
    await store.writeWindows('1m', batch.windows);
    written += batch.windows.length;
    progress.update(batch.done / batch.total, written);
  }
  progress.finish(written);
  return written;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function shellQuote(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** How this CLI was started, for example commands: `velocity`, or `node <script>` when run from a checkout. */
function selfCommand(): string {
  const script = process.argv[1] ?? '';
  return basename(script) === 'velocity' ? 'velocity' : `node ${relative(process.cwd(), script) || script}`;
}

/** Example requests and commands, each under a comment line; they show the incidents that lie in the back-filled range. */
function examples(url: string, scenario: DemoScenario, database: string): string[] {
  const inRange = (ms: number): boolean => ms >= scenario.fromMs && ms < scenario.toMs;
  const nameOf = (r: number): string => `${scenario.routes[r].method} ${scenario.routes[r].route}`;
  const { errorSurge, regression } = scenario.timeline;
  const lines = ['try:', '  # every route over the last 1 and 5 minutes', `  curl -s ${url}/api/v1/live`];
  if (inRange(errorSurge.start)) {
    const { method, route } = scenario.routes[errorSurge.route];
    // Route templates need no escaping in a query string beyond the space.
    const params = `route=${method}%20${route}&start=${iso(errorSurge.start - HOUR_MS)}&end=${iso(errorSurge.end + HOUR_MS)}&step=5m`;
    lines.push(`  # an error surge on ${nameOf(errorSurge.route)}`, `  curl -s '${url}/api/v1/history?${params}'`);
  }
  const query = `${selfCommand()} query --db ${shellQuote(database)}`;
  if (inRange(regression.start)) {
    const r = regression.routes[0];
    lines.push(
      `  # p95 of ${nameOf(r)} before and after release ${releaseSha(releaseIndex(regression.start))}`,
      `  ${query} --route ${shellQuote(nameOf(r))} --start ${iso(regression.start - DAY_MS / 2)} --end ${iso(regression.start + DAY_MS / 2)} --step 1h`,
    );
  } else {
    lines.push(`  # ${nameOf(0)} over the last 24 hours`, `  ${query} --route ${shellQuote(nameOf(0))} --step 1h`);
  }
  return lines;
}

/**
 * A Velocity over `store` labelled as the demo's live traffic (the current release's sha),
 * serving the API; it closes the store when closed.
 */
async function startDemoServer(store: Store, database: string, listen: ListenSettings): Promise<{ velocity: Velocity; server: RunningServer }> {
  const velocity = createVelocity({
    ...DEMO_LABELS,
    store,
    database,
    releaseSha: releaseSha(releaseIndex(Date.now())),
    buildTime: '',
    handleSignals: false,
  });
  return { velocity, server: await startServer(velocity, listen) };
}

/** `velocity demo`. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'Back-fill realistic synthetic request history (daily cycle, an error surge, a latency regression after a release, a timeout burst) into a store, then serve the API while generating live traffic.',
  flags: [
    { name: 'days', value: 'N', default: '7', help: 'days of history to back-fill (at most the 1-minute retention)' },
    { name: 'routes', value: 'N', default: '20', help: `how many routes, hottest first (1–${MAX_ROUTES})` },
    DB_FLAG,
    PORT_FLAG,
    HOST_FLAG,
    { name: 'seed', value: 'N', default: String(DEFAULT_DEMO_SEED), help: 'random seed; the same seed gives the same data' },
    { name: 'no-serve', help: 'exit after the back-fill instead of serving' },
    { name: 'until', value: 'TIME', default: 'now', help: 'end the history at TIME (ISO-8601 or unix seconds); needs --no-serve' },
  ],
  notes: [
    `The data is labelled service=${DEMO_LABELS.service}, instance=${DEMO_LABELS.instance}, env=${DEMO_LABELS.env}. Running the`,
    'demo again over the same database rewrites those windows rather than adding to them.',
  ],
  async run(flags) {
    const config = resolveConfig({ database: stringFlag(flags, 'db') });
    const days = parseInteger(stringFlag(flags, 'days') ?? '7', '--days', 1, 366);
    if (days * DAY_MS > config.retention1mMs) {
      throw new UsageError(
        `--days: ${days} days is longer than the 1-minute retention (${formatDuration(config.retention1mMs)}, VELOCITY_RETENTION_1M)`,
      );
    }
    const routes = parseInteger(stringFlag(flags, 'routes') ?? '20', '--routes', 1, MAX_ROUTES);
    const seed = parseInteger(stringFlag(flags, 'seed') ?? String(DEFAULT_DEMO_SEED), '--seed', 0, 2 ** 32 - 1);
    const serve = flags['no-serve'] !== true;
    const until = stringFlag(flags, 'until');
    if (until !== undefined && serve) throw new UsageError('--until needs --no-serve (live traffic always starts now)');
    const listen = serve ? listenSettings(flags) : undefined;
    const scenario = createDemoScenario({ seed, days, routes, untilMs: until === undefined ? Date.now() : parseTime(until, '--until') });

    const store = await openMigratedStore(config.database, { create: true });
    // Take the port before the back-fill, so that a port in use fails at once, not seconds later.
    const serving = listen === undefined ? undefined : await startDemoServer(store, config.database, listen);
    const startedAt = Date.now();
    let written: number;
    try {
      written = await backfill(store, scenario);
    } catch (error) {
      await serving?.server.close();
      await (serving === undefined ? store.close() : serving.velocity.close());
      throw error;
    }
    process.stdout.write(
      `velocity: back-filled ${days} day${days === 1 ? '' : 's'} × ${routes} route${routes === 1 ? '' : 's'}: ` +
        `${written} windows in ${formatElapsed(Date.now() - startedAt)} (${iso(scenario.fromMs)} to ${iso(scenario.toMs)}, database ${describeDatabase(config.database)})\n`,
    );
    if (serving === undefined) {
      await store.close();
      return 0;
    }

    const { velocity, server } = serving;
    const traffic = startLiveTraffic(velocity, scenario);
    process.stdout.write(
      [
        `velocity: serving the API on ${server.url} (database ${describeDatabase(config.database)}), with live demo traffic; Ctrl-C stops`,
        ...examples(server.url, scenario, config.database),
        '',
      ].join('\n'),
    );
    await serveUntilSignal(velocity, server, traffic.stop);
    return 0;
  },
};
