import { readdirSync, readFileSync } from 'node:fs';
import Schema from 'typebox/schema';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { schemaDocumentText, type JsonSchema, type SchemaDocumentName } from '../../src/cli/schema-documents.js';
import { CLIENT_FRAMES, decodeClientFrame, decodeServerFrame, SERVER_FRAMES } from '../../src/core/protocol/index.js';
import { parseScenario, ScenarioError } from '../../src/sim/scenario/index.js';

/**
 * The JSON Schemas of `chat-node schema`: the checked-in copies in docs/schemas/ are what the
 * command prints, and, read by a JSON Schema validator as plain JSON, they accept and refuse
 * what the gateway, the client library and the scenario loader accept and refuse.
 */

const ROOT = new URL('../../', import.meta.url);
const document = (name: SchemaDocumentName) => JSON.parse(schemaDocumentText(name)) as JsonSchema;
/** A validator of one `$defs` entry (or of the whole document) from the document alone. */
const validator = (doc: JsonSchema, def?: string) =>
  Schema.Compile((def ? { $defs: doc.$defs, $ref: `#/$defs/${def}` } : doc) as Schema.XSchema);

const clientSamples: unknown[] = [
  { type: 'hello', token: 'a.b.c' },
  { type: 'send', id: 'r1', room: 'room_1', clientMsgId: 'c-1', body: 'hello' },
  { type: 'send', room: 'room_1', clientMsgId: 'c-1', body: 'from a newer client', extra: true },
  { type: 'send', room: 'room_1', clientMsgId: 'c-1' },
  { type: 'send', room: 'room 1', clientMsgId: 'c-1', body: 'x' },
  { type: 'send', room: 'room_1', clientMsgId: 'c-1', body: 'nul \u0000' },
  { type: 'sync', since: { room_1: 4 } },
  { type: 'sync', since: { 'not an id': 4 } },
  { type: 'room.create', kind: 'group', name: 'g', members: ['bob'] },
  { type: 'room.create', kind: 'channel', members: [] },
  { type: 'typing', room: 'r', state: 'start' },
  { type: 'history', room: 'r', limit: 101 },
  { type: 'push.register', platform: 'fcm', token: 't', preview: false },
  { type: 'nope' },
  { id: 'r2' },
];

const message = {
  room: 'r',
  seq: 1,
  msgId: 'm',
  sender: 'alice',
  senderDevice: 'phone',
  clientMsgId: 'c',
  body: 'hi',
  ts: 1,
};
const room = {
  id: 'r',
  kind: 'direct',
  name: '',
  members: ['alice', 'bob'],
  owner: 'alice',
  lastSeq: 1,
  readSeq: 0,
  unread: 1,
};
const serverSamples: unknown[] = [
  {
    type: 'welcome',
    user: 'alice',
    device: 'phone',
    heartbeatMs: 25000,
    limits: { maxFrameBytes: 16384, maxBodyChars: 4000, maxGroupMembers: 100 },
  },
  { type: 'ack', id: 'r1', room: 'r', clientMsgId: 'c', msgId: 'm', seq: 1, ts: 1 },
  { type: 'ack', room: 'r', clientMsgId: 'c', msgId: 'm', seq: 0, ts: 1 },
  { type: 'msg', message },
  { type: 'msg', message: { ...message, seq: undefined } },
  { type: 'history', room: 'r', messages: [message], hasMore: false },
  { type: 'sync.done', rooms: [room], hasMore: true },
  { type: 'sync.done', rooms: [{ ...room, kind: 'channel' }] },
  { type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 100 },
  { type: 'error', code: 'teapot', message: 'no' },
  { type: 'presence', users: [{ user: 'bob', status: 'online', lastSeen: null }] },
  { type: 'room', room, refused: [{ user: 'carol', reason: 'blocked' }] },
  { type: 'goaway', reconnectInMs: 500 },
];

