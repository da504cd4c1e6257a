import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import SchemaProtocol from '../../../src/commands/schema/protocol.js';
import { CLIENT_FRAMES, SERVER_FRAMES } from '../../../src/core/protocol/index.js';
import { runCli } from '../../support/cli.js';
import { runCommand } from '../../support/run-command.js';

const CHECKED_IN = readFileSync(new URL('../../../docs/schemas/protocol.schema.json', import.meta.url), 'utf8');

describe('schema protocol', () => {
  it('prints the JSON Schema that docs/schemas/protocol.schema.json keeps, and nothing else', async () => {
    const run = await runCommand(SchemaProtocol, []);
    expect(run).toEqual({ code: 0, stdout: CHECKED_IN, stderr: '' });
  });

  it('prints it whole into a pipe, every frame of each direction in its oneOf', async () => {
    const { code, stdout, stderr } = await runCli(['schema', 'protocol']);
    expect(code, stderr).toBe(0);
    const document = JSON.parse(stdout) as {
      $schema: string;
      $defs: Record<string, { oneOf?: Array<{ $ref: string }> }>;
    };
    expect(document.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(document.$defs.ClientFrame!.oneOf).toHaveLength(Object.keys(CLIENT_FRAMES).length);
    expect(document.$defs.ServerFrame!.oneOf).toHaveLength(Object.keys(SERVER_FRAMES).length);
    expect(document.$defs.ClientFrame!.oneOf).toContainEqual({ $ref: '#/$defs/ClientSend' });
  });

  it('refuses an argument with exit 2', async () => {
    const run = await runCommand(SchemaProtocol, ['client']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unexpected argument: client/);
    expect(run.stdout).toBe('');
  });
});
