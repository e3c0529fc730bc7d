import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import pg from 'pg';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import type { Labels } from '../../src/model/labels.js';
import type { Window } from '../../src/model/window.js';
import type { PgPoolClient, PgPoolLike, PgQueryConfig } from '../../src/store/postgres/postgres-driver.js';
import { applyPostgresMigrations, POSTGRES_MIGRATIONS } from '../../src/store/postgres/postgres-migrations.js';
import { rollupSql, windowSql } from '../../src/store/postgres/postgres-statements.js';
import { createPostgresStore, POSTGRES_PARTITION_DAYS_AHEAD } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { makeWindow, minute, T0 } from '../support/windows.js';
import { runStoreConformance, skipUnlessSelected } from './conformance.js';

const skip = skipUnlessSelected('postgres') || (await postgresSkipReason());

/** `velocity_windows_1m_pYYYYMMDD` of the UTC day that contains `ms`. */
function partitionOf(ms: number): string {
  return `velocity_windows_1m_p${new Date(ms).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** Names of today's partition and those of the days ahead that migrate() creates. */
function partitionsAhead(): string[] {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return Array.from({ length: POSTGRES_PARTITION_DAYS_AHEAD + 1 }, (_, i) => partitionOf(today + i * DAY_MS));
}

describe('postgres', { skip }, () => {
  let db: TestDatabase;
  /** A pool on the run's database, for looking at what the stores did. */
  let sql: pg.Pool;
  before(async () => {
    db = await createTestDatabase();
    sql = new pg.Pool({ connectionString: db.url });
  });
  after(async () => {
    await sql?.end();
    await db?.drop();
  });

  let conformanceSchemas = 0;
  const createInSchema = async () => {
    const store = createPostgresStore({ url: db.url, schema: `conformance_${++conformanceSchemas}` });
    await store.migrate();
    return store;
  };
  runStoreConformance({ name: 'postgres', create: createInSchema });

  describe('postgres store', () => {
    const opened: Store[] = [];
    /** A migrated store on the run's database, in `schema`; closed after the test. */
    async function openStore(schema: string): Promise<Store> {
      const store = createPostgresStore({ url: db.url, schema });
      opened.push(store);
      await store.migrate();
      return store;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    async function partitions(schema: string): Promise<string[]> {
      const { rows } = await sql.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
        [`${schema}.velocity_windows_1m`],
      );
      return rows.map((row) => row.name);
    }

    async function exists(relation: string): Promise<boolean> {
      const { rows } = await sql.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [relation]);
      return rows[0].found;
    }

    async function rowsByPartition(schema: string): Promise<Record<string, number>> {
      const { rows } = await sql.query<{ part: string; n: string }>(
        `SELECT tableoid::regclass::text AS part, count(*) AS n FROM ${schema}.velocity_windows_1m GROUP BY 1`,
      );
      return Object.fromEntries(rows.map((row) => [row.part.replace(`${schema}.`, ''), Number(row.n)]));
    }

    it('creates partitions for today and the days ahead, and on demand for every day a batch touches', async () => {
      const store = await openStore('partitions');
      const ahead = partitionsAhead();
      assert.deepEqual(await partitions('partitions'), ahead);

      const past = Date.parse('1999-12-31T23:59:00Z');
      const future = Date.parse('2031-03-04T12:00:00Z');
      await store.writeWindows('1m', [
        makeWindow({ start: minute(0) }),
        makeWindow({ start: minute(24 * 60 - 1) }),
        makeWindow({ start: past }),
        makeWindow({ start: future }),
      ]);
      const touched = ['velocity_windows_1m_p19991231', 'velocity_windows_1m_p20261120', 'velocity_windows_1m_p20310304'];
      assert.deepEqual(await partitions('partitions'), [...new Set([...ahead, ...touched])].sort());
      // Each window sits in the partition of its own UTC day: the bounds are [day, next day).
      assert.deepEqual(await rowsByPartition('partitions'), {
        velocity_windows_1m_p19991231: 1,
        velocity_windows_1m_p20261120: 2,
        velocity_windows_1m_p20310304: 1,
      });
      const { rows } = await sql.query<{ partdefid: number }>(
        `SELECT partdefid::int AS partdefid FROM pg_partitioned_table WHERE partrelid = 'partitions.velocity_windows_1m'::regclass`,
      );
      assert.deepEqual(rows, [{ partdefid: 0 }], 'no DEFAULT partition');

      const tooLate = makeWindow({ labels: { service: 'other' }, start: Date.parse('9999-12-31T00:00:00Z') + DAY_MS });
      await assert.rejects(store.writeWindows('1m', [makeWindow({ start: minute(5) }), tooLate]), {
        code: 'INVALID_PARAMETER',
        message: /windows\[1\]\.start: PostgreSQL keeps windows from year 1 to 9999/,
      });
      const fractional = makeWindow({ start: minute(5), count: 2.5 });
      await assert.rejects(store.writeWindows('1m', [fractional]), { code: 'INVALID_PARAMETER', param: 'windows[0].count' });
      assert.equal((await store.listSeries()).length, 1);
      assert.equal((await partitions('partitions')).length, new Set([...ahead, ...touched]).size);
    });

    it('reads only the partitions of the range asked for', async () => {
      await openStore('pruning');
      const read = windowSql('pruning', '1m').readWithoutSketch;
      // Tomorrow: a day migrate() has made a partition for, whatever the date the test runs.
      const tomorrow = (Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS;
      const { rows } = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${read}`, [[1, 2], tomorrow, tomorrow + HOUR_MS]);
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      const scanned = new Set(plan.match(/velocity_windows_1m_p\d{8}(?!_)/g));
      assert.deepEqual([...scanned], [partitionOf(tomorrow)], plan);
    });

    it('retention drops whole days as partitions and deletes only the straddling day, in batches', async () => {
      const store = await openStore('retention');
      const [d0, d1, d2] = [T0 - 2 * DAY_MS, T0 - DAY_MS, T0];
      const windows: Window[] = [];
      for (const labels of [{ service: 'a' }, { service: 'b' }]) {
        for (let h = 0; h < 24; h++) {
          windows.push(makeWindow({ labels, start: d0 + h * HOUR_MS }), makeWindow({ labels, start: d1 + h * HOUR_MS }));
        }
        for (let h = 0; h < 3; h++) windows.push(makeWindow({ labels, start: d2 + h * HOUR_MS }));
      }
      await store.writeWindows('1m', windows);
      assert.deepEqual(await rowsByPartition('retention'), {
        [partitionOf(d0)]: 48,
        [partitionOf(d1)]: 48,
        [partitionOf(d2)]: 6,
      });

      const cutoff = d1 + 12 * HOUR_MS + 30 * MINUTE_MS;
      // All of d0 (48) and d1's hours 0 to 12 (2 × 13).
      assert.equal(await store.deleteWindowsBefore('1m', cutoff, 5), 48 + 26);
      assert.equal(await exists(`retention.${partitionOf(d0)}`), false, 'the old day was dropped');
      assert.equal(await exists(`retention.${partitionOf(d1)}`), true, 'the straddling day was kept');
      assert.deepEqual(await rowsByPartition('retention'), { [partitionOf(d1)]: 22, [partitionOf(d2)]: 6 });
      const ids = (await store.listSeries()).map((s) => s.id);
      const left = await store.readWindows('1m', ids, 0, Number.MAX_SAFE_INTEGER);
      assert.deepEqual(
        [...new Set(left.map((w) => w.start))],
        [...Array.from({ length: 11 }, (_, h) => d1 + (13 + h) * HOUR_MS), d2, d2 + HOUR_MS, d2 + 2 * HOUR_MS],
      );
      assert.equal(await store.deleteWindowsBefore('1m', cutoff, 5), 0);

      // Writing into the dropped day again recreates its partition.
      await store.writeWindows('1m', [makeWindow({ labels: { service: 'a' }, start: d0 + HOUR_MS, count: 7 })]);
      assert.equal(await exists(`retention.${partitionOf(d0)}`), true);
      assert.equal((await store.readWindows('1m', ids, d0, d1)).map((w) => w.count).join(), '7');
    });

    it('keeps 1h windows in monthly partitions, made ahead and on demand, and retention drops whole months', async () => {
      const store = await openStore('hourly');
      const monthly = async () => {
        const { rows } = await sql.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'hourly.velocity_windows_1h'::regclass ORDER BY c.relname`,
        );
        return rows.map((row) => row.name);
      };
      const month = (ms: number) => `velocity_windows_1h_p${new Date(ms).toISOString().slice(0, 7).replace('-', '')}`;
      const now = new Date();
      const ahead = [Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)];
      assert.deepEqual(await monthly(), ahead.map(month));

      const lastHourOfJanuary = Date.UTC(2026, 0, 31, 23);
      const february = Date.UTC(2026, 1, 1);
      const yearFive = Date.parse('0005-03-10T05:00:00Z');
      await store.writeWindows('1h', [
        makeWindow({ start: lastHourOfJanuary }),
        makeWindow({ start: february }),
        makeWindow({ start: february + HOUR_MS }),
        makeWindow({ start: T0 }),
        makeWindow({ start: yearFive }),
      ]);
      const touched = [yearFive, lastHourOfJanuary, february, T0, ...ahead].map(month);
      assert.deepEqual(await monthly(), [...new Set(touched)].sort());
      assert.ok(touched.includes('velocity_windows_1h_p000503'), 'year 5, not 1905');
      assert.equal(await store.deleteWindowsBefore('1h', february + HOUR_MS), 3);
      assert.equal(await exists(`hourly.${month(lastHourOfJanuary)}`), false, 'January was dropped whole');
      assert.equal(await exists(`hourly.${month(february)}`), true, 'February was not over');
      const ids = (await store.listSeries()).map((s) => s.id);
      assert.deepEqual((await store.readWindows('1h', ids, 0, Number.MAX_SAFE_INTEGER)).map((w) => w.start), [february + HOUR_MS, T0]);

      const { rows } = await sql.query<{ kind: string }>(`SELECT relkind AS kind FROM pg_class WHERE oid = 'hourly.velocity_windows_1d'::regclass`);
      assert.deepEqual(rows, [{ kind: 'r' }], '1d is one plain table');
      await store.writeWindows('1d', [makeWindow({ start: T0 - 400 * DAY_MS }), makeWindow({ start: T0 })]);
      assert.equal(await store.deleteWindowsBefore('1d', T0), 1);
    });

    it('a claim waits for the writes in progress, and a write waits for a claim in progress, then sees it', async () => {
      const store = await openStore('claims');
      const mark = rollupSql('claims').mark;
      const settled = (promise: Promise<unknown>) => Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(resolve, 300, false))]);

      // A writer has checked the claims (its mark statement ran) but not committed.
      const writer = await sql.connect();
      try {
        await writer.query('BEGIN');
        await writer.query(mark, [['1h', '1d'], [T0, T0]]);
        const claim = store.claimRollup('1h', T0 + HOUR_MS);
        assert.equal(await settled(claim), false, 'the claim waits for the writer');
        await writer.query('COMMIT');
        await claim;
      } finally {
        writer.release();
      }
      assert.deepEqual(await store.listDirtyBuckets('1h', 10), [], 'the writer saw no claim: its windows precede the roll-up');

      // A claim is being moved and not committed: a write checking it waits, then marks its hour.
      const claimer = await sql.connect();
      try {
        await claimer.query('BEGIN');
        await claimer.query(`UPDATE claims.velocity_rollup_state SET claimed = to_timestamp($1::float8 / 1000) WHERE tier = '1h'`, [
          T0 + 3 * HOUR_MS,
        ]);
        const write = store.writeWindows('1m', [makeWindow({ start: T0 + 2 * HOUR_MS + MINUTE_MS })]);
        assert.equal(await settled(write), false, 'the write waits for the claim');
        await claimer.query('COMMIT');
        await write;
      } finally {
        claimer.release();
      }
      assert.deepEqual((await store.listDirtyBuckets('1h', 10)).map((b) => b.start), [T0 + 2 * HOUR_MS]);
    });

    it('a write to a day whose partition another instance dropped recreates it', async () => {
      const writer = await openStore('stale');
      const pruner = await openStore('stale');
      const day = T0 - 3 * DAY_MS;
      await writer.writeWindows('1m', [makeWindow({ start: day })]);
      assert.equal(await pruner.deleteWindowsBefore('1m', day + DAY_MS), 1);
      assert.equal(await exists(`stale.${partitionOf(day)}`), false);
      // The writer still believes the partition exists: its insert fails, it looks again, retries once.
      await writer.writeWindows('1m', [makeWindow({ start: day + MINUTE_MS, count: 3 })]);
      const [{ id }] = await writer.listSeries();
      const read = await pruner.readWindows('1m', [id], day, day + DAY_MS);
      assert.deepEqual(read.map((w) => [w.start, w.count]), [[day + MINUTE_MS, 3]]);
    });

    it('instances migrating a fresh database at the same moment apply each migration once', async () => {
      const fresh = await createTestDatabase();
      const stores = [1, 2, 3].map(() => createPostgresStore({ url: fresh.url }));
      const check = new pg.Client({ connectionString: fresh.url });
      try {
        await Promise.all(stores.map((store) => store.migrate()));
        await Promise.all(stores.map((store) => store.migrate()));
        await check.connect();
        const { rows } = await check.query<{ version: number; name: string; n: number }>(
          `SELECT version, name, count(*) OVER (PARTITION BY version)::int AS n
           FROM velocity_schema_migrations ORDER BY version`,
        );
        assert.deepEqual(
          rows,
          POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, name: m.name, n: 1 })),
        );
        const parts = await check.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'velocity_windows_1m'::regclass`,
        );
        assert.equal(parts.rows[0].n, POSTGRES_PARTITION_DAYS_AHEAD + 1);
        await stores[0].writeWindows('1m', [makeWindow({ start: minute(0) })]);
        assert.equal((await stores[2].listSeries()).length, 1);
      } finally {
        await check.end();
        await Promise.all(stores.map((store) => store.close()));
        await fresh.drop();
      }
    });

    it('applies a migration added later exactly once, and a failing one not at all', async () => {
      const pool = new pg.Pool({ connectionString: db.url });
      try {
        const versions = POSTGRES_MIGRATIONS.map((m) => m.version);
        assert.deepEqual(await applyPostgresMigrations(pool, 'migrations'), versions);
        assert.deepEqual(await applyPostgresMigrations(pool, 'migrations'), []);
        const next = POSTGRES_MIGRATIONS.length + 1;
        const added = [...POSTGRES_MIGRATIONS, { version: next, name: 'extra', sql: 'CREATE TABLE extra (x int)' }];
        assert.deepEqual(await applyPostgresMigrations(pool, 'migrations', added), [next]);
        assert.deepEqual(await applyPostgresMigrations(pool, 'migrations', added), []);
        assert.equal(await exists('migrations.extra'), true, 'created in the schema given');
        const broken = { version: next + 1, name: 'broken', sql: 'CREATE TABLE half (x int); SELECT * FROM nowhere' };
        await assert.rejects(applyPostgresMigrations(pool, 'migrations', [...added, broken]), /relation "nowhere" does not exist/);
        assert.equal(await exists('migrations.half'), false);
        const { rows } = await sql.query<{ version: number }>(
          'SELECT version FROM migrations.velocity_schema_migrations ORDER BY version',
        );
        assert.deepEqual(rows.map((row) => row.version), [...versions, next]);
        const unordered = [POSTGRES_MIGRATIONS[0], { version: 1, name: 'again', sql: '' }];
        await assert.rejects(applyPostgresMigrations(pool, 'migrations', unordered), /strictly increasing/);
      } finally {
        await pool.end();
      }
    });

    it("works on the user's own pg.Pool, leaves its parsing alone, and does not end it on close", async () => {
      const pool = new pg.Pool({ connectionString: db.url, max: 2 });
      try {
        const store = createPostgresStore({ pool, schema: 'own_pool' });
        await store.migrate();
        const w = makeWindow({ start: minute(2) });
        await store.writeWindows('1m', [w]);
        const [series] = await store.listSeries();
        assert.equal(typeof series.id, 'number');
        assert.equal(series.firstSeen, minute(2));
        const [read] = await store.readWindows('1m', [series.id], minute(0), minute(5));
        assert.deepEqual([read.start, read.count, [...(read.sketch as Uint8Array)]], [w.start, w.count, [...(w.sketch as Uint8Array)]]);
        await store.close();
        // Still open, and still parsing bigint as pg does by default (a string): nothing global changed.
        const { rows } = await pool.query('SELECT count(*) AS n FROM own_pool.velocity_windows_1m');
        assert.deepEqual(rows, [{ n: '1' }]);
      } finally {
        await pool.end();
      }
    });

    it('rejects a url together with a pool, neither, and an empty schema', () => {
      const pool = new pg.Pool();
      assert.throws(() => createPostgresStore({ url: db.url, pool }), { code: 'INVALID_OPTION', param: 'pool' });
      assert.throws(() => createPostgresStore({}), { code: 'INVALID_OPTION', param: 'url' });
      assert.throws(() => createPostgresStore({ url: db.url, schema: '' }), { code: 'INVALID_OPTION', param: 'schema' });
      void pool.end();
    });

    /** `pool` for a store, recording in `sent` the text of every statement sent through it, whitespace collapsed. */
    function recording(pool: pg.Pool, sent: string[]): PgPoolLike {
      const record = (config: PgQueryConfig) => sent.push(config.text.replace(/\s+/g, ' ').trim());
      return {
        query: (config) => (record(config), pool.query(config)),
        async connect(): Promise<PgPoolClient> {
          const client = await pool.connect();
          return { query: (config) => (record(config), client.query(config)), release: (error) => client.release(error) };
        },
      };
    }

    it('writes a batch with one statement per table, however many windows it holds', async () => {
      await openStore('round_trips');
      const pool = new pg.Pool({ connectionString: db.url });
      const sent: string[] = [];
      const store = createPostgresStore({ pool: recording(pool, sent), schema: 'round_trips' });
      try {
        const batch = (m: number): Window[] =>
          Array.from({ length: 2_000 }, (_, i) =>
            [0, 1].map((k) => makeWindow({ labels: { service: 'api', route: `/r/${i}` }, start: minute(m + k) })),
          ).flat();
        const statements = () => sent.splice(0).map((text) => text.split(' ').slice(0, 3).join(' '));
        await store.writeWindows('1m', batch(0));
        const first = statements();
        assert.equal(first.filter((s) => s.startsWith('INSERT INTO "round_trips".velocity_series')).length, 1);
        assert.equal(first.filter((s) => s.startsWith('COPY "round_trips".velocity_windows_1m')).length, 1);
        assert.equal(first.filter((s) => s.startsWith('INSERT INTO "round_trips".velocity_windows_1m')).length, 0);
        assert.ok(first.length <= 12, `4,000 windows took ${first.length} statements`);

        // Known series, partitions known: one statement moves the series' last seen (by id) and
        // marks the rolled buckets the windows feed if those were claimed, then the windows are
        // copied in a savepoint.
        await store.writeWindows('1m', batch(2));
        assert.deepEqual(statements(), [
          'BEGIN',
          'WITH widened AS',
          'SAVEPOINT velocity_copy',
          'COPY "round_trips".velocity_windows_1m (series_id,',
          'COMMIT',
        ]);
        const { rows: spans } = await sql.query<{ n: number; first: Date; last: Date }>(
          'SELECT first_seen AS first, last_seen AS last, count(*)::int AS n FROM round_trips.velocity_series GROUP BY 1, 2',
        );
        assert.deepEqual(spans, [{ first: new Date(minute(0)), last: new Date(minute(3)), n: 2_000 }]);
        // The same batch again: nothing to widen, only the marks; the COPY fails on the stored
        // windows, and one upsert replaces them.
        await store.writeWindows('1m', batch(2));
        assert.deepEqual(statements(), [
          'BEGIN',
          'INSERT INTO "round_trips".velocity_rollup_dirty',
          'SAVEPOINT velocity_copy',
          'COPY "round_trips".velocity_windows_1m (series_id,',
          'ROLLBACK TO SAVEPOINT',
          'INSERT INTO "round_trips".velocity_windows_1m',
          'COMMIT',
        ]);
        const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM round_trips.velocity_windows_1m');
        assert.equal(rows[0].n, 8_000);
      } finally {
        await store.close();
        await pool.end();
      }
    });

    it('a re-sent batch fails its COPY, is upserted instead, and is stored once, in every tier', async () => {
      await openStore('fallback');
      const pool = new pg.Pool({ connectionString: db.url });
      const sent: string[] = [];
      const store = createPostgresStore({ pool: recording(pool, sent), schema: 'fallback' });
      try {
        const routes = ['/a', '/b'];
        const batch = (step: number, count: number): Window[] =>
          [0, 1, 2].flatMap((n) =>
            routes.map((route) => makeWindow({ labels: { service: 'api', route }, start: T0 + n * step, count: count + n })),
          );
        const stored = async (tier: '1m' | '1h' | '1d') => {
          const ids = (await store.listSeries()).map((s) => s.id);
          return (await store.readWindows(tier, ids, -Infinity, Infinity)).map((w) => [w.seriesId, w.start, w.count]);
        };
        for (const [tier, step] of [['1m', MINUTE_MS], ['1h', HOUR_MS], ['1d', DAY_MS]] as const) {
          await store.writeWindows(tier, batch(step, 10));
          const written = await stored(tier);
          assert.equal(written.length, 6);
          sent.length = 0;
          // The same batch again, as after a commit whose reply was lost.
          await store.writeWindows(tier, batch(step, 10));
          const table = `"fallback".velocity_windows_${tier}`;
          assert.deepEqual(
            sent.map((text) => text.split(' ').slice(0, 3).join(' ')),
            ['BEGIN']
              .concat(tier === '1d' ? [] : ['INSERT INTO "fallback".velocity_rollup_dirty'])
              .concat(['SAVEPOINT velocity_copy', `COPY ${table} (series_id,`, 'ROLLBACK TO SAVEPOINT', `INSERT INTO ${table}`, 'COMMIT']),
          );
          assert.deepEqual(await stored(tier), written, `${tier}: stored once`);
          // Again with other values, as a roll-up rewriting its buckets: each window replaced.
          await store.writeWindows(tier, batch(step, 20));
          assert.deepEqual(
            await stored(tier),
            written.map(([id, start, count]) => [id, start, count + 10]),
            `${tier}: replaced, not added to`,
          );
        }
      } finally {
        await store.close();
        await pool.end();
      }
    });

    it('a batch mixing stored and new windows stores each once, the stored ones replaced, its series and marks kept', async () => {
      await openStore('mixed');
      const pool = new pg.Pool({ connectionString: db.url });
      const sent: string[] = [];
      const store = createPostgresStore({ pool: recording(pool, sent), schema: 'mixed' });
      try {
        const w = (route: string, m: number, count: number) => makeWindow({ labels: { service: 'api', route }, start: minute(m), count });
        await store.writeWindows('1m', [w('/1', 0, 1), w('/1', 1, 2), w('/2', 0, 3), w('/2', 1, 4), w('/3', 0, 5), w('/3', 1, 6)]);
        await store.claimRollup('1h', T0 + HOUR_MS);
        sent.length = 0;
        // In the COPY's order (series, then minute), the stored windows sit between new ones: the
        // rows copied before the first of them are undone with the COPY, then upserted.
        await store.writeWindows('1m', [w('/1', 5, 7), w('/2', 1, 40), w('/3', 1, 60), w('/3', 2, 8), w('/4', 0, 9)]);
        assert.ok(sent.includes('ROLLBACK TO SAVEPOINT velocity_copy'), sent.join('\n'));
        const series = await store.listSeries();
        const routeOf = new Map(series.map((s) => [s.id, s.labels.route]));
        const read = await store.readWindows('1m', series.map((s) => s.id), -Infinity, Infinity);
        assert.deepEqual(
          read.map((r) => [routeOf.get(r.seriesId), (r.start - T0) / MINUTE_MS, r.count]).sort(),
          [
            ['/1', 0, 1], ['/1', 1, 2], ['/1', 5, 7],
            ['/2', 0, 3], ['/2', 1, 40],
            ['/3', 0, 5], ['/3', 1, 60], ['/3', 2, 8],
            ['/4', 0, 9],
          ],
        );
        // The series' last seen moved before the savepoint, and stays moved.
        assert.deepEqual(
          series.map((s) => [s.labels.route, (s.lastSeen - T0) / MINUTE_MS]),
          [['/1', 5], ['/2', 1], ['/3', 2], ['/4', 0]],
        );
        // The claimed hour the batch wrote into is marked dirty, after the fallback too.
        assert.deepEqual((await store.listDirtyBuckets('1h', 10)).map((b) => b.start), [T0]);
      } finally {
        await store.close();
        await pool.end();
      }
    });

    it('a batch out of start order, with starts repeated, stores each window once, the last given, and spans its series', async () => {
      const store = await openStore('unordered');
      const w = (route: string, m: number, count: number) => makeWindow({ labels: { service: 'api', route }, start: minute(m), count });
      await store.writeWindows('1m', [w('/a', 0, 1), w('/b', 0, 2)]);
      // Known series now, so their spans are widened by id; then a COPY of the rows in key order.
      await store.writeWindows('1m', [
        w('/a', 4, 10), w('/b', 3, 20), w('/a', 2, 11), w('/a', 4, 12), w('/b', 1, 21), w('/a', 3, 13), w('/a', 2, 14),
      ]);
      const series = await store.listSeries();
      const routeOf = new Map(series.map((s) => [s.id, s.labels.route]));
      const read = await store.readWindows('1m', series.map((s) => s.id), -Infinity, Infinity);
      assert.deepEqual(
        read.map((r) => [routeOf.get(r.seriesId), (r.start - T0) / MINUTE_MS, r.count]).sort(),
        [['/a', 0, 1], ['/a', 2, 14], ['/a', 3, 13], ['/a', 4, 12], ['/b', 0, 2], ['/b', 1, 21], ['/b', 3, 20]],
      );
      assert.deepEqual(
        series.map((s) => [s.labels.route, (s.firstSeen - T0) / MINUTE_MS, (s.lastSeen - T0) / MINUTE_MS]),
        [['/a', 0, 4], ['/b', 0, 3]],
      );
    });

    it('keeps status counts as varints that velocity_status_counts() reads in SQL', async () => {
      const store = await openStore('status_counts');
      const labels = { service: 'api', method: 'GET', route: '/a' };
      const counts = [0, 1_234_567, 0, 127, 128, Number.MAX_SAFE_INTEGER, 3];
      await store.writeWindows('1h', [
        makeWindow({ metric: 'http.server.request.duration.route', labels, start: Date.UTC(2026, 10, 20, 10), statusCounts: counts }),
        makeWindow({ labels: { ...labels, status_class: '2xx' }, start: Date.UTC(2026, 10, 20, 10) }),
      ]);
      const { rows } = await sql.query<{ counts: string[] | null; bytes: number | null }>(
        `SELECT status_counts.velocity_status_counts(status_counts) AS counts, length(status_counts) AS bytes
         FROM status_counts.velocity_windows_1h ORDER BY series_id`,
      );
      assert.deepEqual(rows.map((r) => r.counts?.map(Number) ?? null), [counts, null]);
      assert.equal(rows[0].bytes, 1 + 3 + 1 + 1 + 2 + 8 + 1, 'one varint per count, 7 bits a byte');
    });

    it('binary parameters carry extreme values exactly: far dates, huge counts, tiny and signed doubles, nulls', async () => {
      const store = await openStore('binary');
      const first = Date.parse('0001-01-01T00:00:00Z');
      const last = Date.parse('9999-12-31T23:59:00Z');
      const windows = [
        makeWindow({
          labels: { service: 'a' },
          start: first,
          count: Number.MAX_SAFE_INTEGER,
          sum: -1.5e308,
          min: -0.5,
          max: 5e-324,
          statusCounts: [Number.MAX_SAFE_INTEGER, 0, 1, 0, 0, 0, 2],
        }),
        makeWindow({ labels: { service: 'a' }, start: last, count: 0, sum: 0, min: 0, max: 0, p50: null, p95: null, p99: null, sketch: null }),
        makeWindow({ labels: { service: 'b' }, start: Date.UTC(1970, 0, 1), p50: 1 / 3, p95: 2 ** 52 + 0.5, sketch: new Uint8Array(0) }),
        makeWindow({ labels: { service: 'b' }, start: Date.UTC(1999, 11, 31, 23, 59), sketch: new Uint8Array(300).map((_, i) => i) }),
        makeWindow({ metric: 'g', kind: 'gauge', labels: { service: 'c' }, start: Date.UTC(2000, 0, 1), last: -273.15 }),
      ];
      await store.writeWindows('1m', windows);
      // The same again, now through the widen-by-id path and over stored rows.
      await store.writeWindows('1m', windows);
      const series = await store.listSeries();
      const read = await store.readWindows('1m', series.map((s) => s.id), -Infinity, Infinity);
      const keyOf = new Map(series.map((s) => [s.id, s.key]));
      const plain = (w: Omit<Window, 'series'>) => ({
        ...w,
        statusCounts: w.statusCounts ?? null,
        sketch: w.sketch === null ? null : [...w.sketch],
      });
      assert.deepEqual(
        read.map(({ seriesId, ...w }) => ({ key: keyOf.get(seriesId), ...plain(w) })),
        [...windows]
          .sort((a, b) => a.start - b.start)
          .map(({ series: s, ...w }) => ({ key: s.key, ...plain(w) })),
      );
      assert.deepEqual(
        series.map((s) => [s.firstSeen, s.lastSeen]),
        [[first, last], [Date.UTC(1970, 0, 1), Date.UTC(1999, 11, 31, 23, 59)], [Date.UTC(2000, 0, 1), Date.UTC(2000, 0, 1)]],
      );
    });

    it('a batch re-sent after its commit did succeed is not counted twice, even by a new instance', async () => {
      const first = await openStore('resend');
      const batch: Window[] = [];
      for (const status_class of ['2xx', '5xx']) {
        const labels = { env: 'prod', method: 'GET', route: '/api/jobs', status_class };
        for (let m = 0; m < 5; m++) batch.push(makeWindow({ labels, start: minute(m), count: 10 + m }));
      }
      const totals = async () =>
        (
          await sql.query<{ windows: number; requests: number; series: number; samples: number }>(
            `SELECT (SELECT count(*)::int FROM resend.velocity_windows_1m) AS windows,
                    (SELECT sum(count)::int FROM resend.velocity_windows_1m) AS requests,
                    (SELECT count(*)::int FROM resend.velocity_series) AS series,
                    (SELECT sum(samples_1m)::int FROM resend.velocity_metrics) AS samples`,
          )
        ).rows[0];
      await first.writeWindows('1m', batch);
      const expected = { windows: 10, requests: 2 * (10 + 11 + 12 + 13 + 14), series: 2, samples: 120 };
      assert.deepEqual(await totals(), expected);
      await first.writeWindows('1m', batch);
      // A restarted process knows no series ids: it re-sends the same batch from scratch.
      const restarted = await openStore('resend');
      await restarted.writeWindows('1m', batch);
      assert.deepEqual(await totals(), expected);
      assert.deepEqual(await restarted.listSeries(), await first.listSeries());
    });

    it("contract A: CONTRACTS.md's two queries on velocity_metrics work verbatim, with the right numbers", async () => {
      const store = await openStore('public');
      const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
      const [a, b, old] = [now - 3 * MINUTE_MS, now - 2 * MINUTE_MS, now - 125 * MINUTE_MS];
      const base = { service: 'api', env: 'prod', release_sha: 'abc1234', build_time: '2026-11-21T08:00:00Z' };
      const request = (
        start: number,
        labels: Partial<Labels> & { instance: string; method: string; route: string; status_class: string },
        count: number,
        p50: number,
        p95: number,
      ) => makeWindow({ labels: { ...base, ...labels }, start, count, p50, p95, p99: p95 });
      const jobs = { method: 'GET', route: '/api/jobs' };
      await store.writeWindows('1m', [
        // Minute a, GET /api/jobs on two instances: 200 requests, 10 of them errors; the
        // largest window (api-2's 2xx) gives the percentiles.
        request(a, { ...jobs, instance: 'api-1', status_class: '2xx' }, 90, 10, 30),
        request(a, { ...jobs, instance: 'api-1', status_class: '5xx' }, 6, 50, 200),
        request(a, { ...jobs, instance: 'api-1', status_class: 'timeout' }, 4, 5000, 5000),
        request(a, { ...jobs, instance: 'api-2', status_class: '2xx' }, 100, 12, 35),
        request(a, { method: 'POST', route: '/api/jobs', instance: 'api-1', status_class: '2xx' }, 30, 20.5, 80.25),
        // Minute b: one window, its percentiles exactly (rounded to 3 decimals), and another env.
        request(b, { ...jobs, instance: 'api-1', status_class: '2xx' }, 61, 11.1234, 33.3336),
        request(b, { ...jobs, instance: 'api-1', status_class: '2xx', env: 'staging' }, 7, 9, 19),
        // Two hours ago: outside the last hour.
        request(old, { ...jobs, instance: 'api-1', status_class: '2xx' }, 10, 10, 20),
        // Not a request metric: not in the view.
        makeWindow({ metric: 'process.cpu.utilization', kind: 'gauge', labels: { ...base, instance: 'api-1' }, start: a }),
      ]);

      const count = await sql.query("SELECT count(*) FROM velocity_metrics WHERE ts > now() - interval '1 hour';");
      assert.deepEqual(count.rows, [{ count: '4' }]);

      const latest = await sql.query<{ ts: Date; route: string; rps: number; p95_ms: number; err_rate_pct: number }>(
        'SELECT ts, route, rps, p95_ms, err_rate_pct FROM velocity_metrics ORDER BY ts DESC LIMIT 10;',
      );
      const rows = latest.rows
        .map((row) => ({ ...row, ts: row.ts.getTime() }))
        .sort((x, y) => y.ts - x.ts || x.route.localeCompare(y.route) || x.rps - y.rps);
      assert.deepEqual(rows, [
        { ts: b, route: 'GET /api/jobs', rps: 0.117, p95_ms: 19, err_rate_pct: 0 },
        { ts: b, route: 'GET /api/jobs', rps: 1.017, p95_ms: 33.334, err_rate_pct: 0 },
        { ts: a, route: 'GET /api/jobs', rps: 3.333, p95_ms: 35, err_rate_pct: 5 },
        { ts: a, route: 'POST /api/jobs', rps: 0.5, p95_ms: 80.25, err_rate_pct: 0 },
        { ts: old, route: 'GET /api/jobs', rps: 0.167, p95_ms: 20, err_rate_pct: 0 },
      ]);

      const all = await sql.query(
        `SELECT ts, env, route, rps, p50_ms, p95_ms, err_rate_pct, samples_1m, release_sha, build_time
         FROM velocity_metrics WHERE ts = $1 AND route = 'GET /api/jobs'`,
        [new Date(a)],
      );
      assert.deepEqual(all.rows, [
        {
          ts: new Date(a),
          env: 'prod',
          route: 'GET /api/jobs',
          rps: 3.333,
          p50_ms: 12,
          p95_ms: 35,
          err_rate_pct: 5,
          samples_1m: '200',
          release_sha: 'abc1234',
          build_time: '2026-11-21T08:00:00Z',
        },
      ]);
      const { rows: comment } = await sql.query<{ text: string }>(
        `SELECT obj_description('public.velocity_metrics'::regclass, 'pg_class') AS text`,
      );
      assert.match(comment[0].text, /window with the most requests/);
      assert.equal(HTTP_DURATION_METRIC, 'http.server.request.duration', 'the view filters on this name');
    });
  });
});

describe('postgres store without a server', { skip: skipUnlessSelected('postgres') }, () => {
  it('is created without connecting, and rejects calls rather than crash or hang', async () => {
    const store = createPostgresStore({ url: 'postgres://velocity@127.0.0.1:1/velocity' });
    const refused = /ECONNREFUSED/;
    await assert.rejects(store.ping(), refused);
    await assert.rejects(store.migrate(), refused);
    await assert.rejects(store.writeWindows('1m', [makeWindow()]), refused);
    await assert.rejects(store.listSeries(), refused);
    await store.close();
    await assert.rejects(store.ping(), { code: 'CLOSED' });
  });
});
