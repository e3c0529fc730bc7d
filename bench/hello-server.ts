/**
 * A hello-world server for the HTTP overhead benchmark, run as a child process:
 * `node bench/hello-server.js <node|express|fastify|hono> <with|without|empty> [no-timers]`
 * (the benchmark runs it transpiled, see transpile.ts). It answers `GET /hello/:id` with a short
 * text body, recorded by Velocity (memory store) when `with` (Express: through
 * `withVelocityExpress`, Hono: through `withVelocityHono`, which add no middleware); `empty`
 * adds instead the framework's cheapest middleware that does nothing (node:http: a listener
 * that calls the next; Express: `app.use((req, res, next) => next())`; Fastify: an `onRequest`
 * hook that calls `done()`; Hono: `app.use((c, next) => next())`), to show what the framework
 * itself charges for one middleware. `no-timers` turns Velocity's minute and flush timers off,
 * so that counted instructions are those of requests only. It prints `listening <port>` once it
 * accepts connections, then answers each line it reads on stdin with `cpu <µs>`: the user +
 * system CPU time the process has used so far.
 * @module
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { createVelocity } from '../src/velocity.js';

const [framework, variant, timers] = process.argv.slice(2);
const velocity =
  variant === 'with'
    ? createVelocity({ database: 'memory', collect: false, handleSignals: false, timers: timers !== 'no-timers', log: () => {} })
    : null;
const empty = variant === 'empty';
const announce = (port: number): void => void process.stdout.write(`listening ${port}\n`);

createInterface({ input: process.stdin }).on('line', () => {
  const { user, system } = process.cpuUsage();
  process.stdout.write(`cpu ${user + system}\n`);
});

async function start(): Promise<void> {
  switch (framework) {
    case 'node': {
      const { withVelocity } = await import('../src/adapters/node.js');
      const hello: RequestListener = (_req, res) => res.end('hello');
      const passThrough: RequestListener = (req, res) => hello(req, res);
      const server = createServer(velocity ? withVelocity(velocity, hello) : empty ? passThrough : hello);
      server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port));
      return;
    }
    case 'express': {
      const { default: express } = await import('express');
      const { withVelocityExpress } = await import('../src/adapters/express.js');
      const app = express();
      if (empty) app.use((_req, _res, next) => next());
      app.get('/hello/:id', (_req, res) => void res.send('hello'));
      const server = createServer(velocity ? withVelocityExpress(velocity, app) : app);
      server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port));
      return;
    }
    case 'fastify': {
      const { default: Fastify } = await import('fastify');
      const { velocityPlugin } = await import('../src/adapters/fastify.js');
      const app = Fastify();
      if (velocity) await app.register(velocityPlugin, { velocity });
      if (empty) app.addHook('onRequest', (_request, _reply, done) => done());
      app.get('/hello/:id', async () => 'hello');
      await app.listen({ port: 0, host: '127.0.0.1' });
      announce((app.server.address() as AddressInfo).port);
      return;
    }
    case 'hono': {
      const { serve } = await import('@hono/node-server');
      const { Hono } = await import('hono');
      const { withVelocityHono } = await import('../src/adapters/hono.js');
      const app = new Hono();
      if (empty) app.use((_c, next) => next());
      app.get('/hello/:id', (c) => c.text('hello'));
      const fetch = velocity ? withVelocityHono(velocity, app) : app.fetch;
      serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port));
      return;
    }
    default:
      throw new Error(`unknown framework ${framework}`);
  }
}

await start();
