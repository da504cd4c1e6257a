import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it, vi } from 'vitest';
import Trace from '../../src/commands/trace.js';
import type { NodeTrace } from '../../src/core/observability/recent-traces.js';
import { writeMembersFile } from '../../src/nodes/cluster/members-file.js';
import { runCommand } from '../support/run-command.js';

/** Two nodes' admin listeners, played by HTTP servers that answer GET /trace with what they "saw". */
const T = 1_700_000_000_000;
const FANOUT: NodeTrace = {
  node: 'fanout-1',
  role: 'fanout',
  fanout: {
    room: 'd_room',
    seq: 7,
    sender: 'alice',
    senderDevice: 'laptop',
    receivedAt: T,
    storedAt: T + 1,
    pulledAt: T + 2,
    commitStartedAt: T + 2.5,
    committedAt: T + 4,
    publishedAt: T + 4.5,
    batchSends: 1,
  },
};
const GATEWAY: NodeTrace = {
  node: 'gw-1',
  role: 'gateway',
  writes: [{ frame: 'msg', user: 'bob', device: 'phone', conn: 'c2', publishedAt: T + 4.5, writtenAt: T + 6 }],
};

const asked: string[] = [];
const servers: Server[] = [];
let fanoutUrl: string;
let gatewayUrl: string;
let brokenUrl: string;
let closedUrl: string;

async function serve(answer: (msgId: string) => { status: number; body: unknown }): Promise<string> {
  const server = createServer((request, response) => {
    asked.push(request.url ?? '');
    const msgId = new URL(request.url ?? '/', 'http://x').searchParams.get('msg') ?? '';
    const { status, body } = answer(msgId);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const dir = mkdtempSync(join(tmpdir(), 'trace-'));

beforeAll(async () => {
  fanoutUrl = await serve((msgId) => ({ status: 200, body: { nodes: msgId === 'm1' ? [FANOUT] : [] } }));
  gatewayUrl = await serve((msgId) => ({ status: 200, body: { nodes: msgId === 'm1' ? [GATEWAY] : [] } }));
  brokenUrl = await serve(() => ({ status: 500, body: {} }));
  const closed = await serve(() => ({ status: 200, body: { nodes: [] } }));
  await new Promise((resolve) => servers.pop()!.close(resolve));
  closedUrl = closed;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

describe('trace', () => {
  beforeEach(() => {
    vi.stubEnv('CHAT_DATA_DIR', undefined);
    asked.length = 0;
  });
  afterEach(() => vi.unstubAllEnvs());

  it("prints a message's hops from every node, timed from the gateway's receipt, in order", async () => {
    const { code, stdout, stderr } = await runCommand(Trace, ['m1', '--url', `${fanoutUrl},${gatewayUrl}/`]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('message m1');
    expect(lines[1]).toMatch(/^\s+\+0\.000 ms/);
    const offsets = lines.slice(1).map((line) => Number(/\+(\d+\.\d+) ms/.exec(line)?.[1]));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(offsets).toHaveLength(7);
    const last = lines.at(-1)!;
    expect(last).toMatch(/\+6\.000 ms\s+\(1\.500 ms\).*gw-1$/);
    expect(stdout).toContain('fanout-1');
    expect(asked.sort()).toEqual(['/trace?msg=m1', '/trace?msg=m1']);
  });

  it('--json prints what each node answered, and which did not', async () => {
    const { code, stdout } = await runCommand(Trace, ['m1', '--url', `${fanoutUrl},${brokenUrl}`, '--json']);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { msgId: string; nodes: NodeTrace[]; unreachable: string[] };
    expect(printed.msgId).toBe('m1');
    expect(printed.nodes).toEqual([FANOUT]);
    expect(printed.unreachable).toEqual([`${brokenUrl} (HTTP 500)`]);
  });

  it('warns of a node that does not answer, and says when no node remembers the message', async () => {
    const { code, stdout, stderr } = await runCommand(Trace, ['m2', '--url', `${gatewayUrl},${closedUrl}`]);
    expect(code).toBe(0);
    expect(stdout).toContain('message m2: no node remembers it');
    expect(stderr).toContain(`no answer from ${closedUrl}`);
  });

  it('exits 1 when no node answers', async () => {
    const { code, stderr } = await runCommand(Trace, ['m1', '--url', `${closedUrl},${brokenUrl}`]);
    expect(code).toBe(1);
    expect(stderr).toContain(`no answer from ${closedUrl}`);
    expect(stderr).toContain(`no answer from ${brokenUrl} (HTTP 500)`);
  });

  it('asks the nodes a local cluster listed in its data folder when no --url is given', async () => {
    writeMembersFile(dir, 'cluster', [
      { role: 'fanout', nodeId: 'fanout-1', http: fanoutUrl },
      { role: 'gateway', nodeId: 'gw-1', http: gatewayUrl },
    ]);
    const { code, stdout } = await runCommand(Trace, ['m1', '--data-dir', dir, '--json']);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { nodes: NodeTrace[] };
    expect(printed.nodes.map((node) => node.node).sort()).toEqual(['fanout-1', 'gw-1']);
  });

  it('encodes the message id in the query', async () => {
    await runCommand(Trace, ['a b&c', '--url', fanoutUrl, '--json']);
    expect(asked).toEqual(['/trace?msg=a%20b%26c']);
  });
});
