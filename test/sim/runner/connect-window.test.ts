import { describe, expect, it } from 'vitest';
import { ConnectWindow } from '../../../src/sim/runner/connect-window.js';

describe('connect window', () => {
  it('fast connects widen it by an eighth per round, up to the max', () => {
    const window = new ConnectWindow({ initial: 32, max: 40, targetMs: 2000 }, () => 0);
    for (let i = 0; i < 32; i++) window.settled(100, true);
    expect(window.limit).toBe(36);
    for (let i = 0; i < 1000; i++) window.settled(100, true);
    expect(window.limit).toBe(40);
  });

  it('a slow or failed connect shrinks it, once per target interval, never below the min', () => {
    let now = 0;
    const window = new ConnectWindow({ initial: 100, min: 10, targetMs: 2000, decrease: 0.5 }, () => now);
    window.settled(5000, true);
    expect(window.limit).toBe(50);
    // The rest of the same slow round says nothing new.
    for (let i = 0; i < 20; i++) window.settled(5000, true);
    expect(window.limit).toBe(50);
    now += 2000;
    window.settled(100, false);
    expect(window.limit).toBe(25);
    for (let i = 0; i < 10; i++) {
      now += 2000;
      window.settled(9000, true);
    }
    expect(window.limit).toBe(10);
  });

  it('under a gateway that completes R connects a second, latency settles near the target', () => {
    // A queue model: each connect waits (in flight / R) seconds.
    const rate = 50;
    let now = 0;
    const window = new ConnectWindow({ initial: 32, targetMs: 2000 }, () => now);
    for (let step = 0; step < 20_000; step++) {
      now += 1000 / rate;
      window.settled((window.limit / rate) * 1000, true);
    }
    const latencyMs = (window.limit / rate) * 1000;
    expect(window.limit).toBeLessThan(256);
    expect(latencyMs).toBeLessThanOrEqual(2000 + 1000 / rate);
    expect(latencyMs).toBeGreaterThan(1000);
  });
});
