import type { ConfigInput } from '../../core/config/cluster-config.js';
import { SETTING_KEYS, settingOf } from '../../core/config/settings.js';

/**
 * A config input as the CHAT_* environment every role command reads, so a supervisor can hand
 * its children exactly the settings it was given (flags of the parent become env of the child).
 * Generated from the settings table: each setting with a place in ConfigInput, but the ones set
 * per process (the node id).
 */
export function configEnvOf(input: ConfigInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of SETTING_KEYS) {
    const setting = settingOf(key);
    if (!setting.input || setting.perProcess) continue;
    const value = setting.input
      .split('.')
      .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], input) as
      string | number | boolean | string[] | undefined;
    if (value !== undefined) env[setting.env] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}
