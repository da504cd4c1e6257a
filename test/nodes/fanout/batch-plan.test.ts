import { describe, expect, it } from 'vitest';
import type { SendEnvelope } from '../../../src/core/bus/envelopes.js';
import type { Message } from '../../../src/core/protocol/server-frames.js';
import { clientMsgKey, planBatch } from '../../../src/nodes/fanout/batch-plan.js';

function send(room: string, sender: string, clientMsgId: string): SendEnvelope {
  return { room, sender, clientMsgId, body: 'x', senderDevice: 'd', reply: { node: 'n', conn: 'c' }, receivedAt: 0 };
}

const members = new Map([
  ['r1', new Set(['alice', 'bob'])],
  ['r2', new Set(['alice', 'carol'])],
]);

describe('fanout - batch plan', () => {
  it('new sends count per room in arrival order', () => {
    const plan = planBatch(
      [send('r1', 'alice', 'a'), send('r2', 'alice', 'b'), send('r1', 'bob', 'c')],
      members,
      new Map(),
    );
    expect(plan.outcomes.map((o) => o.kind)).toEqual(['new', 'new', 'new']);
    expect([...plan.newPerRoom]).toEqual([
      ['r1', 2],
      ['r2', 1],
    ]);
  });

  it('a resend of a committed clientMsgId replays the stored message', () => {
    const stored: Message = {
      room: 'r1',
      seq: 7,
      msgId: 'm',
      sender: 'alice',
      senderDevice: 'phone',
      clientMsgId: 'a',
      body: 'hi',
      ts: 1,
    };
    const plan = planBatch([send('r1', 'alice', 'a')], members, new Map([[clientMsgKey('alice', 'a'), stored]]));
    expect(plan.outcomes).toEqual([{ kind: 'existing', message: stored }]);
    expect(plan.newPerRoom.size).toBe(0);
  });

  it('reusing a clientMsgId for another room is a conflict', () => {
    const stored: Message = {
      room: 'r2',
      seq: 1,
      msgId: 'm',
      sender: 'alice',
      senderDevice: 'd',
      clientMsgId: 'a',
      body: 'hi',
      ts: 1,
    };
    const plan = planBatch([send('r1', 'alice', 'a')], members, new Map([[clientMsgKey('alice', 'a'), stored]]));
    expect(plan.outcomes[0]).toMatchObject({ kind: 'rejected', code: 'conflict' });
  });

  it('the same clientMsgId twice in one batch becomes one message', () => {
    const plan = planBatch([send('r1', 'alice', 'a'), send('r1', 'alice', 'a')], members, new Map());
    expect(plan.outcomes).toEqual([
      { kind: 'new', room: 'r1', index: 0 },
      { kind: 'same-as', index: 0 },
    ]);
    expect(plan.newPerRoom.get('r1')).toBe(1);
  });

  it('the same clientMsgId from two users is two messages', () => {
    const plan = planBatch([send('r1', 'alice', 'a'), send('r1', 'bob', 'a')], members, new Map());
    expect(plan.newPerRoom.get('r1')).toBe(2);
  });

  it('non-members and unknown rooms are rejected without taking a seq', () => {
    const plan = planBatch(
      [send('r2', 'bob', 'a'), send('nope', 'alice', 'b'), send('r1', 'alice', 'c')],
      members,
      new Map(),
    );
    expect(plan.outcomes[0]).toMatchObject({ kind: 'rejected', code: 'forbidden' });
    expect(plan.outcomes[1]).toMatchObject({ kind: 'rejected', code: 'not_found' });
    expect([...plan.newPerRoom]).toEqual([['r1', 1]]);
  });
});
