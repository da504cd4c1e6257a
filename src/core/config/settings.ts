import { SETTINGS } from './settings-table.js';

/**
 * Every setting of a cluster, declared once in settings-table.ts: its config-file key (the flag's
 * name in camelCase), flag, CHAT_* variable, type, default, help and the commands that take it.
 * The commands' flags (src/cli/flags.ts), the environment `chat-node cluster` hands its roles
 * (config-env.ts), the config file's schema (config-schema.ts), `chat-node config init` and the
 * README's settings table are all generated from it; test/core/config/settings.test.ts keeps them
 * from drifting. This file says what an entry is, and how a command's view of it is read.
 */

export { SETTINGS };

/** The commands whose flags come from this table; the first four read `--config`. */
export const SETTING_COMMANDS = ['gateway', 'fanout', 'presence', 'pusher', 'dev', 'cluster'] as const;
export type SettingCommand = (typeof SETTING_COMMANDS)[number];
export const ROLES = ['gateway', 'fanout', 'presence', 'pusher'] as const;
export type Role = (typeof ROLES)[number];

/**
 * `string`, `integer`, `boolean`; `duration`: `90s`, `15m`, `1h`, `7d` or seconds (a number in a
 * file); `list`: comma-separated on the command line and in the environment, a list or a
 * comma-separated string in a file.
 */
export type SettingKind = 'string' | 'integer' | 'boolean' | 'duration' | 'list';
export type SettingValue = string | number | boolean | string[];

export type HelpGroup = 'SERVICES' | 'AUTH' | 'LIMITS' | 'PRESENCE' | 'LONG-POLL' | 'PUSH' | 'APNS' | 'FCM';

/** How one command takes a setting, where it differs from the setting's own declaration. */
export interface CommandUse {
  help?: string;
  default?: string | number | boolean;
  defaultText?: string;
  flagDefault?: boolean;
  aliases?: string[];
  exclusive?: string[];
}

export interface Setting {
  /** The flag, without `--`; undefined for a setting never taken from argv. */
  flag: string | undefined;
  env: string;
  kind: SettingKind;
  /** The values a string setting takes. */
  options?: readonly string[];
  /** Smallest (and largest) value of an integer setting. */
  min?: number;
  max?: number;
  /** What a string setting must look like, as a regular expression and in words. */
  pattern?: { source: string; text: string };
  /** One line: the flag's --help and the README's meaning. */
  help: string;
  /** Longer --help text (then `help` is the flag's summary). */
  details?: string;
  /** Said in the README and `config init` only, after the help. */
  note?: string;
  /** A value `config init` writes, uncommented, for a setting every role needs and none defaults. */
  example?: string;
  /** The value used when nothing sets it. */
  default?: string | number | boolean;
  /** The default in words, when the code works it out (per role, from the host, ...). */
  defaultText?: string;
  /**
   * The flag itself carries the default (oclif prints `[default: X]`, and the command reads it
   * from the flag); otherwise the help says `(default X)` and resolveConfig applies it.
   */
  flagDefault?: boolean;
  group?: HelpGroup;
  /** Masked by `config print`: the whole value, or a URL's password and token. */
  secret?: 'value' | 'url';
  /** Why the flag is refused (the secret would be on a command line every user can read). */
  argvRefused?: string;
  /** Not a config-file key (the config file's own path). */
  notInFile?: boolean;
  /**
   * Where the value goes in a ConfigInput (ClusterConfig's shape), dotted: these were the
   * config file's keys before the file took the flags' names, so they are also suggested.
   */
  input?: string;
  /** Set per process by whoever starts it: `chat-node cluster` does not hand it to every role. */
  perProcess?: boolean;
  /** The commands that take it, each `true` or how it differs there. */
  commands: Partial<Record<SettingCommand, CommandUse | true>>;
}

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function settingOf(key: SettingKey): Setting {
  return SETTINGS[key];
}

/** A setting as one command takes it: the command's differences applied. */
export interface CommandSetting extends Setting {
  key: SettingKey;
  aliases?: string[];
  exclusive?: string[];
}

export function commandSetting(key: SettingKey, command: SettingCommand): CommandSetting | undefined {
  const setting: Setting = SETTINGS[key];
  const use = setting.commands[command];
  if (use === undefined) return undefined;
  return { ...setting, ...(use === true ? {} : use), key };
}

/** The settings a command takes, in the table's order. */
export function settingsOfCommand(command: SettingCommand): CommandSetting[] {
  return SETTING_KEYS.flatMap((key) => commandSetting(key, command) ?? []);
}

/** The settings a config file may set: every one but the file's own path. */
export function fileSettings(): Array<Setting & { key: SettingKey }> {
  return SETTING_KEYS.filter((key) => !(SETTINGS[key] as Setting).notInFile).map((key) => ({
    ...(SETTINGS[key] as Setting),
    key,
  }));
}

/** The default that resolveConfig applies (undefined: none, or worked out by the code). */
export function defaultOf(key: SettingKey, command?: SettingCommand): string | number | boolean | undefined {
  return command ? commandSetting(key, command)?.default : (SETTINGS[key] as Setting).default;
}

/** `postgresPool` -> `postgres-pool`; the flag names are the keys in kebab case. */
export function kebabOf(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
