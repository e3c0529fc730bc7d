/**
 * A Next.js App Router app recorded by Velocity: `npx next dev examples/next` (or
 * `npx next build examples/next && npx next start examples/next`), then open
 * http://localhost:3000/api/jobs/42 a few times and http://localhost:3000/api/v1/live.
 * Next.js calls `register()` once per server process before it serves any request; it
 * creates the one Velocity every route handler records into.
 * @module
 */
export async function register(): Promise<void> {
  // Imported only in the Node.js runtime: Velocity's SQLite and PostgreSQL stores need Node.js.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { registerVelocity } = await import('velocity-metrics/next');
    registerVelocity({ service: 'jobs-web' }); // SQLite at ./data/velocity.db
  }
}
