import { describe, expect, it } from 'vitest';
import type { TypingEvent } from '../../../src/core/client/events.js';
import { TypingTracker } from '../../../src/core/client/typing-tracker.js';
import { FakeTimers } from './fake-timers.js';

function tracker() {
  const timers = new FakeTimers();
  const events: Array<TypingEvent & { at: number }> = [];
  const typing = new TypingTracker((event) => events.push({ ...event, at: timers.now() }), timers);
  const start = (room: string, user: string, ttlMs = 8000) => typing.apply({ room, user, state: 'start', ttlMs });
  const stop = (room: string, user: string, ttlMs = 8000) => typing.apply({ room, user, state: 'stop', ttlMs });
  return { timers, events, typing, start, stop };
}

describe('typing tracker', () => {
  it('a first start is reported and lists the user; a renewal is silent', () => {
    const { events, typing, start, timers } = tracker();
    start('r', 'bob');
    timers.advance(3000);
    start('r', 'bob');
    expect(events).toEqual([{ room: 'r', user: 'bob', state: 'start', ttlMs: 8000, at: 0 }]);
    expect(typing.typingIn('r')).toEqual(['bob']);
    expect(typing.typingIn('other')).toEqual([]);
  });

  it('a start not renewed ends by itself after ttlMs, reported as an expired stop', () => {
    const { events, typing, start, timers } = tracker();
    start('r', 'bob', 8000);
    timers.advance(7999);
    expect(typing.typingIn('r')).toEqual(['bob']);
    timers.advance(1);
    expect(typing.typingIn('r')).toEqual([]);
    expect(events.at(-1)).toEqual({ room: 'r', user: 'bob', state: 'stop', ttlMs: 0, expired: true, at: 8000 });
    expect(timers.active).toBe(0);
  });

  it('a renewal moves the expiry to ttlMs after the renewal', () => {
    const { events, typing, start, timers } = tracker();
    start('r', 'bob', 8000);
    timers.advance(5000);
    start('r', 'bob', 8000);
    timers.advance(3000); // t = 8000: the first start would have run out here
    expect(typing.typingIn('r')).toEqual(['bob']);
    expect(events).toHaveLength(1);
    timers.advance(5000); // t = 13000
    expect(events.map((e) => [e.state, e.at, e.expired])).toEqual([
      ['start', 0, undefined],
      ['stop', 13000, true],
    ]);
  });

  it('an explicit stop is reported once, only for a user who was typing, and disarms the timer', () => {
    const { events, typing, start, stop, timers } = tracker();
    stop('r', 'bob'); // never started
    expect(events).toEqual([]);
    start('r', 'bob');
    timers.advance(1000);
    stop('r', 'bob', 8000);
    stop('r', 'bob'); // already stopped
    expect(events.map((e) => [e.state, e.at])).toEqual([
      ['start', 0],
      ['stop', 1000],
    ]);
    expect(events[1]).toEqual({ room: 'r', user: 'bob', state: 'stop', ttlMs: 8000, at: 1000 });
    expect(typing.typingIn('r')).toEqual([]);
    expect(timers.active).toBe(0);
    timers.advance(20_000);
    expect(events).toHaveLength(2);
  });

  it('a start after a stop or an expiry is a new start', () => {
    const { events, start, stop, timers } = tracker();
    start('r', 'bob', 1000);
    stop('r', 'bob');
    start('r', 'bob', 1000);
    timers.advance(1000);
    start('r', 'bob', 1000);
    expect(events.map((e) => `${e.state}${e.expired ? '(expired)' : ''}@${e.at}`)).toEqual([
      'start@0',
      'stop@0',
      'start@0',
      'stop(expired)@1000',
      'start@1000',
    ]);
  });

  it('a message from the typist ends its typing in that room only', () => {
    const { events, typing, start, timers } = tracker();
    start('r', 'bob');
    start('r', 'carol');
    start('s', 'bob');
    timers.advance(10);
    typing.messageFrom('r', 'bob');
    typing.messageFrom('r', 'dave'); // not typing: nothing
    expect(events.slice(3)).toEqual([{ room: 'r', user: 'bob', state: 'stop', ttlMs: 0, at: 10 }]);
    expect(typing.typingIn('r')).toEqual(['carol']);
    expect(typing.typingIn('s')).toEqual(['bob']);
  });

  it('typingIn is sorted, and rooms are independent', () => {
    const { typing, start } = tracker();
    for (const user of ['mallory', 'bob', 'zoe', 'alice']) start('r', user);
    start('s', 'carol');
    expect(typing.typingIn('r')).toEqual(['alice', 'bob', 'mallory', 'zoe']);
    expect(typing.typingIn('s')).toEqual(['carol']);
    expect(typing.size).toBe(5);
  });

  it('forgetting a room stops its typists; clear stops everyone and leaves no timer', () => {
    const { events, typing, start, timers } = tracker();
    start('r', 'bob');
    start('r', 'carol');
    start('s', 'dave');
    typing.forgetRoom('r');
    typing.forgetRoom('nothing');
    expect(events.slice(3).map((e) => [e.room, e.user, e.state])).toEqual([
      ['r', 'bob', 'stop'],
      ['r', 'carol', 'stop'],
    ]);
    expect(timers.active).toBe(1);
    typing.clear();
    expect(events.slice(5)).toEqual([{ room: 's', user: 'dave', state: 'stop', ttlMs: 0, at: 0 }]);
    expect(typing.size).toBe(0);
    expect(timers.active).toBe(0);
    typing.clear();
    expect(events).toHaveLength(6);
  });

  it('a shorter start re-arms the one timer earlier; later ones do not re-arm it', () => {
    const { events, start, timers } = tracker();
    start('r', 'bob', 8000);
    expect(timers.nextAt).toBe(8000);
    timers.advance(100);
    start('r', 'carol', 1000);
    expect(timers.active).toBe(1);
    expect(timers.nextAt).toBe(1100);
    const armed = timers.armedTotal;
    start('r', 'dave', 8000);
    expect(timers.armedTotal).toBe(armed);
    timers.advance(20_000);
    expect(events.filter((e) => e.state === 'stop').map((e) => [e.user, e.at])).toEqual([
      ['carol', 1100],
      ['bob', 8000],
      ['dave', 8100],
    ]);
    expect(timers.active).toBe(0);
  });

  it('thousands of typists share one timer, and each expires at its own time', () => {
    const { events, typing, start, timers } = tracker();
    for (let i = 0; i < 5000; i++) {
      start(`room${i % 50}`, `user${i}`, 8000);
      expect(timers.active).toBe(1);
      timers.advance(1);
    }
    expect(typing.size).toBe(5000);
    // Half of them renew once, half way through.
    for (let i = 0; i < 5000; i += 2) start(`room${i % 50}`, `user${i}`, 8000);
    expect(timers.active).toBe(1);
    let maxActive = 0;
    for (let t = 0; t < 20_000; t += 7) {
      timers.advance(7);
      maxActive = Math.max(maxActive, timers.active);
    }
    expect(maxActive).toBe(1);
    expect(timers.active).toBe(0);
    const stops = events.filter((e) => e.state === 'stop');
    expect(stops).toHaveLength(5000);
    expect(stops.every((e) => e.expired === true)).toBe(true);
    for (const stop of stops) {
      const i = Number(stop.user.slice(4));
      expect(stop.at, stop.user).toBe(i % 2 === 0 ? 5000 + 8000 : i + 8000);
    }
  });

  it('random sequences agree with a simple model (events, times, typists, one timer)', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = mulberry32(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const { events, typing, timers } = tracker();
      const model = new Map<string, number>(); // "room/user" -> expiresAt
      const expected: string[] = [];
      const rooms = ['r', 's', 't'];
      const users = ['a', 'b', 'c', 'd'];
      const key = (room: string, user: string) => `${room}/${user}`;
      const stopped = (k: string, at: number, how: string) => {
        model.delete(k);
        expected.push(`${k} stop ${how} @${at}`);
      };
      for (let step = 0; step < 400; step++) {
        const room = pick(rooms);
        const user = pick(users);
        const k = key(room, user);
        const op = random();
        if (op < 0.35) {
          const ttlMs = pick([0, 500, 3000, 8000]);
          typing.apply({ room, user, state: 'start', ttlMs });
          if (!model.has(k)) expected.push(`${k} start @${timers.now()}`);
          model.set(k, timers.now() + ttlMs);
        } else if (op < 0.5) {
          typing.apply({ room, user, state: 'stop', ttlMs: 8000 });
          if (model.has(k)) stopped(k, timers.now(), 'explicit');
        } else if (op < 0.6) {
          typing.messageFrom(room, user);
          if (model.has(k)) stopped(k, timers.now(), 'made');
        } else if (op < 0.63) {
          typing.forgetRoom(room);
          for (const u of users) if (model.has(key(room, u))) stopped(key(room, u), timers.now(), 'made');
        } else if (op < 0.64) {
          typing.clear();
          for (const k2 of [...model.keys()].sort()) stopped(k2, timers.now(), 'made');
        } else {
          const end = timers.now() + pick([0, 1, 100, 499, 1000, 4000]);
          const due = [...model].filter(([, at]) => at <= end).sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
          timers.advance(end - timers.now());
          for (const [k2, at] of due) stopped(k2, at, 'expired');
        }
        expect(timers.active, `seed ${seed} step ${step}`).toBe(model.size > 0 ? 1 : 0);
        for (const r of rooms) {
          const want = users.filter((u) => model.has(key(r, u)));
          expect(typing.typingIn(r), `seed ${seed} step ${step}`).toEqual(want);
        }
      }
      const got = events.map((e) => {
        const how = e.state === 'start' ? '' : e.expired ? ' expired' : e.ttlMs === 0 ? ' made' : ' explicit';
        return `${e.room}/${e.user} ${e.state}${how} @${e.at}`;
      });
      // Stops reported together (same time, same cause) may come in any order.
      expect(sortTies(got), `seed ${seed}`).toEqual(sortTies(expected));
    }
  });
});

/** Sorts runs of stops with the same time, leaving the sequence otherwise as it is. */
function sortTies(lines: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const runKey = (line: string) => (line.includes(' stop ') ? line.replace(/^\S+ /, '') : undefined);
  for (const line of lines) {
    if (run.length > 0 && runKey(line) !== undefined && runKey(line) === runKey(run[0]!)) {
      run.push(line);
      continue;
    }
    out.push(...run.sort());
    run = [line];
  }
  out.push(...run.sort());
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
