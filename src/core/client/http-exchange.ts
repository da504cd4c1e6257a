import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A finished HTTP exchange: the status and the whole body as text. */
export interface HttpAnswer {
  status: number;
  body: string;
}

export interface ExchangeOptions {
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** Gives up (rejects) after this many ms without the whole answer. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Keep-alive HTTP for one long-poll session: a held poll takes one socket, frames go out on a
 * second, and a closing DELETE may need a third; all bound to the session's local address.
 */
export class HttpExchange {
  private readonly agent: HttpAgent;
  private readonly secure: boolean;

  constructor(base: URL, localAddress: string | undefined) {
    this.secure = base.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: 3, ...(localAddress !== undefined ? { localAddress } : {}) };
    this.agent = this.secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  exchange(url: URL, options: ExchangeOptions): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      const send = this.secure ? httpsRequest : httpRequest;
      const headers: Record<string, string> = { ...options.headers };
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(options.body));
      }
      const req = send(
        url,
        { method: options.method, headers, agent: this.agent, signal: options.signal },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          // A response cut short (the server or a proxy dropped the socket) is an error, not a body.
          res.on('aborted', () => reject(new Error('the response was cut short')));
          res.on('error', reject);
          res.on('end', () => {
            if (!res.complete) reject(new Error('the response was cut short'));
            else resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** Closes the kept-alive sockets. */
  destroy(): void {
    this.agent.destroy();
  }
}
