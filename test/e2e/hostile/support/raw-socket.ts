import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import { SUBPROTOCOL } from '../../../../src/core/protocol/index.js';

/**
 * Hostile clients that control the bytes: a raw `ws` WebSocket (any text, binary, or no hello
 * at all) and a raw TCP socket for what no WebSocket library will send (slow or broken HTTP,
 * invalid UTF-8, unmasked or oversized frames). Deliberately not the project's client library:
 * that one only ever sends valid frames.
 */

export type ServerFrame = Record<string, unknown> & { type?: string; id?: string; code?: string };

export interface Closed {
  code: number;
  reason: string;
}

export class RawWebSocket {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<Closed>;
  private waiters: Array<() => void> = [];
  private closeInfo: Closed | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        try {
          this.frames.push(JSON.parse((data as Buffer).toString()) as ServerFrame);
        } catch {
          this.frames.push({ type: '<not json>', raw: (data as Buffer).toString() });
        }
      }
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake();
      });
    });
    ws.on('error', () => {});
  }

  /**
   * Opens a socket (subprotocol chat.v1 unless told otherwise); resolves once open. `localAddress`
   * picks the source address (any 127.x.y.z reaches a gateway on 127.0.0.1): another client address.
   */
  static open(url: string, protocols: string[] = [SUBPROTOCOL], localAddress?: string): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
      const raw = new RawWebSocket(ws);
      ws.once('open', () => resolve(raw));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Opens a socket and completes the hello handshake with `token`. */
  static async authenticated(url: string, token: string, localAddress?: string): Promise<RawWebSocket> {
    const raw = await RawWebSocket.open(url, [SUBPROTOCOL], localAddress);
    raw.sendJson({ type: 'hello', token });
    const welcome = await raw.next((frame) => frame.type === 'welcome' || frame.type === 'error', 5000);
    if (welcome.type !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(welcome)}`);
    return raw;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get closeState(): Closed | undefined {
    return this.closeInfo;
  }

  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  sendJson(value: unknown): void {
    this.sendText(JSON.stringify(value));
  }

  sendBinary(data: Buffer): void {
    this.ws.send(data, { binary: true });
  }

  /** The first frame from index `from` on that matches, waiting up to `timeoutMs`. */
  async next(match: (frame: ServerFrame) => boolean, timeoutMs = 3000, from = 0): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.closeInfo)
        throw new Error(`closed ${this.closeInfo.code} before a matching frame; got ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(from))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a request with `id` and returns the reply (or error) carrying that id. */
  async request(frame: Record<string, unknown>, timeoutMs = 3000): Promise<ServerFrame> {
    const id = frame.id ?? `r${randomBytes(4).toString('hex')}`;
    const from = this.frames.length;
    this.sendJson({ ...frame, id });
    return this.next((reply) => reply.id === id, timeoutMs, from);
  }

  /** Proves the connection is still usable: a ping gets its pong. */
  async alive(timeoutMs = 3000): Promise<boolean> {
    if (!this.isOpen) return false;
    const reply = await this.request({ type: 'ping' }, timeoutMs).catch(() => undefined);
    return reply?.type === 'pong';
  }

  /** Waits for the close, up to `timeoutMs`; undefined when it stayed open. */
  async closedWithin(timeoutMs: number): Promise<Closed | undefined> {
    return Promise.race([
      this.closed,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs)),
    ]);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A raw TCP connection to the gateway, collecting every byte it receives. */
