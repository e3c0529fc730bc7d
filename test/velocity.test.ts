import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MINUTE_MS } from '../src/model/duration.js';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createVelocity } from '../src/velocity.js';
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

describe('Velocity while its store is unreachable', () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  before(() => process.on('unhandledRejection', onRejection));
  after(async () => {
    // Let anything left over from the tests settle before looking.
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('unhandledRejection', onRejection);
    assert.deepEqual(rejections, [], 'no unhandled rejections');
  });

  it('close() while the database is still unreachable tries once more, then says what it could not write', async () => {
    // A real refusal: nothing listens on port 1.
    const logs: string[] = [];
    const store = createPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/velocity' });
    const velocity = testVelocity(testClock(T0), { store, log: (message) => logs.push(message) });
    velocity.recordRequest('GET', '/a', 200, 1);
    velocity.recordRequest('GET', '/b', 200, 1);
    await velocity.flush(); // waits for the start-up attempt to fail
    assert.equal((await velocity.health()).status, 'connecting');
    await velocity.close();
    assert.match(logs[0], /^store unreachable at start-up, recording in memory and retrying with backoff: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    assert.deepEqual(logs.slice(1), ['closing with 2 windows not written: connect ECONNREFUSED 127.0.0.1:1']);
    await assert.rejects(velocity.ready, { code: 'CLOSED' });
  });

  it('close() gives up after closeTimeout when the database never answers', async () => {
    // Accepts connections and never says a word: connecting waits for pg's own 5 s timeout.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const logs: string[] = [];
    try {
      const velocity = createVelocity({
        database: `postgres://velocity@127.0.0.1:${port}/velocity`,
        closeTimeout: '300ms',
        timers: false,
        handleSignals: false,
        log: (message) => logs.push(message),
      });
      velocity.recordRequest('GET', '/a', 200, 1);
      const started = performance.now();
      await velocity.close();
      const tookMs = performance.now() - started;
      assert.ok(tookMs >= 290 && tookMs < 1_500, `close() took ${Math.round(tookMs)} ms`);
      assert.deepEqual(logs, [
        'closing with 1 window not written: the store did not answer within 300ms',
        'the store did not close within 300ms; left to close in the background',
      ]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
