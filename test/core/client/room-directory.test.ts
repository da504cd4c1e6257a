import { describe, expect, it } from 'vitest';
import { RoomDirectory, UNREAD_TAIL_LIMIT } from '../../../src/core/client/room-directory.js';
import type { Message, Room } from '../../../src/core/protocol/index.js';

const ME = 'alice';

function room(id: string, fields: Partial<Room> = {}): Room {
  return {
    id,
    kind: 'group',
    name: id,
    members: [ME, 'bob'],
    owner: 'bob',
    lastSeq: 0,
    readSeq: 0,
    unread: 0,
    ...fields,
  };
}

function msg(roomId: string, seq: number, sender = 'bob'): Message {
  return { room: roomId, seq, msgId: `m${seq}`, sender, senderDevice: 'd', clientMsgId: `c${seq}`, body: '', ts: 0 };
}

function directory(): RoomDirectory {
  const d = new RoomDirectory();
  d.setUser(ME);
  return d;
}

describe('room directory', () => {
  it('messages from others raise lastSeq and unread; our own only lastSeq', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 2, readSeq: 2 }));
    d.noteMessage(msg('r', 3));
    d.noteMessage(msg('r', 4, ME));
    d.noteMessage(msg('r', 5));
    expect(d.get('r')).toMatchObject({ lastSeq: 5, readSeq: 2, unread: 2 });
  });

  it('a message the snapshot already counted does not count again', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 10, unread: 3, readSeq: 7 }));
    d.noteMessage(msg('r', 9)); // a gap fill below lastSeq
    expect(d.get('r')).toMatchObject({ lastSeq: 10, unread: 3 });
  });

  it('reading up to lastSeq on another device clears unread here', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 10, unread: 4, readSeq: 6 }));
    d.noteMessage(msg('r', 11));
    d.noteRead('r', ME, 11);
    expect(d.get('r')).toMatchObject({ readSeq: 11, unread: 0 });
  });

  it('a partial read counts exactly what arrived live above it', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 10, unread: 0, readSeq: 10 }));
    for (const seq of [11, 12, 13, 14]) d.noteMessage(msg('r', seq, seq === 13 ? ME : 'bob'));
    expect(d.get('r')?.unread).toBe(3);
    d.noteRead('r', ME, 12);
    expect(d.get('r')).toMatchObject({ readSeq: 12, unread: 1 });
  });

  it('a partial read within the snapshot estimates unread without going below zero or above the rest', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 10, unread: 5, readSeq: 5 }));
    d.noteRead('r', ME, 8);
    expect(d.get('r')).toMatchObject({ readSeq: 8, unread: 2 });
  });

  it('other users reading do not change our counters, nor do reads going backwards', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 10, unread: 5, readSeq: 5 }));
    d.noteRead('r', 'bob', 10);
    d.noteRead('r', ME, 3);
    expect(d.get('r')).toMatchObject({ readSeq: 5, unread: 5 });
  });

  it('a snapshot older than what arrived live keeps the newer lastSeq and adds what was counted above it', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 10, readSeq: 10 }));
    d.noteMessage(msg('r', 11));
    d.noteMessage(msg('r', 12));
    d.applySnapshot(room('r', { lastSeq: 11, readSeq: 10, unread: 1, name: 'renamed' }));
    expect(d.get('r')).toMatchObject({ name: 'renamed', lastSeq: 12, unread: 2 });
  });

  it('a newer snapshot replaces the counters, keeping a read position seen later', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 10, readSeq: 4, unread: 6 }));
    d.noteRead('r', ME, 10);
    d.applySnapshot(room('r', { lastSeq: 12, readSeq: 4, unread: 8 }));
    expect(d.get('r')).toMatchObject({ lastSeq: 12, readSeq: 10 });
    expect(d.get('r')!.unread).toBeLessThanOrEqual(2);
  });

  it('a room without us in members is left and forgotten; truncated is not kept', () => {
    const d = directory();
    expect(d.applySnapshot(room('r', { truncated: true }))).toBe('member');
    expect(d.get('r')).not.toHaveProperty('truncated');
    expect(d.applySnapshot(room('r', { members: ['bob'] }))).toBe('left');
    expect(d.list()).toEqual([]);
  });

  it('the full list replaces the set and names the rooms that were dropped', () => {
    const d = directory();
    d.applySnapshot(room('a'));
    d.applySnapshot(room('b'));
    expect(d.replaceAll([room('b'), room('c')])).toEqual(['a']);
    expect(
      d
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['b', 'c']);
  });

  it('the remembered tail is bounded, and unread still counts every message', () => {
    const d = directory();
    d.applySnapshot(room('r'));
    const n = UNREAD_TAIL_LIMIT + 50;
    for (let seq = 1; seq <= n; seq++) d.noteMessage(msg('r', seq));
    expect(d.get('r')!.unread).toBe(n);
    d.noteRead('r', ME, n);
    expect(d.get('r')!.unread).toBe(0);
  });

  it('list returns copies', () => {
    const d = directory();
    d.applySnapshot(room('r', { lastSeq: 1 }));
    d.list()[0]!.lastSeq = 99;
    expect(d.get('r')!.lastSeq).toBe(1);
  });
});
