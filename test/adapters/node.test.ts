import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
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

  it('follows each connection: keep-alive requests one by one, pipelined ones, aborts after a finished request or of queued ones, two instances on one server', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const outer = createVelocity({ database: path, timers: false, handleSignals: false });
    const inner = createVelocity({ database: 'memory', timers: false, handleSignals: false, collect: false });
    const server = createServer(
      withVelocity(
        outer,
        withVelocity(inner, (req, res) => {
          if (req.url?.startsWith('/slow')) setTimeout(() => res.end('slow'), 40);
          else if (!req.url?.startsWith('/hang')) res.end('ok');
        }),
      ),
    );
    const { url, close } = await listen(server);
    const { port } = new URL(url);
    /** Writes `requests` on one connection, waits for `responses` responses, then leaves it (or waits for its close). */
    const converse = (requests: string, responses: number, leave: boolean) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(requests));
        let received = '';
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString();
          if (received.split('HTTP/1.1 ').length - 1 === responses) {
            if (leave) setTimeout(() => socket.destroy(), 30);
            else socket.end();
          }
        });
        socket.on('error', reject);
        socket.on('close', () => resolve());
      });
    /** Writes `requests` on one connection and destroys it 60 ms later, without reading. */
    const drop = (requests: string) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(requests);
          setTimeout(() => socket.destroy(), 60);
        });
        socket.on('error', reject);
        socket.on('close', () => resolve());
      });
    const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    try {
      await converse(get('/a/1') + get('/a/2') + get('/a/3'), 3, false);
      // The first is slow, so the second waits behind it: a pipelined response.
      await converse(get('/slow') + get('/b/1'), 2, false);
      await converse(get('/c/1') + get('/hang'), 1, true);
      // Four responses queued behind a slow one, each followed by both instances.
      await converse(get('/slow') + get('/d/1') + get('/d/2') + get('/d/3') + get('/d/4'), 5, false);
      // A response queued behind one that never comes: both abandoned with their connection.
      await drop(get('/hang') + get('/e/1'));
      await new Promise((resolve) => setTimeout(resolve, 30));
    } finally {
      await close();
    }
    const innerCounts = inner
      .live()
      .routes.map((r) => `${r.route} ${r['1m'].count}`)
      .sort();
    await inner.close();
    await outer.close();
    assert.deepEqual(innerCounts, ['GET /a/:id 3', 'GET /b/:id 1', 'GET /c/:id 1', 'GET /d/:id 4', 'GET /e/:id 1', 'GET /hang 2', 'GET /slow 2']);
    const counts = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(counts.get('GET /a/:id 2xx')?.count, 3);
    assert.equal(counts.get('GET /b/:id 2xx')?.count, 1, 'the pipelined request');
    assert.equal(counts.get('GET /c/:id 2xx')?.count, 1, 'finished once, not counted again when its connection closed');
    assert.equal(counts.get('GET /hang aborted')?.count, 2);
    assert.equal(counts.get('GET /e/:id aborted')?.count, 1, 'answered, but queued behind one never answered when its connection dropped');
    assert.ok((counts.get('GET /slow 2xx')?.max ?? 0) >= 35, `slow request took ${counts.get('GET /slow 2xx')?.max} ms`);
    assert.ok((counts.get('GET /b/:id 2xx')?.max ?? 0) >= 35, 'the pipelined request is timed from its arrival, behind the slow one');
    assert.equal(counts.get('GET /d/:id 2xx')?.count, 4);
    assert.ok((counts.get('GET /d/:id 2xx')?.min ?? 0) >= 35, 'each queued response is timed from its arrival, behind the slow one');
    assert.equal(counts.size, 7, [...counts.keys()].join(', '));
  });
});
