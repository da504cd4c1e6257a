import Type, { type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { nearestKey } from './nearest-key.js';
import { SETTING_COMMANDS, commandSetting, fileSettings, kebabOf, type Setting, type SettingKey } from './settings.js';

/**
 * The config file's schema, generated from the settings table: one optional key per setting,
 * named as its flag in camelCase, and nothing else. Each schema's `description` says what it
 * expects, in the words the errors quote ("an integer >= 1").
 */

/** `1d`, `15m`, `90s` or seconds, as `parseDuration` in core/auth/jwt.ts reads them. */
export const DURATION_PATTERN = '^\\d+\\s*(s|m|h|d)?$';

export function settingSchema(setting: Setting): TSchema {
  switch (setting.kind) {
    case 'boolean':
      return Type.Boolean({ description: 'true or false' });
    case 'integer':
      return Type.Integer({ minimum: setting.min, maximum: setting.max, description: integerText(setting) });
    case 'duration':
      return Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
        description: 'a duration: 90s, 15m, 1h, 7d, or a number of seconds',
      });
    case 'list': {
      const item = stringSchema(setting);
      return Type.Union([Type.String(), Type.Array(item)], {
        description: `a list, or a comma-separated string, of ${expected(item)}s`,
      });
    }
    case 'string':
      return stringSchema(setting);
  }
}

function stringSchema(setting: Setting): TSchema {
  if (setting.options) {
    return Type.Union(
      setting.options.map((option) => Type.Literal(option)),
      { description: `one of ${setting.options.join(', ')}` },
    );
  }
  if (setting.pattern) return Type.String({ pattern: setting.pattern.source, description: setting.pattern.text });
  return Type.String({ minLength: 1, description: 'a non-empty string' });
}

/** What a schema expects, in words (its description). */
function expected(schema: TSchema): string {
  return (schema as { description?: string }).description ?? 'a different value';
}

function integerText(setting: Setting): string {
  if (setting.min !== undefined && setting.max !== undefined) return `an integer from ${setting.min} to ${setting.max}`;
  if (setting.min !== undefined) return `an integer >= ${setting.min}`;
  return 'an integer';
}

export const ConfigFileSchema = Type.Object(
  Object.fromEntries(fileSettings().map((setting) => [setting.key, Type.Optional(settingSchema(setting))])),
  { additionalProperties: false, description: 'chat-node settings: each key is a flag of a role in camelCase' },
);

/** One thing wrong in a config file: where (a JSON pointer, and the keys leading there), and what. */
export interface ConfigProblem {
  /** `/` for the file as a whole, `/sendRate`, `/corsOrigins/1`. */
  pointer: string;
  /** The keys of the pointer, to find the line. */
  keys: string[];
  message: string;
}

/** Every problem of a parsed config file, in the file's key order; [] when it is valid. */
export function configProblems(value: unknown): ConfigProblem[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    return [{ pointer: '/', keys: [], message: `expected a mapping of settings (key: value), got ${shown(value)}` }];
  }
  const settings = new Map(fileSettings().map((setting) => [setting.key as string, setting]));
  const problems: ConfigProblem[] = [];
  for (const [key, item] of Object.entries(value)) {
    const setting = settings.get(key);
    if (!setting) {
      problems.push({ pointer: `/${key}`, keys: [key], message: unknownKeyMessage(key, item) });
      continue;
    }
    problems.push(...valueProblems(setting, item));
  }
  return problems;
}

function valueProblems(setting: Setting & { key: SettingKey }, value: unknown): ConfigProblem[] {
  const schema = settingSchema(setting);
  const at = (pointer: string, keys: string[], got: unknown, wanted = expected(schema)): ConfigProblem => ({
    pointer,
    keys,
    message: `wrong type at ${pointer}: expected ${wanted}, got ${setting.secret === 'value' ? kindOf(got) : shown(got)}`,
  });
  const pointer = `/${setting.key}`;
  if (setting.kind === 'list' && Array.isArray(value)) {
    const item = stringSchema(setting);
    return value.flatMap((entry, i) =>
      Value.Check(item, entry) ? [] : [at(`${pointer}/${i}`, [setting.key, String(i)], entry, expected(item))],
    );
  }
  if (!Value.Check(schema, value)) return [at(pointer, [setting.key], value)];
  if (setting.kind === 'list' && typeof value === 'string') {
    const item = stringSchema(setting);
    const bad = splitList(value).find((entry) => !Value.Check(item, entry));
    if (bad !== undefined) return [at(pointer, [setting.key], bad, `${expected(item)} in the list`)];
  }
  return [];
}

/** A comma-separated list's entries, trimmed, the empty ones dropped. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * Why a key is unknown, and what was probably meant. Files written before the keys took the flags'
 * names used ClusterConfig's (`sendRatePerSec`, `jwt: { secret }`, `limits: { maxFrameBytes }`):
 * those are pointed at their new names exactly.
 */
function unknownKeyMessage(key: string, value: unknown): string {
  const head = `unknown key \`${key}\` at /`;
  const settings = fileSettings();
  if (key === 'config') return `${head}: a config file cannot name another`;
  const renamed = settings.find((setting) => setting.input === key && setting.key !== key);
  if (renamed) return `${head}; did you mean \`${renamed.key}\`? (the keys are the flags' names in camelCase now)`;
  const aliased = settings.find((setting) =>
    SETTING_COMMANDS.some((command) =>
      commandSetting(setting.key, command)?.aliases?.some((alias) => camelOf(alias) === key),
    ),
  );
  if (aliased)
    return `${head}; did you mean \`${aliased.key}\`? (--${kebabOf(key)} is a former name of --${aliased.flag})`;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const moved = Object.keys(value).flatMap((inner) => {
      const setting = settings.find((candidate) => candidate.input === `${key}.${inner}`);
      return setting ? [`\`${setting.key}\` for ${key}.${inner}`] : [];
    });
    if (moved.length > 0) return `${head}; settings are top-level keys named as the flags: write ${moved.join(', ')}`;
  }
  const suggestion = nearestKey(
    key,
    settings.map((setting) => setting.key),
  );
  return suggestion
    ? `${head}; did you mean \`${suggestion}\`?`
    : `${head}; \`chat-node config init\` writes every key`;
}

/** `http-port` -> `httpPort`. */
function camelOf(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A value as an error shows it: JSON, cut at 60 characters, with its kind (a secret: its kind alone). */
function shown(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  // Of parsed YAML, JSON and environment values, only undefined has no JSON.
  const text = JSON.stringify(value) ?? 'undefined';
  return `${text.length > 60 ? `${text.slice(0, 57)}...` : text} (${kindOf(value)})`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return Number.isInteger(value) ? 'an integer' : `a ${typeof value}`;
}
