/**
 * How fast does a flush reach PostgreSQL? Writes batches of 10,000 one-minute windows
 * (1,000 series × 10 minutes, real sketches) into a fresh database with the PostgreSQL
 * store's `writeWindows`, and, in the same rounds, with one INSERT per window (the per-row
 * baseline of the earlier designs), with the store's previous text-array statements, and with
 * binary COPY into a staging table; then splits Velocity's own write into its JavaScript and
 * its round trips. Run alone with `npm run bench -- flush`.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { canonicalLabels } from '../src/model/labels.js';
import { MINUTE_MS } from '../src/model/duration.js';
import type { Window } from '../src/model/window.js';
import { int8Array, timestamptzArray } from '../src/store/postgres/postgres-binary.js';
import { seriesSql } from '../src/store/postgres/postgres-statements.js';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import { mulberry32 } from '../test/support/random.js';
import { fixed, grouped, median, percentile } from './measure.js';
import { createBenchDatabase, skippedSection, timingPool } from './pg.js';
import type { BenchSection } from './report.js';
import { histogramMedian, makeRoutes, pick, type RouteData } from './week-data.js';

const SERIES = 1_000;
const MINUTES_PER_BATCH = 10;
const BATCH = SERIES * MINUTES_PER_BATCH;

/**
 * Runs `work` on one pooled client inside a transaction opened by `begin` (plain `BEGIN`, or
 * `BEGIN` joined with set-up statements in one round trip): COMMIT on success, ROLLBACK on
 * error, the client released either way.
 */
async function inTransaction(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Real 2xx windows each series draws from. */
const POOL_PER_SERIES = 8;
const ROUNDS = 9;
const WARMUP_ROUNDS = 1;
const TARGET_RATIO = 50;
const SEED = 0xf1a5;
/** The first batch's first minute; every batch of the run falls within this UTC day. */
const T0 = Date.UTC(2026, 10, 18);
const TITLE = 'Flush throughput into PostgreSQL: batches of 10,000 one-minute windows';
const COMMAND = 'npm run bench -- flush';

const TABLE = '"public".velocity_windows_1m';
const COLUMNS = 'series_id, t, count, sum, min, max, last, p50, p95, p99, sketch';
const REPLACE = `ON CONFLICT (series_id, t) DO UPDATE SET
  count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
  last = excluded.last, p50 = excluded.p50, p95 = excluded.p95, p99 = excluded.p99, sketch = excluded.sketch`;

/** One INSERT per window: what the earlier designs ran, here prepared once and upserting as Velocity does. */
const PER_ROW_SQL = `INSERT INTO ${TABLE} AS w (${COLUMNS})
  VALUES ($1, to_timestamp($2::float8 / 1000), $3, $4, $5, $6, $7, $8, $9, $10, $11) ${REPLACE}`;

/** The store's window statement before binary parameters: text arrays, times as float8 ms. */
const TEXT_UNNEST_SQL = `INSERT INTO ${TABLE} AS w (${COLUMNS})
  SELECT u.series_id, to_timestamp(u.t_ms / 1000), u.count, u.sum, u.min, u.max, u.last, u.p50, u.p95, u.p99, u.sketch
  FROM unnest($1::bigint[], $2::float8[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[],
              $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::bytea[])
    AS u (series_id, t_ms, count, sum, min, max, last, p50, p95, p99, sketch) ${REPLACE}`;

/** The store's previous text encoding of a number array parameter: `{1,2.5,NULL}`. */
function textNumberArray(values: ReadonlyArray<number | null>): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ',';
    const value = values[i];
    literal += value === null ? 'NULL' : String(value);
  }
  return `${literal}}`;
}

