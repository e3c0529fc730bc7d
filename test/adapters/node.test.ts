import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withVelocity } from '../../src/adapters/node.js';
import { createVelocity } from '../../src/velocity.js';
import { listen } from '../support/http.js';
import { tempDir } from '../support/tmp.js';
import { storedRequestCountsIn } from './stored.js';

describe('node:http adapter', () => {
  it('records real requests under route templates and status classes, stored in SQLite', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const velocity = createVelocity({ database: path, timers: false, handleSignals: false, service: 'node-app' });
    const server = createServer(
      withVelocity(velocity, (req, res) => {
        if (req.url?.startsWith('/slow')) {
          setTimeout(() => res.end('slow'), 30);
        } else if (req.url?.startsWith('/fail')) {
          res.statusCode = 503;
          res.end('no');
        } else if (req.url?.startsWith('/missing')) {
          res.statusCode = 404;
          res.end('none');
        } else if (req.url?.startsWith('/hang')) {
          // never answers: the client gives up
        } else {
          res.end('ok');
        }
      }),
    );
    const { url, close } = await listen(server);
    try {
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/api/jobs/${1000 + i}?page=${i}`)).status, 200);
      await fetch(`${url}/api/jobs/3f2504e0-4f89-11d3-9a0c-0305e82c3301`);
      assert.equal((await fetch(`${url}/fail`, { method: 'POST' })).status, 503);
      await fetch(`${url}/slow`);
      for (const path of ['/missing/a', '/missing/b/c', '/missing/42']) assert.equal((await fetch(`${url}${path}`)).status, 404);
      const aborted = new AbortController();
      const hanging = fetch(`${url}/hang`, { signal: aborted.signal }).catch(() => 'aborted');
      await new Promise((resolve) => setTimeout(resolve, 50));
      aborted.abort();
      assert.equal(await hanging, 'aborted');
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await close();
      await velocity.close();
    }
    const counts = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(counts.get('GET /api/jobs/:id 2xx')?.count, 6);
    assert.equal(counts.get('POST /fail 5xx')?.count, 1);
    assert.equal(counts.get('GET /hang aborted')?.count, 1);
    const slow = counts.get('GET /slow 2xx');
    assert.equal(slow?.count, 1);
    assert.ok((slow?.max ?? 0) >= 25, `slow request took ${slow?.max} ms`);
    assert.equal(counts.get('GET unmatched 4xx')?.count, 3, 'every 404 is one series per method');
    assert.equal(counts.size, 5);
  });
});
