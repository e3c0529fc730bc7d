/**
 * Reading a JSON request body within a byte limit: the media type is checked first, a
 * declared `Content-Length` above the limit is refused before a byte is read, and the body is
 * read chunk by chunk, abandoned as soon as it passes the limit, so an endless or lying body
 * never costs more than the limit in memory.
 * @module
 */
import { VelocityError, invalidParameter } from '../errors.js';

/** Throws UNSUPPORTED_MEDIA_TYPE unless `request` declares uncompressed JSON in UTF-8. */
export function assertJsonContent(request: Request): void {
  const contentType = request.headers.get('content-type') ?? '';
  const [mediaType, ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
    throw new VelocityError(
      'UNSUPPORTED_MEDIA_TYPE',
      `send the body as Content-Type: application/json (UTF-8), not ${contentType === '' ? 'without a Content-Type' : JSON.stringify(contentType)}`,
    );
  }
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new VelocityError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not accepted: send the JSON uncompressed`);
  }
}

function tooLarge(what: string): VelocityError {
  return new VelocityError('PAYLOAD_TOO_LARGE', `${what}: send smaller batches`);
}

/**
 * The body of `request`, at most `maxBytes`, parsed as JSON. Throws PAYLOAD_TOO_LARGE past
 * the limit (the rest of the body is left unread and the stream cancelled) and
 * INVALID_PARAMETER `body` for a body that breaks off, is empty, is not UTF-8 or is not JSON.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(`the body is ${declared} bytes, more than the ${maxBytes} accepted`);
  const chunks: Uint8Array[] = [];
  let length = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read().catch((error: unknown) => {
        throw invalidParameter('body', `could not be read (${error instanceof Error ? error.message : String(error)})`);
      });
      if (done) break;
      length += value.byteLength;
      if (length > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(`the body runs past the ${maxBytes} bytes accepted`);
      }
      chunks.push(value);
    }
  }
  if (length === 0) throw invalidParameter('body', 'is empty: send a JSON object');
  const bytes = Buffer.concat(chunks, length);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalidParameter('body', 'is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidParameter('body', `is not valid JSON (${(error as Error).message})`);
  }
}
