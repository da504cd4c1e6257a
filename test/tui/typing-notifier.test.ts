import { describe, expect, it } from 'vitest';
import { TYPING_IDLE_MS, TYPING_RENEW_MS, TypingNotifier } from '../../src/tui/typing-notifier.js';
import { FakeTimers } from '../core/client/fake-timers.js';

function notifier(online = true) {
  const timers = new FakeTimers();
  const sent: Array<[string, string, number]> = [];
  const typing = new TypingNotifier((room, state) => {
    if (online) sent.push([room, state, timers.now()]);
    return online;
  }, timers);
  return { timers, sent, typing };
}

describe('tui - typing notifier', () => {
  it('the first keystroke sends start; more keystrokes renew it at most every few seconds', () => {
    const { timers, sent, typing } = notifier();
    typing.changed('r', 'h');
    timers.advance(1000);
    typing.changed('r', 'he');
    timers.advance(TYPING_RENEW_MS - 1000);
    typing.changed('r', 'hel');
    expect(sent).toEqual([
      ['r', 'start', 0],
      ['r', 'start', TYPING_RENEW_MS],
    ]);
  });

  it('clearing the line, a command, or resting ends typing with one stop', () => {
    const { timers, sent, typing } = notifier();
    typing.changed('r', 'hi');
    typing.changed('r', '');
    typing.changed('r', '');
    expect(sent.map(([, state]) => state)).toEqual(['start', 'stop']);
    typing.changed('r', '/join x');
    expect(sent).toHaveLength(2);
    typing.changed('r', 'again');
    timers.advance(TYPING_IDLE_MS);
    expect(sent.map(([, state]) => state)).toEqual(['start', 'stop', 'start', 'stop']);
    expect(typing.typingIn).toBeUndefined();
  });

  it('switching rooms stops typing in the old room before starting in the new one', () => {
    const { sent, typing } = notifier();
    typing.changed('a', 'x');
    typing.changed('b', 'xy');
    expect(sent.map(([room, state]) => `${room}:${state}`)).toEqual(['a:start', 'a:stop', 'b:start']);
  });

  it('offline, nothing counts as sent, so the first keystroke after reconnecting sends start', () => {
    const { typing } = notifier(false);
    typing.changed('r', 'x');
    expect(typing.typingIn).toBeUndefined();
  });
});
