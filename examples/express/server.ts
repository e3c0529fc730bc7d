/**
 * An Express app recorded by Velocity: `npx tsx examples/express/server.ts`, then open
 * http://localhost:3000/api/jobs/42 a few times and http://localhost:3000/api/v1/live.
 * @module
 */
import express from 'express';
import { createVelocity } from 'velocity-metrics';
import { velocityMiddleware } from 'velocity-metrics/express';

const velocity = createVelocity({ service: 'jobs-api' }); // SQLite at ./data/velocity.db
const app = express();
app.use(velocityMiddleware(velocity)); // records every request under its route template
app.use(velocity.nodeMiddleware); // serves /api/v1/history, /api/v1/live, /healthz, /ops/metrics
app.get('/api/jobs/:id', (req, res) => void res.json({ id: req.params.id }));
app.listen(3000, () => console.log('listening on http://localhost:3000'));
