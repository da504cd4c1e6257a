import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../../../core/protocol/errors.js';
import { errorFrame } from '../gateway-context.js';

/** The HTTP status that goes with each protocol error code on the long-poll endpoints. */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  bad_frame: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/** An HTTP-level refusal: answered with the protocol's error frame as the body. */
export class HttpRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** For `rate_limited`: when to try again, in the body as on a WebSocket (`Retry-After` says it in seconds). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'HttpRefusal';
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(body);
}

export function sendRefusal(res: ServerResponse, refusal: HttpRefusal, headers: Record<string, string> = {}): void {
  sendJson(
    res,
    HTTP_STATUS_OF[refusal.code],
    errorFrame(undefined, refusal.code, refusal.message, refusal.retryAfterMs),
    { ...headers, ...refusal.headers },
  );
}

/**
 * Reads a request body of at most `maxBytes`. A larger one (by content-length, or as it
 * streams in) is refused `too_large` without reading the rest, and the connection is closed
 * after the answer so the unread bytes cannot be taken for the next request.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const tooLarge = () => new HttpRefusal('too_large', `the body is over ${maxBytes} bytes`, { connection: 'close' });
  if (declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('aborted', () => reject(new HttpRefusal('bad_frame', 'the request was aborted')));
  });
}

/** The bearer token of the Authorization header. */
export function bearerToken(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S{1,8192})\s*$/i.exec(header);
  if (!match) {
    throw new HttpRefusal('unauthorized', 'send the device token as "Authorization: Bearer <JWT>"', {
      'www-authenticate': 'Bearer',
    });
  }
  return match[1]!;
}
