import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGateways, GatewayUnreachableError } from '../../../src/sim/runner/gateway-preflight.js';

const SECRET = 'preflight-test-secret-of-at-least-32-bytes';

describe('sim - gateway preflight', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const listen = async (status: number): Promise<number> => {
    server = createServer((_, res) => res.writeHead(status).end());
    server.on('upgrade', (_, socket) => socket.end(`HTTP/1.1 ${status} Nope\r\nContent-Length: 0\r\n\r\n`));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    return (server.address() as AddressInfo).port;
  };

  it('refuses a run whose URL misses the WebSocket path, naming the path to try', async () => {
    const port = await listen(404);
    const error = await checkGateways({ urls: [`ws://127.0.0.1:${port}`], secret: SECRET, timeoutMs: 1500 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatewayUnreachableError);
    expect((error as Error).message).toContain('404');
    expect((error as Error).message).toContain(`try ws://127.0.0.1:${port}/v1/ws`);
  });

  it('says that nothing listens when the port is closed', async () => {
    const port = await listen(404);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const started = Date.now();
    const error = await checkGateways({
      urls: [`ws://127.0.0.1:${port}/v1/ws`],
      secret: SECRET,
      timeoutMs: 1500,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((error as Error).message).toMatch(/ECONNREFUSED[\s\S]*nothing listens there/);
  });
});
