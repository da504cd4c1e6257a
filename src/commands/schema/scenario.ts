import { Command } from '@oclif/core';
import { schemaDocumentText } from '../../cli/schema-documents.js';

export default class SchemaScenario extends Command {
  static override summary = 'Print the JSON Schema of scenario files (chat-node sim)';
  static override description = [
    "One JSON Schema document (draft 2020-12), generated from the schema the simulator checks scenario files with: unknown fields are refused, and each field's description says what it expects.",
    'It applies to YAML files too (to the parsed document): an editor with a YAML language server takes it from a first line "# yaml-language-server: $schema=<path to scenario.schema.json>". Rules across fields (exactly one of messages.ratePerUser and totalRate, min <= max) are checked when the scenario loads, not by the schema.',
    'Fields are documented in docs/scenarios.md. docs/schemas/scenario.schema.json is a checked-in copy (npm run schemas regenerates it).',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> schema scenario > scenario.schema.json'];

  async run(): Promise<void> {
    await this.parse(SchemaScenario);
    process.stdout.write(schemaDocumentText('scenario'));
  }
}
