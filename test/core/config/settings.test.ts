import { describe, expect, it } from 'vitest';
import { defaultPhrase } from '../../../src/cli/flags.js';
import Cluster from '../../../src/commands/cluster.js';
import Dev from '../../../src/commands/dev.js';
import Fanout from '../../../src/commands/fanout.js';
import Gateway from '../../../src/commands/gateway.js';
import Presence from '../../../src/commands/presence.js';
import Pusher from '../../../src/commands/pusher.js';
import { resolveConfig, type ConfigInput } from '../../../src/core/config/cluster-config.js';
import { ConfigFileSchema } from '../../../src/core/config/config-schema.js';
import {
  SETTING_COMMANDS,
  SETTING_KEYS,
  commandSetting,
  fileSettings,
  kebabOf,
  settingOf,
  type SettingCommand,
} from '../../../src/core/config/settings.js';
import { configEnvOf } from '../../../src/nodes/cluster/config-env.js';

/**
 * Issue 15, item 4: each setting is declared once, in src/core/config/settings.ts; the commands'
 * flags, the environment `chat-node cluster` hands its roles and the config file's schema come
 * from it. These tests read the commands as oclif sees them, so a flag added by hand beside the
 * table, or a table entry a command lost, fails here.
 */

interface FlagShape {
  type: string;
  env?: string;
  default?: unknown;
  aliases?: string[];
  hidden?: boolean;
  description?: string;
  summary?: string;
  options?: readonly string[];
  parse: (input: string, context: unknown, flag: unknown) => Promise<unknown>;
}

const COMMANDS: Record<SettingCommand, { flags: Record<string, unknown> }> = {
  gateway: Gateway,
  fanout: Fanout,
  presence: Presence,
  pusher: Pusher,
  dev: Dev,
  cluster: Cluster,
};

/** Flags of `dev` and `cluster` that run the local cluster rather than configure a role. */
const LOCAL_FLAGS: Record<SettingCommand, string[]> = {
  gateway: [],
  fanout: [],
  presence: [],
  pusher: ['fake'],
  dev: ['push', 'layout'],
  cluster: ['gateways', 'gateway-workers', 'fanouts', 'presence', 'push', 'restart', 'nats-cluster'],
};

const flagsOf = (command: SettingCommand) => COMMANDS[command].flags as Record<string, FlagShape>;

describe('settings table', () => {
  it('names each setting after its flag: the key is the flag in camelCase', () => {
    for (const key of SETTING_KEYS) {
      const { flag } = settingOf(key);
      if (flag) expect(kebabOf(key), key).toBe(flag);
    }
  });

  it.each(SETTING_COMMANDS)(
    'is a flag of %s for every setting it names there, with its variable, default, aliases and type',
    async (command) => {
      const flags = flagsOf(command);
      for (const key of SETTING_KEYS) {
        const setting = commandSetting(key, command);
        if (!setting?.flag) continue;
        const flag = flags[setting.flag];
        expect(flag, `${command} --${setting.flag}`).toBeDefined();
        if (setting.argvRefused) {
          // Refused on argv: hidden, and reading no variable (the secret's is read beside it).
          expect(flag!.hidden, `${command} --${setting.flag}`).toBe(true);
          expect(flag!.env, `${command} --${setting.flag}`).toBeUndefined();
          continue;
        }
        expect(flag!.env, `${command} --${setting.flag}`).toBe(setting.env);
        expect(flag!.aliases ?? [], `${command} --${setting.flag} aliases`).toEqual(setting.aliases ?? []);
        if (setting.flagDefault) expect(flag!.default, `${command} --${setting.flag} [default]`).toBe(setting.default);
        else {
          expect(flag!.default, `${command} --${setting.flag}: the default is resolveConfig's`).toBeUndefined();
          expect(flag!.summary ?? flag!.description, `${command} --${setting.flag} help`).toContain(
            defaultPhrase(setting),
          );
        }
        expect(flag!.options, `${command} --${setting.flag} options`).toEqual(
          setting.options ? [...setting.options] : undefined,
        );
        const parsed = setting.kind === 'boolean' ? undefined : await flag!.parse('12', {}, flag);
        if (setting.kind === 'integer') expect(parsed, `${command} --${setting.flag} is an integer flag`).toBe(12);
        else if (setting.kind !== 'boolean' && !setting.options)
          expect(parsed, `${command} --${setting.flag} is a string flag`).toBe('12');
        expect(flag!.type, `${command} --${setting.flag}`).toBe(setting.kind === 'boolean' ? 'boolean' : 'option');
      }
    },
  );

  it.each(SETTING_COMMANDS)(
    'is where every flag of %s comes from, but the ones that run a local cluster',
    (command) => {
      const fromTable = new Set(SETTING_KEYS.flatMap((key) => commandSetting(key, command)?.flag ?? []));
      const others = Object.keys(flagsOf(command)).filter((name) => !fromTable.has(name));
      expect(others.sort()).toEqual([...LOCAL_FLAGS[command]].sort());
    },
  );

  it('is the config file schema: one key per setting but --config itself, and no other', () => {
    const keys = Object.keys((ConfigFileSchema as unknown as { properties: Record<string, unknown> }).properties);
    expect(keys).toEqual(fileSettings().map((setting) => setting.key));
    expect(keys).not.toContain('config');
    expect((ConfigFileSchema as unknown as { additionalProperties: boolean }).additionalProperties).toBe(false);
  });

  it('places every field of ClusterConfig: each is the `input` of a setting', () => {
    const config = resolveConfig('gateway', {
      postgresUrl: 'postgresql://x',
      redisUrl: 'redis://x',
      natsUrl: 'nats://x',
    });
    const leaves = (Object.entries(config) as Array<[string, unknown]>).flatMap(([name, value]) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.keys(value).map((inner) => `${name}.${inner}`)
        : [name],
    );
    const inputs = SETTING_KEYS.flatMap((key) => settingOf(key).input ?? []);
    // jwt.maxTokenTtlSec is there by default; jwt.secret, jwt.publicKey... only when set.
    expect(leaves.filter((leaf) => !inputs.includes(leaf))).toEqual([]);
    expect(inputs.filter((input) => input.startsWith('jwt.'))).toEqual([
      'jwt.secret',
      'jwt.publicKey',
      'jwt.jwksUrl',
      'jwt.issuer',
      'jwt.audience',
      'jwt.maxTokenTtlSec',
    ]);
  });
});

