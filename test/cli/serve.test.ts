import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import type { LiveSnapshot } from '../../src/query/live.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../support/tmp.js';
import { freePort, runCli, startCli } from './run-cli.js';

describe('velocity serve', () => {
  it('serves the API, records its own requests, and writes them to the store when stopped', async () => {
    const tmp = tempDir();
    const db = join(tmp.dir, 'nested', 'serve.db');
    const port = await freePort();
    const server = await startCli(['serve', '--db', db], { env: { VELOCITY_PORT: String(port) } });
    assert.equal(server.url, `http://127.0.0.1:${port}`);

    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const missing = await fetch(`${server.url}/nowhere`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /no such endpoint/);
    const live = (await (await fetch(`${server.url}/api/v1/live`)).json()) as LiveSnapshot;
    const healthz = live.routes.find((route) => route.route === 'GET /healthz');
    assert.equal(healthz?.['5m'].count, 1);

    const stopped = await server.stop('SIGINT');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /SIGINT, stopping/);

    const store = createSqliteStore({ path: db });
    const series = await store.listSeries(HTTP_DURATION_METRIC);
    const windows = await store.readWindows('1m', series.map((s) => s.id), 0, Date.now() + 60_000, { withSketch: false });
    await store.close();
    tmp.remove();
    const countOf = (route: string, statusClass: string): number => {
      const ids = new Set(series.filter((s) => s.labels.route === route && s.labels.status_class === statusClass).map((s) => s.id));
      return windows.filter((w) => ids.has(w.seriesId)).reduce((total, w) => total + w.count, 0);
    };
    assert.equal(countOf('/healthz', '2xx'), 1);
    assert.equal(countOf('unmatched', '4xx'), 1, 'a 404 is recorded as unmatched, not under its URL');
    assert.equal(countOf('/api/v1/live', '2xx'), 1);
    assert.equal(series[0].labels.service, 'app');
  });

  it('--ingest open takes batches without a token, --ingest off refuses them, a bad mode is a usage error', async () => {
    const tmp = tempDir();
    const batch = { requests: [{ method: 'GET', route: '/jobs/42', status: 200, duration_ms: 3 }] };
    const post = (url: string): Promise<Response> =>
      fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    const open = await startCli(['serve', '--db', join(tmp.dir, 'open.db'), '--port', '0', '--ingest', 'open']);
    const accepted = await post(open.url);
    const live = (await (await fetch(`${open.url}/api/v1/live`)).json()) as LiveSnapshot;
    const off = await startCli(['serve', '--db', join(tmp.dir, 'off.db'), '--port', '0', '--ingest', 'off'], {
      env: { VELOCITY_INGEST: 'open' },
    });
    const refused = await post(off.url);
    const bad = await runCli(['serve', '--db', join(tmp.dir, 'bad.db'), '--port', '0', '--ingest', 'everyone']);
    assert.equal((await open.stop()).code, 0);
    assert.equal((await off.stop()).code, 0);
    tmp.remove();
    assert.equal(accepted.status, 202);
    assert.equal(live.routes.find((route) => route.route === 'GET /jobs/:id')?.['5m'].count, 1);
    assert.equal(refused.status, 403, 'the flag wins over VELOCITY_INGEST');
    assert.match(((await refused.json()) as { error: string }).error, /ingest is turned off/);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--ingest: "everyone" is not one of token, open, off/);
  });

  it('a port in use: exit code 1 and one line saying so, for serve and demo', async () => {
    const tmp = tempDir();
    const first = await startCli(['serve', '--db', join(tmp.dir, 'a.db'), '--port', '0']);
    const port = new URL(first.url).port;
    const [second, demo] = await Promise.all([
      runCli(['serve', '--db', join(tmp.dir, 'b.db'), '--port', port]),
      runCli(['demo', '--db', join(tmp.dir, 'c.db'), '--port', port, '--days', '1', '--routes', '1']),
    ]);
    assert.equal((await first.stop()).code, 0);
    tmp.remove();
    assert.equal(second.code, 1);
    assert.equal(second.stderr, `velocity: 127.0.0.1:${port} is already in use (pass --port)\n`);
    // The demo takes its port before back-filling, so it fails before writing anything.
    assert.equal(demo.code, 1);
    assert.equal(demo.stderr, `velocity: 127.0.0.1:${port} is already in use (pass --port)\n`);
    assert.equal(demo.stdout, '');
  });
});
