import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrateRetryDelayMs, StoreStartup } from '../../src/pipeline/store-startup.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { alive } from '../support/velocity.js';

/** A memory store whose migrate() fails `failures` times (recording each call) before it works. */
function storeFailingMigrations(failures: number): Store & { readonly attempts: number } {
  const store = createMemoryStore();
  let attempts = 0;
  return {
    ...store,
    get attempts() {
      return attempts;
    },
    async migrate() {
      attempts++;
      if (attempts <= failures) throw new Error(`connect ECONNREFUSED (attempt ${attempts})`);
    },
  };
}

describe('migrateRetryDelayMs', () => {
  it('waits 1 s after the first failure, doubling up to 60 s', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 20].map(migrateRetryDelayMs),
      [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000],
    );
  });
});

describe('StoreStartup', () => {
  it('retries until migrations succeed, reporting the failure once and the recovery once', async () => {
    const store = storeFailingMigrations(3);
    const events: string[] = [];
    const delays: number[] = [];
    const startup = new StoreStartup({
      store,
      onUnreachable: (error) => events.push(`unreachable: ${(error as Error).message}`),
      onReady: (failed) => events.push(`ready after ${failed} failed`),
      retryDelayMs: (failures) => {
        delays.push(failures);
        return 5;
      },
    });
    await startup.firstAttempt;
    assert.equal(startup.isReady, false);
    assert.equal(startup.lastError, 'connect ECONNREFUSED (attempt 1)');
    await alive(startup.ready);
    assert.equal(startup.isReady, true);
    assert.equal(startup.lastError, null);
    assert.equal(store.attempts, 4);
    assert.deepEqual(delays, [1, 2, 3]);
    assert.deepEqual(events, ['unreachable: connect ECONNREFUSED (attempt 1)', 'ready after 3 failed']);
    assert.equal(await startup.attemptNow(), true);
    assert.equal(store.attempts, 4, 'no attempt once ready');
  });

  it('attemptNow tries at once instead of waiting for the retry, and joins an attempt under way', async () => {
    const store = storeFailingMigrations(1);
    const startup = new StoreStartup({ store, onUnreachable: () => {}, onReady: () => {}, retryDelayMs: () => 60_000 });
    await startup.firstAttempt;
    const [a, b] = [startup.attemptNow(), startup.attemptNow()];
    assert.equal(a, b);
    assert.equal(await a, true);
    assert.equal(store.attempts, 2);
  });

  it('stop() before the store is ready rejects ready with CLOSED and stops retrying', async () => {
    const store = storeFailingMigrations(Infinity);
    const startup = new StoreStartup({ store, onUnreachable: () => {}, onReady: () => {}, retryDelayMs: () => 5 });
    await startup.firstAttempt;
    startup.stop();
    await assert.rejects(startup.ready, { code: 'CLOSED' });
    const attempts = store.attempts;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(store.attempts, attempts);
    assert.equal(await startup.attemptNow(), false);
  });
});
