import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { MINUTE_MS } from '../../src/model/duration.js';
import { MAINTENANCE_LOCK_CLASS, maintenanceLockKey } from '../../src/store/postgres/postgres-maintenance.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { T0 } from '../support/windows.js';
import { skipUnlessSelected } from './conformance.js';

const skip = skipUnlessSelected('postgres') || (await postgresSkipReason());

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('postgres maintenance lock', { skip }, () => {
  let db: TestDatabase;
  let sql: pg.Pool;
  const stores: Store[] = [];
  /** A migrated store with a pool of its own (as another process would have) on `schema`. */
  async function open(schema: string): Promise<Store> {
    const store = createPostgresStore({ url: db.url, schema });
    stores.push(store);
    await store.migrate();
    return store;
  }
  before(async () => {
    db = await createTestDatabase();
    sql = new pg.Pool({ connectionString: db.url });
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await sql?.end();
    await db?.drop();
  });

  /** The advisory locks held on the test database, as [classid, objid, objsubid]. */
  async function advisoryLocks(): Promise<number[][]> {
    const { rows } = await sql.query<{ classid: string; objid: string; objsubid: number }>(
      `SELECT classid::int8, objid::int8, objsubid FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return rows.map((row) => [Number(row.classid), Number(row.objid), row.objsubid]);
  }

  it('survives the lock session\'s connection being killed while work runs, and takes the lock again after', async () => {
    const store = await open('maint_killed');
    const uncaught: Error[] = [];
    const onUncaught = (error: Error): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await store.runMaintenance('retention', T0, 0, async () => {
        const { rows } = await sql.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        assert.equal(rows.length, 1);
        await sql.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        // pg reports the lost connection as an 'error' event of the checked-out client.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }).catch(() => {});
      assert.deepEqual(uncaught, []);
      assert.equal(await store.runMaintenance('retention', T0 + MINUTE_MS, 0, async () => {}), true);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  });

  it('holds a session lock per schema while work runs: other pools on the schema get false, other schemas run', async () => {
    const [a, b, elsewhere] = [await open('maint'), await open('maint'), await open('maint_other')];
    const running = gate();
    const release = gate();
    const first = a.runMaintenance('retention', T0, 0, async () => {
      running.open();
      await release.promise;
    });
    await running.promise;
    // objid is an oid: the signed key reads as its unsigned 32-bit value.
    assert.deepEqual(await advisoryLocks(), [[MAINTENANCE_LOCK_CLASS, maintenanceLockKey('maint') >>> 0, 2]]);
    let ran: string[] = [];
    assert.equal(await b.runMaintenance('rollup', T0, 0, async () => void ran.push('b')), false);
    assert.equal(await elsewhere.runMaintenance('retention', T0, 0, async () => void ran.push('elsewhere')), true);
    assert.deepEqual(ran, ['elsewhere']);
    release.open();
    assert.equal(await first, true);
    assert.deepEqual(await advisoryLocks(), [], 'unlocked once the run is over');

    ran = [];
    assert.equal(await b.runMaintenance('rollup', T0 + 1, 0, async () => void ran.push('b')), true);
    await assert.rejects(
      a.runMaintenance('retention', T0 + 2, 0, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await advisoryLocks(), [], 'unlocked after work that threw');
    assert.equal(await b.runMaintenance('retention', T0 + 3, MINUTE_MS, async () => void ran.push('b again')), false);
    assert.deepEqual(ran, ['b']);
    const { rows } = await sql.query<{ job: string; last_run: string }>(
      `SELECT job, (extract(epoch FROM last_run) * 1000)::int8::text AS last_run FROM maint.velocity_maintenance ORDER BY job`,
    );
    assert.deepEqual(rows, [
      { job: 'retention', last_run: String(T0) },
      { job: 'rollup', last_run: String(T0 + 1) },
    ]);
  });

  it('runs once among stores on separate pools that all try at the same moment', async () => {
    const racers = await Promise.all([1, 2, 3, 4, 5].map(() => open('maint_race')));
    let runs = 0;
    const results = await Promise.all(
      racers.map((store) =>
        store.runMaintenance('retention', T0, MINUTE_MS, async () => {
          runs++;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }),
      ),
    );
    assert.equal(runs, 1);
    assert.deepEqual(results.filter(Boolean), [true]);
  });
});
