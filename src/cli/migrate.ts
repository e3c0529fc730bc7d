/**
 * `velocity migrate`: applies the store's pending schema migrations (each runs once; running
 * it again changes nothing) and says that the schema is up to date.
 * @module
 */
import { resolveConfig } from '../config.js';
import { stringFlag, type Command } from './args.js';
import { DB_FLAG } from './serve.js';
import { openMigratedStore } from './store.js';
import { describeDatabase } from '../store/open-store.js';

/** `velocity migrate`. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending schema migrations to the store (serve and demo also do this at start-up).',
  flags: [DB_FLAG],
  async run(flags) {
    const { database } = resolveConfig({ database: stringFlag(flags, 'db') });
    const store = await openMigratedStore(database, { create: true });
    await store.close();
    process.stdout.write(`velocity: ${store.kind} store ${describeDatabase(database)}: schema is up to date\n`);
    return 0;
  },
};
