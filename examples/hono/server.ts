/**
 * A Hono app recorded by Velocity, served on Node.js by `@hono/node-server`:
 * `npx tsx examples/hono/server.ts`, then open http://localhost:3003/api/jobs/42 a few times
 * and http://localhost:3003/api/v1/live. On Bun or Deno, export `app` (or `app.fetch`) instead.
 * @module
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createVelocity } from 'velocity-metrics';
import { velocityMiddleware } from 'velocity-metrics/hono';

const velocity = createVelocity({ service: 'jobs-api' }); // SQLite at ./data/velocity.db
const app = new Hono();
app.use(velocityMiddleware(velocity)); // records every request under its matched route template
app.all('/api/v1/*', (c) => velocity.fetch(c.req.raw)); // Velocity's own API: history, live, series
app.get('/api/jobs/:id', (c) => c.json({ id: c.req.param('id') }));
serve({ fetch: app.fetch, port: 3003 }, () => console.log('listening on http://localhost:3003'));
