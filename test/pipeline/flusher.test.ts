import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MINUTE_MS } from '../../src/model/duration.js';
import { Flusher } from '../../src/pipeline/flusher.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { storedRequestCounts, storedRequestCountsIn } from '../adapters/stored.js';
import { tempDir } from '../support/tmp.js';
import { testClock, testVelocity } from '../support/velocity.js';
import { makeWindow, minute } from '../support/windows.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');

describe('Flusher', () => {
  it('keeps windows through a real write failure (the file locked by another connection) and writes them once it clears', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const store = createSqliteStore({ path, busyTimeoutMs: 10 });
    const clock = testClock(T0);
    const logs: string[] = [];
    const velocity = testVelocity(clock, { store, log: (message) => logs.push(message) });
    await velocity.ready;
    const locker = new Database(path);
    try {
      for (let i = 0; i < 50; i++) velocity.recordRequest('GET', '/a', 200, i);
      clock.advance(MINUTE_MS);
      locker.exec('BEGIN EXCLUSIVE');
      await velocity.flush();
      const during = await velocity.health();
      assert.equal(during.status, 'degraded');
      assert.equal(during.pending_windows, 1);
      assert.match(during.last_flush_error ?? '', /locked|busy/i);
      for (let i = 0; i < 25; i++) velocity.recordRequest('GET', '/a', 500, i);
      clock.advance(MINUTE_MS);
      await velocity.flush();
      assert.equal((await velocity.health()).pending_windows, 2);
      locker.exec('COMMIT');
      await velocity.flush();
      const healed = await velocity.health();
      assert.equal(healed.status, 'ok');
      assert.equal(healed.pending_windows, 0);
      assert.equal(healed.dropped_windows, 0);
      // One line when writes start failing, one when they work again: not one per failure.
      assert.deepEqual(logs, ['flush failed, windows kept and retried: database is locked', 'flush succeeded again after 2 failed attempts']);
    } finally {
      locker.close();
      await velocity.close();
    }
    const counts = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(counts.get('GET /a 2xx')?.count, 50);
    assert.equal(counts.get('GET /a 5xx')?.count, 25);
  });

  it('bounds what it holds by bytes, dropping the oldest windows and counting them', async () => {
    const tmp = tempDir();
    const store = createSqliteStore({ path: join(tmp.dir, 'v.db') });
    // Never migrated, so every write fails: the store has no tables.
    const flusher = new Flusher({
      store,
      maxPendingBytes: 2_000,
      clock: () => T0,
      onFailing: () => {},
      onRecovered: () => {},
    });
    const windows = Array.from({ length: 30 }, (_, i) => makeWindow({ start: minute(i), sketch: new Uint8Array(40) }));
    flusher.enqueue(windows);
    await flusher.flush();
    flusher.stop();
    const status = flusher.status();
    assert.ok(status.pendingBytes <= 2_000, `pending ${status.pendingBytes} bytes`);
    assert.equal(status.pendingWindows + status.droppedWindows, 30);
    assert.ok(status.droppedWindows > 0);
    assert.equal(status.consecutiveFailures, 1);
    await store.close();
    tmp.remove();
  });

  it('counts the windows of a write under way as pending until the store has them', async () => {
    const memory = createMemoryStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = {
      ...memory,
      async writeWindows(...args: Parameters<typeof memory.writeWindows>): Promise<void> {
        await gate;
        await memory.writeWindows(...args);
      },
    };
    const flusher = new Flusher({ store, maxPendingBytes: 1 << 20, clock: () => T0, onFailing: () => {}, onRecovered: () => {} });
    flusher.enqueue([makeWindow({ start: minute(0) }), makeWindow({ start: minute(1) })]);
    const writing = flusher.flush();
    await new Promise((resolve) => setImmediate(resolve));
    flusher.enqueue([makeWindow({ start: minute(2) })]);
    assert.equal(flusher.status().pendingWindows, 3);
    release();
    await writing;
    assert.equal(flusher.status().pendingWindows, 1);
    await flusher.flush();
    assert.equal(flusher.status().pendingWindows, 0);
    assert.equal((await memory.readWindows('1m', [1], 0, minute(10))).length, 3);
  });

  it('never runs two writes at once: concurrent flushes write each window exactly once', async () => {
    const clock = testClock(T0);
    const velocity = testVelocity(clock);
    for (let round = 0; round < 5; round++) {
      velocity.recordRequest('GET', `/r${round}`, 200, 1);
      clock.advance(MINUTE_MS);
      velocity.rotate();
    }
    await Promise.all([velocity.flush(), velocity.flush(), velocity.flush()]);
    const counts = await storedRequestCounts(velocity.store);
    assert.equal(counts.size, 5);
    for (const { count } of counts.values()) assert.equal(count, 1);
    await velocity.close();
  });
});