describe('schema documents', () => {
  it.each(['protocol', 'scenario'] as const)(
    'docs/schemas/%s.schema.json is what `chat-node schema` prints',
    (name) => {
      const checkedIn = readFileSync(new URL(`docs/schemas/${name}.schema.json`, ROOT), 'utf8');
      expect(checkedIn, `docs/schemas/${name}.schema.json is stale: regenerate both with \`npm run schemas\``).toBe(
        schemaDocumentText(name),
      );
    },
  );

  it('lists every frame once in its direction, by a definition of its own', () => {
    const doc = document('protocol');
    const defs = doc.$defs as Record<
      string,
      { oneOf?: Array<{ $ref: string }>; properties?: { type?: { const?: string } } }
    >;
    const typesOf = (union: string) =>
      defs[union]!.oneOf!.map((entry) => defs[entry.$ref.replace('#/$defs/', '')]!.properties!.type!.const);
    expect(typesOf('ClientFrame')).toEqual(Object.keys(CLIENT_FRAMES));
    expect(typesOf('ServerFrame')).toEqual(Object.keys(SERVER_FRAMES));
    expect(doc.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(defs.ClientRoomMembersAdd).toMatchObject({ title: 'room.members.add (client → server)' });
  });

  it('names shared objects once and refers to them', () => {
    const defs = document('protocol').$defs as Record<string, { properties: Record<string, unknown> }>;
    expect(defs.ServerMsg!.properties.message).toEqual({ $ref: '#/$defs/Message' });
    expect(defs.ServerSyncDone!.properties.rooms).toEqual({ type: 'array', items: { $ref: '#/$defs/Room' } });
    expect(defs.ClientSend!.properties.id).toEqual({ $ref: '#/$defs/RequestId' });
    expect(defs.Message!.properties.seq).toMatchObject({
      description: "the room's sequence number: 1, 2, 3, ... with no gaps",
    });
  });

  it('accepts exactly the client frames the gateway accepts', () => {
    const clientFrame = validator(document('protocol'), 'ClientFrame');
    for (const frame of clientSamples) {
      expect(clientFrame.Check(frame), JSON.stringify(frame)).toBe(decodeClientFrame(JSON.stringify(frame)).ok);
    }
    expect(clientSamples.filter((frame) => clientFrame.Check(frame)).length).toBeGreaterThan(5);
  });

  it('accepts exactly the server frames the client library accepts', () => {
    const serverFrame = validator(document('protocol'), 'ServerFrame');
    for (const frame of serverSamples) {
      expect(serverFrame.Check(frame), JSON.stringify(frame)).toBe(decodeServerFrame(JSON.stringify(frame)).ok);
    }
    expect(serverSamples.filter((frame) => !serverFrame.Check(frame)).length).toBeGreaterThan(2);
  });

  it('takes a frame of either direction at its root', () => {
    const anyFrame = validator(document('protocol'));
    // `history` exists both ways: the server's reply must not be refused for matching the client's request too.
    expect(anyFrame.Check({ type: 'history', room: 'r', messages: [], hasMore: false })).toBe(true);
    expect(anyFrame.Check({ type: 'ping' })).toBe(true);
    expect(anyFrame.Check({ type: 'nope' })).toBe(false);
  });

  it('accepts every scenario in scenarios/ and refuses what the loader refuses', () => {
    const scenario = validator(document('scenario'));
    const files = readdirSync(new URL('scenarios/', ROOT)).filter((file) => file.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const parsed: unknown = parseYaml(readFileSync(new URL(`scenarios/${file}`, ROOT), 'utf8'));
      expect(scenario.Check(parsed), `${file}: ${JSON.stringify(scenario.Errors(parsed)[1][0])}`).toBe(true);
    }
    const base = { users: 10, messages: { totalRate: 5 } };
    const wrong: unknown[] = [
      { ...base, messages: { ratePerUsr: 1 } },
      { ...base, phases: { steady: '10 minutes' } },
      { ...base, devicesPerUser: { 11: 1 } },
      { ...base, rooms: { groupSize: { min: 1, max: 5 } } },
      { ...base, sendRate: 5 },
    ];
    for (const input of wrong) {
      expect(scenario.Check(input), JSON.stringify(input)).toBe(false);
      expect(() => parseScenario(JSON.stringify(input), 'wrong.json'), JSON.stringify(input)).toThrow(ScenarioError);
    }
    expect(scenario.Check({ ...base, phases: { rampUp: '1m30s', steady: 60000 } })).toBe(true);
  });
});
