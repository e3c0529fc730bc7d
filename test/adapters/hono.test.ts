import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { velocityMiddleware, withVelocityFetch } from '../../src/adapters/hono.js';
import { createVelocity } from '../../src/velocity.js';
import { listen } from '../support/http.js';
import { tempDir } from '../support/tmp.js';
import { storedRequestCountsIn } from './stored.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Serves a fetch handler over real HTTP on loopback, as `@hono/node-server` does in production. */
function serveFetch(fetch: (request: Request, env: unknown) => Promise<Response>) {
  return listen(createAdaptorServer({ fetch }) as Server);
}

describe('Hono adapter', () => {
  it('records matched templates (sub-apps, basePath), 404s, onError 500s and errors that reach it', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const velocity = createVelocity({ database: path, timers: false, handleSignals: false });
    const app = new Hono();
    app.onError((_error, c) => c.text('internal error', 500));
    app.use(velocityMiddleware(velocity));
    app.use('/api/*', async (c, next) => {
      await next();
      c.header('x-api', '1');
    });
    app.all('/api/v1/*', (c) => velocity.fetch(c.req.raw));
    app.get('/api/jobs/:id', (c) => (c.req.param('id') === 'missing' ? c.json({ error: 'no such job' }, 404) : c.json({ id: c.req.param('id') })));
    app.get('/slow', async (c) => {
      await pause(40);
      return c.text('slow');
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/plain-throw', () => {
      // Not an Error: Hono's onError leaves it alone, so it reaches the middleware.
      throw 'plain';
    });
    const users = new Hono();
    users.post('/:userId/posts', (c) => c.text('made', 201));
    app.route('/users', users);
    const v2 = new Hono().basePath('/v2');
    v2.get('/items/:itemId', (c) => c.text('item'));
    app.route('/', v2);
    const escaped: unknown[] = [];
    const { url, close } = await serveFetch(async (request, env) => {
      try {
        return await app.fetch(request, env);
      } catch (error) {
        escaped.push(error);
        return new Response('failed', { status: 500 });
      }
    });
    try {
      for (let i = 0; i < 4; i++) assert.equal((await fetch(`${url}/api/jobs/${i}`)).status, 200);
      assert.equal((await fetch(`${url}/api/jobs/missing`)).status, 404);
      assert.equal((await fetch(`${url}/users/ann/posts`, { method: 'POST' })).status, 201);
      assert.equal((await fetch(`${url}/v2/items/7`)).status, 200);
      assert.equal((await fetch(`${url}/no/such/${Math.random()}`)).status, 404);
      assert.equal((await fetch(`${url}/api/nothing/here`)).status, 404);
      assert.equal((await fetch(`${url}/no/where`, { method: 'PUT' })).status, 404);
      assert.equal((await fetch(`${url}/boom`)).status, 500);
      assert.equal((await fetch(`${url}/plain-throw`)).status, 500);
      assert.equal((await fetch(`${url}/slow`)).status, 200);
      const live = (await (await fetch(`${url}/api/v1/live`)).json()) as { routes: Array<{ route: string }> };
      assert.ok(live.routes.some((r) => r.route === 'GET /api/jobs/:id'), 'Velocity API mounted in Hono');
    } finally {
      await close();
      await velocity.close();
    }
    assert.deepEqual(escaped, ['plain'], 'the error is re-thrown untouched');
    const counts = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(counts.get('GET /api/jobs/:id 2xx')?.count, 4);
    assert.equal(counts.get('GET /api/jobs/:id 4xx')?.count, 1, "a route's own 404 keeps its template");
    assert.equal(counts.get('POST /users/:userId/posts 2xx')?.count, 1);
    assert.equal(counts.get('GET /v2/items/:itemId 2xx')?.count, 1);
    assert.equal(counts.get('GET unmatched 4xx')?.count, 2);
    assert.equal(counts.get('PUT unmatched 4xx')?.count, 1);
    assert.equal(counts.get('GET /boom 5xx')?.count, 1);
    assert.equal(counts.get('GET /plain-throw 5xx')?.count, 1);
    assert.equal(counts.get('GET /api/v1/* 2xx')?.count, 1);
    const slow = counts.get('GET /slow 2xx');
    assert.equal(slow?.count, 1);
    assert.ok((slow?.max ?? 0) >= 35, `slow request took ${slow?.max} ms`);
    assert.equal(counts.size, 10, [...counts.keys()].join(', '));
  });
});

describe('withVelocityFetch', () => {
  it('records any Web-standard fetch handler: ids folded, 404s unmatched, errors counted and re-thrown', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const velocity = createVelocity({ database: path, timers: false, handleSignals: false });
    const failure = new Error('handler failed');
    const handler = withVelocityFetch(velocity, async (request: Request, env: unknown) => {
      const { pathname } = new URL(request.url);
      if (pathname.startsWith('/items/')) return new Response(env === undefined ? 'no env' : 'item');
      if (pathname === '/slow') return pause(40).then(() => new Response('slow'));
      if (pathname === '/fail') return new Response('no', { status: 503 });
      if (pathname === '/throw') throw failure;
      return new Response('not found', { status: 404 });
    });
    const escaped: unknown[] = [];
    const { url, close } = await serveFetch(async (request, env) => {
      try {
        return await handler(request, env);
      } catch (error) {
        escaped.push(error);
        return new Response('failed', { status: 500 });
      }
    });
    // A handler with its own route names, served beside the first.
    const named = withVelocityFetch(velocity, () => new Response('named'), {
      route: (request) => (request.headers.get('x-kind') === 'report' ? '/reports/{name}' : '/other'),
    });
    const second = await serveFetch(named);
    try {
      const item = await fetch(`${url}/items/3f2504e0-4f89-11d3-9a0c-0305e82c3301?x=1`);
      assert.equal(await item.text(), 'item', 'extra arguments reach the handler');
      assert.equal((await fetch(`${url}/items/42`)).status, 200);
      assert.equal((await fetch(`${url}/fail`, { method: 'POST' })).status, 503);
      assert.equal((await fetch(`${url}/throw`)).status, 500);
      assert.equal((await fetch(`${url}/slow`)).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await fetch(`${url}/wp-admin/x${i}.php`)).status, 404);
      assert.equal((await fetch(`${second.url}/r/q1`, { headers: { 'x-kind': 'report' } })).status, 200);
      assert.equal((await fetch(`${second.url}/anything`)).status, 200);
    } finally {
      await close();
      await second.close();
      await velocity.close();
    }
    assert.deepEqual(escaped, [failure]);
    const counts = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(counts.get('GET /items/:id 2xx')?.count, 2);
    assert.equal(counts.get('POST /fail 5xx')?.count, 1);
    assert.equal(counts.get('GET /throw 5xx')?.count, 1);
    assert.equal(counts.get('GET unmatched 4xx')?.count, 3, 'unknown URLs are one series, not one per URL');
    assert.equal(counts.get('GET /reports/{name} 2xx')?.count, 1);
    assert.equal(counts.get('GET /other 2xx')?.count, 1);
    const slow = counts.get('GET /slow 2xx');
    assert.equal(slow?.count, 1);
    assert.ok((slow?.max ?? 0) >= 35, `slow request took ${slow?.max} ms`);
    assert.equal(counts.size, 7, [...counts.keys()].join(', '));
  });
});
