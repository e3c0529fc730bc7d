/**
 * Velocity's own API (/api/v1/history, /api/v1/live, /api/v1/series) served by the app.
 * @module
 */
import { getVelocity } from 'velocity-metrics/next';

export function GET(request: Request): Promise<Response> | Response {
  return getVelocity()?.fetch(request) ?? Response.json({ error: 'Velocity is not registered' }, { status: 503 });
}
