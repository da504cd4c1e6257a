import { Command, Flags } from '@oclif/core';
import { existsSync, writeFileSync } from 'node:fs';
import { configTemplate } from '../../cli/settings-docs.js';

export default class ConfigInit extends Command {
  static override summary = 'Write a commented config file to start from: every setting and its default';
  static override description = [
    'Every setting a role reads from --config, grouped as in --help, each under its help, its flag and variable, the roles that read it and its default. Defaults are commented out (uncomment a line to change it); the service URLs are written with local examples to edit.',
    'Prints the file, or writes it to --out (mode 0600: it may come to hold the JWT secret), refusing to replace an existing file without --force.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> config init --out chat.yaml', '<%= config.bin %> config init | less'];
  static override flags = {
    out: Flags.string({ description: 'write the file here instead of printing it' }),
    force: Flags.boolean({ description: 'replace --out if it exists' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigInit);
    const text = configTemplate();
    if (!flags.out) {
      process.stdout.write(text);
      return;
    }
    if (existsSync(flags.out) && !flags.force)
      this.error(`${flags.out} exists: pass --force to replace it`, { exit: 2 });
    writeFileSync(flags.out, text, { mode: 0o600 });
    this.log(`wrote ${flags.out}: check it with chat-node config check ${flags.out}`);
  }
}
