import type { Message, Room } from '../../src/core/client/index.js';
import { ChatState } from '../../src/tui/chat-state.js';

/** Rooms and messages for the terminal client's pure tests. */
export const T0 = new Date(2024, 2, 4, 14, 5).getTime();

export function room(id: string, fields: Partial<Room> = {}): Room {
  return {
    id,
    kind: id.startsWith('g_') ? 'group' : 'direct',
    name: '',
    members: ['alice', 'bob'],
    owner: 'alice',
    lastSeq: 0,
    readSeq: 0,
    unread: 0,
    ...fields,
  };
}

export function message(roomId: string, seq: number, sender: string, body: string, ts = T0 + seq * 1000): Message {
  return {
    room: roomId,
    seq,
    msgId: `m${roomId}${seq}`,
    sender,
    senderDevice: 'd1',
    clientMsgId: `c${roomId}${seq}`,
    body,
    ts,
  };
}

/** alice's state with a direct room with bob and a group, live. */
export function aliceState(): ChatState {
  const state = new ChatState();
  state.identity = { user: 'alice', device: 'laptop' };
  state.setConnection({ state: 'live' }, T0);
  state.setRooms([
    room('d_bob', { lastSeq: 0 }),
    room('g_hike', { name: 'hiking', members: ['alice', 'bob', 'carol'] }),
  ]);
  return state;
}
