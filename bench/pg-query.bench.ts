/**
 * The history query and the disk cost of a week, on PostgreSQL: loads the same 7 days × 100
 * routes as the SQLite benchmark (`week-data.ts`) into a fresh database with the PostgreSQL
 * store's `writeWindows`, times `GET /api/v1/history` end to end and in parts against a naive
 * SELECT + JSON baseline (`history-query.ts`), then measures bytes per stored window from
 * `pg_total_relation_size` summed over the daily partitions. Run alone with
 * `npm run bench -- pg-query`.
 * @module
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { HTTP_DURATION_METRIC } from '../src/collect/http.js';
import { MINUTE_MS } from '../src/model/duration.js';
import { windowSql } from '../src/store/postgres/postgres-statements.js';
import { summaryQueryText } from '../src/store/postgres/postgres-window-copy.js';
import { createPostgresStore, POSTGRES_PARTITION_DAYS_AHEAD } from '../src/store/postgres/postgres-store.js';
import { FINE_MINUTES, measureHistory, QUERY_ROUTE } from './history-query.js';
import { fixed, grouped, median, percentile } from './measure.js';
import { createBenchDatabase, skippedSection } from './pg.js';
import type { BenchSection } from './report.js';
import { DAYS, END, histogramMedian, loadWeek, ROUTES } from './week-data.js';

const COMMAND = 'npm run bench -- pg-query';
const QUERY_TITLE = `History query over PostgreSQL: ${DAYS} days × ${ROUTES} routes of 1-minute windows`;
const STORAGE_TITLE = 'Disk bytes per stored distribution window (PostgreSQL), per series per day, and load time';
const MINUTES_PER_DAY = 1_440;

/** Size of one relation (a partition or the series table) and what it holds. */
interface RelationSize {
  name: string;
  rows: number;
  total: number;
  heap: number;
  indexes: number;
  /** Each index's size, by name without the partition prefix. */
  byIndex: Record<string, number>;
}

