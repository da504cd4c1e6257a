import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { figuresOf, probeAdmin } from '../../src/status/node-probe.js';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listener(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const METRICS = [
  '# HELP chat_gateway_connections Open authenticated WebSocket connections',
  '# TYPE chat_gateway_connections gauge',
  'chat_gateway_connections{role="gateway",node="gw-1-w1"} 5',
  'chat_gateway_connections{role="gateway",node="gw-1-w2"} 8',
  'chat_gateway_users{role="gateway",node="gw-1-w1"} 4',
  'chat_gateway_frames_in_total{type="send",role="gateway",node="gw-1-w1"} 99',
].join('\n');

describe('node probe', () => {
  it("reads a node's readiness and its figures, each worker of a shared listener by its node label", async () => {
    const url = await listener((req, res) => {
      if (req.url === '/readyz')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true,"failing":[]}');
      else if (req.url === '/metrics') res.writeHead(200).end(METRICS);
      else res.writeHead(404).end();
    });
    const answer = await probeAdmin(url, 1000);
    expect(answer).toMatchObject({ url, answered: true, ready: true, failing: [] });
    expect(answer.samples.map((sample) => sample.name)).not.toContain('chat_gateway_frames_in_total');
    expect(figuresOf('gateway', 'gw-1-w1', answer.samples)).toEqual({ connections: 5, users: 4 });
    expect(figuresOf('gateway', 'gw-1-w2', answer.samples)).toEqual({ connections: 8 });
    expect(figuresOf('fanout', 'gw-1-w1', answer.samples)).toEqual({});
  });

  it('reports what /readyz says is failing', async () => {
    const url = await listener((req, res) => {
      if (req.url === '/readyz')
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"ready":false,"failing":["postgres","fanout holds 0/16 partitions"]}');
      else res.writeHead(200).end('');
    });
    expect(await probeAdmin(url, 1000)).toMatchObject({
      answered: true,
      ready: false,
      failing: ['postgres', 'fanout holds 0/16 partitions'],
    });
  });

  it('gives up on a node that does not answer after the timeout, and says so', async () => {
    // Accepts the connection and never answers, like a node stopped with SIGSTOP.
    const url = await listener(() => {});
    const started = Date.now();
    const answer = await probeAdmin(url, 300);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(answer).toEqual({
      url,
      answered: false,
      ready: false,
      failing: [`${url} did not answer: no answer within 300 ms`],
      samples: [],
    });
  });

  it('names the refused connection of a node that is gone', async () => {
    const url = await listener(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const answer = await probeAdmin(url, 1000);
    expect(answer.answered).toBe(false);
    expect(answer.failing[0]).toMatch(new RegExp(`^${url} did not answer: .*ECONNREFUSED`));
  });

  it('does not take a listener that is not an admin listener (a client port answering 404) for a ready one', async () => {
    const url = await listener((_req, res) => res.writeHead(404).end('not found'));
    expect(await probeAdmin(url, 1000)).toMatchObject({
      answered: true,
      ready: false,
      failing: [`${url}/readyz answered HTTP 404 without a readiness report`],
    });
  });
});
