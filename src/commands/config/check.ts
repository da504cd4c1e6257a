import { Args, Command } from '@oclif/core';
import { ConfigError, resolveConfig } from '../../core/config/cluster-config.js';
import { checkConfigFile } from '../../core/config/config-file.js';
import { fileConfigInput } from '../../core/config/resolve-settings.js';

/** Stand-ins for the service URLs a file may leave to the environment, so the rest can be checked. */
const SERVICE_STAND_INS = { postgresUrl: 'postgresql://check', redisUrl: 'redis://check', natsUrl: 'nats://check' };

export default class ConfigCheck extends Command {
  static override summary = 'Check a config file: unknown keys, wrong types, values a role refuses';
  static override description = [
    'Reads FILE as a role reads --config (YAML, or JSON when it ends in .json) and lists every problem with its line: a key that is no setting (with the key probably meant), a value of the wrong type or out of range, and what a role would refuse at start given only this file (presenceTimeoutMs below heartbeatMs, an HS256 secret shorter than 32 bytes, a JWKS URL over http:).',
    'The environment and flags are not read: `chat-node config print ROLE --config FILE` shows what a role would run with. Exit status 0 when the file is valid, 1 when it is not.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> config check chat.yaml'];
  static override args = {
    file: Args.string({ description: 'the config file (.yaml, .yml or .json)', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ConfigCheck);
    const report = checkConfigFile(args.file);
    const problems = [...report.problems];
    if (problems.length === 0) {
      try {
        resolveConfig('check', { ...SERVICE_STAND_INS, ...fileConfigInput(report.values) });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(`${args.file}: a role would refuse it: ${error.message}`);
      }
    }
    if (problems.length > 0) {
      process.stderr.write(
        `${problems.join('\n')}\n${args.file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}\n`,
      );
      this.exit(1);
    }
    const keys = Object.keys(report.values);
    const listed = keys.length > 6 ? `${keys.slice(0, 6).join(', ')} and ${keys.length - 6} more` : keys.join(', ');
    this.log(
      `${args.file}: valid ${report.format}, ${keys.length === 1 ? '1 setting' : `${keys.length} settings`}${keys.length > 0 ? ` (${listed})` : ''}`,
    );
  }
}
