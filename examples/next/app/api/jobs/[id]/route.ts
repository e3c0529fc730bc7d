/**
 * GET /api/jobs/[id], recorded under the template `/api/jobs/[id]` whatever the id; ids that
 * are not numbers answer 404, counted as a 4xx of this route.
 * @module
 */
import { getVelocity, withVelocityRoute } from 'velocity-metrics/next';

export const GET = withVelocityRoute(
  getVelocity,
  '/api/jobs/[id]',
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    if (!/^\d+$/.test(id)) return Response.json({ error: `no job ${id}` }, { status: 404 });
    return Response.json({ id: Number(id), state: 'done' });
  },
);
