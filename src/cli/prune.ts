/**
 * `velocity prune`: runs retention once — deletes the 1-minute windows older than the
 * retention, in short batches — and prints what it deleted.
 * @module
 */
import { resolveConfig } from '../config.js';
import { formatDuration, parseDuration } from '../model/duration.js';
import { planRetention, runRetention } from '../pipeline/retention.js';
import { describeDatabase } from '../store/open-store.js';
import { stringFlag, type Command } from './args.js';
import { DB_FLAG } from './serve.js';
import { openMigratedStore } from './store.js';

/** `velocity prune`. */
export const pruneCommand: Command = {
  name: 'prune',
  summary: 'Delete the windows older than their retention, once (a running server also does this every hour).',
  flags: [
    DB_FLAG,
    { name: 'retention-1m', value: 'DURATION', default: '14d', env: 'VELOCITY_RETENTION_1M', help: 'how long 1-minute windows are kept' },
  ],
  async run(flags) {
    const retention = stringFlag(flags, 'retention-1m');
    const config = resolveConfig({
      database: stringFlag(flags, 'db'),
      retention1m: retention === undefined ? undefined : parseDuration(retention, '--retention-1m'),
    });
    const store = await openMigratedStore(config.database, { create: false });
    try {
      for (const step of await runRetention(store, planRetention(Date.now(), config))) {
        process.stdout.write(
          `velocity: deleted ${step.deleted} ${step.tier} window${step.deleted === 1 ? '' : 's'} older than ` +
            `${new Date(step.cutoffMs).toISOString()} (retention ${formatDuration(config.retention1mMs)}) from ${describeDatabase(config.database)}\n`,
        );
      }
    } finally {
      await store.close();
    }
    return 0;
  },
};
