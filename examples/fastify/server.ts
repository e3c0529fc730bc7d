/**
 * A Fastify app recorded by Velocity: `npx tsx examples/fastify/server.ts`, then open
 * http://localhost:3002/v1/jobs/42 a few times and http://localhost:3002/api/v1/live.
 * @module
 */
import Fastify from 'fastify';
import { createVelocity } from 'velocity-metrics';
import { velocityPlugin } from 'velocity-metrics/fastify';

const velocity = createVelocity({ service: 'jobs-api' }); // SQLite at ./data/velocity.db
const app = Fastify();
await app.register(velocityPlugin, { velocity }); // records every request under its route template
// Velocity's own API: /api/v1/history, /api/v1/live, /api/v1/series.
app.get('/api/v1/*', (request, reply) => {
  reply.hijack();
  velocity.nodeMiddleware(request.raw, reply.raw);
});
await app.register(
  async (jobs) => {
    jobs.get('/jobs/:id', async (request) => ({ id: (request.params as { id: string }).id })); // recorded as /v1/jobs/:id
  },
  { prefix: '/v1' },
);
await app.listen({ port: 3002 });
console.log('listening on http://localhost:3002');
