/**
 * Route templates for servers that have no router: the raw path with its query removed and
 * every identifier-like segment (numbers, UUIDs, long hex strings) replaced by `:id`.
 * @module
 */

const idSegment =
  /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[0-9a-f]*\d)[0-9a-f]{8,})$/i;

/**
 * The route template of a raw request URL.
 * @example routeTemplate('/api/jobs/42?x=1') // '/api/jobs/:id'
 */
export function routeTemplate(rawUrl: string): string {
  const queryAt = rawUrl.search(/[?#]/);
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  if (path === '' || path === '/') return '/';
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    if (idSegment.test(segments[i])) segments[i] = ':id';
  }
  return segments.join('/');
}

/**
 * A memo of `routeTemplate` holding at most `capacity` raw paths; when full it starts
 * afresh, so memory stays bounded whatever URLs arrive.
 */
export class RouteTemplateCache {
  private readonly cache = new Map<string, string>();

  constructor(private readonly capacity = 10_000) {}

  /** The template of `rawUrl`, from the memo when seen before. */
  get(rawUrl: string): string {
    let template = this.cache.get(rawUrl);
    if (template === undefined) {
      template = routeTemplate(rawUrl);
      if (this.cache.size >= this.capacity) this.cache.clear();
      this.cache.set(rawUrl, template);
    }
    return template;
  }
}
