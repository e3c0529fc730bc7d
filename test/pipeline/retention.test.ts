import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, MINUTE_MS } from '../../src/model/duration.js';
import { planRetention } from '../../src/pipeline/retention.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import { testClock, testVelocity } from '../support/velocity.js';

const NOW = Date.parse('2026-11-20T14:05:30Z');

describe('planRetention', () => {
  it('cuts 1-minute windows at the minute the retention reaches back to', () => {
    assert.deepEqual(planRetention(NOW, { retention1mMs: 14 * DAY_MS }), [
      { tier: '1m', cutoffMs: Date.parse('2026-11-06T14:05:00Z') },
    ]);
  });
});

describe('Velocity.prune', () => {
  it('deletes exactly the windows older than the retention', async () => {
    const clock = testClock(NOW - 3 * DAY_MS);
    const velocity = testVelocity(clock, { retention1m: '2d' });
    for (let day = 3; day >= 0; day--) {
      clock.set(NOW - day * DAY_MS);
      velocity.rotate();
      velocity.recordRequest('GET', '/a', 200, day + 1);
      clock.advance(MINUTE_MS);
      await velocity.flush();
    }
    const [result] = await velocity.prune();
    assert.equal(result.deleted, 2);
    const history = await velocity.history({ start: String((NOW - 4 * DAY_MS) / 1000), end: String((NOW + MINUTE_MS) / 1000), step: '1d' });
    assert.equal(history.points.reduce((n, p) => n + p.count, 0), 2);
    await velocity.close();
  });
});

describe('Velocity.pruneIfDue', () => {
  it('runs retention once per prune interval across instances sharing a store, while prune() runs regardless', async () => {
    const store = createMemoryStore();
    const clock = testClock(NOW - 3 * DAY_MS);
    const a = testVelocity(clock, { store, instance: 'a', retention1m: '1d', pruneInterval: '1h' });
    const b = testVelocity(clock, { store, instance: 'b', retention1m: '1d', pruneInterval: '1h' });
    a.recordRequest('GET', '/old', 200, 1);
    clock.set(NOW);
    await a.flush();
    b.rotate();
    b.recordRequest('GET', '/new', 200, 1);
    clock.advance(MINUTE_MS);
    await b.flush();

    const first = await a.pruneIfDue();
    assert.deepEqual(first?.map((step) => step.deleted), [1]);
    clock.advance(30 * MINUTE_MS);
    assert.equal(await b.pruneIfDue(), null, 'not due: a ran it half an interval ago');
    assert.equal(await a.pruneIfDue(), null);
    clock.advance(24 * MINUTE_MS);
    assert.deepEqual((await b.pruneIfDue())?.map((step) => step.deleted), [0], 'due again 54 minutes after the last run');
    assert.deepEqual((await a.prune()).map((step) => step.deleted), [0], 'the explicit prune runs though not due');
    await Promise.all([a.close(), b.close()]);
  });
});