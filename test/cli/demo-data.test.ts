import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createDemoScenario, demoBatches, releaseIndex, releaseSha, type DemoScenario } from '../../src/cli/demo-data.js';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import type { Window } from '../../src/model/window.js';
import { queryHistory, type HistoryPoint } from '../../src/query/history.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { testClock, testVelocity } from '../support/velocity.js';

// A Wednesday afternoon, so the three days before it are weekdays.
const UNTIL = Date.parse('2026-11-18T15:30:00Z');

function allWindows(scenario: DemoScenario): Window[] {
  const windows: Window[] = [];
  for (const batch of demoBatches(scenario)) windows.push(...batch.windows);
  return windows;
}

function firstBatch(scenario: DemoScenario): Window[] {
  const next = demoBatches(scenario).next();
  assert.equal(next.done, false);
  return next.value.windows;
}

async function storeOf(scenario: DemoScenario): Promise<Store> {
  const store = createMemoryStore();
  await store.migrate();
  for (const batch of demoBatches(scenario)) await store.writeWindows('1m', batch.windows);
  return store;
}

/** One point over [start, end) for `route` (a "METHOD /template"). */
async function point(store: Store, route: string, start: number, end: number): Promise<HistoryPoint> {
  const [method, path] = route.split(' ');
  const { points = [] } = await queryHistory(store, {
    start,
    end,
    stepMs: end - start,
    tier: '1m',
    limit: 1,
    filters: { method, route: path },
    groupBy: [],
    top: null,
    order: 'count',
    format: 'points',
  });
  assert.equal(points.length, 1);
  return points[0];
}

const scenario = createDemoScenario({ seed: 42, days: 4, routes: 5, untilMs: UNTIL });
const nameOf = (r: number): string => `${scenario.routes[r].method} ${scenario.routes[r].route}`;