describe('environment of the roles chat-node cluster starts', () => {
  it('carries every setting given to the supervisor by its variable, but the per-process node id', () => {
    const input: ConfigInput = {
      postgresUrl: 'postgresql://db/chat',
      redisUrl: 'redis://cache',
      redisCluster: true,
      natsUrl: 'nats://a:4222,nats://b:4222',
      natsCredsFile: '/etc/chat/nats.creds',
      natsTlsCaFile: '/etc/chat/nats-ca.pem',
      postgresPool: 3,
      namespace: 'ns',
      partitions: 8,
      streamReplicas: 3,
      jwt: {
        secret: 's'.repeat(32),
        publicKey: 'PEM',
        jwksUrl: 'https://keys',
        issuer: 'iss',
        audience: 'aud',
        maxTokenTtlSec: 3600,
      },
      heartbeatMs: 1000,
      presenceTimeoutMs: 9000,
      presenceGraceMs: 100,
      presenceFanoutMax: 5,
      typingTtlMs: 700,
      typingThrottleMs: 300,
      limits: { maxFrameBytes: 1024, maxBodyChars: 99, maxGroupMembers: 7 },
      pushPolicy: 'hold-while-active',
      pushActiveWindowSec: 30,
      broadcastGateways: 2,
      sendRatePerSec: 5,
      sendBurst: 6,
      roomAddRatePerSec: 2,
      roomAddBurst: 3,
      maxRoomsPerUser: 4,
      helloTimeoutMs: 5000,
      pollTimeoutMs: 2000,
      corsOrigins: ['https://a.example', 'https://b.example'],
      maxPendingPerIp: 0,
      maxConnections: 5000,
      maxConnectionsPerUser: 9,
      maxDevicesPerUser: 8,
      maxInflightRequests: 2,
      nodeId: 'supervisor',
      logLevel: 'debug',
    };
    const env = configEnvOf(input);
    const expected = SETTING_KEYS.filter((key) => settingOf(key).input && !settingOf(key).perProcess).map(
      (key) => settingOf(key).env,
    );
    expect(Object.keys(env).sort()).toEqual(expected.sort());
    expect(env).toMatchObject({
      CHAT_MAX_TOKEN_TTL: '3600',
      CHAT_CORS_ORIGINS: 'https://a.example,https://b.example',
      CHAT_MAX_PENDING_PER_IP: '0',
      CHAT_SEND_RATE: '5',
    });
    expect(env.CHAT_NODE_ID).toBeUndefined();
  });
});
