/**
 * How fast does contract E's `GET /metrics/history` return a week (10,080 one-minute
 * windows), and does it hold up `GET /metrics/live` meanwhile? Loads 7 days of network
 * windows as the collector writes them (`network-week.ts`) into a temporary SQLite file and a
 * fresh PostgreSQL database, then measures each (`network-history-measure.ts`). Run with
 * `npm run bench -- network-history`.
 * @module
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../test/support/tmp.js';
import { fixed } from './measure.js';
import { measureNetworkHistory } from './network-history-measure.js';
import { loadNetworkWeek, NETWORK_DAYS } from './network-week.js';
import { createBenchDatabase, skippedSection } from './pg.js';
import type { BenchSection } from './report.js';

const COMMAND = 'npm run bench -- network-history';

/** The week-long network history over SQLite. */
async function overSqlite(): Promise<BenchSection> {
  const { dir, remove } = tempDir('velocity-bench-');
  const db = new Database(join(dir, 'network.db'));
  try {
    const store = createSqliteStore({ database: db });
    await store.migrate();
    const load = await loadNetworkWeek(store);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return await measureNetworkHistory({
      storeName: 'SQLite',
      store,
      load,
      command: COMMAND,
      notes: [`A temporary SQLite file (WAL, as the store configures it), loaded in ${fixed(load.loadMs / 1000, 1)} s of \`writeWindows\`.`],
    });
  } finally {
    db.close();
    remove();
  }
}

/** The week-long network history over PostgreSQL, or why it was not measured. */
async function overPostgres(): Promise<BenchSection> {
  const db = await createBenchDatabase('network_history');
  if ('unavailable' in db) {
    return skippedSection(`Network history (contract E) over PostgreSQL: ${NETWORK_DAYS} days of 1-minute windows`, COMMAND, db.unavailable);
  }
  const store = createPostgresStore({ url: db.url });
  try {
    await store.migrate();
    const load = await loadNetworkWeek(store);
    return await measureNetworkHistory({
      storeName: 'PostgreSQL',
      store,
      load,
      command: COMMAND,
      notes: [
        `Database: ${db.server}; a fresh database, dropped afterwards, loaded in ${fixed(load.loadMs / 1000, 1)} s of ` +
          '`writeWindows` (no VACUUM or ANALYZE afterwards: as autovacuum may not yet have run).',
      ],
    });
  } finally {
    await store.close();
    await db.drop();
  }
}

/** The network-history benchmark: one section per store. */
export async function networkHistoryBench(): Promise<BenchSection[]> {
  return [await overSqlite(), await overPostgres()];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await networkHistoryBench(), null, 2));
}
