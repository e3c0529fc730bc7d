/**
 * The API's bearer-token check.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Whether `request` carries `Authorization: Bearer <token>`. Both sides are hashed first, so
 * the comparison takes the same time whatever the header holds, its length included.
 */
export function hasBearerToken(request: Request, token: string): boolean {
  return timingSafeEqual(digest(request.headers.get('authorization') ?? ''), digest(`Bearer ${token}`));
}
