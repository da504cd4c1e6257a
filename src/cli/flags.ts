import { Flags, type Command, type Interfaces } from '@oclif/core';
import { ConfigError, resolveConfig, type ClusterConfig, type ConfigInput } from '../core/config/cluster-config.js';
import { readConfigFile } from '../core/config/config-file.js';
import { jwtSettingsProblem } from '../core/auth/jwt.js';
import {
  configInputOf,
  readSecretFile,
  resolveSettings,
  type ResolvedSettings,
  type SettingSources,
} from '../core/config/resolve-settings.js';
import {
  commandSetting,
  settingsOfCommand,
  type CommandSetting,
  type Role,
  type SettingCommand,
  type SettingKey,
} from '../core/config/settings.js';

/**
 * The flags of the commands that run a cluster's roles, generated from the settings table
 * (core/config/settings-table.ts), and how their values, the CHAT_* environment and the config file
 * become a role's settings: flags > env > config file > defaults.
 */

type FlagDefinition = Interfaces.FlagInput[string];

/** `(default 16)`, `(default: system roots)`; nothing when the flag shows its own `[default: X]`. */
export function defaultPhrase(setting: CommandSetting): string {
  if (setting.flagDefault) return '';
  if (setting.defaultText !== undefined) return ` (default: ${setting.defaultText})`;
  if (setting.default !== undefined && setting.default !== false) return ` (default ${String(setting.default)})`;
  return '';
}

function flagOf(setting: CommandSetting): FlagDefinition {
  if (setting.argvRefused) return Flags.string({ description: `refused: ${setting.argvRefused}`, hidden: true });
  const text = `${setting.help}${defaultPhrase(setting)}`;
  const common = {
    ...(setting.details ? { summary: text, description: setting.details } : { description: text }),
    env: setting.env,
    ...(setting.group ? { helpGroup: setting.group } : {}),
    ...(setting.aliases ? { aliases: setting.aliases } : {}),
    ...(setting.exclusive ? { exclusive: setting.exclusive } : {}),
  };
  const withDefault = setting.flagDefault && setting.default !== undefined;
  switch (setting.kind) {
    case 'integer':
      return Flags.integer({ ...common, ...(withDefault ? { default: setting.default as number } : {}) });
    case 'boolean':
      return Flags.boolean({ ...common, ...(withDefault ? { default: setting.default as boolean } : {}) });
    default:
      return Flags.string({
        ...common,
        ...(setting.options ? { options: [...setting.options] } : {}),
        ...(withDefault ? { default: setting.default as string } : {}),
      });
  }
}

/** A command's flags from the settings table, in the table's order. */
export function settingFlags(command: SettingCommand): Record<string, FlagDefinition> {
  return Object.fromEntries(
    settingsOfCommand(command).flatMap((setting) => (setting.flag ? [[setting.flag, flagOf(setting)]] : [])),
  );
}

/**
 * Where an HS256 secret comes from: a file, or CHAT_JWT_SECRET; never argv, which every user of
 * the machine can read (ps, /proc/<pid>/cmdline). `--jwt-secret` is kept only to say so. For the
 * commands that sign or present tokens (token, sim, chat, bench) rather than run a gateway.
 */
export const jwtSecretFlags = {
  'jwt-secret-file': flagOf(commandSetting('jwtSecretFile', 'gateway')!),
  'jwt-secret': flagOf(commandSetting('jwtSecret', 'gateway')!),
};

/** The HS256 secret from --jwt-secret-file, else CHAT_JWT_SECRET; undefined when neither is set. */
export function jwtSecretOf(flags: { 'jwt-secret'?: unknown; 'jwt-secret-file'?: unknown }): string | undefined {
  if (flags['jwt-secret'] !== undefined) {
    throw new ConfigError(
      '--jwt-secret is refused (every user of the machine can read a command line): set CHAT_JWT_SECRET or pass --jwt-secret-file',
    );
  }
  const file = flags['jwt-secret-file'];
  const secret =
    typeof file === 'string' && file !== '' ? readSecretFile(file) : process.env.CHAT_JWT_SECRET || undefined;
  // As a role refuses it at start: a token signed with it would be accepted by no gateway.
  const problem = secret === undefined ? undefined : jwtSettingsProblem({ secret });
  if (problem) throw new ConfigError(problem);
  return secret;
}

