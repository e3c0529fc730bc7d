import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { applySqliteMigrations, SQLITE_MIGRATIONS } from '../../src/store/sqlite/sqlite-migrations.js';
import { windowSql } from '../../src/store/sqlite/sqlite-statements.js';
import { createSqliteStore, SQLITE_BUSY_TIMEOUT_MS } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { makeWindow, minute } from '../support/windows.js';
import { runStoreConformance, skipUnlessSelected } from './conformance.js';

const tempDirs = new Map<Store, string>();

async function createTempStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'velocity-sqlite-'));
  const store = createSqliteStore({ path: join(dir, 'velocity.db') });
  tempDirs.set(store, dir);
  await store.migrate();
  return store;
}

async function removeTempStore(store: Store): Promise<void> {
  rmSync(tempDirs.get(store) as string, { recursive: true, force: true });
  tempDirs.delete(store);
}

runStoreConformance({ name: 'sqlite', create: createTempStore, cleanup: removeTempStore });

describe('sqlite store', { skip: skipUnlessSelected('sqlite') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'velocity-sqlite-'));
  let files = 0;
  /** A path for a database file of its own in this suite's temp directory. */
  const freshPath = () => join(dir, `test-${++files}.db`);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its file in WAL mode and sets synchronous=NORMAL and a busy timeout', async () => {
    const path = freshPath();
    const store = createSqliteStore({ path });
    await store.migrate();
    const other = new Database(path, { readonly: true });
    assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
    other.close();
    await store.close();

    const db = new Database(freshPath());
    const onUsersDb = createSqliteStore({ database: db });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 1);
    assert.equal(db.pragma('busy_timeout', { simple: true }), SQLITE_BUSY_TIMEOUT_MS);
    await onUsersDb.close();
    db.close();
  });

  it('keeps the maintenance runs it records in the file, in epoch milliseconds', async () => {
    const path = freshPath();
    const first = createSqliteStore({ path });
    await first.migrate();
    assert.equal(await first.runMaintenance('retention', minute(0) + 123, 1_000, async () => {}), true);
    await first.close();
    const second = createSqliteStore({ path });
    await second.migrate();
    let ran = 0;
    assert.equal(await second.runMaintenance('retention', minute(0) + 1_022, 1_000, async () => void ran++), false);
    assert.equal(await second.runMaintenance('retention', minute(0) + 1_023, 1_000, async () => void ran++), true);
    assert.equal(ran, 1);
    await second.close();
    const db = new Database(path, { readonly: true });
    assert.deepEqual(db.prepare('SELECT job, last_run_ms FROM maintenance').all(), [
      { job: 'retention', last_run_ms: minute(0) + 1_023 },
    ]);
    db.close();
  });

  it('keeps data across close and reopen, and does not re-run migrations', async () => {
    const path = freshPath();
    const first = createSqliteStore({ path });
    await first.migrate();
    await first.writeWindows('1m', [makeWindow({ start: minute(3) })]);
    const seriesBefore = await first.listSeries();
    await first.close();
    const migrationsBefore = readMigrations(path);
    assert.deepEqual(
      migrationsBefore.map((m) => [m.version, m.name]),
      SQLITE_MIGRATIONS.map((m) => [m.version, m.name]),
    );

    const second = createSqliteStore({ path });
    await second.migrate();
    assert.deepEqual(await second.listSeries(), seriesBefore);
    const [{ id }] = seriesBefore;
    assert.deepEqual(
      (await second.readWindows('1m', [id], minute(0), minute(10))).map((w) => [w.start, w.count]),
      [[minute(3), 120]],
    );
    // A new store instance must find the existing series, not register it again.
    await second.writeWindows('1m', [makeWindow({ start: minute(1) }), makeWindow({ start: minute(7) })]);
    assert.deepEqual(
      (await second.listSeries()).map((s) => [s.id, s.firstSeen, s.lastSeen]),
      [[id, minute(1), minute(7)]],
    );
    await second.close();
    assert.deepEqual(readMigrations(path), migrationsBefore);
  });

  it('works on a Database the user opened, and leaves it open on close', async () => {
    const db = new Database(freshPath());
    db.defaultSafeIntegers(true);
    const store = createSqliteStore({ database: db });
    await store.migrate();
    const w = makeWindow({ start: minute(2) });
    await store.writeWindows('1m', [w]);
    const [series] = await store.listSeries();
    assert.equal(typeof series.id, 'number');
    assert.equal(series.firstSeen, minute(2));
    const [read] = await store.readWindows('1m', [series.id], minute(0), minute(5));
    assert.deepEqual(
      [read.start, read.count, [...(read.sketch as Uint8Array)]],
      [w.start, w.count, [...(w.sketch as Uint8Array)]],
    );
    await store.close();
    db.defaultSafeIntegers(false);
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM windows_1m').get(), { n: 1 });
    db.close();
  });

  it('rejects a path together with a database, and creates the directory of its file', async () => {
    const db = new Database(':memory:');
    assert.throws(() => createSqliteStore({ path: freshPath(), database: db }), { code: 'INVALID_OPTION' });
    db.close();
    const nested = join(dir, 'a', 'b', 'velocity.db');
    const store = createSqliteStore({ path: nested });
    await store.migrate();
    await store.close();
    assert.ok(existsSync(nested));
  });

  it('rolls a batch back whole when SQLite rejects a row, and forgets what it learnt from it', async () => {
    const db = new Database(freshPath());
    const store = createSqliteStore({ database: db });
    await store.migrate();
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON windows_1m WHEN NEW.count = 666
             BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    await store.writeWindows('1m', [makeWindow({ start: minute(5) })]);
    const other = { service: 'other' };
    await assert.rejects(
      store.writeWindows('1m', [
        makeWindow({ start: minute(1) }),
        makeWindow({ labels: other, start: minute(1) }),
        makeWindow({ start: minute(2), count: 666 }),
      ]),
      /refused/,
    );
    const [series] = await store.listSeries();
    assert.deepEqual([(await store.listSeries()).length, series.firstSeen], [1, minute(5)]);
    // Had the failed batch's span or ids been cached, these writes would skip the series updates.
    await store.writeWindows('1m', [
      makeWindow({ start: minute(1) }),
      makeWindow({ labels: other, start: minute(1) }),
    ]);
    assert.deepEqual(
      (await store.listSeries()).map((s) => [s.firstSeen, s.lastSeen]),
      [
        [minute(1), minute(5)],
        [minute(1), minute(1)],
      ],
    );
    const ids = (await store.listSeries()).map((s) => s.id);
    assert.equal((await store.readWindows('1m', ids, minute(0), minute(10))).length, 3);
    await store.close();
    db.close();
  });

  it('reads by range and by key through the primary key, deletes and finds the first window through the index on t', async () => {
    const db = new Database(':memory:');
    applySqliteMigrations(db);
    const sql = windowSql('1m');
    const plan = (statement: string, ...params: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${statement}`).all(...params) as Array<{ detail: string }>)
        .map((row) => row.detail)
        .join('\n');
    const byKeyRange = /SEARCH windows_1m USING PRIMARY KEY \(series_id=\? AND t>\? AND t<\?\)/;
    assert.match(plan(sql.read, '[1,2]', 0, 60), byKeyRange);
    assert.match(plan(sql.readWithoutSketch, '[1,2]', 0, 60), byKeyRange);
    const readAtPlan = plan(sql.readAt, '[[1,60]]');
    assert.match(readAtPlan, /SEARCH windows_1m USING PRIMARY KEY \(series_id=\? AND t=\?\)/);
    assert.doesNotMatch(readAtPlan, /SCAN windows_1m|DISTINCT/);
    const deletePlan = plan(sql.deleteBatch, 60, 100);
    assert.match(deletePlan, /SEARCH windows_1m USING COVERING INDEX windows_1m_t \(t<\?\)/);
    assert.match(deletePlan, /SEARCH windows_1m USING PRIMARY KEY \(series_id=\? AND t=\?\)/);
    assert.doesNotMatch(`${plan(sql.read, '[1]', 0, 60)}\n${deletePlan}`, /SCAN windows_1m/);
    for (const tier of ['1m', '1h', '1d'] as const) {
      const table = `windows_${tier}`;
      assert.match(plan(windowSql(tier).first, 60), new RegExp(`SEARCH ${table} USING COVERING INDEX ${table}_t \\(t>\\?\\)`));
      assert.match(plan(windowSql(tier).read, '[1,2]', 0, 60), new RegExp(`SEARCH ${table} USING PRIMARY KEY`));
    }
    db.close();
  });

  it('applies a migration added later exactly once, and a failing one not at all', () => {
    const db = new Database(':memory:');
    assert.deepEqual(applySqliteMigrations(db), SQLITE_MIGRATIONS.map((m) => m.version));
    const next = SQLITE_MIGRATIONS.length + 1;
    const added = [...SQLITE_MIGRATIONS, { version: next, name: 'extra', sql: 'CREATE TABLE extra (x)' }];
    assert.deepEqual(applySqliteMigrations(db, added), [next]);
    assert.deepEqual(applySqliteMigrations(db, added), []);
    const broken = { version: next + 1, name: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM nowhere' };
    const failing = [...added, broken];
    assert.throws(() => applySqliteMigrations(db, failing), /no such table: nowhere/);
    const half = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'`).get();
    assert.deepEqual(half, { n: 0 });
    assert.deepEqual(
      db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(),
      added.map((m) => ({ version: m.version })),
    );
    const unordered = [SQLITE_MIGRATIONS[0], { version: 1, name: 'again', sql: '' }];
    assert.throws(() => applySqliteMigrations(db, unordered), /strictly increasing/);
    db.close();
  });
});

interface MigrationRow {
  version: number;
  name: string;
  applied_at: number;
}

/** The schema_migrations rows of the file at `path`, read through a connection of its own. */
function readMigrations(path: string): MigrationRow[] {
  const db = new Database(path, { readonly: true });
  try {
    const sql = 'SELECT version, name, applied_at FROM schema_migrations ORDER BY version';
    return db.prepare(sql).all() as MigrationRow[];
  } finally {
    db.close();
  }
}
