import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { bucketStart } from '../../src/model/time.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../support/tmp.js';
import { makeWindow } from '../support/windows.js';
import { runCli, storedWindows } from './run-cli.js';

describe('velocity migrate and prune', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('migrate creates the schema, and running it again is fine', async () => {
    const db = join(tmp.dir, 'new', 'm.db');
    const first = await runCli(['migrate', '--db', db]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `velocity: sqlite store ${db}: schema is up to date\n`);
    const second = await runCli(['migrate'], { env: { VELOCITY_DATABASE_URL: db } });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    // The schema is there: windows can be written and read back.
    const store = createSqliteStore({ path: db });
    await store.writeWindows('1m', [makeWindow({ start: bucketStart(Date.now(), MINUTE_MS) })]);
    await store.close();
    assert.equal((await storedWindows(db)).windows, 1);
  });

  it('prune rolls up, then deletes the windows older than the retention: flag, then VELOCITY_RETENTION_1M, then 14d', async () => {
    const db = join(tmp.dir, 'p.db');
    const now = bucketStart(Date.now(), MINUTE_MS);
    const store = createSqliteStore({ path: db });
    await store.migrate();
    await store.writeWindows('1m', [
      makeWindow({ start: now - 20 * DAY_MS }),
      makeWindow({ start: now - 10 * DAY_MS }),
      makeWindow({ start: now - HOUR_MS }),
    ]);
    await store.close();

    const keepAll = await runCli(['prune', '--db', db], { env: { VELOCITY_RETENTION_1M: '30d' } });
    assert.equal(keepAll.code, 0, keepAll.stderr);
    // The older windows' hours and days are rolled up; the last one's may not be over yet.
    // Each bucket holds one request window and the route's totals.
    assert.match(keepAll.stdout, /^velocity: rolled up ([23]) 1h buckets into (4|6) windows \(complete before \S+\) in /);
    assert.match(keepAll.stdout, /^velocity: rolled up ([23]) 1d buckets into (4|6) windows \(complete before \S+\) in /m);
    assert.match(keepAll.stdout, /^velocity: deleted 0 1m windows older than \S+ \(retention 30d\)/m);
    assert.match(keepAll.stdout, /^velocity: deleted 0 1h windows older than \S+ \(retention 90d\)/m);
    assert.match(keepAll.stdout, /^velocity: deleted 0 1d windows older than \S+ \(retention 730d\)/m);
    assert.equal((await storedWindows(db)).windows, 3);

    const byDefault = await runCli(['prune', '--db', db]);
    assert.match(byDefault.stdout, /^velocity: deleted 1 1m window older than \S+ \(retention 2w\)/m);
    assert.equal((await storedWindows(db)).windows, 2);

    const byFlag = await runCli(['prune', '--db', db, '--retention-1m', '1d'], { env: { VELOCITY_RETENTION_1M: '30d' } });
    assert.equal(byFlag.code, 0, byFlag.stderr);
    assert.match(byFlag.stdout, /^velocity: deleted 1 1m window older than/m);
    const left = await storedWindows(db);
    assert.equal(left.windows, 1);
    assert.equal((await storedWindows(db, now - HOUR_MS, now)).windows, 1);
  });
});
