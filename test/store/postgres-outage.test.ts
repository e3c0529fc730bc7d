import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withVelocity } from '../../src/adapters/node.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createVelocity, type HealthReport, type Velocity, type VelocityOptions } from '../../src/velocity.js';
import { storedRequestCounts } from '../adapters/stored.js';
import { listen } from '../support/http.js';
import { pgClusterOrSkipReason, type PgCluster } from '../support/pg-cluster.js';
import { skipUnlessSelected } from './conformance.js';

const notSelected = skipUnlessSelected('postgres');
const { cluster, skip } = notSelected ? { cluster: null, skip: notSelected } : await pgClusterOrSkipReason();

/** A clock running `speed` times faster than real time from now on: at 60, a minute a second, so windows seal every second. */
function fastClock(speed = 60): () => number {
  const startMs = Date.now();
  const t0 = performance.now();
  return () => Math.floor(startMs + (performance.now() - t0) * speed);
}

/** Real HTTP traffic: `GET /work`, `concurrency` requests at a time, until stopped. */
function traffic(baseUrl: string, concurrency = 4): { stop: () => Promise<{ answered: number; failed: number }> } {
  let running = true;
  let answered = 0;
  let failed = 0;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const response = await fetch(`${baseUrl}/work`);
        await response.arrayBuffer();
        if (response.status === 200) answered++;
        else failed++;
      } catch {
        failed++;
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { answered, failed };
    },
  };
}

/** What `underLoad` hands back: the server's URL, and how to stop it all. */
interface Loaded {
  readonly url: string;
  /** Stops the traffic, then the server, then Velocity (once, however often called); resolves the traffic's counts. */
  finish(): Promise<{ answered: number; failed: number }>;
}

/**
 * `velocity` behind a node:http server (recording every request, serving its API such as
 * /healthz, answering "ok" elsewhere) under real traffic.
 */
async function underLoad(velocity: Velocity): Promise<Loaded> {
  const server = await listen(
    createServer(withVelocity(velocity, (req, res) => velocity.nodeMiddleware(req, res, () => res.end('ok')))),
  );
  const load = traffic(server.url);
  let finished: Promise<{ answered: number; failed: number }> | null = null;
  return {
    url: server.url,
    finish() {
      finished ??= (async () => {
        const counts = await load.stop();
        await server.close();
        await velocity.close();
        return counts;
      })();
      return finished;
    },
  };
}

/** GET /healthz: its status code and report. */
async function healthz(baseUrl: string): Promise<{ code: number; report: HealthReport }> {
  const response = await fetch(`${baseUrl}/healthz`);
  return { code: response.status, report: (await response.json()) as HealthReport };
}

/** Polls `check` every 100 ms until it returns true; fails after `timeoutMs`. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Requests stored as `GET /work 2xx` in `schema` of the cluster's database. */
async function storedWork(url: string, schema?: string): Promise<number> {
  const store = createPostgresStore({ url, schema });
  try {
    return (await storedRequestCounts(store)).get('GET /work 2xx')?.count ?? 0;
  } finally {
    await store.close();
  }
}

describe('PostgreSQL stopped and started under a running Velocity (a throwaway cluster)', { skip }, () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  before(() => process.on('unhandledRejection', onRejection));
  after(async () => {
    await cluster?.drop();
    process.off('unhandledRejection', onRejection);
    assert.deepEqual(rejections, [], 'no unhandled rejections');
  });

  const options = (logs: string[]): VelocityOptions => ({
    service: 'outage',
    clock: fastClock(),
    flushInterval: '200ms',
    handleSignals: false,
    log: (message) => logs.push(message),
  });

  it('starts while the server is down: returns at once, holds what it records, answers 503, then writes it all', async (t) => {
    const down = cluster as PgCluster;
    const logs: string[] = [];
    const began = performance.now();
    const velocity = createVelocity({ ...options(logs), database: down.url, instance: 'down-at-start' });
    const createdInMs = performance.now() - began;
    const run = await underLoad(velocity);
    try {
      assert.ok(createdInMs < 500, `createVelocity took ${createdInMs} ms`);
      await sleep(1_500);
      const before = await healthz(run.url);
      assert.equal(before.code, 503);
      assert.equal(before.report.status, 'connecting');
      assert.equal(before.report.store.reachable, false);
      assert.match(before.report.store.error ?? '', /ECONNREFUSED/);
      assert.ok(before.report.pending_windows >= 1, `${before.report.pending_windows} windows held`);
      assert.equal(before.report.last_flush_error, null);

      const startedAt = performance.now();
      await down.start();
      await velocity.ready;
      await waitFor('/healthz 200 with nothing pending', async () => {
        const { code, report } = await healthz(run.url);
        return code === 200 && report.status === 'ok' && report.pending_windows === 0;
      });
      const writtenAfterMs = performance.now() - startedAt;
      assert.ok((await storedWork(down.url)) > 0, 'held windows written before close()');
      const { answered, failed } = await run.finish();

      const stored = await storedWork(down.url);
      t.diagnostic(
        `down at start: ${answered} requests answered, ${stored} stored; ` +
          `written ${Math.round(writtenAfterMs)} ms after the server start began`,
      );
      assert.equal(failed, 0);
      assert.ok(answered > 100, `${answered} requests`);
      assert.equal(stored, answered);
      assert.equal(logs.length, 2, logs.join('\n'));
      assert.match(logs[0], /^store unreachable at start-up, recording in memory and retrying with backoff: .*ECONNREFUSED/);
      assert.match(logs[1], /^store ready after \d+ failed attempts?; writing [1-9]\d* held windows?$/);
    } finally {
      await run.finish();
    }
  });

  it('keeps recording through a server stop and start, then stores exactly the requests answered', async (t) => {
    const up = cluster as PgCluster;
    const logs: string[] = [];
    const velocity = createVelocity({
      ...options(logs),
      store: createPostgresStore({ url: up.url, schema: 'outage' }),
      instance: 'outage',
    });
    await velocity.ready;
    const run = await underLoad(velocity);
    try {
      await sleep(1_200);
      assert.equal((await healthz(run.url)).code, 200);
      assert.ok((await storedWork(up.url, 'outage')) > 0, 'windows written before the outage');

      await up.stop();
      const stoppedAt = performance.now();
      await sleep(1_500);
      const during = await healthz(run.url);
      assert.equal(during.code, 503);
      assert.equal(during.report.status, 'degraded');
      assert.equal(during.report.store.reachable, false);
      assert.ok(during.report.pending_windows >= 1, `${during.report.pending_windows} windows held`);
      assert.notEqual(during.report.last_flush_error, null);

      await up.start();
      const outageMs = performance.now() - stoppedAt;
      await waitFor('/healthz 200 with nothing pending', async () => {
        const { code, report } = await healthz(run.url);
        return code === 200 && report.status === 'ok' && report.pending_windows === 0;
      });
      const { answered, failed } = await run.finish();

      const stored = await storedWork(up.url, 'outage');
      t.diagnostic(`outage of ${Math.round(outageMs)} ms: ${answered} requests answered, ${stored} stored`);
      assert.equal(failed, 0);
      assert.equal(stored, answered);
      assert.equal(logs.length, 2, logs.join('\n'));
      assert.match(logs[0], /^flush failed, windows kept and retried: /);
      assert.match(logs[1], /^flush succeeded again after \d+ failed attempts?$/);
    } finally {
      await run.finish();
    }
  });
});
