import { Args, Command } from '@oclif/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsMarkdown, withSettingsTable } from '../../cli/settings-docs.js';

export default class ConfigDocs extends Command {
  static override summary = 'Print the table of settings as Markdown, or rewrite it in files';
  static override description =
    'The table of every setting (key, flag, variable, default, the commands that take it, meaning), generated from src/core/config/settings-table.ts. Given files, it replaces the table between their markers instead: `npm run docs:settings` does so for README.md and docs/protocol.md, and a test fails when they differ from it.';
  static override examples = [
    '<%= config.bin %> config docs',
    '<%= config.bin %> config docs README.md docs/protocol.md',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({ description: "a Markdown file with the table's markers (any number)" }),
  };

  async run(): Promise<void> {
    const { argv } = await this.parse(ConfigDocs);
    const table = settingsMarkdown();
    if (argv.length === 0) {
      process.stdout.write(`${table}\n`);
      return;
    }
    for (const file of argv as string[]) {
      const text = readFileSync(file, 'utf8');
      let updated: string;
      try {
        updated = withSettingsTable(text, table);
      } catch (error) {
        this.error(`${file}: ${(error as Error).message}`, { exit: 2 });
      }
      if (updated !== text) writeFileSync(file, updated);
      this.log(`${file}: ${updated === text ? 'up to date' : 'table rewritten'}`);
    }
  }
}
