import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { settingsMarkdown, TABLE_BEGIN, TABLE_END, withSettingsTable } from '../../src/cli/settings-docs.js';
import { SETTING_KEYS, settingOf } from '../../src/core/config/settings.js';

/** Issue 15, item 4: the docs' table of settings is the settings table's, not a copy kept by hand. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tableIn = (file: string) => {
  const text = readFileSync(`${ROOT}${file}`, 'utf8');
  return text.slice(text.indexOf(TABLE_BEGIN), text.indexOf(TABLE_END) + TABLE_END.length);
};

describe('settings table in the docs', () => {
  it.each(['README.md', 'docs/protocol.md'])(
    '%s shows the table as src/core/config/settings-table.ts says it',
    (file) => {
      expect(tableIn(file), `${file} is out of date: run npm run docs:settings`).toBe(settingsMarkdown());
    },
  );

  it('has a row per setting, with its flag and variable', () => {
    const rows = settingsMarkdown().split('\n');
    for (const key of SETTING_KEYS) {
      const { env, flag, argvRefused } = settingOf(key);
      const row = rows.find((line) => line.includes(`| \`${env}\` |`));
      expect(row, env).toBeDefined();
      if (flag && !argvRefused) expect(row, env).toContain(`\`--${flag}\``);
    }
  });

  it('is replaced between its markers only, and refused where they are missing', () => {
    expect(withSettingsTable(`intro\n${TABLE_BEGIN}\nold\n${TABLE_END}\nrest\n`, 'TABLE')).toBe('intro\nTABLE\nrest\n');
    expect(() => withSettingsTable('no markers', 'TABLE')).toThrow(/no settings table markers/);
  });
});