export class RawTcp {
  private received = Buffer.alloc(0);
  readonly ended: Promise<void>;
  private endedAt: number | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    socket.on('error', () => {});
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        this.endedAt = Date.now();
        resolve();
      }),
    );
  }

  static open(port: number, localAddress?: string): Promise<RawTcp> {
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) }, () =>
        resolve(new RawTcp(socket)),
      );
      socket.once('error', reject);
    });
  }

  /** Opens a WebSocket over raw TCP: upgrade request, then waits for the 101. */
  static async upgraded(port: number): Promise<RawTcp> {
    const tcp = await RawTcp.open(port);
    tcp.write(upgradeRequest());
    await tcp.waitFor((text) => text.includes('\r\n\r\n'), 3000);
    if (!tcp.text.startsWith('HTTP/1.1 101')) throw new Error(`upgrade failed: ${tcp.text}`);
    tcp.received = Buffer.alloc(0);
    return tcp;
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  get bytes(): Buffer {
    return this.received;
  }

  get isClosed(): boolean {
    return this.endedAt !== undefined;
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  async waitFor(done: (text: string) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (done(this.text)) return true;
      if (this.isClosed) return done(this.text);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return done(this.text);
  }

  /** Resolves true when the server closed the socket within `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    await Promise.race([this.ended, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    return this.isClosed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** An HTTP/1.1 WebSocket upgrade request for /v1/ws with chat.v1 (headers may be overridden). */
export function upgradeRequest(overrides: Record<string, string | undefined> = {}, path = '/v1/ws'): string {
  const headers: Record<string, string | undefined> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': SUBPROTOCOL,
    ...overrides,
  };
  const lines = Object.entries(headers)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${value}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * One client-to-server WebSocket frame, by hand: masked unless told otherwise, any opcode,
 * any payload (invalid UTF-8 included), optionally claiming a length it does not carry.
 */
export function wsFrame(
  opcode: number,
  payload: Buffer,
  opts: { masked?: boolean; fin?: boolean; rsv?: number; claimedLength?: number } = {},
): Buffer {
  const masked = opts.masked ?? true;
  const length = opts.claimedLength ?? payload.length;
  const first = ((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([first, (masked ? 0x80 : 0) | length]);
  } else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([header, mask, body]);
}

/** The payloads of the complete server text frames in `bytes`, in order (server frames are unmasked and, here, unfragmented). */
export function serverTextFrames(bytes: Buffer): string[] {
  const texts: string[] = [];
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const opcode = bytes[offset]! & 0x0f;
    let length = bytes[offset + 1]! & 0x7f;
    let start = offset + 2;
    if (length === 126) {
      if (offset + 4 > bytes.length) break;
      length = bytes.readUInt16BE(offset + 2);
      start = offset + 4;
    } else if (length === 127) {
      if (offset + 10 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(offset + 2));
      start = offset + 10;
    }
    if (start + length > bytes.length) break;
    if (opcode === 0x1) texts.push(bytes.toString('utf8', start, start + length));
    offset = start + length;
  }
  return texts;
}

/** The close code of the first server close frame in `bytes` (server frames are unmasked). */
export function closeCodeIn(bytes: Buffer): number | undefined {
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const opcode = bytes[offset]! & 0x0f;
    let length = bytes[offset + 1]! & 0x7f;
    let start = offset + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(offset + 2);
      start = offset + 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(offset + 2));
      start = offset + 10;
    }
    if (opcode === 0x8) return length >= 2 ? bytes.readUInt16BE(start) : 1005;
    offset = start + length;
  }
  return undefined;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as JSON, or `{ raw: text }` when it is not JSON. */
  json: Record<string, unknown>;
}

/**
 * One HTTP request to the gateway (the long-poll endpoints), from a chosen source address, with a
 * body given as text or bytes (invalid UTF-8 included) and sent chunked when asked to.
 */
export function httpExchange(
  port: number,
  method: string,
  path: string,
  opts: {
    token?: string;
    body?: string | Buffer;
    localAddress?: string;
    chunked?: boolean;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.body !== undefined && !opts.chunked) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers,
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown>;
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
        res.on('error', reject);
      },
    );
    // A server that answers early and closes (413 mid-body) may reset the rest of the upload.
    req.on('error', reject);
    if (opts.body === undefined) {
      req.end();
    } else if (opts.chunked) {
      const body = Buffer.from(opts.body);
      for (let at = 0; at < body.length; at += 16_384) req.write(body.subarray(at, at + 16_384));
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}
