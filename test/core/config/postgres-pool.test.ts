import { describe, expect, it } from 'vitest';
import { roleSettingsOf } from '../../../src/cli/flags.js';
import { configInputOf } from '../../../src/core/config/resolve-settings.js';
import { ConfigError, resolveConfig } from '../../../src/core/config/cluster-config.js';
import { configEnvOf } from '../../../src/nodes/cluster/config-env.js';
import { defaultGatewayPoolSize } from '../../../src/nodes/gateway/gateway-workers.js';

const services = { postgresUrl: 'postgresql://x', redisUrl: 'redis://x', natsUrl: 'nats://x' };

describe('config - the Postgres pool of a process', () => {
  it('unset means the role default; a set size must be a positive whole number', () => {
    expect(resolveConfig('fanout', services).postgresPool).toBeUndefined();
    expect(resolveConfig('fanout', { ...services, postgresPool: 4 }).postgresPool).toBe(4);
    expect(resolveConfig('fanout', services, { postgresPool: 6 }).postgresPool).toBe(6);
    expect(() => resolveConfig('fanout', { ...services, postgresPool: 0 })).toThrow(ConfigError);
    expect(() => resolveConfig('fanout', { ...services, postgresPool: 1.5 })).toThrow(/postgres-pool/);
  });

  it('chat-node cluster hands the pool size, the poll timeout and the CORS origins to its roles', () => {
    const env = configEnvOf(
      configInputOf(
        roleSettingsOf(
          'gateway',
          {
            flags: {
              'postgres-pool': 3,
              'poll-timeout-ms': 9000,
              'cors-origins': 'https://a.example,https://b.example',
            },
          },
          {},
        ),
      ),
    );
    expect(env).toMatchObject({
      CHAT_POSTGRES_POOL: '3',
      CHAT_POLL_TIMEOUT_MS: '9000',
      CHAT_CORS_ORIGINS: 'https://a.example,https://b.example',
    });
    const unset = configEnvOf(configInputOf(roleSettingsOf('cluster', { flags: {} }, {})));
    expect(unset.CHAT_POSTGRES_POOL).toBeUndefined();
    expect(unset.CHAT_CORS_ORIGINS).toBeUndefined();
  });
});

describe('gateway - default pool of a gateway process', () => {
  it('a lone gateway keeps 10; the workers of one node share 12, at least 3 each', () => {
    expect(defaultGatewayPoolSize()).toBe(10);
    expect([1, 2, 4, 6, 8].map((workers) => defaultGatewayPoolSize(workers))).toEqual([10, 6, 3, 3, 3]);
  });
});
