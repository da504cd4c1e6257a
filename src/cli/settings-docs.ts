import { stringify } from 'yaml';
import {
  ROLES,
  SETTING_COMMANDS,
  SETTING_KEYS,
  commandSetting,
  settingOf,
  type HelpGroup,
  type Setting,
  type SettingCommand,
  type SettingKey,
} from '../core/config/settings.js';

/**
 * What the settings table writes for people: the README's (and docs/protocol.md's) table of
 * settings, and the commented starting file of `chat-node config init`. Both list the settings
 * by help group, in the table's order within a group.
 */

const GROUP_ORDER: Array<HelpGroup | undefined> = [
  undefined,
  'SERVICES',
  'AUTH',
  'LIMITS',
  'PRESENCE',
  'LONG-POLL',
  'PUSH',
  'APNS',
  'FCM',
];
const GROUP_TITLES: Record<HelpGroup | 'NONE', string> = {
  NONE: 'Listeners and this process',
  SERVICES: 'Services',
  AUTH: 'Device tokens (JWT)',
  LIMITS: 'Connections and limits',
  PRESENCE: 'Presence and typing',
  'LONG-POLL': 'Long-polling and browsers',
  PUSH: 'Push',
  APNS: 'APNs (pusher)',
  FCM: 'FCM (pusher)',
};

/** The keys by help group, the groups in GROUP_ORDER. */
export function keysByGroup(): SettingKey[] {
  return GROUP_ORDER.flatMap((group) => SETTING_KEYS.filter((key) => settingOf(key).group === group));
}

/** The markers around the generated table in README.md and docs/protocol.md. */
export const TABLE_BEGIN =
  '<!-- settings table: generated from src/core/config/settings-table.ts by `npm run docs:settings`; do not edit -->';
export const TABLE_END = '<!-- end of settings table -->';

/** `gateway, presence`, `every role, dev, cluster`. */
function usedBy(commands: readonly SettingCommand[]): string {
  const everyRole = ROLES.every((role) => commands.includes(role));
  return (
    everyRole
      ? ['every role', ...commands.filter((command) => !(ROLES as readonly string[]).includes(command))]
      : commands
  ).join(', ');
}

function commandsOf(key: SettingKey, among: readonly SettingCommand[] = SETTING_COMMANDS): SettingCommand[] {
  return among.filter((command) => commandSetting(key, command) !== undefined);
}

/** A default as words or a value; '' for none. */
function defaultText(setting: Pick<Setting, 'default' | 'defaultText'>, code: (value: string) => string): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  if (setting.default === undefined || setting.default === false) return '';
  return code(String(setting.default));
}

/** One default, or each command's: `9089` (gateway, dev); `9090` (fanout). */
function defaultsOf(key: SettingKey, among: readonly SettingCommand[], code: (value: string) => string): string {
  const byText = new Map<string, SettingCommand[]>();
  for (const command of commandsOf(key, among)) {
    const text = defaultText(commandSetting(key, command)!, code);
    byText.set(text, [...(byText.get(text) ?? []), command]);
  }
  if (byText.size === 1) return [...byText.keys()][0]!;
  return [...byText]
    .filter(([text]) => text !== '')
    .map(([text, commands]) => `${text} (${usedBy(commands)})`)
    .join('; ');
}

function markdownText(text: string): string {
  return text.replace(/[\\|*<]/g, (char) => `\\${char}`);
}

function meaning(setting: Setting): string {
  return setting.note ? `${setting.help}; ${setting.note}` : setting.help;
}

/** Code spans stay as written; the text between them is escaped for Markdown. */
function markdownProse(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : markdownText(part)))
    .join('');
}

/** The README's settings table, Markdown, between its markers. */
export function settingsMarkdown(): string {
  const code = (value: string) => `\`${value}\``;
  const rows = keysByGroup().map((key) => {
    const setting = settingOf(key);
    const aliases = SETTING_COMMANDS.flatMap(
      (command) => commandSetting(key, command)?.aliases?.map((alias) => ({ alias, command })) ?? [],
    );
    const aliasText =
      aliases.length > 0 ? ` (also \`--${aliases[0]!.alias}\`: ${aliases.map((a) => a.command).join(', ')})` : '';
    const flag = setting.argvRefused ? 'never (refused)' : `\`--${setting.flag}\`${aliasText}`;
    const cells = [
      setting.notInFile ? '(the file itself)' : code(key),
      flag,
      code(setting.env),
      markdownProse(defaultsOf(key, SETTING_COMMANDS, code)),
      usedBy(commandsOf(key)),
      markdownProse(meaning(setting)),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    TABLE_BEGIN,
    '| key | flag | variable | default | taken by | meaning |',
    '|---|---|---|---|---|---|',
    ...rows,
    TABLE_END,
  ].join('\n');
}

/** `text` with the table between its markers replaced; throws when the markers are missing. */
export function withSettingsTable(text: string, table = settingsMarkdown()): string {
  const begin = text.indexOf(TABLE_BEGIN);
  const end = text.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`no settings table markers (${TABLE_BEGIN} ... ${TABLE_END})`);
  return `${text.slice(0, begin)}${table}${text.slice(end + TABLE_END.length)}`;
}

/** `text` wrapped to `width` columns, each line starting with `prefix`. */
function wrapped(text: string, prefix: string, width = 80): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && prefix.length + line.length + 1 + word.length > width) {
      lines.push(`${prefix}${line}`);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(`${prefix}${line}`);
  return lines;
}

/**
 * A commented YAML starting file: every setting a role reads from a file, under its help, with
 * where else it can be given and its default. Defaults are commented out (uncomment to change
 * one: a default written in the file would stop a role's own, such as each role's admin port);
 * the service URLs, which nothing defaults, are written with local examples to edit.
 */
export function configTemplate(): string {
  const out: string[] = [
    ...wrapped(
      "chat-node config file, written by `chat-node config init`. A role reads it with --config FILE (or CHAT_CONFIG=FILE); its flags beat CHAT_* variables, which beat this file, which beats the defaults. The keys are the flags' names in camelCase. Each setting is here with its default, commented out: uncomment a line to change it. `chat-node config check FILE` checks the file; `chat-node config print ROLE --config FILE` shows what a role would run with.",
      '# ',
    ),
  ];
  let group: string | undefined;
  for (const key of keysByGroup()) {
    const setting = settingOf(key);
    if (setting.notInFile) continue;
    const title = GROUP_TITLES[setting.group ?? 'NONE'];
    if (title !== group) {
      out.push('', `# ---- ${title} ${'-'.repeat(Math.max(0, 72 - title.length))}`);
      group = title;
    }
    const roles = commandsOf(key, ROLES);
    const defaults = defaultsOf(key, ROLES, (value) => value);
    const flag = setting.argvRefused ? 'never a flag' : `--${setting.flag}`;
    out.push('', ...wrapped(`${meaning(setting)}.`, '# '));
    out.push(
      ...wrapped(
        `${flag}, ${setting.env}; read by ${usedBy(roles)}${defaults === '' ? '' : `; default: ${defaults}`}.`,
        '# ',
      ),
    );
    const first = roles.map((role) => commandSetting(key, role)!.default).find((value) => value !== undefined);
    if (setting.example !== undefined) out.push(`${key}: ${yamlScalar(setting.example)}`);
    else out.push(first === undefined ? `# ${key}:` : `# ${key}: ${yamlScalar(first)}`);
  }
  return `${out.join('\n')}\n`;
}

function yamlScalar(value: string | number | boolean): string {
  return stringify(value).trim();
}
