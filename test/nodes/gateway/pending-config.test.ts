import { describe, expect, it } from 'vitest';
import { roleSettingsOf } from '../../../src/cli/flags.js';
import { configInputOf } from '../../../src/core/config/resolve-settings.js';
import { ConfigError, resolveConfig } from '../../../src/core/config/cluster-config.js';
import { configEnvOf } from '../../../src/nodes/cluster/config-env.js';

const services = { postgresUrl: 'postgresql://x', redisUrl: 'redis://x', natsUrl: 'nats://x' };

describe('gateway - the --max-pending-per-ip setting', () => {
  it('defaults to 1000; 0 (no cap) is allowed, a negative or fractional value is refused', () => {
    expect(resolveConfig('gateway', services).maxPendingPerIp).toBe(1000);
    expect(resolveConfig('gateway', { ...services, maxPendingPerIp: 0 }).maxPendingPerIp).toBe(0);
    expect(() => resolveConfig('gateway', { ...services, maxPendingPerIp: -1 })).toThrow(ConfigError);
    expect(() => resolveConfig('gateway', { ...services, maxPendingPerIp: 2.5 })).toThrow(/max-pending-per-ip/);
  });

  it('the flag beats the config file', () => {
    expect(resolveConfig('gateway', { ...services, maxPendingPerIp: 7 }, { maxPendingPerIp: 50 }).maxPendingPerIp).toBe(
      7,
    );
    expect(resolveConfig('gateway', services, { maxPendingPerIp: 50 }).maxPendingPerIp).toBe(50);
  });

  it('chat-node cluster hands the flag to its roles as CHAT_MAX_PENDING_PER_IP', () => {
    const input = configInputOf(roleSettingsOf('cluster', { flags: { 'max-pending-per-ip': 25 } }, {}));
    expect(input.maxPendingPerIp).toBe(25);
    expect(configEnvOf(input).CHAT_MAX_PENDING_PER_IP).toBe('25');
    expect(
      configEnvOf(configInputOf(roleSettingsOf('cluster', { flags: {} }, {}))).CHAT_MAX_PENDING_PER_IP,
      'unset stays unset: the role uses its default',
    ).toBeUndefined();
  });
});
