import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import type { Tier } from '../../src/model/window.js';
import { planRetention, pruneStore, type RollupProgress } from '../../src/pipeline/retention.js';
import { runRollup } from '../../src/pipeline/rollup.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { testClock, testVelocity } from '../support/velocity.js';
import { makeWindow } from '../support/windows.js';
import { ROUTE_TOTALS_METRIC } from '../../src/pipeline/route-totals.js';

const NOW = Date.parse('2026-11-20T14:05:30Z');
const SETTINGS = { retention1mMs: 14 * DAY_MS, retention1hMs: 90 * DAY_MS, retention1dMs: 730 * DAY_MS };
const ROLLED: RollupProgress = { watermarks: { '1h': NOW, '1d': NOW }, earliestDirty: { '1h': null, '1d': null } };

/** How many windows of the recorded series (not the route totals) `tier` holds, over all time. */
async function windowCount(store: Store, tier: Tier): Promise<number> {
  const ids = (await store.listSeries()).filter((s) => s.metric !== ROUTE_TOTALS_METRIC).map((s) => s.id);
  return (await store.readWindows(tier, ids, 0, Number.MAX_SAFE_INTEGER)).length;
}

describe('planRetention', () => {
  it('cuts each tier at its retention, aligned to its width, once the tier above has rolled it up', () => {
    assert.deepEqual(planRetention(NOW, SETTINGS, ROLLED), [
      { tier: '1m', cutoffMs: Date.parse('2026-11-06T14:05:00Z') },
      { tier: '1h', cutoffMs: Date.parse('2026-08-22T14:00:00Z') },
      { tier: '1d', cutoffMs: Date.parse('2024-11-20T00:00:00Z') },
    ]);
  });

  it('never cuts 1m past the 1h watermark or the earliest dirty hour, nor 1h past the 1d ones', () => {
    const hour = Date.parse('2026-11-01T05:00:00Z');
    const day = Date.parse('2026-07-01T00:00:00Z');
    const behind = { watermarks: { '1h': hour, '1d': day }, earliestDirty: { '1h': null, '1d': null } };
    assert.deepEqual(planRetention(NOW, SETTINGS, behind).slice(0, 2), [
      { tier: '1m', cutoffMs: hour },
      { tier: '1h', cutoffMs: day },
    ]);
    const dirty = { watermarks: { '1h': NOW, '1d': NOW }, earliestDirty: { '1h': hour, '1d': day } };
    assert.deepEqual(planRetention(NOW, SETTINGS, dirty).slice(0, 2), [
      { tier: '1m', cutoffMs: hour },
      { tier: '1h', cutoffMs: day },
    ]);
  });

  it('keeps a tier whole while the tier above has rolled nothing up', () => {
    const none = { watermarks: { '1h': null, '1d': null }, earliestDirty: { '1h': null, '1d': null } };
    assert.deepEqual(planRetention(NOW, SETTINGS, none).map((step) => step.tier), ['1d']);
  });
});

describe('pruneStore', () => {
  it('deletes 1m windows only once they are rolled up and their hour is not dirty', async () => {
    const store = createMemoryStore();
    const old = NOW - 20 * DAY_MS;
    const hour = old - (old % HOUR_MS);
    await store.writeWindows('1m', [makeWindow({ start: hour }), makeWindow({ start: hour + 2 * HOUR_MS })]);
    assert.deepEqual((await pruneStore(store, NOW, SETTINGS)).map((s) => s.tier), ['1d'], 'nothing rolled: 1m kept');
    assert.equal(await windowCount(store, '1m'), 2);

    await runRollup(store, NOW, SETTINGS);
    // A late window makes the first hour dirty: it and everything after it stay.
    await store.writeWindows('1m', [makeWindow({ start: hour + MINUTE_MS })]);
    const [held] = await pruneStore(store, NOW, SETTINGS);
    assert.deepEqual(held, { tier: '1m', cutoffMs: hour, deleted: 0, platformRows: 0 });

    await runRollup(store, NOW, { ...SETTINGS, retention1mMs: 30 * DAY_MS });
    const [pruned] = await pruneStore(store, NOW, SETTINGS);
    assert.deepEqual([pruned.tier, pruned.deleted], ['1m', 3]);
    assert.equal(await windowCount(store, '1h'), 2, 'the rolled hours stay');
    await store.close();
  });
});

describe('Velocity.prune', () => {
  it('rolls up, then deletes exactly the windows older than the retention', async () => {
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
    assert.deepEqual([result.tier, result.deleted], ['1m', 2]);
    assert.equal(await windowCount(velocity.store, '1m'), 2);
    // Days −3 to −1 are rolled up (day 0's minute is in an hour not over yet) and kept.
    assert.equal(await windowCount(velocity.store, '1h'), 3);
    assert.equal(await windowCount(velocity.store, '1d'), 3);
    await velocity.close();
  });
});

describe('Velocity.pruneIfDue and rollupIfDue', () => {
  it('run once per interval across instances sharing a store, while prune() runs regardless', async () => {
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

    const rolled = await a.rollupIfDue();
    assert.deepEqual(rolled?.map((r) => [r.tier, r.buckets]), [['1h', 1], ['1d', 1]]);
    assert.equal(await b.rollupIfDue(), null, 'not due: a ran it just now');
    const first = await a.pruneIfDue();
    assert.deepEqual(first?.map((step) => [step.tier, step.deleted]), [['1m', 1], ['1h', 0], ['1d', 0]]);
    clock.advance(30 * MINUTE_MS);
    assert.equal(await b.pruneIfDue(), null, 'not due: a ran it half an interval ago');
    assert.equal(await a.pruneIfDue(), null);
    assert.deepEqual((await b.rollupIfDue())?.map((r) => r.buckets), [0, 0], 'the roll-up is due every 5 minutes');
    clock.advance(24 * MINUTE_MS);
    assert.deepEqual((await b.pruneIfDue())?.map((step) => step.deleted), [0, 0, 0], 'due again 54 minutes after the last run');
    assert.deepEqual((await a.prune()).map((step) => step.deleted), [0, 0, 0], 'the explicit prune runs though not due');
    await Promise.all([a.close(), b.close()]);
  });
});