/** The store's previous text encoding of a bytea array parameter: `{\\x0aff,NULL}`. */
function textByteaArray(values: ReadonlyArray<Uint8Array | null>): string {
  const elements = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const bytes = values[i];
    elements[i] =
      bytes === null ? 'NULL' : `\\\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
  }
  return `{${elements.join(',')}}`;
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_32 = 2 ** 32;

/** The windows as PostgreSQL's binary COPY format, in the order of `rows` (ids resolved). */
function binaryCopy(rows: ReadonlyArray<{ id: number; w: Window }>): Buffer {
  let size = 19 + 2;
  for (const { w } of rows) size += 2 + 11 * 4 + 10 * 8 + (w.sketch?.length ?? 0);
  const buffer = Buffer.allocUnsafe(size);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  buffer.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
  view.setInt32(11, 0);
  view.setInt32(15, 0);
  let o = 19;
  const int8 = (value: number): void => {
    const high = Math.floor(value / TWO_32);
    view.setInt32(o, 8);
    view.setInt32(o + 4, high);
    view.setUint32(o + 8, value - high * TWO_32);
    o += 12;
  };
  const float8 = (value: number | null): void => {
    if (value === null) {
      view.setInt32(o, -1);
      o += 4;
    } else {
      view.setInt32(o, 8);
      view.setFloat64(o + 4, value);
      o += 12;
    }
  };
  for (const { id, w } of rows) {
    view.setInt16(o, 11);
    o += 2;
    int8(id);
    int8((w.start - PG_EPOCH_MS) * 1000);
    int8(w.count);
    float8(w.sum);
    float8(w.min);
    float8(w.max);
    float8(w.last);
    float8(w.p50);
    float8(w.p95);
    float8(w.p99);
    const sketch = w.sketch;
    if (sketch === null) {
      view.setInt32(o, -1);
      o += 4;
    } else {
      view.setInt32(o, sketch.length);
      buffer.set(sketch, o + 4);
      o += 4 + sketch.length;
    }
  }
  view.setInt16(o, -1);
  return buffer.subarray(0, o + 2);
}

/** The part of pg's connection a COPY FROM STDIN needs (not in @types/pg). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * `COPY … FROM STDIN` of one buffer, as a pg Submittable on pg's own copy-in hooks (the
 * mechanism pg-copy-streams uses), so that this benchmark needs no extra dependency.
 */
class CopyIn implements pg.Submittable {
  private error: Error | undefined;
  constructor(
    readonly text: string,
    private readonly data: Buffer,
    private readonly done: (error?: Error) => void,
  ) {}
  submit(connection: pg.Connection): void {
    (connection as unknown as CopyConnection).query(this.text);
  }
  handleCopyInResponse(connection: CopyConnection): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }
  handleCommandComplete(): void {}
  handleError(error: Error): void {
    this.error = error;
  }
  handleReadyForQuery(): void {
    this.done(this.error);
  }
}

function copyIn(client: pg.PoolClient, text: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    client.query(new CopyIn(text, data, (error) => (error === undefined ? resolve() : reject(error))));
  });
}

/** Round trips of Velocity's write: wall ms by statement (its first words), as the timing pool saw them. */
type Phases = Map<string, number>;

/** `INSERT INTO <table>`, `UPDATE <table>`, or the first word of any other statement. */
function statementName(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.slice(0, words[0] === 'INSERT' ? 3 : words[0] === 'UPDATE' ? 2 : 1).join(' ');
}

/** Measures flush throughput; a section saying why when PostgreSQL is unavailable. */
export async function flushBench(): Promise<BenchSection> {
  const db = await createBenchDatabase('flush');
  if ('unavailable' in db) return skippedSection(TITLE, COMMAND, db.unavailable);
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  let phases: Phases = new Map();
  const store = createPostgresStore({
    pool: timingPool(pool, (text, ms) => phases.set(statementName(text), (phases.get(statementName(text)) ?? 0) + ms)),
  });
  try {
    await store.migrate();
    const rand = mulberry32(SEED);
    const routes: RouteData[] = makeRoutes(rand, SERIES, POOL_PER_SERIES);
    let nextMinute = 0;
    const sketchBytes: number[] = [];
    /** The next 10 minutes of every series, minute by minute as the recorder seals them. */
    const nextBatch = (): Window[] => {
      const windows: Window[] = [];
      for (let m = 0; m < MINUTES_PER_BATCH; m++, nextMinute++) {
        const start = T0 + nextMinute * MINUTE_MS;
        for (const route of routes) {
          const w: Window = { series: route.ok, start, ...pick(rand, route.okPool) };
          const n = (w.sketch as Uint8Array).length;
          sketchBytes[n] = (sketchBytes[n] ?? 0) + 1;
          windows.push(w);
        }
      }
      return windows;
    };

    // The first write registers the 1,000 series (and the day's partition): timed on its own.
    const firstStarted = performance.now();
    await store.writeWindows('1m', nextBatch());
    const firstMs = performance.now() - firstStarted;
    const idOf = new Map((await store.listSeries()).map((s) => [s.key, s.id]));
    const series = seriesSql('public');
    const rowsOf = (windows: readonly Window[]) =>
      windows
        .map((w) => ({ id: idOf.get(w.series.key) as number, w }))
        .sort((a, b) => a.id - b.id || a.w.start - b.w.start);
    /** Per series of a batch: id, first and last start. */
    const spansOf = (rows: ReadonlyArray<{ id: number; w: Window }>) => {
      const spans = new Map<number, { id: number; w: Window; first: number; last: number }>();
      for (const row of rows) {
        const span = spans.get(row.id);
        if (span === undefined) spans.set(row.id, { ...row, first: row.w.start, last: row.w.start });
        else span.last = Math.max(span.last, row.w.start);
      }
      return [...spans.values()];
    };

    let lastVelocityBatch: Window[] = [];
    const velocityPhases: Phases[] = [];
    /** The COPY alternative's time in PostgreSQL: from its BEGIN to its COMMIT's reply. */
    const copyRoundTrips: number[] = [];
    const cases: ReadonlyArray<readonly [string, (windows: Window[]) => Promise<unknown>]> = [
      [
        'velocity',
        async (windows) => {
          phases = new Map();
          await store.writeWindows('1m', windows);
          velocityPhases.push(phases);
          phases = new Map();
          lastVelocityBatch = windows;
        },
      ],
      // The batch Velocity just wrote, again: every window replaces its stored row.
      ['resend', () => store.writeWindows('1m', lastVelocityBatch)],
      [
        'perRow',
        async (windows) => {
          await inTransaction(pool, 'BEGIN', async (client) => {
            for (const w of windows) {
              const sketch = w.sketch as Uint8Array;
              await client.query({
                name: 'bench-per-row',
                text: PER_ROW_SQL,
                values: [
                  idOf.get(w.series.key),
                  w.start,
                  w.count,
                  w.sum,
                  w.min,
                  w.max,
                  w.last,
                  w.p50,
                  w.p95,
                  w.p99,
                  Buffer.from(sketch.buffer, sketch.byteOffset, sketch.byteLength),
                ],
              });
            }
          });
        },
      ],
      [
        'textUnnest',
        async (windows) => {
          const rows = rowsOf(windows);
          const spans = spansOf(rows);
          await inTransaction(pool, 'BEGIN', async (client) => {
            await client.query({
              text: series.upsert,
              values: [
                spans.map((s) => s.w.series.key),
                spans.map((s) => s.w.series.metric),
                spans.map((s) => s.w.series.kind),
                spans.map((s) => JSON.stringify(canonicalLabels(s.w.series.labels))),
                spans.map((s) => s.first),
                spans.map((s) => s.last),
              ],
            });
            await client.query({
              text: TEXT_UNNEST_SQL,
              values: [
                ...[
                  rows.map((r) => r.id),
                  rows.map((r) => r.w.start),
                  rows.map((r) => r.w.count),
                  rows.map((r) => r.w.sum),
                  rows.map((r) => r.w.min),
                  rows.map((r) => r.w.max),
                  rows.map((r) => r.w.last),
                  rows.map((r) => r.w.p50),
                  rows.map((r) => r.w.p95),
                  rows.map((r) => r.w.p99),
                ].map(textNumberArray),
                textByteaArray(rows.map((r) => r.w.sketch)),
              ],
            });
          });
        },
      ],
      [
        'copy',
        async (windows) => {
          const rows = rowsOf(windows);
          const spans = spansOf(rows);
          const data = binaryCopy(rows);
          const started = performance.now();
          const begin = 'BEGIN; CREATE TEMP TABLE IF NOT EXISTS bench_staging (LIKE velocity_windows_1m) ON COMMIT DELETE ROWS';
          await inTransaction(pool, begin, async (client) => {
            await client.query({
              text: series.widen,
              values: [
                int8Array(spans.map((s) => s.id)),
                timestamptzArray(spans.map((s) => s.first)),
                timestamptzArray(spans.map((s) => s.last)),
              ],
            });
            await copyIn(client, `COPY bench_staging (${COLUMNS}) FROM STDIN (FORMAT binary)`, data);
            await client.query(`INSERT INTO ${TABLE} AS w (${COLUMNS}) SELECT ${COLUMNS} FROM bench_staging ${REPLACE}`);
          });
          copyRoundTrips.push(performance.now() - started);
        },
      ],
      [
        'copyFloor',
        async (windows) => {
          const data = binaryCopy(rowsOf(windows));
          const begin = 'BEGIN; CREATE TEMP TABLE IF NOT EXISTS bench_floor (LIKE velocity_windows_1m) ON COMMIT DELETE ROWS';
          await inTransaction(pool, begin, async (client) => {
            await copyIn(client, `COPY bench_floor (${COLUMNS}) FROM STDIN (FORMAT binary)`, data);
          });
        },
      ],
    ];

    // Rounds: every case once per round, in turn, each on its own fresh 10 minutes (the
    // re-send on Velocity's), so a slow phase of the machine falls on all of them.
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      for (const [name, run] of cases) {
        const windows = name === 'resend' ? lastVelocityBatch : nextBatch();
        const started = performance.now();
        await run(windows);
        const elapsed = performance.now() - started;
        if (round >= WARMUP_ROUNDS) (times.get(name) as number[]).push(elapsed);
        else if (name === 'velocity') velocityPhases.length = 0;
        else if (name === 'copy') copyRoundTrips.length = 0;
      }
    }
    if (T0 + nextMinute * MINUTE_MS > T0 + 24 * 60 * MINUTE_MS) throw new Error('the run left its day');

    // Every case wrote what it was given: one row per (series, minute) written.
    const { rows: check } = await pool.query<{ n: number; series: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT series_id)::int AS series FROM ${TABLE}`,
    );
    const copyFloorMinutes = (WARMUP_ROUNDS + ROUNDS) * MINUTES_PER_BATCH;
    const expectedRows = (nextMinute - copyFloorMinutes) * SERIES;
    if (check[0].n !== expectedRows || check[0].series !== SERIES) {
      throw new Error(`stored ${check[0].n} windows of ${check[0].series} series, expected ${expectedRows} of ${SERIES}`);
    }

    const msOf = (name: string) => median(times.get(name) as number[]);
    const perRowRate = BATCH / (msOf('perRow') / 1000);
    const row = (variant: string, name: string) => {
      const ms = times.get(name) as number[];
      const rate = BATCH / (median(ms) / 1000);
      return {
        variant,
        'windows/s (median)': grouped(rate),
        'ms per batch (median)': fixed(median(ms), 1),
        'ms (min)': fixed(Math.min(...ms), 1),
        'ms (p90)': fixed(percentile(ms, 90), 1),
        'vs one INSERT per row': `${fixed(rate / perRowRate, 1)}×`,
      };
    };
    const msRow = (variant: string, ms: readonly number[]) => ({
      variant,
      'windows/s (median)': '',
      'ms per batch (median)': fixed(median(ms), 1),
      'ms (min)': fixed(Math.min(...ms), 1),
      'ms (p90)': fixed(percentile(ms, 90), 1),
      'vs one INSERT per row': '',
    });
    const phase = (label: string, key: string) => msRow(label, velocityPhases.map((p) => p.get(key) ?? 0));
    const velocityTotals = times.get('velocity') as number[];
    const roundTripMs = velocityPhases.map((p) => [...p.values()].reduce((a, b) => a + b, 0));
    const jsMs = velocityPhases.map((_, i) => velocityTotals[i] - roundTripMs[i]);
    const rows: BenchSection['rows'] = [
      row('**Velocity: `store.writeWindows(\'1m\', batch)`** (binary `unnest` upsert, series last-seen by id)', 'velocity'),
      msRow('↳ JavaScript: validation, grouping, binary encoding (the rest of the call)', jsMs),
      phase('↳ round trip: `BEGIN`', 'BEGIN'),
      phase('↳ round trip: `UPDATE velocity_series` (last seen of the 1,000 series)', 'UPDATE "public".velocity_series'),
      phase('↳ round trip: `INSERT INTO velocity_windows_1m … unnest(…)` (10,000 windows)', 'INSERT INTO "public".velocity_windows_1m'),
      phase('↳ round trip: `COMMIT`', 'COMMIT'),
      msRow('↳ all its round trips (`BEGIN` … `COMMIT`)', roundTripMs),
      row('Velocity re-sending the batch it just wrote (every window replaces its row)', 'resend'),
      row('baseline: one prepared INSERT … ON CONFLICT per window, one round trip each, one transaction', 'perRow'),
      row('before this change: the same statements with text array parameters (series upserted by key and labels)', 'textUnnest'),
      row('alternative: binary COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT', 'copy'),
      msRow('↳ its round trips (`BEGIN` … `COMMIT`)', copyRoundTrips),
      row('floor: binary COPY into an unindexed temporary table (no partitions, no upsert)', 'copyFloor'),
    ];
    const ratio = BATCH / (msOf('velocity') / 1000) / perRowRate;
    return {
      title: TITLE,
      command: COMMAND,
      rows,
      notes: [
        `Target: Velocity's batched write ≥ ${TARGET_RATIO}× the windows/s of one INSERT per row — measured ` +
          `${fixed(ratio, 1)}×: ${ratio >= TARGET_RATIO ? 'met' : 'NOT MET'}. Most of Velocity's time is PostgreSQL ` +
          'inserting 10,000 rows into a partitioned table with two indexes (primary key (series_id, t) and t) under ' +
          'ON CONFLICT, and the COMMIT\'s WAL flush: the "floor" row is the same bytes COPY\'d into a table with neither.',
        `Each batch: ${grouped(SERIES)} series (\`GET /route/<n>\`, status class 2xx) × ${MINUTES_PER_BATCH} minutes = ` +
          `${grouped(BATCH)} windows, each a real sketch of 50–200 lognormal latencies (median ${histogramMedian(sketchBytes)} B ` +
          `encoded), drawn from ${POOL_PER_SERIES} per series; mulberry32 seed ${SEED}. Every case writes fresh minutes ` +
          'of the same series into the same table (new rows), except the re-send, which rewrites the batch Velocity just wrote.',
        `Timing: ${ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up round; in each round every case runs once, in turn, ` +
          'wall time from the call to its end (for Velocity, `writeWindows` including validation and its transaction). ' +
          `The series were registered by a first write before the rounds (${fixed(firstMs, 1)} ms for ` +
          `${grouped(BATCH)} windows of ${grouped(SERIES)} new series, partition of the day included).`,
        'Velocity\'s round-trip rows are the wall time of each statement as a pool wrapper saw it (sending, server, ' +
          'reply); the JavaScript row is the rest of the call. The store\'s SQL, both ways: one UPDATE of the ' +
          'series\' last seen by id (binary `bigint[]`/`timestamptz[]`), one `INSERT … SELECT * FROM unnest($1::bigint[], ' +
          '$2::timestamptz[], …, $11::bytea[]) ON CONFLICT (series_id, t) DO UPDATE` with every array a binary parameter.',
        'The baseline prepares its INSERT once (a named statement) and sends each window\'s 11 values, awaiting each ' +
          'reply, in one transaction; it knows the series ids beforehand and does no series bookkeeping, which favours it.',
        '"Before this change" replays the store\'s previous statements: the series upserted by key with their labels as ' +
          'JSON on every flush, and the windows as text array literals (`{1,2.5,NULL}`, sketches hex-escaped) with times ' +
          'as float8 milliseconds through to_timestamp.',
        'The COPY alternative does Velocity\'s series UPDATE, then `COPY … FROM STDIN (FORMAT binary)` into a temporary ' +
          'table (created once per connection, ON COMMIT DELETE ROWS), then one INSERT … SELECT … ON CONFLICT into the ' +
          'windows table, in one transaction — the way to combine COPY with replace-on-conflict. It is sent through pg\'s ' +
          'own copy-in hooks, so no extra dependency is involved. Like the per-row and text variants it is handed the ' +
          'series ids and skips Velocity\'s validation and grouping: compare the round-trip rows for the database side.',
        `Database: ${db.server}; a fresh database, dropped afterwards.`,
      ],
    };
  } finally {
    await store.close();
    await pool.end();
    await db.drop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await flushBench(), null, 2));
}
