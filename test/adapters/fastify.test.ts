import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { velocityPlugin } from '../../src/adapters/fastify.js';
import { createVelocity } from '../../src/velocity.js';
import { tempDir } from '../support/tmp.js';
import { storedRequestCountsIn } from './stored.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `paths` as GET requests pipelined on one connection and waits until `responses` have come back. */
function pipelined(port: number, paths: readonly string[], responses: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.split('HTTP/1.1 ').length - 1 === responses) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

/** Sends a request and gives up on it after `afterMs`, as a client that leaves would. */
async function abandon(url: string, init: RequestInit, afterMs: number): Promise<void> {
  const controller = new AbortController();
  const pending = fetch(url, { ...init, signal: controller.signal }).catch(() => 'abandoned');
  await pause(afterMs);
  controller.abort();
  assert.equal(await pending, 'abandoned');
}

describe('Fastify adapter', () => {
  it('records route templates (prefixes, HEAD, routes with hooks, early answers included), 404s, errors, aborts and timeouts, stored in SQLite', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const velocity = createVelocity({ database: path, timers: false, handleSignals: false });
    const app = Fastify({ connectionTimeout: 200 });
    await app.register(velocityPlugin, { velocity });
    app.get('/api/v1/*', (request, reply) => {
      reply.hijack();
      velocity.nodeMiddleware(request.raw, reply.raw);
    });
    app.get('/api/jobs/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    // A global hook that answers before the routes' own hooks run.
    app.addHook('onRequest', (request, reply, done) => {
      if (request.headers['x-deny'] === undefined) done();
      else void reply.code(401).send('denied');
    });
    // A route with an onRequest hook of its own, which still runs.
    const ownHook = (_request: unknown, reply: { header: (name: string, value: string) => void }, done: () => void) => {
      reply.header('x-own-hook', 'ran');
      done();
    };
    app.get('/own-hook/:id', { onRequest: ownHook }, async () => 'own');
    app.get('/slow', async () => {
      await pause(40);
      return 'slow';
    });
    app.post('/upload', async () => {
      await pause(150);
      return 'stored';
    });
    app.get('/hang', () => new Promise(() => {}));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    await app.register(
      async (users) => {
        users.get('/:userId/posts', async (_request, reply) => reply.code(201).send('made'));
      },
      { prefix: '/users' },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 3; i++) assert.equal((await fetch(`${url}/api/jobs/${i}`)).status, 200);
      assert.equal((await fetch(`${url}/api/jobs/7`, { headers: { 'x-deny': '1' } })).status, 401);
      assert.equal((await fetch(`${url}/api/jobs/7`, { method: 'HEAD' })).status, 200);
      assert.equal((await fetch(`${url}/own-hook/1`)).headers.get('x-own-hook'), 'ran');
      assert.equal((await fetch(`${url}/users/ann/posts`)).status, 201);
      assert.equal((await fetch(`${url}/users/bob/posts`)).status, 201);
      assert.equal((await fetch(`${url}/no/such/${Math.random()}`)).status, 404);
      assert.equal((await fetch(`${url}/no/other`)).status, 404);
      assert.equal((await fetch(`${url}/no/where`, { method: 'DELETE' })).status, 404);
      assert.equal((await fetch(`${url}/boom`)).status, 500);
      assert.equal((await fetch(`${url}/slow`)).status, 200);
      // Responses queued on one connection behind a slow one.
      await pipelined(Number(new URL(url).port), ['/slow', '/api/jobs/9', '/users/cy/posts', '/no/queue'], 4);
      // The client leaves while the handler still works: once before the body was read
      // (a GET), once after (a POST whose body Fastify had parsed).
      await abandon(`${url}/hang`, {}, 40);
      await abandon(`${url}/upload`, { method: 'POST', body: 'x'.repeat(1000) }, 40);
      const live = (await (await fetch(`${url}/api/v1/live`)).json()) as { routes: Array<{ route: string }> };
      assert.ok(live.routes.some((r) => r.route === 'GET /api/jobs/:id'), 'Velocity API mounted in Fastify');
      // connectionTimeout (200 ms) cuts off a request the handler never answers (last: it also
      // closes the client's idle pooled connections, which a later request could pick).
      await assert.rejects(fetch(`${url}/hang`));
      await pause(200); // the POST's handler finishes after its client left
    } finally {
      await app.close();
      await velocity.close();
    }
    const counts = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(counts.get('GET /api/jobs/:id 2xx')?.count, 4);
    assert.equal(counts.get('GET /api/jobs/:id 4xx')?.count, 1, 'answered before its route-level hooks');
    assert.equal(counts.get('HEAD /api/jobs/:id 2xx')?.count, 1);
    assert.equal(counts.get('GET /own-hook/:id 2xx')?.count, 1);
    assert.equal(counts.get('GET /users/:userId/posts 2xx')?.count, 3);
    assert.ok((counts.get('GET /users/:userId/posts 2xx')?.max ?? 0) >= 35, 'the queued response is timed from its arrival');
    assert.equal(counts.get('GET unmatched 4xx')?.count, 3);
    assert.equal(counts.get('DELETE unmatched 4xx')?.count, 1);
    assert.equal(counts.get('GET /boom 5xx')?.count, 1);
    assert.equal(counts.get('GET /hang aborted')?.count, 1);
    assert.equal(counts.get('POST /upload aborted')?.count, 1, 'a client leaving after its body was read is seen');
    assert.equal(counts.get('GET /hang timeout')?.count, 1);
    assert.equal(counts.get('GET /api/v1/* 2xx')?.count, 1);
    const slow = counts.get('GET /slow 2xx');
    assert.equal(slow?.count, 2);
    assert.ok((slow?.max ?? 0) >= 35, `slow request took ${slow?.max} ms`);
    const hang = counts.get('GET /hang timeout');
    assert.ok((hang?.max ?? 0) >= 190, `timed-out request took ${hang?.max} ms`);
    assert.equal(counts.size, 13, [...counts.keys()].join(', '));
  });
});
