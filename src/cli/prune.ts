/**
 * `velocity prune`: runs maintenance once — rolls up what is due (1m into 1h, 1h into 1d,
 * late windows again), then deletes each tier's windows older than its retention, in short
 * batches — and prints what it did.
 * @module
 */
import { resolveConfig, type VelocityConfig } from '../config.js';
import { formatDuration, parseDuration } from '../model/duration.js';
import type { Tier } from '../model/window.js';
import { pruneStore } from '../pipeline/retention.js';
import { runRollup } from '../pipeline/rollup.js';
import { describeDatabase } from '../store/open-store.js';
import { stringFlag, type Command, type Flags } from './args.js';
import { DB_FLAG } from './serve.js';
import { openMigratedStore } from './store.js';

/** A duration flag's value in ms, or undefined when absent. */
function durationFlag(flags: Flags, name: string): number | undefined {
  const value = stringFlag(flags, name);
  return value === undefined ? undefined : parseDuration(value, `--${name}`);
}

/** `n noun` with an `s` unless n is 1. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The retention of `tier` under `config`. */
function retentionOf(config: VelocityConfig, tier: Tier): number {
  return tier === '1m' ? config.retention1mMs : tier === '1h' ? config.retention1hMs : config.retention1dMs;
}

/** `velocity prune`. */
export const pruneCommand: Command = {
  name: 'prune',
  summary:
    'Roll up what is due, then delete the windows older than their retention, once (a running server also does both on its own).',
  flags: [
    DB_FLAG,
    { name: 'retention-1m', value: 'DURATION', default: '14d', env: 'VELOCITY_RETENTION_1M', help: 'how long 1-minute windows are kept' },
    { name: 'retention-1h', value: 'DURATION', default: '90d', env: 'VELOCITY_RETENTION_1H', help: 'how long 1-hour windows are kept' },
    { name: 'retention-1d', value: 'DURATION', default: '730d', env: 'VELOCITY_RETENTION_1D', help: 'how long 1-day windows are kept' },
  ],
  notes: [
    '1-minute windows are deleted only once rolled up into 1-hour ones, and 1-hour ones once rolled up into days.',
  ],
  async run(flags) {
    const config = resolveConfig({
      database: stringFlag(flags, 'db'),
      retention1m: durationFlag(flags, 'retention-1m'),
      retention1h: durationFlag(flags, 'retention-1h'),
      retention1d: durationFlag(flags, 'retention-1d'),
    });
    const store = await openMigratedStore(config.database, { create: false });
    const where = describeDatabase(config.database);
    try {
      for (const tier of await runRollup(store, Date.now(), config)) {
        const watermark = tier.watermark === null ? 'nothing rolled up yet' : `complete before ${new Date(tier.watermark).toISOString()}`;
        process.stdout.write(
          `velocity: rolled up ${plural(tier.buckets, `${tier.tier} bucket`)} into ${plural(tier.windows, 'window')} ` +
            `(${watermark}) in ${where}\n`,
        );
      }
      for (const step of await pruneStore(store, Date.now(), config)) {
        process.stdout.write(
          `velocity: deleted ${plural(step.deleted, `${step.tier} window`)} older than ` +
            `${new Date(step.cutoffMs).toISOString()} (retention ${formatDuration(retentionOf(config, step.tier))}) from ${where}\n`,
        );
        if (step.platformRows > 0) {
          const table = step.tier === '1h' ? 'ops_metrics_hourly' : 'ops_metrics_daily';
          process.stdout.write(`velocity: deleted ${plural(step.platformRows, `${table} row`)} with them\n`);
        }
      }
    } finally {
      await store.close();
    }
    return 0;
  },
};
