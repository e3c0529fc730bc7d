/**
 * Route templates for servers that have no router: the raw path with its query removed and
 * every identifier-like segment (numbers, UUIDs, long hex strings) replaced by `:id`.
 * @module
 */

const SLASH = 0x2f;
const QUESTION_MARK = 0x3f;
const HASH = 0x23;
const DASH = 0x2d;
/** Length of a UUID (`8-4-4-4-12` hex digits), and the positions of its four dashes. */
const UUID_LENGTH = 36;
const UUID_DASHES = [8, 13, 18, 23];
/** Shortest hex segment taken for an id (it must hold a decimal digit too). */
const MIN_HEX_ID_LENGTH = 8;

/**
 * Whether `url[from, to)`, which holds `digits` decimal digits, `dashes` dashes and `others`
 * characters that are neither those nor hex letters, is an identifier: all decimal digits, a
 * UUID, or at least 8 hex digits (either case) with a decimal digit among them.
 */
function isIdSegment(url: string, from: number, to: number, digits: number, dashes: number, others: number): boolean {
  const length = to - from;
  if (others !== 0 || length === 0) return false;
  if (digits === length) return true;
  if (dashes === 0) return digits > 0 && length >= MIN_HEX_ID_LENGTH;
  if (length !== UUID_LENGTH || dashes !== UUID_DASHES.length) return false;
  for (const at of UUID_DASHES) if (url.charCodeAt(from + at) !== DASH) return false;
  return true;
}

/**
 * The route template of a raw request URL.
 * @example routeTemplate('/api/jobs/42?x=1') // '/api/jobs/:id'
 */
export function routeTemplate(rawUrl: string): string {
  // One pass: classify each character of the current segment, decide at its end. The template
  // is built (from slices) only once a segment turns out to be an id.
  let template = '';
  let copied = 0;
  let segmentStart = 0;
  let digits = 0;
  let dashes = 0;
  let others = 0;
  let end = 0;
  for (; end <= rawUrl.length; end++) {
    const c = end < rawUrl.length ? rawUrl.charCodeAt(end) : QUESTION_MARK;
    if (c === SLASH || c === QUESTION_MARK || c === HASH) {
      if (isIdSegment(rawUrl, segmentStart, end, digits, dashes, others)) {
        template += `${rawUrl.slice(copied, segmentStart)}:id`;
        copied = end;
      }
      if (c !== SLASH) break;
      segmentStart = end + 1;
      digits = 0;
      dashes = 0;
      others = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      digits++;
    } else if (c === DASH) {
      dashes++;
    } else if ((c | 0x20) < 0x61 || (c | 0x20) > 0x66) {
      others++; // not a hex letter a–f / A–F
    }
  }
  if (end === 0 || (end === 1 && rawUrl.charCodeAt(0) === SLASH)) return '/';
  if (copied === 0) return end === rawUrl.length ? rawUrl : rawUrl.slice(0, end);
  return template + rawUrl.slice(copied, end);
}

/**
 * A memo of `routeTemplate` by raw path (the URL up to its query, so that query strings do
 * not defeat it), holding at most `capacity` paths. When full it empties and starts afresh:
 * memory stays bounded whatever URLs arrive, and the paths still in use come back at the cost
 * of one `routeTemplate` each.
 */
export class RouteTemplateCache {
  private readonly cache = new Map<string, string>();

  /** @param capacity the most raw paths held; default 10,000. */
  constructor(private readonly capacity = 10_000) {}

  /** The template of `rawUrl`, from the memo when its path was seen before. */
  get(rawUrl: string): string {
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    let template = this.cache.get(path);
    if (template === undefined) {
      template = routeTemplate(path);
      if (this.cache.size >= this.capacity) this.cache.clear();
      this.cache.set(path, template);
    }
    return template;
  }
}
