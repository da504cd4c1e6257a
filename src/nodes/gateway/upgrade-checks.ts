import type { IncomingMessage } from 'node:http';
import { SUBPROTOCOL } from '../../core/protocol/limits.js';
import type { UpgradeOrigins } from './upgrade-origins.js';

/**
 * Header lines a request may carry. Node keeps only server.maxHeadersCount of them and drops the
 * rest without a word, so a request could lose its Sec-WebSocket-Protocol or Authorization line
 * and be answered as if it had never sent it; the gateway lets Node keep one more line than this
 * and refuses a request that has it.
 */
export const MAX_HEADER_LINES = 2000;

/** Why a request is refused: the HTTP status, its plain-text message, and any more header lines. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** Any request (upgrade or not) whose header block cannot be trusted as read: cut short by Node, or with two Host lines. */
export function headerBlockRefusal(req: IncomingMessage): Refusal | undefined {
  if (req.rawHeaders.length / 2 > MAX_HEADER_LINES)
    return { status: 431, message: `more than ${MAX_HEADER_LINES} header lines` };
  // RFC 9112 3.2: a request with more than one Host line is answered 400 (Node keeps the first).
  if (hostLines(req) > 1) return { status: 400, message: 'more than one Host header' };
  return undefined;
}

/**
 * The gateway's own checks of a WebSocket upgrade, before ws sees it (ws then refuses what is
 * malformed in the handshake itself: method, Upgrade, Sec-WebSocket-Key, subprotocol syntax).
 */
export function upgradeRefusal(req: IncomingMessage, origins: UpgradeOrigins): Refusal | undefined {
  const block = headerBlockRefusal(req);
  if (block) return block;
  // Node requires Host of plain HTTP/1.1 requests, not of upgrades; RFC 6455 requires it too.
  if (hostLines(req) === 0) return { status: 400, message: 'no Host header' };
  // RFC 6455 4.2.2: a version the server does not speak is refused naming the one it does (ws also took the 2011 draft's 8, and answered 400).
  if (req.headers['sec-websocket-version'] !== '13') {
    return {
      status: 426,
      message: 'this server speaks WebSocket version 13',
      headers: { upgrade: 'websocket', 'sec-websocket-version': '13' },
    };
  }
  // Not echoed in the answer: the Origin is the client's text, of any length.
  if (!origins.admits(req.headers.origin, req.headers.host))
    return { status: 403, message: 'this page origin may not connect (CHAT_CORS_ORIGINS)' };
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(SUBPROTOCOL)) return { status: 400, message: `offer the WebSocket subprotocol ${SUBPROTOCOL}` };
  return undefined;
}

function hostLines(req: IncomingMessage): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') count++;
  return count;
}
