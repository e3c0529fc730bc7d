/**
 * A Hono app recorded by Velocity, served on Node.js by `@hono/node-server`:
 * `npx tsx examples/hono/server.ts`, then open http://localhost:3003/api/jobs/42 a few times
 * and http://localhost:3003/api/v1/live. On Bun or Deno, export `{ fetch: withVelocityHono(velocity, app) }` instead.
 * @module
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createVelocity } from 'velocity-metrics';
import { withVelocityHono } from 'velocity-metrics/hono';

const velocity = createVelocity({ service: 'jobs-api' }); // SQLite at ./data/velocity.db
const app = new Hono();
app.all('/api/v1/*', (c) => velocity.fetch(c.req.raw)); // Velocity's own API: history, live, series
app.get('/api/jobs/:id', (c) => c.json({ id: c.req.param('id') }));
// Records every request under its matched route template, without a Hono middleware.
serve({ fetch: withVelocityHono(velocity, app), port: 3003 }, () => console.log('listening on http://localhost:3003'));
