import { readFileSync } from 'node:fs';
import { parseDuration } from '../auth/jwt.js';
import { ConfigError, type ConfigInput } from './cluster-config.js';
import { splitList } from './config-schema.js';
import type { ConfigFileValues } from './config-file.js';
import {
  fileSettings,
  settingsOfCommand,
  type CommandSetting,
  type Setting,
  type SettingCommand,
  type SettingKey,
  type SettingValue,
} from './settings.js';

/**
 * Where each setting of a command comes from: flags > CHAT_* environment > config file >
 * defaults (DESIGN.md). The defaults that resolveConfig applies stay out of the values here, as
 * they stayed out of the flags, so a supervisor hands its roles only what it was given.
 */

export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export interface ResolvedSetting {
  setting: CommandSetting;
  /** What was given; for a default, the value only when the flag carries it (`flagDefault`). */
  value: SettingValue | undefined;
  source: SettingSource;
}

export interface SettingSources {
  /** Values given on the command line, by key. */
  flags: Partial<Record<SettingKey, unknown>>;
  /** Values of the CHAT_* variables, by key. */
  env: Partial<Record<SettingKey, unknown>>;
  file?: ConfigFileValues;
  /** The config file's path, for messages. */
  fileName?: string;
}

const RANK: Record<SettingSource, number> = { flag: 3, env: 2, file: 1, default: 0 };

export class ResolvedSettings {
  constructor(
    readonly command: SettingCommand,
    readonly entries: ReadonlyMap<SettingKey, ResolvedSetting>,
    readonly fileName: string | undefined,
  ) {}

  get(key: SettingKey): ResolvedSetting | undefined {
    return this.entries.get(key);
  }

  value(key: SettingKey): SettingValue | undefined {
    return this.entries.get(key)?.value;
  }

  string(key: SettingKey): string | undefined {
    const value = this.value(key);
    return typeof value === 'string' ? value : undefined;
  }

  integer(key: SettingKey): number | undefined {
    const value = this.value(key);
    return typeof value === 'number' ? value : undefined;
  }

  boolean(key: SettingKey): boolean | undefined {
    const value = this.value(key);
    return typeof value === 'boolean' ? value : undefined;
  }

  /** `flag --send-rate`, `env CHAT_SEND_RATE`, `file chat.yaml`, `default`. */
  origin(key: SettingKey): string {
    const entry = this.entries.get(key);
    if (!entry) return 'not taken';
    switch (entry.source) {
      case 'flag':
        return `flag --${entry.setting.flag}`;
      case 'env':
        return `env ${entry.setting.env}`;
      case 'file':
        return `file ${this.fileName ?? ''}`.trim();
      case 'default':
        return 'default';
    }
  }
}

export function resolveSettings(command: SettingCommand, sources: SettingSources): ResolvedSettings {
  const entries = new Map<SettingKey, ResolvedSetting>();
  for (const setting of settingsOfCommand(command)) {
    const given = (['flag', 'env', 'file'] as const)
      .map((source) => ({
        source,
        value: (source === 'flag' ? sources.flags : source === 'env' ? sources.env : (sources.file ?? {}))[setting.key],
      }))
      .find(({ value }) => value !== undefined && value !== '');
    if (given) {
      entries.set(setting.key, { setting, value: normalized(setting, given.value), source: given.source });
    } else {
      entries.set(setting.key, {
        setting,
        value: setting.flagDefault ? setting.default : undefined,
        source: 'default',
      });
    }
  }
  return new ResolvedSettings(command, entries, sources.fileName);
}

function normalized(setting: Setting, value: unknown): SettingValue {
  if (setting.kind === 'list') return typeof value === 'string' ? splitList(value) : (value as string[]).map(String);
  return value as SettingValue;
}

/**
 * The settings as a ConfigInput for resolveConfig (ClusterConfig's shape, by each setting's
 * `input` path): only what was given, and defaults the flags carry. The HS256 secret comes from
 * jwtSecretFile or jwtSecret, whichever was given at the higher level (flags > environment >
 * file), the file on a tie: so CHAT_JWT_SECRET beats a jwtSecretFile in the config file, and
 * CHAT_JWT_SECRET_FILE beats CHAT_JWT_SECRET as it always did.
 */
export function configInputOf(settings: ResolvedSettings): ConfigInput {
  const values = [...settings.entries].flatMap(([key, entry]) =>
    key === 'jwtSecret' || entry.value === undefined ? [] : [{ setting: entry.setting, value: entry.value }],
  );
  const input = inputOf(values, (key) => settings.origin(key).replace(/^flag /, ''));
  const secret = jwtSecretOf(settings);
  if (secret !== undefined) put(input, 'jwt.secret', secret);
  return input;
}

/**
 * A config file's settings alone as a ConfigInput (`config check`), jwtSecretFile left unread:
 * the file it names may be on another machine.
 */
export function fileConfigInput(values: ConfigFileValues): ConfigInput {
  const given = fileSettings().flatMap((setting) => {
    const value = values[setting.key];
    return value === undefined ? [] : [{ setting, value: normalized(setting, value) }];
  });
  return inputOf(given, (key) => key);
}

function inputOf(
  values: Array<{ setting: Setting & { key: SettingKey }; value: SettingValue }>,
  label: (key: SettingKey) => string,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const { setting, value } of values) {
    if (!setting.input) continue;
    put(input, setting.input, setting.kind === 'duration' ? seconds(label(setting.key), value) : value);
  }
  return input;
}

function put(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  put(inner, rest.join('.'), value);
}

function seconds(label: string, value: SettingValue): number {
  if (typeof value === 'number') return value;
  try {
    return parseDuration(String(value));
  } catch (error) {
    throw new ConfigError(`${label}: ${(error as Error).message}`);
  }
}

function jwtSecretOf(settings: ResolvedSettings): string | undefined {
  const file = settings.get('jwtSecretFile');
  const secret = settings.get('jwtSecret');
  if (secret?.source === 'flag')
    throw new ConfigError(
      '--jwt-secret is refused (every user of the machine can read a command line): set CHAT_JWT_SECRET or pass --jwt-secret-file',
    );
  const fileRank = file?.value === undefined ? -1 : RANK[file.source];
  const secretRank = secret?.value === undefined ? -1 : RANK[secret.source];
  if (fileRank >= 0 && fileRank >= secretRank) return readSecretFile(String(file!.value));
  return secretRank >= 0 ? String(secret!.value) : undefined;
}

export function readSecretFile(path: string): string {
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`cannot read the JWT secret file ${path}: ${(error as Error).message}`);
  }
  if (secret === '') throw new ConfigError(`the JWT secret file ${path} is empty`);
  return secret;
}
