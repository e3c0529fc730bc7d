import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDemoScenario, demoBatches } from '../../src/cli/demo-data.js';
import { HOUR_MS } from '../../src/model/duration.js';
import { tempDir } from '../support/tmp.js';
import type { LiveSnapshot } from '../../src/query/live.js';
import { freePort, runCli, startCli, storedWindows } from './run-cli.js';

const UNTIL = '2026-11-18T15:00:00Z';
const LATER = '2026-11-18T17:00:00Z';

function expectedWindows(untilMs: number): number {
  let windows = 0;
  for (const batch of demoBatches(createDemoScenario({ seed: 42, days: 1, routes: 3, untilMs }))) windows += batch.windows.length;
  return windows;
}

/** Requests summed over [start, end) by `velocity query --json`. */
async function queriedRequests(db: string, start: string, end: string): Promise<number> {
  const result = await runCli(['query', '--db', db, '--start', start, '--end', end, '--step', '1h', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const { points } = JSON.parse(result.stdout) as { points: Array<{ count: number }> };
  return points.reduce((total, p) => total + p.count, 0);
}

describe('velocity demo', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const db = join(tmp.dir, 'demo.db');
  const args = ['demo', '--days', '1', '--routes', '3', '--db', db, '--no-serve'];

  it('back-fills exactly what the generator produces, with progress on stderr', async () => {
    const result = await runCli([...args, '--until', UNTIL]);
    assert.equal(result.code, 0, result.stderr);
    const expected = expectedWindows(Date.parse(UNTIL));
    assert.ok(expected > 4_000);
    assert.match(result.stdout, new RegExp(`back-filled 1 day × 3 routes: ${expected} windows`));
    // Not a terminal: one progress line per tenth, the last at 100 %.
    assert.match(result.stderr, /back-filling \[#+\] 100%\s+[\d,]+ windows/);
    const stored = await storedWindows(db);
    assert.equal(stored.windows, expected);
  });

  it('does not double the data when run again, even hours later', async () => {
    const overlapStart = '2026-11-17T17:00:00Z';
    const before = await storedWindows(db);
    const requestsBefore = await queriedRequests(db, overlapStart, UNTIL);
    assert.ok(requestsBefore > 50_000);

    const again = await runCli([...args, '--until', UNTIL]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await storedWindows(db), before);

    const later = await runCli([...args, '--until', LATER]);
    assert.equal(later.code, 0, later.stderr);
    assert.equal(await queriedRequests(db, overlapStart, UNTIL), requestsBefore);
    // The later run added only its two new hours.
    const newHours = await storedWindows(db, Date.parse(UNTIL), Date.parse(LATER));
    assert.ok(newHours.windows > 0);
    assert.equal((await storedWindows(db)).windows, before.windows + newHours.windows);
    assert.equal(Date.parse(LATER) - Date.parse(UNTIL), 2 * HOUR_MS);
  });

  it('refuses a back-fill longer than the retention (VELOCITY_RETENTION_1M), and --until without --no-serve', async () => {
    const longArgs = ['demo', '--days', '15', '--routes', '1', '--db', join(tmp.dir, 'long.db'), '--no-serve', '--until', UNTIL];
    const tooLong = await runCli(longArgs);
    assert.equal(tooLong.code, 2);
    assert.match(tooLong.stderr, /^velocity: --days: 15 days is longer than the 1-minute retention \(2w, VELOCITY_RETENTION_1M\)/);
    assert.equal(tooLong.stderr.trimEnd().split('\n').length, 1);
    const kept = await runCli(longArgs, { env: { VELOCITY_RETENTION_1M: '30d' } });
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /back-filled 15 days × 1 route:/);
    const serving = await runCli(['demo', '--until', UNTIL, '--db', db]);
    assert.equal(serving.code, 2);
    assert.match(serving.stderr, /--until needs --no-serve/);
  });

  it('then serves the API with live traffic, prints examples, and flushes on SIGTERM', async () => {
    const liveDb = join(tmp.dir, 'live.db');
    const port = await freePort();
    const demo = await startCli(['demo', '--days', '1', '--routes', '2', '--db', liveDb, '--port', String(port)]);
    assert.equal(demo.url, `http://127.0.0.1:${port}`);
    const startedAt = Date.now();
    let demoRoute: LiveSnapshot['routes'][number] | undefined;
    // Live traffic runs at the scenario's rate for the time of day: at least ~1 request/s.
    for (let tries = 0; demoRoute === undefined && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const live = (await (await fetch(`${demo.url}/api/v1/live`)).json()) as LiveSnapshot;
      demoRoute = live.routes.find((route) => route.route === 'GET /api/jobs');
    }
    assert.ok(demoRoute !== undefined && demoRoute['1m'].count > 0);
    const stopped = await demo.stop('SIGTERM');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /^try:$/m);
    assert.match(stopped.stdout, new RegExp(`curl -s http://127\\.0\\.0\\.1:${port}/api/v1/live`));
    // One day of history never reaches back to the regression's release (36 hours ago or more).
    assert.match(stopped.stdout, /# GET \/api\/jobs over the last 24 hours\n +node \S+ query --db \S+live\.db --route 'GET \/api\/jobs' --step 1h\n/);
    // The live requests were flushed on SIGTERM into the minute(s) after the back-fill.
    const live = await storedWindows(liveDb, startedAt - (startedAt % 60_000), Date.now() + 60_000);
    assert.ok(live.requests >= demoRoute['1m'].count, `${live.requests} stored`);
  });
});
