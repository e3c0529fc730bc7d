import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import express5 from 'express';
import express4 from 'express4';
import { velocityMiddleware, withVelocityExpress } from '../../src/adapters/express.js';
import { createVelocity } from '../../src/velocity.js';
import { listen } from '../support/http.js';
import { tempDir } from '../support/tmp.js';
import { storedRequestCountsIn } from './stored.js';

for (const [name, express] of [
  ['Express 4', express4],
  ['Express 5', express5],
] as const) {
  describe(`${name} adapter`, () => {
    for (const mounting of ['velocityMiddleware', 'withVelocityExpress'] as const) {
      it(`records matched route templates, mounted routers, 404s and errors (${mounting})`, async () => {
        const tmp = tempDir();
        const path = join(tmp.dir, 'v.db');
        const velocity = createVelocity({ database: path, timers: false, handleSignals: false });
        const app = (express as typeof express5)();
        if (mounting === 'velocityMiddleware') app.use(velocityMiddleware(velocity));
        app.use(velocity.nodeMiddleware);
        app.get('/api/jobs/:id', (_req, res) => void res.json({ ok: true }));
        const users = (express as typeof express5).Router();
        users.get('/:userId/posts', (_req, res) => void res.status(201).send('made'));
        app.use('/users', users);
        app.get('/boom', () => {
          throw new Error('boom');
        });
        app.use((_err: unknown, _req: unknown, res: { status: (n: number) => { end: () => void } }, _next: unknown) => {
          res.status(500).end();
        });
        const { url, close } = await listen(createServer(mounting === 'withVelocityExpress' ? withVelocityExpress(velocity, app) : app));
        try {
          for (let i = 0; i < 4; i++) assert.equal((await fetch(`${url}/api/jobs/${i}`)).status, 200);
          assert.equal((await fetch(`${url}/users/ann/posts`)).status, 201);
          assert.equal((await fetch(`${url}/no/such/${Math.random()}`)).status, 404);
          assert.equal((await fetch(`${url}/no/other`)).status, 404);
          assert.equal((await fetch(`${url}/boom`)).status, 500);
          const live = (await (await fetch(`${url}/api/v1/live`)).json()) as { routes: Array<{ route: string }> };
          assert.ok(live.routes.some((r) => r.route === 'GET /api/jobs/:id'));
        } finally {
          await close();
          await velocity.close();
        }
        const counts = await storedRequestCountsIn(path);
        tmp.remove();
        assert.equal(counts.get('GET /api/jobs/:id 2xx')?.count, 4);
        assert.equal(counts.get('GET /users/:userId/posts 2xx')?.count, 1);
        assert.equal(counts.get('GET unmatched 4xx')?.count, 2);
        assert.equal(counts.get('GET /boom 5xx')?.count, 1);
      });
    }
  });
}
