/**
 * Velocity for the Next.js App Router: `registerVelocity` for `instrumentation.ts` creates one
 * Velocity per server process, and `withVelocityRoute` wraps a route handler so that each
 * request it answers is recorded under the route's template. Requests Next.js answers itself
 * (its 404 for unknown paths, pages, static files) never reach a route handler and are not
 * recorded.
 * @example
 * // instrumentation.ts
 * export async function register() {
 *   if (process.env.NEXT_RUNTIME === 'nodejs') {
 *     const { registerVelocity } = await import('velocity-metrics/next');
 *     registerVelocity({ service: 'web' });
 *   }
 * }
 * // app/api/jobs/[id]/route.ts
 * import { getVelocity, withVelocityRoute } from 'velocity-metrics/next';
 * export const GET = withVelocityRoute(getVelocity, '/api/jobs/[id]', async (request, { params }) =>
 *   Response.json({ id: (await params).id }));
 * @module
 */
import { createVelocity, type Velocity, type VelocityOptions } from '../velocity.js';
import { trackFetch } from './track-fetch.js';

// Next.js may evaluate this module more than once per process (instrumentation and each route
// are bundled separately), so the instance lives on globalThis under a registry symbol.
const INSTANCE = Symbol.for('velocity-metrics.next.instance');

type VelocityHolder = { [INSTANCE]?: Velocity };

/**
 * Creates the server process's Velocity on the first call and returns it; later calls return
 * the same instance and ignore their options. Call it from `register()` in `instrumentation.ts`.
 * Outside the Node.js runtime (`process.env.NEXT_RUNTIME !== 'nodejs'`: the Edge runtime, or
 * no Next.js at all) it creates nothing and returns undefined.
 *
 * On SIGTERM/SIGINT `next start` closes its server and exits without waiting for Velocity's
 * final flush of the open minute, which races it (SQLite and a loopback PostgreSQL win in
 * tests; a distant database may not). To make that flush certain, set
 * `NEXT_MANUAL_SIG_HANDLE=true`: Next.js then leaves the signal to Velocity, which flushes and
 * re-raises it (Next.js no longer waits for requests in flight).
 */
export function registerVelocity(options: VelocityOptions = {}): Velocity | undefined {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return undefined;
  const holder = globalThis as VelocityHolder;
  holder[INSTANCE] ??= createVelocity(options);
  return holder[INSTANCE];
}

/** The Velocity that `registerVelocity` created in this process, or undefined before that. */
export function getVelocity(): Velocity | undefined {
  return (globalThis as VelocityHolder)[INSTANCE];
}

/**
 * The status Next.js answers with when a route handler throws `error`: the status of a
 * `redirect()` (307/308) or of `notFound()` / `forbidden()` / `unauthorized()` (404/403/401),
 * read from the error's `digest`, and 500 for anything else.
 */
function nextStatusOf(error: unknown): number {
  const digest = (error as { digest?: unknown } | null)?.digest;
  if (typeof digest !== 'string') return 500;
  const parts = digest.split(';');
  // NEXT_REDIRECT;<type>;<url>;<status>; (the url may itself hold ';') and NEXT_HTTP_ERROR_FALLBACK;<status>
  const status = parts[0] === 'NEXT_REDIRECT' ? parts.at(-2) : parts[0] === 'NEXT_HTTP_ERROR_FALLBACK' ? parts[1] : undefined;
  return Number(status) || 500;
}

/**
 * Wraps a Next.js route handler so that every request it answers is recorded under `route`
 * (the route's template, as its folder path: `/api/jobs/[id]`), its method and its status.
 * An error the handler throws is recorded with the status Next.js will answer with (500, or
 * that of `redirect()` / `notFound()`) and re-thrown untouched. `velocity` is an instance or
 * a function giving one per request, such as `getVelocity`; while it gives none, requests are
 * passed through unrecorded.
 */
export function withVelocityRoute<Req extends Request, Ctx, Res extends Response>(
  velocity: Velocity | (() => Velocity | undefined),
  route: string,
  handler: (request: Req, context: Ctx) => Res | Promise<Res>,
): (request: Req, context: Ctx) => Promise<Res> {
  const instanceOf = typeof velocity === 'function' ? velocity : () => velocity;
  const routeOf = (): string => route;
  return async (request, context) => {
    const instance = instanceOf();
    if (instance === undefined) return handler(request, context);
    return trackFetch(instance.http, request, routeOf, () => handler(request, context), nextStatusOf);
  };
}
