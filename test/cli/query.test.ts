import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDemoScenario, demoBatches } from '../../src/cli/demo-data.js';
import { TABLE_COLUMNS } from '../../src/cli/format.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import type { HistoryResult } from '../../src/query/history.js';
import { tempDir } from '../support/tmp.js';
import { freePort, runCli, startCli, type ServingCli } from './run-cli.js';

const UNTIL = Date.parse('2026-11-18T15:00:00Z');
const START = '2026-11-18T10:00:00Z';
const END = '2026-11-18T12:00:00Z';
const ROUTE = 'GET /api/jobs';

/** Requests per minute start that the demo wrote for GET /api/jobs between START and END. */
function writtenPerMinute(): Map<number, number> {
  const counts = new Map<number, number>();
  for (const batch of demoBatches(createDemoScenario({ seed: 42, days: 1, routes: 2, untilMs: UNTIL }))) {
    for (const w of batch.windows) {
      if (w.series.labels.route !== '/api/jobs' || w.start < Date.parse(START) || w.start >= Date.parse(END)) continue;
      counts.set(w.start, (counts.get(w.start) ?? 0) + w.count);
    }
  }
  return counts;
}

describe('velocity query', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'q.db');
  const range = ['--route', ROUTE, '--start', START, '--end', END];
  before(async () => {
    const demo = await runCli(['demo', '--days', '1', '--routes', '2', '--db', db, '--no-serve', '--until', new Date(UNTIL).toISOString()]);
    assert.equal(demo.code, 0, demo.stderr);
  });
  after(() => tmp.remove());

  it('--json: every point, with the counts that were written', async () => {
    const result = await runCli(['query', '--db', db, ...range, '--step', '1m', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const history = JSON.parse(result.stdout) as HistoryResult;
    const points = history.points ?? [];
    assert.equal(points.length, 120);
    assert.equal(history.step, '1m');
    assert.deepEqual(history.filters, { route: '/api/jobs', method: 'GET' });
    const written = writtenPerMinute();
    assert.equal(written.size, 120);
    for (const point of points) assert.equal(point.count, written.get(Date.parse(point.ts)), point.ts);
    assert.ok(points.every((p) => p.p95_ms !== null && p.p95_ms >= (p.p50_ms ?? Infinity)));
  });

  it('--csv: a header with every point field, then one line per point', async () => {
    const result = await runCli(['query', '--db', db, ...range, '--step', '5m', '--csv']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1 + 24);
    assert.equal(lines[0], 'ts,count,rps,p50_ms,p95_ms,p99_ms,min_ms,max_ms,err_rate_pct,count_1xx,count_2xx,count_3xx,count_4xx,count_5xx,count_timeout,count_aborted');
    assert.ok(lines.slice(1).every((line) => line.split(',').length === 16));
    const firstFive = [...writtenPerMinute()].filter(([start]) => start < Date.parse(START) + 5 * MINUTE_MS);
    assert.equal(Number(lines[1].split(',')[1]), firstFive.reduce((total, [, count]) => total + count, 0));
  });

  it('by default: an aligned table with the header columns and - where there was no traffic', async () => {
    const result = await runCli(['query', '--db', db, '--route', ROUTE, '--start', '2026-11-18T14:00:00Z', '--end', '2026-11-18T16:00:00Z', '--step', '30m']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines[0].trim().split(/\s+/), [...TABLE_COLUMNS]);
    assert.equal(lines.length, 1 + 4);
    // The back-fill ended at 15:00: the last two half-hours are empty.
    assert.match(lines[3], /^2026-11-18T15:00:00.000Z\s+0\s+0\s+-\s+-\s+-\s+0$/);
    assert.match(lines[1], /^2026-11-18T14:00:00.000Z\s+[1-9]\d*\s/);
  });

  it('--json and --csv together, or --db and --url together, are usage errors', async () => {
    const both = await runCli(['query', '--db', db, '--json', '--csv']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^velocity: --json and --csv exclude each other/);
    const two = await runCli(['query', '--db', db, '--url', 'http://127.0.0.1:1']);
    assert.equal(two.code, 2);
  });

  describe('--url, against a running velocity serve', () => {
    let server: ServingCli;
    before(async () => {
      const port = await freePort();
      server = await startCli(['serve', '--port', String(port), '--db', db, '--token', 's3cret']);
      assert.equal(server.url, `http://127.0.0.1:${port}`);
    });
    after(async () => {
      assert.equal((await server.stop()).code, 0);
    });

    it('prints what the server answers: the same history as reading the store', async () => {
      const [remote, local] = await Promise.all([
        runCli(['query', '--url', server.url, '--token', 's3cret', ...range, '--step', '10m', '--json']),
        runCli(['query', '--db', db, ...range, '--step', '10m', '--json']),
      ]);
      assert.equal(remote.code, 0, remote.stderr);
      const points = (JSON.parse(remote.stdout) as HistoryResult).points ?? [];
      assert.equal(points.length, 12);
      assert.deepEqual(points, (JSON.parse(local.stdout) as HistoryResult).points);
    });

    it('takes the token from VELOCITY_API_TOKEN, and says when it is missing', async () => {
      const fromEnv = await runCli(['query', '--url', `${server.url}/`, ...range, '--csv'], { env: { VELOCITY_API_TOKEN: 's3cret' } });
      assert.equal(fromEnv.code, 0, fromEnv.stderr);
      assert.equal(fromEnv.stdout.trimEnd().split('\n').length, 1 + 120);
      const without = await runCli(['query', '--url', server.url, ...range]);
      assert.equal(without.code, 2);
      assert.match(without.stderr, /^velocity: http:\/\/127\.0\.0\.1:\d+: missing or wrong bearer token \(pass --token/);
    });

    it("shows the API's 400 message as the CLI error, exit code 2", async () => {
      const result = await runCli(['query', '--url', server.url, '--token', 's3cret', '--step', '90s']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^velocity: step: must be a whole number of minutes/);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1);
    });

    it('a server that is not there: exit code 1, one line', async () => {
      const result = await runCli(['query', '--url', `http://127.0.0.1:${await freePort()}`]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^velocity: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
    });
  });
});
