import { Command } from '@oclif/core';
import { schemaDocumentText } from '../../cli/schema-documents.js';

export default class SchemaProtocol extends Command {
  static override summary = 'Print the JSON Schema of every client and server frame of the wire protocol';
  static override description = [
    'One JSON Schema document (draft 2020-12), generated from the frame schemas the gateway and the client library validate with.',
    'It has a $defs entry per frame (ClientSend, ServerAck, ...) and per shared object (Message, Room, Id); #/$defs/ClientFrame is a oneOf of the frames a client sends and #/$defs/ServerFrame a oneOf of those the server sends, in which a frame\'s "type" picks its definition.',
    'Field descriptions come from the schemas; the semantics, and the limits a gateway is configured with, are in docs/protocol.md. docs/schemas/protocol.schema.json is a checked-in copy (npm run schemas regenerates it).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> schema protocol > protocol.schema.json',
    '<%= config.bin %> schema protocol | jq \'.["$defs"].ClientSend\'',
  ];

  async run(): Promise<void> {
    await this.parse(SchemaProtocol);
    process.stdout.write(schemaDocumentText('protocol'));
  }
}
