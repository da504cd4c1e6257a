import { Args, Command, Flags } from '@oclif/core';
import { roleSettingsOf, settingFlags } from '../../cli/flags.js';
import { renderTable } from '../../cli/table.js';
import { ConfigError, resolveConfig } from '../../core/config/cluster-config.js';
import { redactUrl } from '../../core/config/redact-url.js';
import { configInputOf, type ResolvedSetting, type ResolvedSettings } from '../../core/config/resolve-settings.js';
import { ROLES, type Role, type SettingValue } from '../../core/config/settings.js';

const MASK = '***';

export default class ConfigPrint extends Command {
  static override summary = "Print a role's effective settings and where each comes from";
  static override description = [
    'Resolves the settings of ROLE (default gateway) as `chat-node ROLE` would with the same flags, CHAT_* variables and --config file, and prints each with its value and its source: flag, env, file or default. Secrets are masked: the JWT secret entirely, the passwords and tokens in service URLs.',
    'It takes the flags of `chat-node ROLE` (see its --help), after ROLE, which comes first. Exit status 1, with the reason, when the role would refuse these settings at start; 2 when the config file has problems.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> config print gateway --config chat.yaml',
    'CHAT_SEND_RATE=50 <%= config.bin %> config print gateway --config chat.yaml\n--max-frame-bytes 8192 --json',
  ];
  static override strict = false;
  static override args = {
    role: Args.string({ description: 'the role whose settings to print', options: [...ROLES], default: 'gateway' }),
  };
  static override flags = {
    json: Flags.boolean({ description: 'print JSON: { role, config, settings: { key: { value, source } } }' }),
    config: Flags.string({ description: "config file, YAML or JSON (the role's --config)", env: 'CHAT_CONFIG' }),
  };

  async run(): Promise<void> {
    const first = this.argv[0];
    const role = (first !== undefined && !first.startsWith('-') ? first : 'gateway') as Role;
    if (!ROLES.includes(role)) this.error(`${role} is not a role: one of ${ROLES.join(', ')}`, { exit: 2 });
    const parsed = await this.parse(
      { args: ConfigPrint.args, flags: { ...settingFlags(role), json: ConfigPrint.flags.json }, strict: true },
      this.argv,
    );
    // The role picks the flags to parse, so it must come before them.
    if (parsed.args.role !== role)
      this.error(`put the role first: chat-node config print ${parsed.args.role} [flags]`, { exit: 2 });
    let settings: ResolvedSettings;
    try {
      settings = roleSettingsOf(role, parsed);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`Error: ${error.message}\n`);
      return this.exit(2);
    }
    let problem: string | undefined;
    try {
      resolveConfig(role, configInputOf(settings));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problem = error.message;
    }
    const entries = [...settings.entries].filter(([key]) => key !== 'config');
    if (parsed.flags.json) {
      const shown = Object.fromEntries(
        entries.map(([key, entry]) => [key, { value: shownValue(entry) ?? null, source: entry.source }]),
      );
      this.log(
        JSON.stringify(
          { role, config: settings.fileName ?? null, settings: shown, ...(problem ? { problem } : {}) },
          null,
          2,
        ),
      );
    } else {
      const rows = entries.map(([key, entry]) => ({ key, value: textOf(entry), source: settings.origin(key) }));
      this.log(
        `${role}: flags > environment > config file${settings.fileName ? ` (${settings.fileName})` : ''} > defaults`,
      );
      this.log(renderTable(rows, ['key', 'value', 'source']));
    }
    if (problem) {
      process.stderr.write(`${role} would not start: ${problem}\n`);
      this.exit(1);
    }
  }
}

/** The value as shown: a default when nothing set it, secrets masked. */
function shownValue(entry: ResolvedSetting): SettingValue | undefined {
  const { setting } = entry;
  const value = entry.value ?? (setting.default === false ? undefined : setting.default);
  if (value === undefined) return undefined;
  if (setting.secret === 'value') return MASK;
  if (setting.secret === 'url' && typeof value === 'string') return redactUrl(value);
  return value;
}

function textOf(entry: ResolvedSetting): string {
  const value = shownValue(entry);
  if (value === undefined) return entry.setting.defaultText ? `(${cut(entry.setting.defaultText, 40)})` : '-';
  return Array.isArray(value) ? value.join(',') : String(value);
}

function cut(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 3)}...` : text;
}
