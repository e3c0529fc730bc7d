/**
 * A bare node:http server recorded by Velocity: `npx tsx examples/node-http/server.ts`,
 * then request http://localhost:3001/items/7 and see http://localhost:3001/api/v1/live
 * (numeric, UUID and hex path segments are recorded as `:id`).
 * @module
 */
import { createServer } from 'node:http';
import { createVelocity } from 'velocity-metrics';
import { withVelocity } from 'velocity-metrics/node';

const velocity = createVelocity({ service: 'items' });
const server = createServer(
  withVelocity(velocity, (req, res) => {
    if (req.url?.startsWith('/api/v1/') || req.url === '/healthz') return velocity.nodeMiddleware(req, res);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url }));
  }),
);
server.listen(3001, () => console.log('listening on http://localhost:3001'));
