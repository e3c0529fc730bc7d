/**
 * How fast is a history query over a week of data in SQLite, and what does a week cost on
 * disk? Loads 7 days × 100 routes of one-minute windows (`week-data.ts`) into a temporary
 * SQLite file with the store's `writeWindows`, then times `GET /api/v1/history` end to end,
 * its server-side parts, and a naive SELECT + JSON baseline over the same rows
 * (`history-query.ts`). Run alone with `npm run bench -- query`.
 * @module
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../test/support/tmp.js';
import { measureHistory } from './history-query.js';
import { fixed, grouped } from './measure.js';
import type { BenchSection } from './report.js';
import { histogramMedian, loadWeek } from './week-data.js';

/** Times a week-long history query and measures the database that holds the week. */
export async function queryBench(): Promise<BenchSection[]> {
  const { dir, remove } = tempDir('velocity-bench-');
  const path = join(dir, 'bench.db');
  const db = new Database(path);
  try {
    const store = createSqliteStore({ database: db });
    await store.migrate();

    // --- Load: generate hour by hour, time only writeWindows.
    const { written, batches, loadMs, generateMs, sketchBytes } = await loadWeek(store);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const freePages = db.pragma('freelist_count', { simple: true }) as number;
    const fileBytes = pageSize * pageCount;
    const onDiskBytes = statSync(path).size;
    const stored = (db.prepare('SELECT count(*) AS n FROM windows_1m').get() as { n: number }).n;
    if (stored !== written) throw new Error(`stored ${stored} windows, wrote ${written}`);
    let perObject: Array<{ name: string; bytes: number; payload: number; unused: number }> = [];
    try {
      perObject = db
        .prepare(
          `SELECT name, sum(pgsize) AS bytes, sum(payload) AS payload, sum(unused) AS unused
           FROM dbstat GROUP BY name ORDER BY bytes DESC`,
        )
        .all() as typeof perObject;
    } catch {
      // dbstat is a compile-time option of SQLite; without it the breakdown is left out.
    }
    const blob = db.prepare('SELECT avg(length(sketch)) AS avg FROM windows_1m').get() as { avg: number };

    // --- Query: Velocity's API, and a naive SELECT of the same rows, over HTTP on loopback.
    let naiveSelect: Database.Statement | undefined;
    const { section: querySection } = await measureHistory({
      storeName: 'SQLite',
      command: 'npm run bench -- query',
      store,
      written,
      naiveJson(ids, fromMs, toMs) {
        naiveSelect ??= db.prepare(
          `SELECT t, series_id, count, sum, min, max, p50, p95, p99 FROM windows_1m
           WHERE series_id IN (${ids.map(() => '?').join(', ')}) AND t >= ? AND t < ? ORDER BY t, series_id`,
        );
        return JSON.stringify(naiveSelect.all(...ids, fromMs / 1000, toMs / 1000));
      },
      naiveDescription: 'one prepared SELECT',
    });

    const storageRows: BenchSection['rows'] = [
      { measured: 'windows stored', value: grouped(stored) },
      { measured: 'load: `store.writeWindows` time (total)', value: `${fixed(loadMs / 1000, 2)} s` },
      { measured: 'load: windows per second', value: grouped(written / (loadMs / 1000)) },
      { measured: 'load: batches (one hour of every route each)', value: `${batches} × ~${grouped(written / batches)} windows` },
      { measured: 'generation of those windows (not in load time)', value: `${fixed(generateMs / 1000, 2)} s` },
      { measured: 'database size, page_count × page_size after wal_checkpoint(TRUNCATE)', value: `${grouped(fileBytes)} B (${fixed(fileBytes / 2 ** 20, 1)} MiB)` },
      { measured: '**disk bytes per stored distribution window**', value: `**${fixed(fileBytes / stored, 1)} B**` },
      { measured: 'sketch blob, bytes per window (mean / median)', value: `${fixed(blob.avg, 1)} / ${histogramMedian(sketchBytes)} B` },
    ];
    for (const { name, bytes, payload, unused } of perObject) {
      if (bytes < 0.001 * fileBytes) continue;
      storageRows.push({
        measured: `↳ of which \`${name}\` (dbstat: pages / payload / unused)`,
        value:
          `${fixed(bytes / stored, 1)} / ${fixed(payload / stored, 1)} / ${fixed(unused / stored, 1)} B per window ` +
          `(${fixed(bytes / 2 ** 20, 1)} MiB)`,
      });
    }
    const storageSection: BenchSection = {
      title: 'Disk bytes per stored distribution window (SQLite), and load time',
      command: 'npm run bench -- query',
      rows: storageRows,
      notes: [
        'The database of the query benchmark above, measured after loading: windows_1m is a WITHOUT ROWID table keyed ' +
          `by (series_id, t) with an index on t; free pages: ${freePages}; the file on disk is ${grouped(onDiskBytes)} B.`,
        'Bytes per window = page_count × page_size / windows stored, so it includes the primary key, the t index, ' +
          'the series table and page slack; the dbstat rows split it by table and index (objects under 0.1 % of the ' +
          'file left out): "payload" is the bytes of the rows themselves (key, columns, sketch), "unused" the free ' +
          'space left in their pages, the rest is page and cell headers.',
        'Load time is the sum of the `writeWindows` calls only (each one transaction of one hour of every route), ' +
          'on a fresh file in WAL mode with synchronous = NORMAL, as the store configures it.',
      ],
    };
    return [querySection, storageSection];
  } finally {
    db.close();
    remove();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await queryBench(), null, 2));
}