describe('demo data', () => {
  let store: Store;
  before(async () => {
    store = await storeOf(scenario);
  });

  it('covers the whole minutes before until, in batches of at most the batch size', () => {
    assert.equal(scenario.toMs, Date.parse('2026-11-18T15:30:00Z'));
    assert.equal(scenario.fromMs, Date.parse('2026-11-14T15:30:00Z'));
    const batches = [...demoBatches(createDemoScenario({ seed: 42, days: 1, routes: 2, untilMs: UNTIL }), 1_000)];
    assert.ok(batches.length > 5);
    assert.ok(batches.every((batch) => batch.windows.length <= 1_000));
    assert.ok(batches.slice(0, -1).every((batch) => batch.windows.length === 1_000));
    assert.equal(batches.at(-1)?.done, batches.at(-1)?.total);
    const starts = batches.flatMap((batch) => batch.windows.map((w) => w.start));
    assert.equal(Math.min(...starts), UNTIL - DAY_MS);
    assert.equal(Math.max(...starts), UNTIL - MINUTE_MS);
  });

  it('is deterministic for a seed, and another seed gives other data', () => {
    const first = firstBatch(scenario);
    assert.deepEqual(firstBatch(createDemoScenario({ seed: 42, days: 4, routes: 5, untilMs: UNTIL })), first);
    const other = firstBatch(createDemoScenario({ seed: 7, days: 4, routes: 5, untilMs: UNTIL }));
    assert.notDeepEqual(
      other.map((w) => w.count),
      first.map((w) => w.count),
    );
  });

  it('writes the same windows for the minutes two runs a few hours apart share', () => {
    const earlier = createDemoScenario({ seed: 42, days: 1, routes: 3, untilMs: UNTIL });
    const later = createDemoScenario({ seed: 42, days: 1, routes: 3, untilMs: UNTIL + 2 * HOUR_MS });
    const keyed = (windows: Window[]): Map<string, Window> =>
      new Map(windows.filter((w) => w.start >= later.fromMs && w.start < earlier.toMs).map((w) => [`${w.series.key}@${w.start}`, w]));
    const a = keyed(allWindows(earlier));
    const b = keyed(allWindows(later));
    assert.ok(a.size > 3_000);
    assert.equal(b.size, a.size);
    for (const [key, window] of a) assert.deepEqual(b.get(key), window, key);
  });

  it('labels its series exactly as the HTTP recorder does', async () => {
    const clock = testClock(UNTIL);
    const velocity = testVelocity(clock, { releaseSha: 'abc1234' });
    velocity.recordRequest('GET', '/api/jobs', 200, 5);
    clock.advance(MINUTE_MS);
    await velocity.flush();
    const [recorded] = await velocity.series();
    await velocity.close();
    const [demo] = firstBatch(scenario);
    assert.equal(demo.series.metric, HTTP_DURATION_METRIC);
    assert.equal(demo.series.metric, recorded.metric);
    assert.deepEqual(Object.keys(demo.series.labels).sort(), Object.keys(recorded.labels).sort());
    assert.equal(demo.series.labels.instance, 'demo-1');
  });

  it('follows a daily cycle, quiet at night and on weekends', async () => {
    const week = await storeOf(createDemoScenario({ seed: 42, days: 7, routes: 1, untilMs: UNTIL }));
    const hot = 'GET /api/jobs';
    const wednesdayPeak = await point(week, hot, Date.parse('2026-11-18T15:00:00Z'), Date.parse('2026-11-18T15:30:00Z'));
    const wednesdayNight = await point(week, hot, Date.parse('2026-11-18T03:30:00Z'), Date.parse('2026-11-18T04:00:00Z'));
    const sundayPeak = await point(week, hot, Date.parse('2026-11-15T15:00:00Z'), Date.parse('2026-11-15T15:30:00Z'));
    assert.ok(wednesdayPeak.count > 3 * wednesdayNight.count, `${wednesdayPeak.count} vs ${wednesdayNight.count}`);
    assert.ok(sundayPeak.count < 0.7 * wednesdayPeak.count, `${sundayPeak.count} vs ${wednesdayPeak.count}`);
  });

  it('has an error surge: 5xx far above the baseline on one route for 40 minutes', async () => {
    const { errorSurge } = scenario.timeline;
    assert.equal(errorSurge.end - errorSurge.start, 40 * MINUTE_MS);
    assert.ok(errorSurge.start >= scenario.fromMs && errorSurge.end <= scenario.toMs);
    const during = await point(store, nameOf(errorSurge.route), errorSurge.start, errorSurge.end);
    const before = await point(store, nameOf(errorSurge.route), errorSurge.start - 3 * HOUR_MS, errorSurge.start);
    assert.ok(during.err_rate_pct > 30, `surge ${during.err_rate_pct}%`);
    assert.ok(before.err_rate_pct < 1, `baseline ${before.err_rate_pct}%`);
    assert.ok(during.count_5xx > 100);
  });

  it('has a timeout burst', async () => {
    const { timeoutBurst } = scenario.timeline;
    const during = await point(store, nameOf(timeoutBurst.route), timeoutBurst.start, timeoutBurst.end);
    assert.ok(during.count_timeout > 0.2 * during.count, `${during.count_timeout} of ${during.count}`);
    assert.ok((during.max_ms ?? 0) >= 30_000);
  });

  it('regresses p95 about 2.5x on a couple of routes from a release on, with a new release_sha', async () => {
    const { regression } = scenario.timeline;
    assert.equal(regression.routes.length, 2);
    assert.ok(UNTIL - regression.start >= 36 * HOUR_MS && UNTIL - regression.start <= 84 * HOUR_MS);
    for (const r of regression.routes) {
      const before = await point(store, nameOf(r), regression.start - 2 * HOUR_MS, regression.start);
      const after = await point(store, nameOf(r), regression.start, regression.start + 2 * HOUR_MS);
      const ratio = (after.p95_ms ?? 0) / (before.p95_ms ?? Infinity);
      assert.ok(ratio > 2 && ratio < 3.2, `${nameOf(r)} p95 ratio ${ratio}`);
    }
    const steady = [0, 1, 2, 3, 4].find((r) => !regression.routes.includes(r)) as number;
    const before = await point(store, nameOf(steady), regression.start - 2 * HOUR_MS, regression.start);
    const after = await point(store, nameOf(steady), regression.start, regression.start + 2 * HOUR_MS);
    assert.ok((after.p95_ms ?? 0) / (before.p95_ms ?? Infinity) < 1.3);

    const series = await store.listSeries();
    const oldSha = releaseSha(releaseIndex(regression.start - 1));
    const newSha = releaseSha(releaseIndex(regression.start));
    assert.notEqual(newSha, oldSha);
    const ofSha = (sha: string) => series.filter((s) => s.labels.release_sha === sha);
    assert.equal(Math.min(...ofSha(newSha).map((s) => s.firstSeen)), regression.start);
    assert.equal(Math.max(...ofSha(oldSha).map((s) => s.lastSeen)), regression.start - MINUTE_MS);
  });
});
