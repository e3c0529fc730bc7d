/**
 * The route templates of a Fastify app, matched against a request's method and URL: for the
 * requests Fastify answered before their route's handler ran (a hook that replied early), the
 * only ones whose template the Fastify adapter does not learn from the handler.
 * @module
 */
import { createRequire } from 'node:module';

/** The parts of find-my-way (the router Fastify itself uses) this module calls. */
interface Router {
  on(method: string | string[], path: string, handler: () => void, store: string): void;
  find(method: string, path: string): { store: string } | null;
}

/**
 * find-my-way as Fastify resolves it: Fastify depends on it, so it is there wherever Fastify
 * is, and Velocity need not depend on it. Null when it cannot be loaded.
 */
function loadRouter(): Router | null {
  try {
    const fromVelocity = createRequire(import.meta.url);
    const fromFastify = createRequire(fromVelocity.resolve('fastify'));
    const createRouter = fromFastify('find-my-way') as () => Router;
    return createRouter();
  } catch {
    return null;
  }
}

const noop = (): void => {};

/**
 * The templates of the routes `add` was given, found by the router Fastify uses, with its
 * default options (case-sensitive, trailing slashes significant). The router is built on the
 * first `find`, so an app whose routes always reach their handler never builds it.
 */
export class FastifyRouteTemplates {
  private readonly routes: Array<[method: string | string[], template: string]> = [];
  private router: Router | null | undefined;

  /** Notes a route: `method` as Fastify's route options give it, one or several. */
  add(method: string | string[], template: string): void {
    this.routes.push([method, template]);
    this.router = undefined;
  }

  /** The template of the route `method` and `url` (query string and all) match, or null. */
  find(method: string, url: string): string | null {
    if (this.router === undefined) this.router = this.build();
    if (this.router === null) return null;
    const query = url.indexOf('?');
    return this.router.find(method, query === -1 ? url : url.slice(0, query))?.store ?? null;
  }

  private build(): Router | null {
    const router = loadRouter();
    if (router === null) return null;
    for (const [method, template] of this.routes) {
      try {
        router.on(method, template, noop, template);
      } catch {
        // A second route of the same method and path (another constraint): same template.
      }
    }
    return router;
  }
}