/** The week's history query and storage on PostgreSQL; sections saying why when it is unavailable. */
export async function pgQueryBench(): Promise<BenchSection[]> {
  const db = await createBenchDatabase('query');
  if ('unavailable' in db) {
    return [skippedSection(QUERY_TITLE, COMMAND, db.unavailable), skippedSection(STORAGE_TITLE, COMMAND, db.unavailable)];
  }
  const sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const store = createPostgresStore({ url: db.url });
  try {
    await store.migrate();
    const { written, batches, loadMs, generateMs, sketchBytes } = await loadWeek(store);

    // As autovacuum leaves a table that is only inserted into: visibility map and free space map built.
    await sql.query('VACUUM (ANALYZE) velocity_windows_1m, velocity_series');
    const { rows: partitions } = await sql.query<{ name: string; rows: number; total: number; heap: number; indexes: number }>(
      `SELECT c.relname AS name,
              (SELECT count(*) FROM velocity_windows_1m w WHERE w.tableoid = c.oid)::int AS rows,
              pg_total_relation_size(c.oid)::float8 AS total,
              pg_table_size(c.oid)::float8 AS heap,
              pg_indexes_size(c.oid)::float8 AS indexes
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'velocity_windows_1m'::regclass ORDER BY c.relname`,
    );
    const { rows: indexRows } = await sql.query<{ partition: string; index: string; bytes: number }>(
      `SELECT t.relname AS partition, x.relname AS index, pg_relation_size(x.oid)::float8 AS bytes
       FROM pg_inherits i JOIN pg_class t ON t.oid = i.inhrelid
       JOIN pg_index ix ON ix.indrelid = t.oid JOIN pg_class x ON x.oid = ix.indexrelid
       WHERE i.inhparent = 'velocity_windows_1m'::regclass`,
    );
    const byIndex: Record<string, number> = {};
    for (const { partition, index, bytes } of indexRows) {
      const kind = index.startsWith(`${partition}_`) ? index.slice(partition.length + 1) : index;
      byIndex[kind] = (byIndex[kind] ?? 0) + bytes;
    }
    const { rows: seriesRows } = await sql.query<{ n: number; total: number }>(
      `SELECT (SELECT count(*) FROM velocity_series)::int AS n, pg_total_relation_size('velocity_series')::float8 AS total`,
    );
    const { rows: columnRows } = await sql.query<{ sketch: number; row: number }>(
      'SELECT avg(pg_column_size(sketch))::float8 AS sketch, avg(pg_column_size(w.*))::float8 AS row FROM velocity_windows_1m w',
    );
    const sizes: RelationSize = partitions.reduce<RelationSize>(
      (sum, p) => ({
        ...sum,
        rows: sum.rows + p.rows,
        total: sum.total + p.total,
        heap: sum.heap + p.heap,
        indexes: sum.indexes + p.indexes,
      }),
      { name: 'all partitions', rows: 0, total: 0, heap: 0, indexes: 0, byIndex },
    );
    if (sizes.rows !== written) throw new Error(`stored ${sizes.rows} windows, wrote ${written}`);
    const filled = partitions.filter((p) => p.rows > 0);
    const empty = partitions.filter((p) => p.rows === 0);
    const fullDay = filled.reduce((best, p) => (p.rows > best.rows ? p : best), filled[0]);

    // --- Query: Velocity's API, and a naive SELECT of the same rows, over HTTP on loopback.
    const { section: querySection } = await measureHistory({
      storeName: 'PostgreSQL',
      command: COMMAND,
      store,
      written,
      async naiveJson(ids, fromMs, toMs) {
        // Unnamed, so planned for its parameters on every call, as the store's reads are: a named
        // (prepared) statement switches to a generic plan after five calls, which cannot prune by
        // series and scans each day's index on t instead — over 400 ms for this read here.
        const { rows } = await sql.query({
          text: `SELECT t, series_id, count, sum, min, max, p50, p95, p99 FROM velocity_windows_1m
                 WHERE series_id = ANY($1::bigint[]) AND t >= to_timestamp($2::float8 / 1000) AND t < to_timestamp($3::float8 / 1000)
                 ORDER BY t, series_id`,
          values: [ids, fromMs, toMs],
        });
        return JSON.stringify(rows);
      },
      naiveDescription:
        'one SELECT through a pg.Pool (unnamed, so planned for its parameters each time; a named prepared statement ' +
        'switches to a generic plan after five calls that reads each day\'s index on t, over 400 ms here) with pg\'s ' +
        'default result parsing (t as a Date, bigint as text)',
      notes: [`Database: ${db.server}; a fresh database, dropped afterwards.`],
    });

    // How much of the first pass is PostgreSQL executing the statement, and how much is the
    // client receiving and parsing its text: the server's own execution time of the same read.
    // (Velocity closed the store with itself: ask through the benchmark's own pool.)
    const { rows: idRows } = await sql.query<{ id: number }>(
      `SELECT id::int AS id FROM velocity_series WHERE metric = $1 AND labels ->> 'route' = $2 AND labels ->> 'method' = 'GET'`,
      [HTTP_DURATION_METRIC, `/route/${QUERY_ROUTE}`],
    );
    const ids = idRows.map((row) => row.id);
    const fineStart = END - FINE_MINUTES * MINUTE_MS;
    const executions: number[] = [];
    for (let i = 0; i < 15; i++) {
      const { rows } = await sql.query<{ 'QUERY PLAN': Array<{ 'Execution Time': number }> }>({
        text: `EXPLAIN (ANALYZE, FORMAT JSON) ${summaryQueryText(windowSql('public', '1m').regclass, ids, fineStart, END)}`,
      });
      if (i >= 3) executions.push(rows[0]['QUERY PLAN'][0]['Execution Time']);
    }
    const readIndex = querySection.rows.findIndex((row) => String(row.measured).startsWith('↳ part: `store.readWindowSummaries`'));
    querySection.rows.splice(readIndex + 1, 0, {
      measured: '↳ of the first pass: PostgreSQL executing it (`EXPLAIN ANALYZE` execution time)',
      'median ms': fixed(median(executions), 2),
      'p95 ms': fixed(percentile(executions, 95), 2),
      'rows / points': '',
      'response bytes': '',
    });
    querySection.notes.splice(
      1,
      0,
      `PostgreSQL executes the fine query's first pass in ${fixed(median(executions), 1)} ms (median of ${executions.length} ` +
        '`EXPLAIN ANALYZE` runs of its SELECT, pruned to the 7 days\' partitions, read through each one\'s primary key); the rest ' +
        'of `store.readWindowSummaries` is sending the rows in binary (`COPY … TO STDOUT (FORMAT binary)`) and decoding them.',
    );

    const perWindow = sizes.total / sizes.rows;
    const storageRows: BenchSection['rows'] = [
      { measured: 'windows stored', value: grouped(sizes.rows) },
      { measured: 'load: `store.writeWindows` time (total)', value: `${fixed(loadMs / 1000, 2)} s` },
      { measured: 'load: windows per second', value: grouped(written / (loadMs / 1000)) },
      { measured: 'load: batches (one hour of every route each)', value: `${batches} × ~${grouped(written / batches)} windows` },
      { measured: 'generation of those windows (not in load time)', value: `${fixed(generateMs / 1000, 2)} s` },
      {
        measured: `1m partitions: ${filled.length} holding the week, ${empty.length} empty (days ahead), pg_total_relation_size summed`,
        value: `${grouped(sizes.total)} B (${fixed(sizes.total / 2 ** 20, 1)} MiB)`,
      },
      { measured: '**disk bytes per stored distribution window** (table + indexes)', value: `**${fixed(perWindow, 1)} B**` },
      { measured: '↳ of which the table (heap, visibility and free space maps)', value: `${fixed(sizes.heap / sizes.rows, 1)} B per window` },
      ...Object.entries(byIndex)
        .sort(([, a], [, b]) => b - a)
        .map(([name, bytes]) => ({ measured: `↳ of which index \`<partition>_${name}\``, value: `${fixed(bytes / sizes.rows, 1)} B per window` })),
      { measured: 'row as stored, `pg_column_size(row)` (mean), and its sketch (mean / median encoded)', value: `${fixed(columnRows[0].row, 1)} B; sketch ${fixed(columnRows[0].sketch, 1)} / ${histogramMedian(sketchBytes)} B` },
      {
        measured: '**bytes per series per day** (one window a minute: 1,440 × bytes per window)',
        value: `**${grouped(MINUTES_PER_DAY * perWindow)} B (${fixed((MINUTES_PER_DAY * perWindow) / 2 ** 10, 0)} KiB)**`,
      },
      {
        measured: `↳ checked on the fullest day's partition, \`${fullDay.name}\` (${grouped(fullDay.rows)} windows)`,
        value: `${fixed(fullDay.total / fullDay.rows, 1)} B per window`,
      },
      {
        measured: '`velocity_series`, per series (table + its three indexes)',
        value: `${fixed(seriesRows[0].total / seriesRows[0].n, 0)} B (${seriesRows[0].n} series)`,
      },
      { measured: 'an empty partition (a day ahead)', value: `${grouped(empty[0]?.total ?? 0)} B` },
    ];
    const storageSection: BenchSection = {
      title: STORAGE_TITLE,
      command: COMMAND,
      rows: storageRows,
      notes: [
        'The database of the PostgreSQL query benchmark above, measured after loading and a `VACUUM (ANALYZE)` (which ' +
          'builds the visibility and free space maps that autovacuum would): velocity_windows_1m is partitioned by UTC ' +
          `day, each partition with its primary key (series_id, t) and an index on t; the store keeps today and the next ` +
          `${POSTGRES_PARTITION_DAYS_AHEAD} days created ahead, so the sum includes those empty ones too.`,
        'Bytes per window = the sum over the partitions of `pg_total_relation_size` (heap, TOAST, free space and ' +
          'visibility maps, indexes) / windows stored. The series table is counted per series, not per window: it is ' +
          'written once per series and its row updated (last seen) on each flush.',
        `Bytes per series per day counts a series with a window in every minute; a series idle in a minute stores ` +
          `nothing for it. Sizing: series × ${fixed((MINUTES_PER_DAY * perWindow) / 2 ** 10, 0)} KiB × days kept ` +
          `(default 14): 1,000 always-active series keep ≈ ${fixed((1_000 * 14 * MINUTES_PER_DAY * perWindow) / 2 ** 30, 1)} GiB.`,
        'Load time is the sum of the `writeWindows` calls only (each one transaction of one hour of every route), ' +
          `into a fresh database; the week's ${DAYS} partitions were created on demand by those writes.`,
        `Database: ${db.server}.`,
      ],
    };
    return [querySection, storageSection];
  } finally {
    await store.close();
    await sql.end();
    await db.drop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await pgQueryBench(), null, 2));
}
