import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { hostPortOf, proxyService, withHostPort } from '../../src/faults/proxied-service.js';

describe('proxied service', () => {
  it('service URLs keep user, database and query when pointed at a proxy', () => {
    expect(hostPortOf('postgresql://postgres@127.0.0.1:5432/chat_x?sslmode=disable')).toEqual({
      host: '127.0.0.1',
      port: 5432,
    });
    expect(hostPortOf('redis://localhost')).toEqual({ host: 'localhost', port: 6379 });
    expect(withHostPort('postgresql://postgres:pw@127.0.0.1:5432/chat_x?sslmode=disable', '127.0.0.1', 15432)).toBe(
      'postgresql://postgres:pw@127.0.0.1:15432/chat_x?sslmode=disable',
    );
    expect(withHostPort('nats://127.0.0.1:4222', '127.0.0.1', 14222)).toBe('nats://127.0.0.1:14222');
  });

  it('a Redis client through the proxy stalls under blackhole and finishes its command on heal', async () => {
    const redis = await proxyService('redis://127.0.0.1:6379');
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.ping()).toBe('PONG');
      await redis.proxy.setMode({ kind: 'blackhole' });
      let answered = false;
      const ping = client.ping().then((reply) => {
        answered = true;
        return reply;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(answered).toBe(false);
      await redis.proxy.heal();
      expect(await ping).toBe('PONG');
    } finally {
      client.disconnect();
      await redis.proxy.close();
    }
  });
});
