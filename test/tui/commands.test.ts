import { describe, expect, it } from 'vitest';
import { COMMANDS, matchingCommands, parseInput } from '../../src/tui/commands.js';

describe('tui - slash commands', () => {
  it('text is a message; // sends a message that starts with /; blank is nothing', () => {
    expect(parseInput('hello')).toEqual({ kind: 'message', body: 'hello' });
    expect(parseInput('//shrug')).toEqual({ kind: 'message', body: '/shrug' });
    expect(parseInput('   ')).toEqual({ kind: 'empty' });
    expect(parseInput(' leading space kept')).toEqual({ kind: 'message', body: ' leading space kept' });
  });

  it('every command of the issue parses, with aliases', () => {
    expect(parseInput('/rooms')).toEqual({ kind: 'command', command: { name: 'rooms' } });
    expect(parseInput('/join hiking')).toEqual({ kind: 'command', command: { name: 'join', target: 'hiking' } });
    expect(parseInput('/j 2')).toEqual({ kind: 'command', command: { name: 'join', target: '2' } });
    expect(parseInput('/dm bob')).toEqual({ kind: 'command', command: { name: 'dm', user: 'bob' } });
    expect(parseInput('/new hiking bob carol')).toEqual({
      kind: 'command',
      command: { name: 'new', title: 'hiking', users: ['bob', 'carol'] },
    });
    expect(parseInput('/new "road trip" bob')).toEqual({
      kind: 'command',
      command: { name: 'new', title: 'road trip', users: ['bob'] },
    });
    expect(parseInput('/members')).toEqual({ kind: 'command', command: { name: 'members' } });
    expect(parseInput('/history')).toEqual({ kind: 'command', command: { name: 'history' } });
    expect(parseInput('/HELP')).toEqual({ kind: 'command', command: { name: 'help' } });
    expect(parseInput('/q')).toEqual({ kind: 'command', command: { name: 'quit' } });
    expect(parseInput('/retry')).toEqual({ kind: 'command', command: { name: 'retry' } });
  });

  it('/block, /unblock and /blocks parse; they name one user', () => {
    expect(parseInput('/block mallory')).toEqual({ kind: 'command', command: { name: 'block', user: 'mallory' } });
    expect(parseInput('/unblock mallory')).toEqual({ kind: 'command', command: { name: 'unblock', user: 'mallory' } });
    expect(parseInput('/blocks')).toEqual({ kind: 'command', command: { name: 'blocks' } });
    expect(parseInput('/block')).toMatchObject({ kind: 'error', message: '/block <user>: name one user' });
    expect(parseInput('/block a b')).toMatchObject({ kind: 'error' });
    expect(parseInput('/unblock bad!')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('"bad!" is not a user id'),
    });
  });

  it('mistakes are explained, not sent', () => {
    expect(parseInput('/dance')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('unknown command /dance'),
    });
    expect(parseInput('/dm')).toMatchObject({ kind: 'error', message: '/dm <user>: name one user' });
    expect(parseInput('/dm bob carol')).toMatchObject({ kind: 'error' });
    expect(parseInput('/dm bob!')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('"bob!" is not a user id'),
    });
    expect(parseInput('/new hiking')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('at least one user'),
    });
    expect(parseInput('/new "road trip bob')).toMatchObject({ kind: 'error', message: 'a quote is not closed' });
    expect(parseInput('/members now')).toMatchObject({ kind: 'error', message: '/members: takes no arguments' });
  });

  it('the hint while typing a command lists the commands that match', () => {
    expect(matchingCommands('/').length).toBe(COMMANDS.length);
    expect(matchingCommands('/h').map((c) => c.name)).toEqual(['history', 'help']);
    expect(matchingCommands('/q').map((c) => c.name)).toEqual(['quit']);
    expect(matchingCommands('/dm bob')).toEqual([]);
    expect(matchingCommands('hello')).toEqual([]);
  });
});
