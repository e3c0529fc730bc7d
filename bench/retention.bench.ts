/**
 * What does forgetting a day cost on PostgreSQL? Loads one day (and the first hour of the
 * next) of one-minute windows of 1,000 series with the store's `writeWindows`, copies the
 * same rows into an unpartitioned table with the same indexes, then, in the same run, drops
 * the day with the store's retention (`deleteWindowsBefore`: the day's partition is dropped
 * whole) and with one `DELETE … WHERE t < …` on the copy. Run alone with
 * `npm run bench -- retention`.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/model/duration.js';
import type { Window } from '../src/model/window.js';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import { mulberry32 } from '../test/support/random.js';
import { fixed, grouped } from './measure.js';
import { createBenchDatabase, skippedSection, timingPool } from './pg.js';
import type { BenchSection } from './report.js';
import { makeRoutes, pick } from './week-data.js';

const SERIES = 1_000;
const POOL_PER_SERIES = 8;
const SEED = 0x7e7e;
/** The day retention forgets, and the next day, of which the first hour is loaded too. */
const DAY = Date.UTC(2026, 10, 10);
const NEXT_DAY = DAY + DAY_MS;
const LOAD_END = NEXT_DAY + HOUR_MS;
/** Minutes per `writeWindows` batch while loading: 10,000 windows, as in the flush benchmark. */
const BATCH_MINUTES = 10;
const TITLE = 'Forgetting one day of 1-minute data for 1,000 series (PostgreSQL): partition drop vs DELETE';
const COMMAND = 'npm run bench -- retention';

