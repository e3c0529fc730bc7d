import assert from 'node:assert/strict';
import { Agent, createServer, request } from 'node:http';
import { describe, it } from 'node:test';
import { withVelocity } from '../../src/adapters/node.js';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { OVERFLOW_LABEL } from '../../src/record/recorder.js';
import { listen } from '../support/http.js';
import { testClock, testVelocity } from '../support/velocity.js';
import { storedRequestCounts } from './stored.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const REQUESTS = 100_000;
const CONCURRENCY = 32;
const LETTERS = 'ghijklmnopqrstuvwxyz';

/** A distinct word of letters g–z for each n, so the node adapter folds none of them into `:id`. */
function word(n: number): string {
  let s = '';
  do {
    s += LETTERS[n % LETTERS.length];
    n = Math.floor(n / LETTERS.length);
  } while (n > 0);
  return s;
}

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('cardinality cap', () => {
  it('keeps series and route caches bounded under 100,000 distinct raw URLs through node:http, losing no request', async () => {
    const clock = testClock(T0 + 5_000);
    const velocity = testVelocity(clock);
    const server = createServer(withVelocity(velocity, (_req, res) => res.end('ok')));
    const { url, close } = await listen(server);
    const port = Number(new URL(url).port);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let next = 0;
    try {
      const worker = async (): Promise<void> => {
        while (next < REQUESTS) {
          const n = next++;
          assert.equal(await get(agent, port, `/items/${word(n)}?q=${n}`), 200);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      agent.destroy();
      await close();
    }
    const cap = velocity.config.maxSeriesPerMetric;
    assert.equal(cap, 2_000);
    // What grows with distinct routes: the recorder's series map and the HTTP route cache.
    const byRoute = (velocity.http as unknown as { byRoute: Map<string, unknown> }).byRoute;
    assert.ok(byRoute.size <= cap, `route cache holds ${byRoute.size} routes`);
    assert.equal(velocity.recorder.seriesCount, cap + 1, 'the cap plus the one overflow series');
    const health = await velocity.health();
    assert.equal(health.cardinality.max_series_per_metric, cap);
    assert.deepEqual(health.cardinality.metrics[HTTP_DURATION_METRIC], { series: cap, overflow_observations: REQUESTS - cap });
    const live = velocity.live().routes.find((r) => r.path === OVERFLOW_LABEL);
    assert.equal(live?.['1m'].count, REQUESTS - cap, 'the live view shows the overflow series as one route');

    clock.set(T0 + 61_000);
    await velocity.flush();
    const counts = await storedRequestCounts(velocity.store);
    await velocity.close();
    let total = 0;
    for (const { count } of counts.values()) total += count;
    assert.equal(total, REQUESTS, 'every request is in a stored window');
    assert.equal(counts.size, cap + 1);
    const overflow = `${OVERFLOW_LABEL} ${OVERFLOW_LABEL} ${OVERFLOW_LABEL}`;
    assert.equal(counts.get(overflow)?.count, REQUESTS - cap);
  });
});
