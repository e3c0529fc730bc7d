import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MINUTE_MS } from '../src/model/duration.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { storedRequestCountsIn } from './adapters/stored.js';
import { tempDir } from './support/tmp.js';
import { testClock, testVelocity } from './support/velocity.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');

describe('Velocity', () => {
  it('close() writes every window, the open one included', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const clock = testClock(T0 + 5_000);
    const velocity = testVelocity(clock, { store: createSqliteStore({ path }) });
    velocity.recordRequest('GET', '/a', 200, 1);
    clock.set(T0 + MINUTE_MS + 5_000);
    velocity.rotate();
    velocity.recordRequest('GET', '/a', 200, 2);
    velocity.recordRequest('GET', '/a', 200, 3);
    await velocity.close();
    const reopened = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(reopened.get('GET /a 2xx')?.count, 3);
    assert.equal(reopened.get('GET /a 2xx')?.sum, 6);
  });

  it('keeps two instances in one process apart', async () => {
    const clock = testClock(T0);
    const a = testVelocity(clock);
    const b = testVelocity(clock);
    a.recordRequest('GET', '/only-a', 200, 1);
    clock.advance(MINUTE_MS);
    await Promise.all([a.flush(), b.flush()]);
    assert.equal((await a.series()).length, 1);
    assert.equal((await b.series()).length, 0);
    await Promise.all([a.close(), b.close()]);
  });

  it('flushes everything on SIGTERM in a real process, then exits', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/record-then-wait.ts', path, '2500'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    assert.equal(chunk.toString().trim(), 'ready');
    child.kill('SIGTERM');
    const [code, signal] = await once(child, 'exit');
    assert.equal(signal ?? code, 'SIGTERM');
    const counts = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(counts.get('GET /work 2xx')?.count, 2250);
    assert.equal(counts.get('GET /work 5xx')?.count, 250);
  });
});
