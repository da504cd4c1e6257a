import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodeServerFrame } from '../../../src/core/protocol/decode.js';
import { Subjects } from '../../../src/core/bus/subjects.js';

describe('protocol - decoding client frames', () => {
  it('a valid send decodes to its frame', () => {
    const result = decodeClientFrame(
      JSON.stringify({ type: 'send', id: 'q1', room: 'r1', clientMsgId: 'c1', body: 'hi' }),
    );
    expect(result).toEqual({ ok: true, frame: { type: 'send', id: 'q1', room: 'r1', clientMsgId: 'c1', body: 'hi' } });
  });

  it.each([
    ['not json', '{', 'frame is not valid JSON'],
    ['an array', '[]', 'frame must be a JSON object'],
    ['no type', '{"id":"q"}', 'type: must be a string'],
    ['an unknown type', '{"type":"nope","id":"q"}', 'type: unknown frame type "nope"'],
  ])('%s is a bad frame with a clear message', (_name, text, message) => {
    expect(decodeClientFrame(text)).toMatchObject({ ok: false, message });
  });

  it('an id outside the id pattern names the field and keeps the request id', () => {
    const result = decodeClientFrame(
      JSON.stringify({ type: 'send', id: 'q2', room: 'a.b', clientMsgId: 'c', body: '' }),
    );
    expect(result).toMatchObject({ ok: false, requestId: 'q2' });
    expect(result.ok ? '' : result.message).toMatch(/^room: /);
  });

  it('sync keys must be room ids and seqs non-negative', () => {
    expect(decodeClientFrame('{"type":"sync","since":{"a>b":1}}').ok).toBe(false);
    expect(decodeClientFrame('{"type":"sync","since":{"ab":-1}}').ok).toBe(false);
    expect(decodeClientFrame('{"type":"sync","since":{"ab":3}}').ok).toBe(true);
  });

  it('history limits are 1..100', () => {
    expect(decodeClientFrame('{"type":"history","room":"r","limit":0}').ok).toBe(false);
    expect(decodeClientFrame('{"type":"history","room":"r","limit":101}').ok).toBe(false);
    expect(decodeClientFrame('{"type":"history","room":"r","limit":100}').ok).toBe(true);
  });

  it.each([
    ['a NUL in a body', { type: 'send', id: 'q', room: 'r', clientMsgId: 'c', body: 'a\u0000b' }],
    ['a lone surrogate in a body', { type: 'send', id: 'q', room: 'r', clientMsgId: 'c', body: 'x\ud800' }],
    ['a NUL in a group name', { type: 'room.create', id: 'q', kind: 'group', name: '\u0000', members: [] }],
    ['a NUL in a push token', { type: 'push.register', id: 'q', platform: 'fcm', token: 't\u0000' }],
  ])('stored text refuses %s (Postgres text cannot hold it)', (_name, frame) => {
    const result = decodeClientFrame(JSON.stringify(frame));
    expect(result).toMatchObject({ ok: false, requestId: 'q' });
    expect(result.ok ? '' : result.message).toMatch(/must be well-formed Unicode text without U\+0000$/);
  });

  it('stored text takes emoji and other astral characters', () => {
    expect(
      decodeClientFrame(JSON.stringify({ type: 'send', room: 'r', clientMsgId: 'c', body: '😀 héllo ✓' })).ok,
    ).toBe(true);
  });

  it('a request id longer than 64 characters is refused', () => {
    expect(decodeClientFrame(JSON.stringify({ type: 'ping', id: 'x'.repeat(65) })).ok).toBe(false);
  });

  it('server frames decode for the client library', () => {
    expect(decodeServerFrame('{"type":"error","code":"forbidden","message":"no"}').ok).toBe(true);
    expect(decodeServerFrame('{"type":"error","code":"made_up","message":"no"}').ok).toBe(false);
  });
});

describe('protocol - partitions', () => {
  it('a room always maps to the same partition within range', () => {
    const subjects = new Subjects('chat', 16);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const partition = subjects.partitionOf(`room-${i}`);
      expect(partition).toBe(subjects.partitionOf(`room-${i}`));
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(16);
      seen.add(partition);
    }
    expect(seen.size).toBe(16);
  });

  it("each takeover of a partition names a new consumer; all of them, and the old form, are the partition's", () => {
    const subjects = new Subjects('chat', 16);
    expect(subjects.consumer(1, 7)).toBe('fanout-1-e7');
    expect(subjects.isConsumerOf('fanout-1-e7', 1)).toBe(true);
    expect(subjects.isConsumerOf('fanout-1', 1)).toBe(true);
    expect(subjects.isConsumerOf('fanout-10-e7', 1)).toBe(false);
    expect(subjects.isConsumerOf('fanout-1-e7', 10)).toBe(false);
  });
});
