import { describe, expect, it } from 'vitest';
import { ChatState } from '../../src/tui/chat-state.js';
import { aliceState, message, room, T0 } from './fixtures.js';

describe('tui - chat state', () => {
  it('rooms are named by the other user or the group name, listed by name, found by number, name or prefix', () => {
    const state = aliceState();
    state.setRooms([
      ...state.rooms,
      room('d_zed', { members: ['alice', 'zed'] }),
      room('g_x', { members: ['alice', 'carol', 'dave'] }),
    ]);
    expect(state.rooms.map((r) => state.displayName(r))).toEqual(['bob', 'carol, dave', 'hiking', 'zed']);
    expect(state.findRoom('3')?.id).toBe('g_hike');
    expect(state.findRoom('#hiking')?.id).toBe('g_hike');
    expect(state.findRoom('hik')?.id).toBe('g_hike');
    expect(state.findRoom('d_zed')?.id).toBe('d_zed');
    expect(state.findRoom('nobody')).toBeUndefined();
  });

  it('messages are kept once per seq in order, whatever order they come in', () => {
    const state = aliceState();
    for (const seq of [3, 1, 2, 3, 1]) state.addMessage(message('d_bob', seq, 'bob', `m${seq}`));
    expect(state.timeline('d_bob').messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('a pending send is replaced by its message when the ack (or the echo) arrives', () => {
    const state = aliceState();
    state.addPending({ clientMsgId: 'c1', room: 'd_bob', body: 'hi', at: T0 });
    expect(state.pendingIn('d_bob')).toHaveLength(1);
    state.addMessage({ ...message('d_bob', 1, 'alice', 'hi'), clientMsgId: 'c1' });
    expect(state.pendingIn('d_bob')).toHaveLength(0);
  });

  it('a failed send stays, marked failed, and /retry marks it sending again', () => {
    const state = aliceState();
    state.addPending({ clientMsgId: 'c1', room: 'd_bob', body: 'hi', at: T0 });
    state.failPending('c1', 'too large');
    expect(state.pending[0]).toMatchObject({ state: 'failed', error: 'too large' });
    expect(state.retryFailed('d_bob').map((s) => s.clientMsgId)).toEqual(['c1']);
    expect(state.pending[0]!.state).toBe('sending');
    expect(state.retryFailed('d_bob')).toEqual([]);
  });

  it('history pages merge below; the top is known when the server says so or seq 1 is in', () => {
    const state = aliceState();
    state.addMessage(message('d_bob', 120, 'bob', 'live'));
    expect(state.timeline('d_bob').hasOlder).toBe(true);
    state.addHistory('d_bob', [message('d_bob', 70, 'bob', 'a'), message('d_bob', 119, 'bob', 'b')], true);
    expect(state.timeline('d_bob')).toMatchObject({ loaded: true, hasOlder: true });
    state.addHistory('d_bob', [message('d_bob', 1, 'bob', 'first')], true);
    expect(state.timeline('d_bob').hasOlder).toBe(false);
    expect(state.timeline('d_bob').messages.map((m) => m.seq)).toEqual([1, 70, 119, 120]);
  });

  it('losing the connection leaves a notice, and getting it back says how many messages the sync brought', () => {
    const state = aliceState();
    state.open('d_bob');
    state.setTyping('d_bob', ['bob']);
    state.setConnection({ state: 'reconnecting', reconnectInMs: 2000 }, T0);
    expect(state.connection.reconnectAt).toBe(T0 + 2000);
    expect(state.typingIn('d_bob')).toEqual([]);
    state.setConnection({ state: 'syncing' }, T0 + 2500);
    state.addMessage(message('d_bob', 1, 'bob', 'while away'));
    state.addMessage(message('d_bob', 2, 'alice', 'my own resend'));
    state.setConnection({ state: 'live' }, T0 + 3000);
    expect(state.timeline('d_bob').notices.map((n) => n.text)).toEqual([
      'connection lost: reconnecting…',
      'reconnected: 1 new message synced',
    ]);
  });

  it('a message from a typist ends their indicator', () => {
    const state = aliceState();
    state.setTyping('g_hike', ['bob', 'carol']);
    state.addMessage(message('g_hike', 1, 'bob', 'done'));
    expect(state.typingIn('g_hike')).toEqual(['carol']);
  });

  it('Tab goes to the next room with unread messages, wrapping around', () => {
    const state = new ChatState();
    state.identity = { user: 'alice', device: 'laptop' };
    state.setRooms([
      room('d_a', { members: ['alice', 'amy'], unread: 2 }),
      room('d_b', { members: ['alice', 'bea'] }),
      room('d_c', { members: ['alice', 'cy'], unread: 1 }),
    ]);
    state.open('d_b');
    expect(state.nextUnread()?.id).toBe('d_c');
    state.open('d_c');
    expect(state.nextUnread()?.id).toBe('d_a');
    expect(state.roomAfter(1)?.id).toBe('d_a');
    expect(state.roomAfter(-1)?.id).toBe('d_b');
  });

  it('a room left is closed and forgotten', () => {
    const state = aliceState();
    state.open('g_hike');
    state.addMessage(message('g_hike', 1, 'bob', 'x'));
    state.setRooms(state.rooms.filter((r) => r.id !== 'g_hike'));
    expect(state.openRoomId).toBeUndefined();
    expect(state.room('g_hike')).toBeUndefined();
  });
});
