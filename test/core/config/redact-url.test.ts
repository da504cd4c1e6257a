import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/core/config/cluster-config.js';
import { connectServices } from '../../../src/core/services/service-clients.js';
import { redactUrl } from '../../../src/devtools/index.js';
import { SERVICES } from '../../support/isolated-cluster.js';

describe('redacted URLs', () => {
  it.each([
    ['a Postgres password', 'postgresql://chat:s3cret@db:5432/chat', 'postgresql://chat:***@db:5432/chat'],
    ['a Redis password without a user', 'redis://:s3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['a NATS token (the user part alone)', 'nats://s3cret@bus:4222', 'nats://***@bus:4222'],
    [
      'every server of a NATS list',
      'nats://u:s3cret@a:4222,nats://u:s3cret@b:4222',
      'nats://u:***@a:4222,nats://u:***@b:4222',
    ],
    [
      'a password in the query',
      'postgresql://db/chat?user=chat&password=s3cret',
      'postgresql://db/chat?user=chat&password=***',
    ],
  ])('hides %s', (_name, url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('keeps a URL without credentials as it is, user names of Postgres too', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('postgresql://postgres@127.0.0.1:5432/postgres')).toBe(
      'postgresql://postgres@127.0.0.1:5432/postgres',
    );
    expect(redactUrl('nats://127.0.0.1:4222,nats://127.0.0.1:4223')).toBe(
      'nats://127.0.0.1:4222,nats://127.0.0.1:4223',
    );
  });

  it('a role that cannot reach Redis or NATS does not print their passwords', async () => {
    const base = {
      postgresUrl: SERVICES.postgresAdmin,
      redisUrl: SERVICES.redis,
      natsUrl: SERVICES.nats,
      jwt: { secret: 'x'.repeat(32) },
    };
    const redisDown = resolveConfig('test', { ...base, redisUrl: 'redis://:s3cret-redis@127.0.0.1:1' });
    const natsDown = resolveConfig('test', {
      ...base,
      natsUrl: 'nats://u:s3cret-nats@127.0.0.1:1,nats://s3cret-token@127.0.0.1:2',
    });
    for (const config of [redisDown, natsDown]) {
      const error = await connectServices(config, 'redaction-test', 1).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/cannot reach/);
      expect(error?.message).not.toMatch(/s3cret/);
    }
  }, 20_000);
});