/** What `Command.parse` returns that tells a value's origin (tests may pass bare flags). */
export interface ParsedFlags {
  flags: Record<string, unknown>;
  /** The tokens of argv: a flag named here was on the command line, else oclif took it from env. */
  raw?: Array<{ type: string; flag?: string }>;
  metadata?: { flags?: Record<string, { setFromDefault?: boolean } | undefined> };
}

/** The flags and environment of a parsed command, by setting key, split by where each came from. */
export function settingSourcesOf(
  command: SettingCommand,
  parsed: ParsedFlags,
  env: NodeJS.ProcessEnv = process.env,
): SettingSources {
  const flags: Partial<Record<SettingKey, unknown>> = {};
  const fromEnv: Partial<Record<SettingKey, unknown>> = {};
  for (const setting of settingsOfCommand(command)) {
    const value = setting.flag ? parsed.flags[setting.flag] : undefined;
    if (setting.argvRefused) {
      // Its flag takes no variable: the variable is read here, and the flag only to refuse it.
      if (value !== undefined) flags[setting.key] = value;
      if (env[setting.env]) fromEnv[setting.key] = env[setting.env];
      continue;
    }
    if (value === undefined || parsed.metadata?.flags?.[setting.flag!]?.setFromDefault) continue;
    const onArgv = parsed.raw ? parsed.raw.some((token) => token.type === 'flag' && token.flag === setting.flag) : true;
    (onArgv ? flags : fromEnv)[setting.key] = value;
  }
  return { flags, env: fromEnv };
}

/** Every setting of a role and where it came from, the config file (--config, CHAT_CONFIG) read and checked. */
export function roleSettingsOf(
  role: SettingCommand,
  parsed: ParsedFlags,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedSettings {
  const sources = settingSourcesOf(role, parsed, env);
  const fileName = [sources.flags.config, sources.env.config].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  return resolveSettings(role, { ...sources, file: readConfigFile(fileName), fileName });
}

/** A role's settings and its validated ClusterConfig; throws ConfigError (ConfigFileError for the file). */
export function roleConfigOf(
  role: Role,
  parsed: ParsedFlags,
  env: NodeJS.ProcessEnv = process.env,
): { settings: ResolvedSettings; config: ClusterConfig } {
  const settings = roleSettingsOf(role, parsed, env);
  return { settings, config: resolveConfig(role, configInputOf(settings)) };
}

/** As roleConfigOf, from bare flag values (tests). */
export function clusterConfigOf(role: Role, flags: Record<string, unknown>): ClusterConfig {
  return roleConfigOf(role, { flags }).config;
}

/**
 * roleConfigOf for a command starting a role: a setting that cannot be used stops it before
 * anything starts, with exit status 2 (as a flag oclif cannot parse does).
 */
export function startupConfigOf(
  command: Command,
  role: Role,
  parsed: ParsedFlags,
): { settings: ResolvedSettings; config: ClusterConfig } {
  return orExit(command, () => roleConfigOf(role, parsed));
}

/**
 * The settings of `dev` or `cluster` (flags > environment > config file > defaults) and their
 * ConfigInput; exit status 2 when a setting or the config file cannot be used.
 */
export function commandSettingsOf(
  command: Command,
  name: 'dev' | 'cluster',
  parsed: ParsedFlags,
): { settings: ResolvedSettings; input: ConfigInput } {
  return orExit(command, () => {
    const settings = roleSettingsOf(name, parsed);
    return { settings, input: configInputOf(settings) };
  });
}

/**
 * Runs `work`; a ConfigError is printed as it is (a config file's problems one a line, which
 * oclif's error box would wrap and prefix) and ends the command with exit status 2.
 */
function orExit<T>(command: Command, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Error: ${error.message}\n`);
    return command.exit(2);
  }
}
