import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyControl } from '../../src/faults/proxy-control.js';
import { TcpFaultProxy } from '../../src/faults/tcp-proxy.js';

describe('fault proxy control endpoint', () => {
  let proxy: TcpFaultProxy;
  let control: ProxyControl;
  let base: string;

  beforeAll(async () => {
    proxy = await TcpFaultProxy.start({ targetHost: '127.0.0.1', targetPort: 9 });
    control = await ProxyControl.start(proxy, '127.0.0.1', 0);
    base = `http://127.0.0.1:${control.port}`;
  });
  afterAll(async () => {
    await control.close();
    await proxy.close();
  });

  it('PUT /mode switches the mode, a bad body is a 400 that changes nothing, POST /heal passes again', async () => {
    const put = await fetch(`${base}/mode`, {
      method: 'PUT',
      body: JSON.stringify({ kind: 'latency', ms: 200, direction: 'up' }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { stats: { mode: string } }).stats.mode).toBe('latency 200 ms up');
    expect(proxy.mode).toEqual({ kind: 'latency', ms: 200, jitterMs: undefined, direction: 'up' });

    const bad = await fetch(`${base}/mode`, { method: 'PUT', body: '{"kind":"latency"}' });
    expect(bad.status).toBe(400);
    expect(proxy.mode.kind).toBe('latency');

    expect((await fetch(`${base}/heal`, { method: 'POST' })).status).toBe(200);
    const state = (await (await fetch(`${base}/`)).json()) as { mode: { kind: string }; target: string };
    expect(state.mode.kind).toBe('pass');
    expect(state.target).toBe('127.0.0.1:9');
  });
});