/** Drop a day as the store does and as a DELETE does, on the same rows. */
export async function retentionBench(): Promise<BenchSection> {
  const db = await createBenchDatabase('retention');
  if ('unavailable' in db) return skippedSection(TITLE, COMMAND, db.unavailable);
  const sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const storePool = new pg.Pool({ connectionString: db.url, max: 2 });
  // An idle connection that the server ends (the drop below ends any left) must not end the
  // run with an unhandled 'error' before the benchmark's own error, if any, is reported.
  for (const pool of [sql, storePool]) pool.on('error', (error) => console.error(`[bench] retention: idle connection lost: ${error.message}`));
  /** The store's statements while it drops the day: text and wall ms. */
  let statements: Array<[string, number]> | undefined;
  const store = createPostgresStore({ pool: timingPool(storePool, (text, ms) => statements?.push([text, ms])) });
  try {
    await store.migrate();
    const rand = mulberry32(SEED);
    const routes = makeRoutes(rand, SERIES, POOL_PER_SERIES);
    let loadMs = 0;
    let loaded = 0;
    for (let start = DAY; start < LOAD_END; start += BATCH_MINUTES * MINUTE_MS) {
      const windows: Window[] = [];
      for (let m = 0; m < BATCH_MINUTES; m++) {
        for (const route of routes) windows.push({ series: route.ok, start: start + m * MINUTE_MS, ...pick(rand, route.okPool) });
      }
      const started = performance.now();
      await store.writeWindows('1m', windows);
      loadMs += performance.now() - started;
      loaded += windows.length;
    }

    // The same rows, unpartitioned, with the same primary key and index on t.
    await sql.query(`CREATE TABLE flat (LIKE velocity_windows_1m INCLUDING ALL)`);
    await sql.query(`INSERT INTO flat SELECT * FROM velocity_windows_1m ORDER BY t, series_id`);
    await sql.query('VACUUM (ANALYZE) velocity_windows_1m, flat');
    const { rows: indexes } = await sql.query<{ def: string }>(
      `SELECT regexp_replace(indexdef, '^.* USING ', '') AS def FROM pg_indexes WHERE tablename = 'flat' ORDER BY 1`,
    );

    const state = async () => {
      const { rows } = await sql.query<{ partitioned: number; flat: number; lsn: string; rows: number; flatRows: number }>(
        `SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits
                 WHERE inhparent = 'velocity_windows_1m'::regclass)::float8 AS partitioned,
                pg_total_relation_size('flat')::float8 AS flat,
                pg_current_wal_lsn()::text AS lsn,
                (SELECT count(*) FROM velocity_windows_1m)::int AS rows,
                (SELECT count(*) FROM flat)::int AS "flatRows"`,
      );
      return rows[0];
    };
    const walSince = async (lsn: string): Promise<number> => {
      const { rows } = await sql.query<{ bytes: number }>(
        'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS bytes',
        [lsn],
      );
      return rows[0].bytes;
    };

    const before = await state();
    if (before.rows !== loaded || before.flatRows !== loaded) {
      throw new Error(`loaded ${loaded} windows, found ${before.rows} partitioned and ${before.flatRows} unpartitioned`);
    }

    // The store's retention: the day's partition is counted, then dropped whole.
    await sql.query('CHECKPOINT');
    const dropLsn = (await state()).lsn;
    statements = [];
    let started = performance.now();
    const dropped = await store.deleteWindowsBefore('1m', NEXT_DAY);
    const dropMs = performance.now() - started;
    const spent = (pattern: RegExp) =>
      (statements as Array<[string, number]>).filter(([text]) => pattern.test(text.trim())).reduce((sum, [, ms]) => sum + ms, 0);
    const countMs = spent(/^SELECT count\(\*\)/);
    // The drop's transaction: DROP TABLE, then the COMMIT that removes the partition's files.
    const dropTableMs = spent(/^DROP TABLE/) + spent(/^COMMIT/);
    statements = undefined;
    const dropWal = await walSince(dropLsn);
    const afterDrop = await state();

    // The same day, deleted row by row from the unpartitioned copy, in one statement.
    await sql.query('CHECKPOINT');
    const deleteLsn = (await state()).lsn;
    started = performance.now();
    const { rowCount } = await sql.query('DELETE FROM flat WHERE t < to_timestamp($1::float8 / 1000)', [NEXT_DAY]);
    const deleteMs = performance.now() - started;
    const deleteWal = await walSince(deleteLsn);
    const afterDelete = await state();
    // The deleted rows' space becomes reusable only once VACUUM has been through; it stays on disk.
    const vacuumLsn = afterDelete.lsn;
    started = performance.now();
    await sql.query('VACUUM flat');
    const vacuumMs = performance.now() - started;
    const vacuumWal = await walSince(vacuumLsn);
    const afterVacuum = await state();

    const expectedDay = SERIES * (DAY_MS / MINUTE_MS);
    if (dropped !== expectedDay || rowCount !== expectedDay) {
      throw new Error(`expected ${expectedDay} windows forgotten, partition drop said ${dropped}, DELETE ${rowCount}`);
    }
    if (afterDrop.rows !== loaded - expectedDay || afterVacuum.flatRows !== loaded - expectedDay) {
      throw new Error('the rows left differ between the two tables');
    }

    const mib = (bytes: number) => `${fixed(bytes / 2 ** 20, 1)} MiB`;
    const rows: BenchSection['rows'] = [
      {
        method: '**partition drop: `store.deleteWindowsBefore(\'1m\', nextDay)`** (count, then DROP TABLE of the day)',
        'windows removed': grouped(dropped),
        ms: fixed(dropMs, 1),
        'WAL written': mib(dropWal),
        'table + indexes before → after': `${mib(before.partitioned)} → ${mib(afterDrop.partitioned)}`,
      },
      {
        method: '↳ of which `SELECT count(*)` of the partition (the number retention reports)',
        'windows removed': '',
        ms: fixed(countMs, 1),
        'WAL written': '',
        'table + indexes before → after': '',
      },
      {
        method: '↳ of which `DROP TABLE` of the partition and its `COMMIT` (which removes the files)',
        'windows removed': '',
        ms: fixed(dropTableMs, 1),
        'WAL written': '',
        'table + indexes before → after': '',
      },
      {
        method: 'baseline: `DELETE FROM flat WHERE t < $1` on the unpartitioned copy (one statement)',
        'windows removed': grouped(rowCount ?? 0),
        ms: fixed(deleteMs, 1),
        'WAL written': mib(deleteWal),
        'table + indexes before → after': `${mib(before.flat)} → ${mib(afterDelete.flat)}`,
      },
      {
        method: '↳ then `VACUUM flat`, which makes that space reusable (not returned to the system)',
        'windows removed': '',
        ms: fixed(vacuumMs, 1),
        'WAL written': mib(vacuumWal),
        'table + indexes before → after': `${mib(afterDelete.flat)} → ${mib(afterVacuum.flat)}`,
      },
    ];
    return {
      title: TITLE,
      command: COMMAND,
      rows,
      notes: [
        `Partition drop: ${fixed(dropMs, 1)} ms, of which ${fixed(countMs, 1)} ms counting the rows it reports and ` +
          `${fixed(dropTableMs, 1)} ms dropping it (DROP TABLE and its COMMIT); DELETE: ${fixed(deleteMs, 1)} ms ` +
          `(${fixed(deleteMs / dropMs, 1)}× the whole drop, ${fixed(deleteMs / dropTableMs, 0)}× the drop itself), plus ${fixed(vacuumMs, 1)} ms of VACUUM before its space can be ` +
          'reused, and it writes every deleted row to the WAL; the drop frees the day\'s files at once.',
        `Data: ${grouped(SERIES)} series × (1,440 minutes of ${new Date(DAY).toISOString().slice(0, 10)} + the next day's first 60) ` +
          `= ${grouped(loaded)} windows with real sketches (50–200 lognormal latencies each, ${POOL_PER_SERIES} drawn per series; ` +
          `mulberry32 seed ${SEED}), loaded by \`writeWindows\` in batches of 10,000 in ${fixed(loadMs / 1000, 1)} s ` +
          `(${grouped(loaded / (loadMs / 1000))} windows/s sustained).`,
        `The copy is \`CREATE TABLE flat (LIKE velocity_windows_1m INCLUDING ALL)\` filled with the same rows in (t, series_id) ` +
          `order, so it has the same indexes (${indexes.map((i) => i.def).join('; ')}); both tables were vacuumed and ` +
          'analyzed after loading, and a CHECKPOINT precedes each timed operation. One sample each: both are destructive.',
        'The store\'s retention counts the partition\'s rows (to report them), takes the retention advisory lock and ' +
          'drops the partition under a 2 s lock_timeout, then deletes in batches whatever older rows the cutoff\'s own ' +
          'day holds (none here: the cutoff is midnight). WAL written is `pg_current_wal_lsn()` before and after.',
        `Database: ${db.server}; a fresh database, dropped afterwards.`,
      ],
    };
  } finally {
    await store.close();
    await storePool.end();
    await sql.end();
    await db.drop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await retentionBench(), null, 2));
}
