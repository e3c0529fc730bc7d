import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { velocityMiddleware, withVelocityFetch, withVelocityHono } from '../../src/adapters/hono.js';
import { createVelocity, type Velocity } from '../../src/velocity.js';
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

describe('withVelocityHono', () => {
  it('records matched templates (sub-apps, basePath, middlewares), 404s, HEAD, onError 500s and escaping errors, without a middleware', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const velocity = createVelocity({ database: path, timers: false, handleSignals: false });
    const app = new Hono();
    app.onError((_error, c) => c.text('internal error', 500));
    app.use('/api/*', async (c, next) => {
      if (c.req.header('x-deny') !== undefined) return c.text('denied', 401);
      await next();
      c.header('x-api', '1');
    });
    app.all('/api/v1/*', (c) => velocity.fetch(c.req.raw));
    app.get('/api/jobs/:id', (c) => (c.req.param('id') === 'missing' ? c.json({ error: 'no such job' }, 404) : c.json({ id: c.req.param('id') })));
    app.get('/hello/:name', (c) => c.text(`hello ${c.req.param('name')}`));
    app.get('/slow', async (c) => {
      await pause(40);
      return c.text('slow');
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/plain-throw', () => {
      // Not an Error: Hono's onError leaves it alone, so it escapes app.fetch.
      throw 'plain';
    });
    // A handler asking the app again: the outer request keeps its own route.
    app.get('/inner/:n', (c) => c.text('inner'));
    app.get('/outer', async () => new Response(await (await app.request('/inner/1')).text()));
    const users = new Hono();
    users.post('/:userId/posts', (c) => c.text('made', 201));
    app.route('/users', users);
    const v2 = new Hono().basePath('/v2');
    v2.get('/items/:itemId', (c) => c.text('item'));
    app.route('/', v2);
    const fetchHandler = withVelocityHono(velocity, app);
    // Added after wrapping: still recorded.
    app.get('/late/:id', (c) => c.text('late'));

    const direct = fetchHandler(new Request('http://localhost/hello/ann'));
    assert.ok(direct instanceof Response, 'a request the app answers synchronously is answered synchronously');
    assert.equal(await direct.text(), 'hello ann');

    const escaped: unknown[] = [];
    const { url, close } = await serveFetch(async (request, env) => {
      try {
        return await fetchHandler(request, env);
      } catch (error) {
        escaped.push(error);
        return new Response('failed', { status: 500 });
      }
    });
    try {
      for (let i = 0; i < 4; i++) assert.equal((await fetch(`${url}/api/jobs/${i}`)).status, 200);
      assert.equal((await fetch(`${url}/api/jobs/missing`)).status, 404);
      assert.equal((await fetch(`${url}/api/jobs/7`, { headers: { 'x-deny': '1' } })).status, 401);
      assert.equal((await fetch(`${url}/api/jobs/7`, { method: 'HEAD' })).status, 200);
      assert.equal((await fetch(`${url}/users/ann/posts`, { method: 'POST' })).status, 201);
      assert.equal((await fetch(`${url}/v2/items/7`)).status, 200);
      assert.equal((await fetch(`${url}/late/3`)).status, 200);
      assert.equal((await fetch(`${url}/no/such/${Math.random()}`)).status, 404);
      assert.equal((await fetch(`${url}/api/nothing/here`)).status, 404);
      assert.equal((await fetch(`${url}/no/where`, { method: 'PUT' })).status, 404);
      assert.equal((await fetch(`${url}/boom`)).status, 500);
      assert.equal((await fetch(`${url}/plain-throw`)).status, 500);
      assert.equal((await fetch(`${url}/outer`)).status, 200);
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
    assert.equal(counts.get('GET /hello/:name 2xx')?.count, 1);
    assert.equal(counts.get('GET /api/jobs/:id 2xx')?.count, 4);
    assert.equal(counts.get('GET /api/jobs/:id 4xx')?.count, 2, "a route's own 404, and a middleware's 401 before it");
    assert.equal(counts.get('HEAD /api/jobs/:id 2xx')?.count, 1);
    assert.equal(counts.get('POST /users/:userId/posts 2xx')?.count, 1);
    assert.equal(counts.get('GET /v2/items/:itemId 2xx')?.count, 1);
    assert.equal(counts.get('GET /late/:id 2xx')?.count, 1);
    assert.equal(counts.get('GET unmatched 4xx')?.count, 2);
    assert.equal(counts.get('PUT unmatched 4xx')?.count, 1);
    assert.equal(counts.get('GET /boom 5xx')?.count, 1);
    assert.equal(counts.get('GET /plain-throw 5xx')?.count, 1);
    assert.equal(counts.get('GET /outer 2xx')?.count, 1, 'the outer request keeps its route; the nested app.request() did not pass the wrapper and is not recorded');
    assert.equal(counts.get('GET /api/v1/* 2xx')?.count, 1);
    const slow = counts.get('GET /slow 2xx');
    assert.equal(slow?.count, 1);
    assert.ok((slow?.max ?? 0) >= 35, `slow request took ${slow?.max} ms`);
    assert.equal(counts.size, 14, [...counts.keys()].join(', '));
  });

  it('keeps each request to its own match when handlers call the wrapped fetch again, and two instances apart', async () => {
    const velocity = createVelocity({ database: 'memory', timers: false, handleSignals: false, collect: false });
    const other = createVelocity({ database: 'memory', timers: false, handleSignals: false, collect: false });
    const app = new Hono();
    let wrapped: (request: Request) => Response | Promise<Response> = app.fetch;
    app.get('/inner/:n', (c) => c.text('inner'));
    app.get('/outer/:n', async () => new Response(await (await wrapped(new Request('http://localhost/inner/1'))).text()));
    app.get('/sync-outer/:n', () => wrapped(new Request('http://localhost/inner/2')));
    wrapped = withVelocityHono(velocity, app);
    const otherFetch = withVelocityHono(other, app);
    try {
      assert.equal(await (await wrapped(new Request('http://localhost/outer/1'))).text(), 'inner');
      assert.equal((await wrapped(new Request('http://localhost/sync-outer/1'))).status, 200);
      assert.equal((await otherFetch(new Request('http://localhost/inner/3'))).status, 200);
      const counts = (instance: Velocity) => instance.live().routes.map((r) => `${r.route} ${r['1m'].count}`).sort();
      assert.deepEqual(counts(velocity), ['GET /inner/:n 2', 'GET /outer/:n 1', 'GET /sync-outer/:n 1']);
      assert.deepEqual(counts(other), ['GET /inner/:n 1']);
    } finally {
      await velocity.close();
      await other.close();
    }
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
